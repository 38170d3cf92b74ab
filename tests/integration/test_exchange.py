"""Exchanges at the counter through the real ReturnDesk, on SQLite and PostgreSQL: the three
outcomes, what is refused, the exchange sale as an order that can itself be returned, its
stock and its messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.printing import render_text
from counter_app.domain.documents import StoreInfo
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.money import Money
from counter_app.domain.policy import default_policy_path
from counter_app.services.day_close import day_summary, z_report_for
from counter_app.services.errors import AlreadyReturned, BadInput, NotRefundable
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.exchange_helpers import (
    add_variants,
    inspected,
    on_hand,
    outbox,
    payments_of,
    refunds_of,
)

SCARF_M, SCARF_L, SCARF_RED, TEE, LAMP, GIFT = (
    "2000000000015", "2000000000084", "2000000000091", "2000000000022", "2000000000077",
    "2000000000053",
)  # fmt: skip


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    add_variants(s, NOW)
    # A scarf (25.00) and a T-shirt (19.99) paid by card; a lamp paid in cash.
    add_order(store_engine, "O-1", days_before(NOW, 3), [("APP-1", 1, 2500), ("APP-2", 1, 1999)])
    add_order(store_engine, "O-2", days_before(NOW, 3), [("HOM-1", 1, 3999)], [("cash", 3999)])
    return s


def test_variants_show_the_style_with_stock(store: Store) -> None:
    draft = inspected(store, "O-1", [(1, 1)])
    found = {v.sku: (v.size, v.colour, v.on_hand) for v in store.desk.variants(draft, 1)}
    assert found == {"APP-1": ("M", "Grey", 5), "APP-3": ("L", "Grey", 5),
                     "APP-4": ("M", "红色", 1)}  # fmt: skip
    only = store.desk.variants(draft, 2)  # the T-shirt has no style: itself only
    assert [v.sku for v in only] == ["APP-2"]


def test_even_exchange_moves_stock_and_records_a_sale(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(1, 1)])
    desk.add_replacement(draft, SCARF_RED)  # same price: even
    result = desk.exchange_outcome(draft)
    assert (result.kind, result.carried.minor, result.balance.minor) == ("even", 2500, 0)
    committed = desk.commit_return(draft, "original")
    assert committed.exchange_number == "X-S001-C1-000001"
    assert committed.tender == "exchange"
    assert refunds_of(store.engine, committed.return_id) == {"exchange": 2500}
    assert on_hand(store.engine, "APP-4") == 0 and on_hand(store.engine, "APP-1") == 6
    assert payments_of(store.engine, "X-S001-C1-000001") == [("exchange", 2500, 0, None)]
    [sale] = outbox(store.engine, "exchange.sale")
    assert sale == {
        "ref": committed.ref, "order_number": "X-S001-C1-000001", "currency": "USD",
        "lines": [{"line_no": 1, "sku": "APP-4", "quantity": 1, "unit_price_minor": 2500,
                   "paid_minor": 2500, "like_for_like_of": None}],
        "payments": [{"tender": "exchange", "amount_minor": 2500}],
    }  # fmt: skip
    out = [m for m in outbox(store.engine, "stock.movement") if m["cause"] == "exchange"]
    assert out == [{"sku": "APP-4", "location": "sellable", "quantity": -1, "cause": "exchange",
                    "ref": committed.ref}]  # fmt: skip
    with store.engine.connect() as conn:
        link = conn.execute(
            select(t.returns.c.exchange_order_id).where(t.returns.c.id == committed.return_id)
        ).scalar()
        window = conn.execute(select(t.orders.c.window_from).where(t.orders.c.id == link)).scalar()
    assert window == days_before(NOW, 3)  # the original order's window


def test_refundable_difference_goes_back_by_the_chosen_tender(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(1, 1), (2, 1)])  # 44.99 back
    desk.add_replacement(draft, SCARF_L)  # 27.00 out
    result = desk.exchange_outcome(draft)
    assert (result.kind, result.refundable.minor) == ("refundable", 1799)
    with pytest.raises(BadInput, match="Choose how the difference"):
        desk.commit_return(draft, "exchange")
    committed = desk.commit_return(draft, "original")
    assert refunds_of(store.engine, committed.return_id) == {"exchange": 2700, "card": 1799}
    assert committed.total.minor == 4499 and committed.tender == "original"
    assert payments_of(store.engine, "O-1") == [("card", 4499, 4499, None)]


def test_balance_owed_in_cash_counts_as_cash_in(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(2, 1)])  # 19.99 back
    desk.add_replacement(draft, SCARF_L)  # 27.00 out: 7.01 owed
    with pytest.raises(BadInput, match="owes"):
        desk.commit_return(draft, "original")
    committed = desk.commit_return(draft, "original", BalancePayment.cash())
    assert committed.exchange is not None and committed.exchange.balance_owed.minor == 701
    assert payments_of(store.engine, committed.exchange_number or "") == [
        ("exchange", 1999, 0, None), ("cash", 701, 0, None)
    ]  # fmt: skip
    args = {"store_code": "S001", "counter_code": "C1", "timezone": "UTC", "currency": "USD"}
    summary = day_summary(store.engine, store.clock, **args)
    assert summary.cash_taken_in_minor == 701 and summary.cash_paid_out_minor == 0
    assert summary.refunds_by_tender == {"exchange": 1999}
    z = render_text(z_report_for(summary, StoreInfo("Test")), "default")
    assert "Cash taken in (exchanges)" in z and "7.01 USD" in z


def test_card_balance_keeps_only_brand_last4_and_approval(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(2, 1)])
    desk.add_replacement(draft, SCARF_L)
    with pytest.raises(BadInput, match="full card number"):
        desk.commit_return(draft, "original", BalancePayment.card("Visa", "4242424242424242", "A1"))
    with pytest.raises(BadInput, match="approval code"):
        desk.commit_return(draft, "original", BalancePayment.card("Visa", "4242", "!"))
    committed = desk.commit_return(draft, "original", BalancePayment.card("Visa", "4242", "ab12C"))
    [sale] = outbox(store.engine, "exchange.sale")
    assert sale["payments"][1] == {"tender": "card", "amount_minor": 701, "card_brand": "Visa",
                                   "card_last4": "4242", "approval_code": "AB12C"}  # fmt: skip
    assert committed.exchange_number is not None


@pytest.mark.parametrize(
    ("barcode", "quantity", "message"),
    [
        ("9999999999999", 1, "No product with the barcode"),
        (GIFT, 1, "gift card"),
        (SCARF_RED, 2, "only 1 on the sellable shelf"),
    ],
)
def test_replacements_are_checked(store: Store, barcode: str, quantity: int, message: str) -> None:
    draft = inspected(store, "O-1", [(1, 1)])
    with pytest.raises(BadInput, match=message):
        store.desk.add_replacement(draft, barcode, quantity)
    assert draft.exchange is None or not draft.exchange.replacements


def test_sold_out_at_another_counter_rolls_everything_back(store: Store) -> None:
    desk = store.desk
    first, second = inspected(store, "O-1", [(1, 1)]), inspected(store, "O-2", [(1, 1)])
    desk.add_replacement(first, SCARF_RED)
    desk.add_replacement(second, SCARF_RED)
    desk.commit_return(first, "original")
    with pytest.raises(NotRefundable, match="sold out"):
        desk.commit_return(second, "cash")
    assert on_hand(store.engine, "APP-4") == 0 and on_hand(store.engine, "HOM-1") == 5
    assert payments_of(store.engine, "O-2") == [("cash", 3999, 0, None)]


def test_remove_replacement_and_clone(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(1, 1)])
    desk.add_replacement(draft, SCARF_L)
    copy = draft.clone()
    desk.remove_replacement(copy, 0)
    assert draft.exchange is not None and len(draft.exchange.replacements) == 1
    assert desk.exchange_outcome(copy).kind == "none"
    with pytest.raises(BadInput):
        desk.remove_replacement(copy, 0)


def test_like_for_like_at_paid_price_when_the_policy_says_so(store: Store) -> None:
    text = default_policy_path().read_text(encoding="utf-8")
    off = "like_for_like_at_paid_price = false"
    assert off in text
    store.policies.replace(text.replace(off, "like_for_like_at_paid_price = true"))
    assert store.policies.current.exchange.like_for_like_at_paid_price
    desk = store.desk
    draft = inspected(store, "O-1", [(1, 1)])
    item = desk.add_replacement(draft, SCARF_L)  # 27.00 today, 25.00 paid for the M
    assert (item.unit_price, item.like_for_like_of) == (Money(2500), 1)
    lamp = desk.add_replacement(draft, LAMP)
    assert (lamp.unit_price, lamp.like_for_like_of) == (Money(3999), None)
    committed = desk.commit_return(draft, "original", BalancePayment.cash())
    [sale] = outbox(store.engine, "exchange.sale")
    assert sale["lines"][0]["like_for_like_of"] == 1
    assert committed.exchange is not None and committed.exchange.balance_owed.minor == 3999


def test_exchange_sale_is_returnable_and_bounded_by_its_payments(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(2, 1)])
    desk.add_replacement(draft, SCARF_L)
    sale_number = desk.commit_return(draft, "original", BalancePayment.cash()).exchange_number
    assert sale_number is not None
    again = inspected(store, sale_number, [(1, 1)])
    summary = desk.refund_summary(again)
    assert summary.total.minor == 2700 and not summary.blocked
    committed = desk.commit_return(again, "original")
    # The carried value goes back as store credit, the cash balance as cash.
    assert refunds_of(store.engine, committed.return_id) == {"store_credit": 1999, "cash": 701}
    assert committed.store_credit_code is not None
    assert [p[2] for p in payments_of(store.engine, sale_number)] == [1999, 701]
    with pytest.raises(AlreadyReturned):  # nothing left to return
        inspected(store, sale_number, [(1, 1)])


def test_the_exchange_sale_keeps_the_original_window(store: Store) -> None:
    desk = store.desk
    add_order(store.engine, "O-OLD", days_before(NOW, 25), [("APP-1", 1, 2500)])
    draft = inspected(store, "O-OLD", [(1, 1)])
    desk.add_replacement(draft, SCARF_RED)
    sale = desk.commit_return(draft, "original").exchange_number
    assert sale is not None
    assert desk.find_order(sale).purchased_at == days_before(NOW, 25)
    store.clock.at = NOW + timedelta(days=10)  # 10 days after the swap, 35 after the purchase
    late = inspected(store, sale, [(1, 1)])
    decision = late.lines[1].decision
    assert decision is not None and decision.outcome not in ("approve", "approve_with_fee")
    assert "WINDOW_EXPIRED" in [r.code for r in decision.reasons]
    assert "Bought 35 days ago" in decision.reasons[0].message
