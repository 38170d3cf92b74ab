"""Random orders and random sequences of partial returns, overrides and online refunds through
the real ReturnDesk on SQLite and PostgreSQL: after every step no payment gives back more than
it took, cash out never exceeds cash in, the refund rows add up to the committed lines, and the
decision, the summary and the commit agree on every amount."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.domain.draft import approved_refund
from counter_app.domain.money import Money
from counter_app.services.errors import BadInput
from counter_app.services.sync_apply import apply_order
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, days_before, make_store

SKUS = ("APP-1", "HOM-1", "FIN-1")  # FIN-1 is final sale: it always needs a manager
TENDERS = ("original", "cash", "store_credit", "exchange")
_numbers = itertools.count(1)


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


line_st = st.tuples(
    st.sampled_from(SKUS), st.integers(1, 4), st.integers(50, 40000), st.integers(0, 30),
    st.integers(0, 20),
)  # fmt: skip  # sku, quantity, unit price, discount %, tax %
step_st = st.tuples(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4)), min_size=1, max_size=3),
    st.sampled_from(TENDERS),
    st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(1, 2))),
)  # lines to return (index, quantity), tender asked for, an online refund before it
order_st = st.fixed_dictionaries(
    {
        "lines": st.lists(line_st, min_size=1, max_size=6),
        "tenders": st.lists(
            st.sampled_from(["cash", "card", "gift_card"]), min_size=1, max_size=3
        ),
        "weights": st.lists(st.integers(1, 10), min_size=3, max_size=3),
        "steps": st.lists(step_st, min_size=1, max_size=4),
    }
)


def _order_item(number: str, spec: dict[str, Any]) -> dict[str, Any]:
    lines = []
    for no, (sku, qty, unit, disc, tax) in enumerate(spec["lines"], 1):
        gross = unit * qty
        discount = gross * disc // 100
        tax_minor = (gross - discount) * tax // 100
        lines.append(
            {"line_no": no, "sku": sku, "quantity": qty, "unit_price_minor": unit,
             "discount_minor": discount, "tax_minor": tax_minor,
             "paid_minor": gross - discount + tax_minor, "returned_quantity": 0}
        )  # fmt: skip
    total = sum(ln["paid_minor"] for ln in lines)
    tenders = spec["tenders"]
    weights = spec["weights"][: len(tenders)]
    amounts = [total * w // sum(weights) for w in weights]
    amounts[0] += total - sum(amounts)
    payments = [
        {"tender": tn, "amount_minor": a, "card_brand": "VISA" if tn == "card" else None,
         "card_last4": "4242" if tn == "card" else None}
        for tn, a in zip(tenders, amounts, strict=True)
    ]  # fmt: skip
    return {"number": number, "store": "S001", "channel": "store", "currency": "USD",
            "placed_at": days_before(NOW, 3).isoformat(), "customer": None,
            "payments": payments, "lines": lines}  # fmt: skip


def _pull(store: Store, item: dict[str, Any]) -> int:
    with UnitOfWork(store.engine, write=True) as uow:
        order_id = apply_order(uow.conn, item)
        uow.commit()
    return order_id


def _online_refund(store: Store, item: dict[str, Any], index: int, units: int) -> None:
    """Head office says more units of a line came back online: the pulled order raises its
    returned quantity (this counter's own returns included, as head office knows them)."""
    order = store.desk.find_order(item["number"])
    line = order.lines[index % len(order.lines)]
    more = min(units, line.returnable_quantity)
    if more <= 0:
        return
    item["lines"][line.line_no - 1]["returned_quantity"] = line.returned_quantity + more
    _pull(store, item)


def _check_ledger(store: Store, order_id: int) -> None:
    with UnitOfWork(store.engine) as uow:
        c = uow.conn
        p, r = t.payments.c, t.refunds.c
        pays = c.execute(
            select(p.id, p.tender, p.amount_minor, p.refunded_minor).where(p.order_id == order_id)
        ).all()
        for _, _, amount, refunded in pays:
            assert 0 <= refunded <= amount
        cash_in = sum(a for _, tn, a, _ in pays if tn == "cash")
        cash_refunded = sum(rf for _, tn, _, rf in pays if tn == "cash")
        out_rows = c.execute(
            select(r.tender, r.payment_id, func.sum(r.amount_minor))
            .join(t.payments, p.id == r.payment_id)
            .where(p.order_id == order_id)
            .group_by(r.tender, r.payment_id)
        ).all()
        tender_of = {pid: tn for pid, tn, _, _ in pays}
        cash_out = 0
        for tender, pid, amount in out_rows:
            if tender == "cash":
                assert tender_of[pid] == "cash"  # cash is charged to cash payments only
                cash_out += amount
            if tender in ("card", "gift_card"):
                assert tender_of[pid] == tender  # card money goes back to the card
        assert cash_out <= cash_refunded <= cash_in


def _one_return(store: Store, number: str, picks: list[tuple[int, int]], tender: str) -> None:
    desk = store.desk
    order = desk.find_order(number)
    open_lines = [ln for ln in order.lines if ln.returnable_quantity > 0]
    if not open_lines:
        return
    draft = desk.start_return(order, store.user("alice"))
    for index, qty in picks:
        line = open_lines[index % len(open_lines)]
        desk.select_line(draft, line.line_no, min(qty, line.returnable_quantity))
        desk.record_inspection(draft, line.line_no, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    for dl in draft.selected():
        d = dl.decision
        assert d is not None
        if d.outcome in ("refer", "deny") and d.overridable:
            desk.authorize_override(
                draft, dl.line.line_no, manager_username="maria", pin="987654",
                reason="customer_care",
            )  # fmt: skip
    summary = desk.refund_summary(draft)
    assert not summary.blocked, summary.blocked
    for no, refund, _fee in summary.lines:
        d = draft.lines[no].decision
        assert d is not None and approved_refund(d) == refund  # decision = summary
    if tender not in summary.tenders_allowed:
        with pytest.raises(BadInput):
            desk.commit_return(draft, tender)
        tender = summary.tenders_allowed[0]
    committed = desk.commit_return(draft, tender)
    assert committed.lines == summary.lines and committed.total == summary.total
    with UnitOfWork(store.engine) as uow:
        c = uow.conn
        refunds = c.execute(
            select(func.coalesce(func.sum(t.refunds.c.amount_minor), 0)).where(
                t.refunds.c.return_id == committed.return_id
            )
        ).scalar_one()
        lines = c.execute(
            select(func.sum(t.return_lines.c.refund_minor)).where(
                t.return_lines.c.return_id == committed.return_id
            )
        ).scalar_one()
    assert refunds == lines == committed.total.minor  # store credit's bonus is not a refund
    assert committed.total == sum((r for _, r, _ in summary.lines), Money(0))


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a DB run takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=order_st)
def test_random_returns_never_pay_out_more_than_the_ledger_allows(
    store: Store, spec: dict[str, Any]
) -> None:
    number = f"O-H{next(_numbers)}"
    item = _order_item(number, spec)
    order_id = _pull(store, item)
    for picks, tender, online in spec["steps"]:
        if online is not None:
            _online_refund(store, item, *online)
            _check_ledger(store, order_id)
        _one_return(store, number, picks, tender)
        _check_ledger(store, order_id)
