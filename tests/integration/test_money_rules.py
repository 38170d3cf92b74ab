"""Money the policy allows and nothing more (issue 11), through the real ReturnDesk on SQLite
and PostgreSQL: the per-tender ledger, whole-return limits, approvals bound to their facts and
one refund computation."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.domain.draft import ReturnDraft, approved_refund
from counter_app.domain.money import Money
from counter_app.services.errors import BadInput, NotRefundable, OverrideRefused
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.invariants import check_invariants


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


def _draft(store: Store, number: str, lines: dict[int, int]) -> ReturnDraft:
    """A draft of `lines` (line_no -> quantity), inspected as new / changed mind, decided."""
    desk = store.desk
    draft = desk.start_return(desk.find_order(number), store.user("alice"))
    for no, qty in lines.items():
        desk.select_line(draft, no, qty)
        desk.record_inspection(draft, no, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    return draft


def _approve(store: Store, draft: ReturnDraft, line_no: int) -> None:
    store.desk.authorize_override(
        draft, line_no, manager_username="maria", pin="987654", reason="customer_care"
    )


def _cash_out(engine: Engine, order_id: int) -> int:
    with UnitOfWork(engine) as uow:
        r, p = t.refunds.c, t.payments.c
        q = (
            select(func.coalesce(func.sum(r.amount_minor), 0))
            .select_from(t.refunds.join(t.payments, p.id == r.payment_id))
            .where(p.order_id == order_id, r.tender == "cash")
        )
        return int(uow.conn.execute(q).scalar_one())


# ------------------------------------------------------------------ per-tender ledger


def test_cash_already_refunded_is_not_offered_again(store: Store) -> None:
    """Cash 20.00 + card 10.00, two lines of 15.00: line 1 back in cash leaves 5.00 cash, so
    line 2 cannot go out in cash; nothing of the card ever leaves the drawer."""
    order_id = add_order(
        store.engine, "O-C", days_before(NOW, 3), [("APP-1", 1, 1500), ("HOM-1", 1, 1500)],
        [("cash", 2000), ("card", 1000)],
    )  # fmt: skip
    first = _draft(store, "O-C", {1: 1})
    assert "cash" in store.desk.refund_summary(first).tenders_allowed
    store.desk.commit_return(first, "cash")
    assert _cash_out(store.engine, order_id) == 1500

    second = _draft(store, "O-C", {2: 1})
    summary = store.desk.refund_summary(second)
    assert "cash" not in summary.tenders_allowed
    assert "CASH_LEFT" in second.lines[2].decision.reason_codes()  # type: ignore[union-attr]
    with pytest.raises(BadInput):
        store.desk.commit_return(second, "cash")
    store.desk.commit_return(second, "original")  # 5.00 back to cash, 10.00 to the card
    assert _cash_out(store.engine, order_id) == 2000
    with UnitOfWork(store.engine) as uow:
        rows = uow.conn.execute(
            select(t.refunds.c.tender, t.refunds.c.amount_minor).order_by(t.refunds.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [("cash", 1500), ("cash", 500), ("card", 1000)]
    assert check_invariants(store.engine) == []


# ------------------------------------------------------------------ whole-return rules

VALUE_CASES = [
    # lines (sku, qty, paid), payments, return {line: qty}, outcome per line, code, cash?
    ([("APP-1", 1, 30000), ("HOM-1", 1, 30000)], "card", {1: 1, 2: 1}, "refer",
     "RETURN_OVER_VALUE_LIMIT", False),
    ([("APP-1", 2, 60000)], "card", {1: 2}, "refer", "OVER_VALUE_LIMIT", False),
    ([("APP-1", 1, 30000), ("HOM-1", 1, 30000)], "card", {1: 1}, "approve", None, False),
    ([("APP-1", 1, 15000), ("HOM-1", 1, 15000)], "cash", {1: 1, 2: 1}, "approve",
     "RETURN_CASH_LIMIT", False),
    ([("APP-1", 1, 15000), ("HOM-1", 1, 15000)], "cash", {1: 1}, "approve", None, True),
    ([("APP-1", 1, 800), ("HOM-1", 1, 800)], "card", {1: 1, 2: 1}, "approve", None, False),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "tender", "picked", "outcome", "code", "cash"), VALUE_CASES)
def test_value_thresholds_apply_to_the_whole_return(
    store: Store,
    lines: list[tuple[str, int, int]],
    tender: str,
    picked: dict[int, int],
    outcome: str,
    code: str | None,
    cash: bool,
) -> None:
    total = sum(paid for *_, paid in lines)
    add_order(store.engine, "O-V", days_before(NOW, 3), lines, [(tender, total)])
    draft = _draft(store, "O-V", picked)
    for dl in draft.selected():
        assert dl.decision is not None and dl.decision.outcome == outcome
        if code is not None:
            assert code in dl.decision.reason_codes()
    summary = store.desk.refund_summary(draft)
    assert ("cash" in summary.tenders_allowed) is cash


def test_fast_path_needs_the_whole_return_below_its_threshold(store: Store) -> None:
    add_order(store.engine, "O-F", days_before(NOW, 3), [("APP-1", 1, 800), ("HOM-1", 1, 800)])
    alone = _draft(store, "O-F", {1: 1})
    assert "LOW_VALUE_AUTO" in alone.lines[1].decision.reason_codes()  # type: ignore[union-attr]
    both = _draft(store, "O-F", {1: 1, 2: 1})  # 16.00 together: not below 15.00
    for dl in both.selected():
        assert dl.decision is not None and "LOW_VALUE_AUTO" not in dl.decision.reason_codes()


def test_a_return_level_referral_is_approved_by_overriding_its_lines(store: Store) -> None:
    add_order(
        store.engine, "O-R", days_before(NOW, 3), [("APP-1", 1, 30000), ("HOM-1", 1, 30000)]
    )
    draft = _draft(store, "O-R", {1: 1, 2: 1})
    assert store.desk.refund_summary(draft).blocked
    _approve(store, draft, 1)
    _approve(store, draft, 2)
    committed = store.desk.commit_return(draft, "original")
    assert committed.total == Money(60000)


# ------------------------------------------------------------------ one refund computation


def test_decision_summary_and_commit_price_the_same_units(store: Store) -> None:
    add_order(store.engine, "O-P", days_before(NOW, 3), [("APP-1", 3, 1000)])
    draft = _draft(store, "O-P", {1: 2})
    decision = draft.lines[1].decision
    assert decision is not None and decision.refund == Money(667)
    summary = store.desk.refund_summary(draft)
    assert summary.lines == ((1, Money(667), Money(0)),)
    committed = store.desk.commit_return(draft, "original")
    assert committed.total == Money(667) and committed.lines == summary.lines
    last = _draft(store, "O-P", {1: 1})
    assert last.lines[1].decision.refund == Money(333)  # type: ignore[union-attr]
    assert store.desk.commit_return(last, "original").total == Money(333)


# ------------------------------------------------------------------ approvals bound to facts


def _final_sale_draft(store: Store) -> ReturnDraft:
    add_order(store.engine, "O-A", days_before(NOW, 3), [("FIN-1", 3, 14997), ("APP-1", 1, 50000)])
    draft = _draft(store, "O-A", {1: 1})
    assert draft.lines[1].decision is not None and draft.lines[1].decision.outcome == "deny"
    _approve(store, draft, 1)
    assert store.desk.refund_summary(draft).blocked == ()
    return draft


def _raise_quantity(store: Store, draft: ReturnDraft) -> None:
    store.desk.select_line(draft, 1, 3)


def _damaged(store: Store, draft: ReturnDraft) -> None:
    store.desk.record_inspection(draft, 1, reason_code="changed_mind", condition="damaged")


def _other_reason(store: Store, draft: ReturnDraft) -> None:
    store.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")


def _another_line(store: Store, draft: ReturnDraft) -> None:
    store.desk.select_line(draft, 2, 1)  # the return total goes over 500.00: rules change
    store.desk.record_inspection(draft, 2, reason_code="changed_mind", condition="new")


VOIDS = [
    (_raise_quantity, "quantity changed"),
    (_damaged, "condition changed"),
    (_other_reason, "reason changed"),
    (_another_line, "rules changed"),
]


@pytest.mark.parametrize(("change", "why"), VOIDS)
def test_an_approval_is_voided_by_any_change_of_what_it_approved(
    store: Store, change: object, why: str
) -> None:
    draft = _final_sale_draft(store)
    change(store, draft)  # type: ignore[operator]
    store.desk.evaluate(draft)
    message = f"The manager's approval no longer applies: {why}"
    summary = store.desk.refund_summary(draft)
    assert any(message in b for b in summary.blocked)
    with pytest.raises(OverrideRefused, match=message):
        store.desk.commit_return(draft, "original")
    assert check_invariants(store.engine) == []


def test_an_approval_moved_to_another_line_says_so(store: Store) -> None:
    add_order(store.engine, "O-M", days_before(NOW, 3), [("FIN-1", 1, 4999), ("FIN-1", 1, 4999)])
    draft = _draft(store, "O-M", {1: 1, 2: 1})
    _approve(store, draft, 1)
    draft.lines[2].override = draft.lines[1].override
    with pytest.raises(OverrideRefused, match="given for another item") as err:
        store.desk.commit_return(draft, "original")
    assert "already confirmed" not in str(err.value)


def test_a_tampered_decision_cannot_commit(store: Store) -> None:
    add_order(store.engine, "O-T", days_before(NOW, 3), [("FIN-1", 1, 4999)])
    draft = _draft(store, "O-T", {1: 1})
    d = draft.lines[1].decision
    assert d is not None
    draft.lines[1].decision = dataclasses.replace(
        d, outcome="approve", refund=approved_refund(d), tenders_allowed=("original",)
    )
    assert store.desk.refund_summary(draft).blocked == ()  # the draft alone would pass...
    with pytest.raises(NotRefundable):  # ... the commit decides it again
        store.desk.commit_return(draft, "original")


def test_an_unchanged_approval_still_commits(store: Store) -> None:
    draft = _final_sale_draft(store)
    store.desk.evaluate(draft)  # decided again: same facts, same approval
    assert store.desk.commit_return(draft, "original").total == Money(4999)
    assert check_invariants(store.engine) == []

