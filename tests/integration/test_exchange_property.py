"""Random exchanges through the real ReturnDesk on SQLite and PostgreSQL (1-3 lines returned,
1-3 items taken, every outcome, random tenders): stock in = returned units, stock out = taken
units, the money balance = replacement value - refund, no payment refunded more than it took,
and the exchange sale can itself be returned, bounded by its own payments."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.domain.exchange import BalancePayment
from counter_app.services.demo_exchange import receive_stock
from counter_app.services.errors import BadInput
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.exchange_helpers import add_variants, inspected

SKUS = ("APP-1", "APP-2", "HOM-1", "APP-3")
TAKE = ("2000000000015", "2000000000022", "2000000000077", "2000000000084", "2000000000091")
TENDERS = ("original", "cash", "store_credit")
_numbers = itertools.count(1)


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    add_variants(s, NOW)
    with UnitOfWork(store_engine, write=True) as uow:
        units = [(sku, 1000) for sku in ("APP-1", "APP-2", "APP-3", "APP-4", "HOM-1")]
        receive_stock(uow.conn, units, at=NOW, store="S001", actor="test")
        uow.commit()
    return s


spec_st = st.fixed_dictionaries(
    {
        # sku, quantity, paid per unit
        "lines": st.lists(
            st.tuples(st.sampled_from(SKUS), st.integers(1, 3), st.integers(100, 5000)),
            min_size=1, max_size=3,
        ),
        "tenders": st.lists(st.sampled_from(["cash", "card", "gift_card"]), min_size=1,
                            max_size=2),
        "returned": st.lists(st.integers(1, 3), min_size=1, max_size=3),  # units per line
        "taken": st.lists(st.tuples(st.sampled_from(TAKE), st.integers(1, 3)), min_size=1,
                          max_size=3),
        "tender": st.sampled_from(TENDERS),
        "balance": st.sampled_from(["cash", "card"]),
        "sale_tender": st.sampled_from(TENDERS),
    }
)  # fmt: skip


def _spec(lines: list[Any], taken: list[Any], paid_by: str) -> dict[str, Any]:
    return {"lines": lines, "tenders": [paid_by], "returned": [3], "taken": taken,
            "tender": "original", "balance": "card", "sale_tender": "cash"}  # fmt: skip


def _sum(engine: Engine, column: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(column), 0)).where(*where)).scalar())


def _moved(engine: Engine, return_id: int, cause: str) -> int:
    m = t.stock_movements.c
    return _sum(engine, m.quantity, m.return_id == return_id, m.cause == cause)


def _check_payments(engine: Engine, number: str) -> None:
    """No payment of the order gave back more than it took; cash only from cash."""
    p, o, r = t.payments.c, t.orders.c, t.refunds.c
    with engine.connect() as conn:
        pays = conn.execute(
            select(p.id, p.tender, p.amount_minor, p.refunded_minor)
            .join(t.orders, o.id == p.order_id)
            .where(o.number == number)
        ).all()
        tender_of = {pid: tn for pid, tn, _, _ in pays}
        outs = conn.execute(
            select(r.tender, r.payment_id, r.amount_minor).where(r.payment_id.in_(tender_of))
        ).all()
    for _, _, amount, refunded in pays:
        assert 0 <= refunded <= amount
    for tender, pid, _ in outs:
        if tender == "cash":
            assert tender_of[pid] == "cash"
        if tender in ("card", "gift_card"):
            assert tender_of[pid] == tender
        if tender_of[pid] == "exchange":  # carried value never goes back as cash or card
            assert tender in ("store_credit", "exchange")


def _commit(store: Store, draft: Any, tender: str, balance: BalancePayment | None) -> Any:
    """Commit with `tender`, or (refused) with the first tender the return allows."""
    try:
        return store.desk.commit_return(draft, tender, balance)
    except BadInput:
        allowed = [x for x in store.desk.refund_summary(draft).tenders_allowed if x != "exchange"]
        return store.desk.commit_return(draft, allowed[0] if allowed else "exchange", balance)


def _order(store: Store, spec: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
    number = f"O-X{next(_numbers)}"
    lines = [(sku, qty, qty * unit) for sku, qty, unit in spec["lines"]]
    total = sum(paid for *_, paid in lines)
    tenders = spec["tenders"]
    share = total // len(tenders)
    payments = [(tn, share) for tn in tenders]
    payments[-1] = (tenders[-1], total - share * (len(tenders) - 1))
    add_order(store.engine, number, days_before(NOW, 3), lines, payments)
    picks = [(no, min(units, lines[no - 1][1]))
             for no, units in enumerate(spec["returned"][: len(lines)], 1)]  # fmt: skip
    return number, picks


def _return_the_sale(store: Store, sale: str, tender: str) -> None:
    """Everything the exchange sale sold comes back; its refunds stay within its payments."""
    order = store.desk.find_order(sale)
    draft = inspected(store, sale, [(ln.line_no, ln.quantity) for ln in order.lines])
    summary = store.desk.refund_summary(draft)
    assert not summary.blocked, summary.blocked
    committed = _commit(store, draft, tender, None)
    paid = sum(p.amount.minor for p in order.payments)
    assert committed.total.minor <= paid
    rf = t.refunds.c
    assert _sum(store.engine, rf.amount_minor, rf.return_id == committed.return_id) == (
        committed.total.minor
    )
    _check_payments(store.engine, sale)


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a DB run takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=spec_st)
@example(spec=_spec([("APP-1", 1, 2500)], [("2000000000015", 1)], "cash"))  # even
@example(spec=_spec([("APP-1", 1, 5000)], [("2000000000015", 1)], "card"))  # refundable
@example(spec=_spec([("APP-2", 2, 1000)], [("2000000000077", 1)], "gift_card"))  # owed
def test_random_exchanges_keep_stock_and_money_straight(store: Store, spec: dict[str, Any]) -> None:
    number, picks = _order(store, spec)
    draft = inspected(store, number, picks)
    for barcode, qty in spec["taken"]:
        store.desk.add_replacement(draft, barcode, qty)
    assert draft.exchange is not None
    shown = store.desk.exchange_outcome(draft)
    value = draft.exchange.total("USD")
    assert shown.balance == value - shown.refund_total
    kind = shown.kind
    balance = None
    if kind == "balance_owed":
        balance = (BalancePayment.cash() if spec["balance"] == "cash"
                   else BalancePayment.card("Visa", "4242", "OK1234"))  # fmt: skip
    committed = _commit(store, draft, spec["tender"], balance)
    event(kind)
    ex = committed.exchange
    assert ex is not None and ex.kind == kind
    e = store.engine
    # Stock: in = the units returned, out = the units taken.
    assert _moved(e, committed.return_id, "return") == sum(q for _, q in picks)
    assert _moved(e, committed.return_id, "exchange") == -sum(q for _, q in spec["taken"])
    # Money: what the customer paid minus what was refunded beyond the carried value.
    rf, p, o = t.refunds.c, t.payments.c, t.orders.c
    carried = _sum(e, rf.amount_minor, rf.return_id == committed.return_id, rf.tender == "exchange")
    back = _sum(e, rf.amount_minor, rf.return_id == committed.return_id, rf.tender != "exchange")
    sale = committed.exchange_number
    assert sale is not None
    paid_in = _sum(e, p.amount_minor, p.order_id == select(o.id).where(o.number == sale)
                   .scalar_subquery(), p.tender != "exchange")  # fmt: skip
    assert carried == ex.carried.minor and carried + back == committed.total.minor
    assert paid_in - back == value.minor - committed.total.minor == ex.balance.minor
    assert (paid_in > 0) == (kind == "balance_owed") and (back > 0) == (kind == "refundable")
    _check_payments(e, number)
    _check_payments(e, sale)
    _return_the_sale(store, sale, spec["sale_tender"])
