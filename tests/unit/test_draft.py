"""The return draft without a database: approval, fees, refunds, the summary and clone()."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from counter_app.domain.draft import (
    APPROVAL_VOID,
    DraftLine,
    OverrideGrant,
    ReturnDraft,
    approved_refund,
    grant_rule_codes,
    refund_summary,
)
from counter_app.domain.model import Order, OrderLine, Payment, User
from counter_app.domain.money import Money
from counter_app.domain.policy import DISPOSITIONS, Decision, Inspection, Reason
from counter_app.domain.stock import (
    LOCATION_BY_DISPOSITION,
    LOCATIONS,
    SELLABLE_DISPOSITIONS,
    location_for,
)

CASHIER = User(1, "alice", "Alice", "cashier")
MANAGER = User(2, "maria", "Maria", "manager")
INSPECTED = Inspection(reason_code="changed_mind", condition="new")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def order_line(line_no: int, paid: int, quantity: int = 1, name: str = "") -> OrderLine:
    return OrderLine(
        id=100 + line_no,
        line_no=line_no,
        sku=f"SKU-{line_no}",
        name=name or f"Item {line_no}",
        category="apparel",
        serialised=False,
        quantity=quantity,
        returned_quantity=0,
        unit_price=usd(paid // quantity),
        discount=usd(0),
        tax=usd(0),
        paid=usd(paid),
    )


def decision(
    outcome: str = "approve",
    fee: int = 0,
    tenders: tuple[str, ...] = ("original", "store_credit"),
    overridable: bool = False,
    override_fee: int | None = None,
) -> Decision:
    reasons = () if outcome.startswith("approve") else (Reason("late", "Too late", False),)
    return Decision(
        outcome=outcome,
        fee=usd(fee),
        refund=usd(0),
        tenders_allowed=tenders,
        reasons=reasons,
        overridable=overridable,
        disposition="restock_new",
        store_credit_bonus_percent=Decimal(0),
        override_fee=None if override_fee is None else usd(override_fee),
    )


def draft_of(*lines: OrderLine) -> ReturnDraft:
    order = Order(
        id=1,
        number="O-1",
        channel="store",
        placed_at=datetime(2026, 11, 1, tzinfo=UTC),
        currency="USD",
        store_code="S001",
        customer=None,
        lines=lines,
        payments=(Payment(1, "card", usd(sum(ln.paid.minor for ln in lines)), usd(0)),),
    )
    return ReturnDraft(order=order, cashier=CASHIER)


def add(draft: ReturnDraft, line: OrderLine, d: Decision | None, quantity: int = 1) -> DraftLine:
    dl = DraftLine(line=line, quantity=quantity, inspection=INSPECTED, decision=d)
    draft.lines[line.line_no] = dl
    return dl


def grant(draft: ReturnDraft, line_no: int) -> OverrideGrant:
    return OverrideGrant("g-1", draft.id, line_no, MANAGER, "customer_care", "", ("late",))


def test_an_approved_line_refunds_what_was_paid_minus_its_fee() -> None:
    line = order_line(1, 4000)
    dl = DraftLine(line=line, decision=decision("approve_with_fee", fee=600))
    assert dl.approved and dl.fee == usd(600) and dl.refund == usd(3400)


def test_a_fee_larger_than_the_refund_leaves_zero_not_a_negative_refund() -> None:
    dl = DraftLine(line=order_line(1, 500), decision=decision("approve_with_fee", fee=900))
    assert dl.refund == usd(0)


def test_a_denied_line_refunds_nothing_until_a_manager_overrides_it() -> None:
    draft = draft_of(order_line(1, 4000))
    dl = add(draft, draft.order.lines[0], decision("deny", fee=500, overridable=True))
    assert not dl.approved and dl.refund == usd(0) and dl.fee == usd(0)
    dl.override = grant(draft, 1)
    # An overridden denial still pays the fee the policy would charge.
    assert dl.approved and dl.fee == usd(500) and dl.refund == usd(3500)
    dl.decision = decision("deny", fee=500, overridable=True, override_fee=200)
    assert dl.fee == usd(200) and dl.refund == usd(3800)


def test_a_hard_denial_stays_denied_even_with_an_override() -> None:
    draft = draft_of(order_line(1, 4000))
    dl = add(draft, draft.order.lines[0], decision("deny", overridable=False))
    dl.override = grant(draft, 1)
    assert not dl.approved and dl.refund == usd(0)


def test_the_summary_adds_up_lines_and_keeps_the_tenders_every_line_allows() -> None:
    a, b = order_line(1, 2500), order_line(2, 1999, quantity=2)
    draft = draft_of(a, b)
    # paid in cash: the ledger has the cash to give back (a card-only order would not)
    cash = (Payment(1, "cash", usd(2500 + 1999), usd(0)),)
    draft.order = dataclasses.replace(draft.order, payments=cash)
    add(draft, a, decision(tenders=("original", "cash", "store_credit")))
    add(draft, b, decision("approve_with_fee", fee=100, tenders=("store_credit", "cash")), 1)
    summary = refund_summary(draft)
    assert summary.blocked == ()
    assert summary.lines == ((1, usd(2500), usd(0)), (2, usd(900), usd(100)))
    assert summary.total == usd(3400) and summary.fees == usd(100)
    assert summary.tenders_allowed == ("cash", "store_credit")  # in the screen's order


def test_a_decision_without_tenders_allows_original_and_store_credit() -> None:
    draft = draft_of(order_line(1, 1000))
    add(draft, draft.order.lines[0], decision(tenders=()))
    assert refund_summary(draft).tenders_allowed == ("original", "store_credit")


@pytest.mark.parametrize(
    ("inspection", "d", "blocked"),
    [
        (None, None, "Scarf: pick a reason and a condition."),
        (INSPECTED, None, "Scarf: not checked against the policy yet."),
        (INSPECTED, decision("refer", overridable=True), "Scarf: needs a manager's approval."),
        (
            INSPECTED,
            decision("deny"),
            "Scarf: cannot be returned — remove it from the return.",
        ),
    ],
)
def test_each_unfinished_line_says_what_blocks_the_return(
    inspection: Inspection | None, d: Decision | None, blocked: str
) -> None:
    line = order_line(1, 1000, name="Scarf")
    draft = draft_of(line)
    draft.lines[1] = DraftLine(line=line, inspection=inspection, decision=d)
    summary = refund_summary(draft)
    assert summary.blocked == (blocked,)
    assert summary.lines == () and summary.total == usd(0)


def test_an_empty_draft_and_lines_without_a_common_tender_are_blocked() -> None:
    assert refund_summary(draft_of(order_line(1, 100))).blocked == (
        "Scan or pick at least one item to return.",
    )
    a, b = order_line(1, 100), order_line(2, 200)
    draft = draft_of(a, b)
    add(draft, a, decision(tenders=("cash",)))
    add(draft, b, decision(tenders=("store_credit",)))
    assert refund_summary(draft).blocked == (
        "The items allow no common refund tender: return them separately.",
    )


def test_a_clone_can_be_changed_without_touching_the_original() -> None:
    line = order_line(1, 1000, quantity=3)
    draft = draft_of(line)
    add(draft, line, None)
    copy = draft.clone()
    copy.lines[1].quantity = 2
    copy.lines[1].decision = decision()
    copy.lines[7] = DraftLine(line=order_line(7, 50))
    assert draft.lines[1].quantity == 1 and draft.lines[1].decision is None
    assert list(draft.lines) == [1] and copy.id == draft.id
    assert refund_summary(draft).blocked == ("Item 1: not checked against the policy yet.",)
    copy.lines.pop(7)
    assert refund_summary(copy).total == usd(667)  # the first two of 334 + 333 + 333


def test_every_disposition_has_one_stock_place() -> None:
    assert set(LOCATION_BY_DISPOSITION) == set(DISPOSITIONS)
    assert LOCATIONS == ("sellable", "open_box", "vendor", "scrap")
    assert location_for("restock_open_box") == "open_box"
    assert {"restock_new", "restock_open_box"} == SELLABLE_DISPOSITIONS
    with pytest.raises(KeyError):
        location_for("lost")


def _bound_grant(draft: ReturnDraft, dl: DraftLine, line_no: int = 1) -> OverrideGrant:
    assert dl.decision is not None and dl.inspection is not None
    return OverrideGrant(
        "g-2", draft.id, line_no, MANAGER, "customer_care", "",
        grant_rule_codes(dl.decision), dl.quantity, dl.inspection.condition,
        dl.inspection.reason_code, approved_refund(dl.decision),
    )  # fmt: skip


def _denied(refund: int = 3000, code: str = "late") -> Decision:
    return dataclasses.replace(
        decision("deny", overridable=True),
        reasons=(Reason(code, "Too late", False),),
        override_refund=usd(refund),
    )


VOID_CASES = [
    ("line", lambda dl: setattr(dl, "line", order_line(2, 3000, quantity=3))),
    ("quantity", lambda dl: setattr(dl, "quantity", 2)),
    ("condition", lambda dl: setattr(dl, "inspection", Inspection("changed_mind", "damaged"))),
    ("reason", lambda dl: setattr(dl, "inspection", Inspection("wrong_size", "new"))),
    ("refund", lambda dl: setattr(dl, "decision", _denied(refund=2999))),
    ("rules", lambda dl: setattr(dl, "decision", _denied(code="FINAL_SALE"))),
]


@pytest.mark.parametrize(("kind", "change"), VOID_CASES)
def test_an_approval_is_void_once_any_fact_it_approved_changes(kind: str, change: object) -> None:
    draft = draft_of(order_line(1, 9000, quantity=3))
    dl = add(draft, draft.order.lines[0], _denied())
    dl.override = _bound_grant(draft, dl)
    assert dl.approved and dl.override_problem(draft.id) is None
    change(dl)  # type: ignore[operator]
    assert not dl.approved
    assert dl.override_problem() == APPROVAL_VOID[kind]
    blocked = refund_summary(draft).blocked
    assert blocked == (f"{dl.line.name}: {APPROVAL_VOID[kind]}.",)


def test_an_approval_of_another_return_is_named_as_such() -> None:
    draft = draft_of(order_line(1, 9000, quantity=3))
    dl = add(draft, draft.order.lines[0], _denied())
    dl.override = _bound_grant(draft, dl)
    assert dl.override_problem("another-draft") == APPROVAL_VOID["draft"]


def test_cash_is_offered_only_as_far_as_the_cash_left_covers_the_return() -> None:
    a, b = order_line(1, 1500), order_line(2, 1500)
    draft = draft_of(a, b)
    pays = (Payment(1, "cash", usd(2000), usd(1500)), Payment(2, "card", usd(1000), usd(0)))
    draft.order = dataclasses.replace(draft.order, payments=pays)
    add(draft, b, decision(tenders=("original", "cash", "store_credit")))
    assert refund_summary(draft).tenders_allowed == ("original", "store_credit")
    draft.order = dataclasses.replace(
        draft.order, payments=(Payment(1, "cash", usd(2000), usd(500)), pays[1])
    )
    assert refund_summary(draft).tenders_allowed == ("original", "cash", "store_credit")
