"""Head office and issue 14: exchanges, gift returns and receiptless returns, checked against
head office's own records (its prices and price history, its gift codes, its count of a
customer's receiptless returns at every store, the order's payments), on PostgreSQL and SQLite.

Each rule has an accepted case and a tampered one; the exchange sale, once accepted, is an
order of its own that another store can take back, bounded by its own payments (over real
signed HTTP).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.models import (
    CentralOrder,
    CentralReturn,
    GiftRedemption,
    InboundMessage,
    OrderPayment,
    StockMovement,
)
from counter_app.central.service.pulls import pull_catalog
from counter_app.central.testing import message, seed_reference
from tests.integration.central_fixtures import LiveCentral

POLICY = (Path(__file__).parents[2] / "resources/policy/default.toml").read_text()
CUSTOMER = proto.customer_key("+1 555 0100")
# (sku, category, style, size, price now)
PRODUCTS = [
    ("TEE-M", "apparel", "TEE", "M", 5000),
    ("TEE-L", "apparel", "TEE", "L", 5000),
    ("JEANS-32", "apparel", "JEANS", "32", 7000),
    ("MUG", "home", None, None, 3000),
    ("GC-25", "gift_card", None, None, 2500),
]


@pytest.fixture(params=["postgresql", "sqlite"])
def ho(request: pytest.FixtureRequest) -> LiveCentral:
    name = "central" if request.param == "postgresql" else "central_sqlite"
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    live: LiveCentral = request.getfixturevalue(name)
    setup(live)
    return live


def setup(live: LiveCentral) -> None:
    """Stores S001 and S002, cashier alice, the products above, the default policy."""
    live.add_store("S001")
    live.add_store("S002")
    seed_reference(live.engine)
    service.publish_catalog(
        live.engine,
        [
            proto.CatalogItem(
                sku=sku, name=sku, category=category, price_minor=price, currency="USD",
                style=style, size=size,
            )
            for sku, category, style, size, price in PRODUCTS
        ],
    )  # fmt: skip
    service.publish_policy(live.engine, "p1", POLICY)


def publish(
    live: LiveCentral,
    number: str,
    lines: list[tuple[str, int, int]],
    payments: list[dict[str, Any]],
    gift_codes: dict[int, str] | None = None,
) -> None:
    """An online order of (sku, quantity, paid) lines."""
    codes = gift_codes or {}
    service.publish_orders(
        live.engine,
        [
            proto.Order.model_validate(
                {
                    "number": number,
                    "channel": "online",
                    "placed_at": "2026-11-01T10:00:00+00:00",
                    "currency": "USD",
                    "lines": [
                        {
                            "line_no": n,
                            "sku": sku,
                            "quantity": qty,
                            "unit_price_minor": paid // qty,
                            "paid_minor": paid,
                            "gift_code": codes.get(n),
                        }
                        for n, (sku, qty, paid) in enumerate(lines, start=1)
                    ],
                    "payments": payments,
                }
            )
        ],
    )


def card(amount: int, last4: str = "4242") -> dict[str, Any]:
    return {"tender": "card", "amount_minor": amount, "card_brand": "VISA", "card_last4": last4}


def refund(tender: str, amount: int, charged: str | None = "card") -> dict[str, Any]:
    out: dict[str, Any] = {"tender": tender, "amount_minor": amount, "charged_tender": charged}
    if tender == "card":
        out.update(card_brand="VISA", card_last4="4242")
    return out


def ret(
    store: str,
    ref: str,
    number: str | None,
    lines: list[tuple[int, str, int, int]],
    refunds: list[dict[str, Any]],
    kind: str = "order",
    gift_code: str | None = None,
    customer: str | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    """A return.committed of (line_no, sku, quantity, refund) lines."""
    msg = message(
        "return.committed",
        store,
        {
            "ref": ref,
            "kind": kind,
            "order_number": number,
            "customer_key": customer,
            "counter": "C1",
            "cashier": "alice",
            "currency": "USD",
            "lines": [
                {
                    "line_no": n, "sku": sku, "quantity": qty, "refund_minor": amount,
                    "condition": "new", "reason": "wrong_size", "disposition": "restock_new",
                    "gift_code": gift_code,
                    "unit_price_minor": amount // qty if kind == "receiptless" else None,
                }
                for n, sku, qty, amount in lines
            ],
            "refunds": refunds,
        },
    )  # fmt: skip
    if created_at:
        msg["created_at"] = created_at
    return msg


def sale(
    store: str,
    ref: str,
    number: str,
    lines: list[tuple[str, int, int]],
    payments: list[dict[str, Any]],
    like_for_like_of: int | None = None,
) -> dict[str, Any]:
    """An exchange.sale of (sku, quantity, unit price) lines."""
    return message(
        "exchange.sale",
        store,
        {
            "ref": ref,
            "order_number": number,
            "currency": "USD",
            "lines": [
                {
                    "line_no": n, "sku": sku, "quantity": qty, "unit_price_minor": unit,
                    "paid_minor": qty * unit, "like_for_like_of": like_for_like_of,
                }
                for n, (sku, qty, unit) in enumerate(lines, start=1)
            ],
            "payments": payments,
        },
    )  # fmt: skip


def pay(tender: str, amount: int, approval: str | None = "A1B2C3") -> dict[str, Any]:
    if tender == "card":
        return {"tender": "card", "amount_minor": amount, "card_brand": "MC",
                "card_last4": "5454", "approval_code": approval}  # fmt: skip
    return {"tender": tender, "amount_minor": amount}


def move(store: str, ref: str, sku: str, quantity: int) -> dict[str, Any]:
    cause = "return" if quantity > 0 else "exchange"
    return message(
        "stock.movement", store, {"sku": sku, "quantity": quantity, "cause": cause, "ref": ref}
    )


def push(
    live: LiveCentral, store: str, messages: list[dict[str, Any]], now: datetime | None = None
) -> list[tuple[str, str]]:
    parsed = [proto.MESSAGE.validate_python(m) for m in messages]
    return [
        (r.status, (r.reason or "").split(":")[0])
        for r in service.push_messages(live.engine, store, parsed, now)
    ]


def count(live: LiveCentral, model: Any) -> int:
    with Session(live.engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def exchange(
    store: str,
    ref: str,
    number: str,
    swap: list[tuple[str, int, int]],
    payments: list[dict[str, Any]],
    refunds: list[dict[str, Any]],
    **sale_args: Any,
) -> list[dict[str, Any]]:
    """A swap of O-1's TEE-M line 1: stock in, replacement out, sale, return (its line
    refunding what the refunds add up to)."""
    amount = sum(r["amount_minor"] for r in refunds)
    return [
        move(store, ref, "TEE-M", 1),
        *[move(store, ref, sku, -qty) for sku, qty, _ in swap],
        sale(store, ref, number, swap, payments, **sale_args),
        ret(store, ref, "O-1", [(1, "TEE-M", 1, amount)], refunds),
    ]  # fmt: skip


ACCEPTED_4 = [("accepted", "")] * 4


def test_even_exchange_is_recorded_as_an_order_of_its_own(ho: LiveCentral) -> None:
    publish(ho, "O-1", [("TEE-M", 1, 5000)], [card(5000)])
    unit = exchange(
        "S001", "R-1", "X-S001-C1-000001", [("TEE-L", 1, 5000)],
        [pay("exchange", 5000)], [refund("exchange", 5000)],
    )  # fmt: skip
    assert push(ho, "S001", unit) == ACCEPTED_4
    with Session(ho.engine) as session:
        order = session.get(CentralOrder, "X-S001-C1-000001")
        assert order is not None and order.return_ref == "R-1" and order.store == "S001"
        assert session.get(OrderPayment, ("O-1", 1)).refunded_minor == 5000  # type: ignore[union-attr]
        moved = session.execute(select(StockMovement.sku, StockMovement.quantity)).all()
        assert sorted(moved) == [("TEE-L", -1), ("TEE-M", 1)]
    [pulled] = [o for o in ho.client("S001").pull_all("orders")[0] if o["number"].startswith("X-")]
    assert pulled["payments"] == [
        {"tender": "exchange", "amount_minor": 5000, "card_brand": None, "card_last4": None}
    ]
    assert [(line["sku"], line["paid_minor"]) for line in pulled["lines"]] == [("TEE-L", 5000)]
    # a second sale for the same return, or the same number again, is refused
    again = sale("S001", "R-1", "X-S001-C1-000002", [("MUG", 1, 3000)], [pay("exchange", 3000)])
    assert push(ho, "S001", [again]) == [("rejected", "duplicate_exchange_sale")]


def test_refundable_and_balance_owed_exchanges(ho: LiveCentral) -> None:
    publish(ho, "O-1", [("TEE-M", 2, 10000)], [card(10000)])
    refundable = exchange(
        "S001", "R-1", "X-S001-C1-000001", [("MUG", 1, 3000)],
        [pay("exchange", 3000)], [refund("exchange", 3000), refund("card", 2000)],
    )  # fmt: skip
    assert push(ho, "S001", refundable) == [("accepted", "")] * 4
    owed = exchange(
        "S001", "R-2", "X-S001-C1-000002", [("JEANS-32", 1, 7000)],
        [pay("exchange", 5000), pay("card", 2000)], [refund("exchange", 5000)],
    )  # fmt: skip
    assert push(ho, "S001", owed) == [("accepted", "")] * 4
    with Session(ho.engine) as session:
        pays = session.execute(
            select(
                OrderPayment.order_number, OrderPayment.tender, OrderPayment.amount_minor
            ).order_by(OrderPayment.order_number, OrderPayment.payment_no)
        ).all()
    assert pays == [
        ("O-1", "card", 10000),
        ("X-S001-C1-000001", "exchange", 3000),
        ("X-S001-C1-000002", "exchange", 5000),
        ("X-S001-C1-000002", "card", 2000),
    ]


@pytest.mark.parametrize(
    "swap, payments, refunds, reason",
    [
        # over-refunded: the exchange carries more than the line was paid
        ([("JEANS-32", 1, 7000)], [pay("exchange", 7000)], [refund("exchange", 7000)],
         "over_refund"),
        # the balance does not add up: lines 7000, payments 6000
        ([("JEANS-32", 1, 7000)], [pay("exchange", 5000), pay("cash", 1000)],
         [refund("exchange", 5000)], "exchange_unbalanced"),
        # the sale carries more than the return refunded as an exchange
        ([("TEE-L", 1, 5000)], [pay("exchange", 5000)],
         [refund("exchange", 3000), refund("card", 2000)], "exchange_payment_mismatch"),
        # a price that is neither the catalog's nor a like-for-like paid price
        ([("JEANS-32", 1, 5000)], [pay("exchange", 5000)], [refund("exchange", 5000)],
         "exchange_price_mismatch"),
        # a card balance without the terminal's approval code
        ([("JEANS-32", 1, 7000)], [pay("exchange", 5000), pay("card", 2000, approval=None)],
         [refund("exchange", 5000)], "card_details_missing"),
        # a gift card is not an exchange item
        ([("GC-25", 2, 2500)], [pay("exchange", 5000)], [refund("exchange", 5000)],
         "not_sellable"),
    ],
)  # fmt: skip
def test_a_tampered_exchange_rejects_the_whole_return(
    ho: LiveCentral, swap: Any, payments: Any, refunds: Any, reason: str
) -> None:
    publish(ho, "O-1", [("TEE-M", 1, 5000)], [card(5000)])
    unit = exchange("S001", "R-1", "X-S001-C1-000001", swap, payments, refunds)
    answers = push(ho, "S001", unit)
    assert answers[-1] == ("rejected", reason)
    assert answers[:-1] == [("accepted", "")] * (len(unit) - 1)  # closed with the return
    assert count(ho, CentralReturn) == 0 and count(ho, StockMovement) == 0
    with Session(ho.engine) as session:
        assert session.get(CentralOrder, "X-S001-C1-000001") is None
        assert session.get(OrderPayment, ("O-1", 1)).refunded_minor == 0  # type: ignore[union-attr]


def test_replacement_stock_must_leave_and_match_the_sale(ho: LiveCentral) -> None:
    publish(ho, "O-1", [("TEE-M", 1, 5000)], [card(5000)])
    unit = exchange(
        "S001", "R-1", "X-S001-C1-000001", [("TEE-L", 1, 5000)],
        [pay("exchange", 5000)], [refund("exchange", 5000)],
    )  # fmt: skip
    unit[1] = move("S001", "R-1", "TEE-L", -2)  # gives out two, the sale took one
    assert push(ho, "S001", unit)[-1] == ("rejected", "stock_mismatch")


def test_like_for_like_at_the_paid_price_only_when_the_policy_says_so(ho: LiveCentral) -> None:
    """TEE-M was bought on sale (4000); the customer takes TEE-L (catalog 5000) at 4000."""
    publish(ho, "O-1", [("TEE-M", 1, 4000), ("TEE-M", 1, 4000)], [card(8000)])

    def swap(ref: str, number: str, sku: str) -> list[dict[str, Any]]:
        return [
            sale("S001", ref, number, [(sku, 1, 4000)], [pay("exchange", 4000)],
                 like_for_like_of=1),
            ret("S001", ref, "O-1", [(1, "TEE-M", 1, 4000)], [refund("exchange", 4000)]),
        ]  # fmt: skip

    off = swap("R-1", "X-S001-C1-000001", "TEE-L")
    assert push(ho, "S001", off)[-1] == ("rejected", "exchange_price_mismatch")
    service.publish_policy(
        ho.engine, "p2", POLICY.replace(
            "like_for_like_at_paid_price = false", "like_for_like_at_paid_price = true"
        )
    )
    other_style = swap("R-2", "X-S001-C1-000002", "JEANS-32")
    assert push(ho, "S001", other_style)[-1] == ("rejected", "exchange_price_mismatch")
    same_style = swap("R-3", "X-S001-C1-000003", "TEE-L")
    assert push(ho, "S001", same_style) == [("accepted", "")] * 2


def test_exchange_sale_returned_at_another_store_is_bounded_by_its_own_payments(
    ho: LiveCentral,
) -> None:
    """Over real signed HTTP: S001's balance-owed exchange (5000 carried + 2000 by card),
    then S002 takes the jeans back: never more than 7000, the card part only to that card."""
    publish(ho, "O-1", [("TEE-M", 1, 5000)], [card(5000)])
    owed = exchange(
        "S001", "R-1", "X-S001-C1-000001", [("JEANS-32", 1, 7000)],
        [pay("exchange", 5000), pay("card", 2000)], [refund("exchange", 5000)],
    )  # fmt: skip
    answer = ho.client("S001").push(owed)
    assert [r["status"] for r in answer.json()["results"]] == ["accepted"] * 4
    other = ho.client("S002")
    found = other.request("GET", "/v1/stores/S002/orders/X-S001-C1-000001")
    assert found.status_code == 200 and found.json()["payments"][1]["card_last4"] == "5454"

    def back(ref: str, amount: int, refunds: list[dict[str, Any]]) -> tuple[str, str]:
        msg = ret("S002", ref, "X-S001-C1-000001", [(1, "JEANS-32", 1, amount)], refunds)
        [result] = other.push([msg]).json()["results"]
        return result["status"], (result["reason"] or "").split(":")[0]

    mc = {"tender": "card", "card_brand": "MC", "card_last4": "5454", "charged_tender": "card"}
    assert back("R-2", 8000, [refund("store_credit", 8000, "exchange")]) == (
        "rejected", "over_refund")  # fmt: skip
    assert back("R-3", 7000, [dict(mc, amount_minor=7000)]) == ("rejected", "payment_overdrawn")
    assert back("R-4", 7000, [refund("cash", 7000, "cash")]) == ("rejected", "unknown_payment")
    fair = [refund("store_credit", 5000, "exchange"), dict(mc, amount_minor=2000)]
    assert back("R-5", 7000, fair) == ("accepted", "")
    assert back("R-6", 1, [refund("store_credit", 1, "exchange")]) == ("rejected", "over_return")


def test_gift_return_by_code_once_company_wide_never_to_the_buyers_card(ho: LiveCentral) -> None:
    publish(
        ho, "O-1", [("TEE-M", 1, 5000), ("MUG", 1, 3000)], [card(8000)],
        gift_codes={1: "G-7K3M9QX2PA", 2: "G-0000000002"},
    )  # fmt: skip
    line = [(1, "TEE-M", 1, 5000)]

    def gift(store: str, ref: str, refunds: list[dict[str, Any]], code: str) -> dict[str, Any]:
        return ret(store, ref, "O-1", line, refunds, kind="gift", gift_code=code)

    credit = [refund("store_credit", 5000)]
    assert push(ho, "S001", [gift("S001", "R-1", [refund("card", 5000)], "G-7K3M9QX2PA")]) == [
        ("rejected", "gift_refund_tender")
    ]
    assert push(ho, "S001", [gift("S001", "R-2", credit, "G-0000000002")]) == [
        ("rejected", "gift_code_mismatch")  # the other line's code
    ]
    assert push(ho, "S001", [gift("S001", "R-3", credit, "G-7K3M9QX2PA")]) == [("accepted", "")]
    assert push(ho, "S002", [gift("S002", "R-4", credit, "G-7K3M9QX2PA")]) == [
        ("rejected", "gift_code_used")
    ]
    with Session(ho.engine) as session:
        used = session.execute(select(GiftRedemption.gift_code, GiftRedemption.store)).all()
        assert used == [("G-7K3M9QX2PA", "S001")]
    pulled = service.get_order(ho.engine, "O-1")
    assert pulled is not None and [x.gift_code for x in pulled.lines] == [
        "G-7K3M9QX2PA", "G-0000000002"]  # fmt: skip


def test_gift_receipt_issued_records_codes_once(ho: LiveCentral) -> None:
    publish(ho, "O-1", [("TEE-M", 1, 5000), ("MUG", 1, 3000)], [card(8000)], {2: "G-HO00000002"})
    publish(ho, "O-2", [("MUG", 1, 3000)], [card(3000)])

    def issued(number: str, line_no: int, code: str) -> dict[str, Any]:
        payload = {"order_number": number, "lines": [{"line_no": line_no, "gift_code": code}]}
        return message("gift_receipt.issued", "S001", payload)

    assert push(
        ho,
        "S001",
        [
            issued("O-1", 1, "G-STORE00001"),
            issued("O-2", 1, "G-STORE00001"),  # already on O-1 line 1
            issued("O-1", 2, "G-STORE00002"),  # the line has head office's code
            issued("O-9", 1, "G-STORE00003"),
            issued("O-1", 7, "G-STORE00004"),
        ],
    ) == [
        ("accepted", ""),
        ("rejected", "gift_code_taken"),
        ("rejected", "gift_code_conflict"),
        ("rejected", "unknown_order"),
        ("rejected", "unknown_line"),
    ]
    assert push(ho, "S001", [issued("O-2", 1, "G-HO00000002")]) == [
        ("rejected", "gift_code_taken")  # a code head office published on another line
    ]
    [pulled] = [o for o in ho.client("S001").pull_all("orders")[0] if o["number"] == "O-1"]
    assert [x["gift_code"] for x in pulled["lines"]] == ["G-STORE00001", "G-HO00000002"]
    back = ret("S002", "R-1", "O-1", [(1, "TEE-M", 1, 5000)], [refund("store_credit", 5000)],
               kind="gift", gift_code="G-STORE00001")  # fmt: skip
    assert push(ho, "S002", [back]) == [("accepted", "")]
    # a republished order keeps the store's code; another line may not take it
    publish(ho, "O-1", [("TEE-M", 1, 5000), ("MUG", 1, 3000)], [card(8000)], {2: "G-HO00000002"})
    assert [x.gift_code for x in service.get_order(ho.engine, "O-1").lines] == [  # type: ignore[union-attr]
        "G-STORE00001", "G-HO00000002"]  # fmt: skip
    with pytest.raises(ValueError, match="already on order O-1"):
        publish(ho, "O-2", [("MUG", 1, 3000)], [card(3000)], {1: "G-STORE00001"})


def price_history(live: LiveCentral) -> None:
    """MUG: 2000 long ago (before the 90-day window), 4000 from August, 2500 in October (a
    sale), 3000 again from November 20 — changed twice within the window."""
    points = [
        ("2026-01-01T00:00:00+00:00", 2000),
        ("2026-08-01T00:00:00+00:00", 4000),
        ("2026-10-01T00:00:00+00:00", 2500),
        ("2026-11-20T00:00:00+00:00", 3000),
    ]
    item = proto.CatalogItem.model_validate(
        {"sku": "MUG", "name": "Mug", "category": "home", "price_minor": 3000,
         "currency": "USD", "prices": [{"effective_from": w, "price_minor": p} for w, p in points]}
    )  # fmt: skip
    service.publish_catalog(live.engine, [item])


def receiptless(
    store: str, ref: str, amount: int, refunds: list[dict[str, Any]] | None = None,
    customer: str | None = CUSTOMER, quantity: int = 1, created_at: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    return ret(
        store, ref, None, [(1, "MUG", quantity, amount)],
        refunds if refunds is not None else [refund("store_credit", amount, None)],
        kind="receiptless", customer=customer, created_at=created_at,
    )  # fmt: skip


def test_receiptless_refund_is_at_most_the_lowest_recent_price(ho: LiveCentral) -> None:
    price_history(ho)
    assert push(ho, "S001", [receiptless("S001", "R-1", 2501)]) == [
        ("rejected", "over_lowest_price")
    ]
    assert push(ho, "S001", [receiptless("S001", "R-2", 5001, quantity=2)]) == [
        ("rejected", "over_lowest_price")
    ]
    assert push(ho, "S001", [receiptless("S001", "R-3", 2500)]) == [("accepted", "")]
    # in March 2027 the window (90 days) starts after the October sale: lowest is 3000
    later = "2027-03-01T10:00:00+00:00"
    then = datetime(2027, 3, 1, 12, tzinfo=UTC)
    assert push(ho, "S001", [receiptless("S001", "R-4", 3000, created_at=later)], then) == [
        ("accepted", "")
    ]
    # a message dated ahead of head office's clock counts as now: October is in its window
    future = receiptless("S001", "R-5", 3000, created_at=later)
    assert push(ho, "S001", [future], datetime(2026, 11, 26, 12, tzinfo=UTC)) == [
        ("rejected", "over_lowest_price")
    ]
    with Session(ho.engine) as session:
        row = session.get(CentralReturn, "R-3")
        assert row is not None and row.order_number is None and row.kind == "receiptless"
        assert row.customer_key == CUSTOMER and row.total_minor == 2500


def test_receiptless_refunds_only_store_credit_and_needs_a_customer(ho: LiveCentral) -> None:
    price_history(ho)
    cash = receiptless("S001", "R-1", 2500, [refund("cash", 2500, None)])
    assert push(ho, "S001", [cash]) == [("rejected", "receiptless_refund_tender")]
    carded = receiptless("S001", "R-2", 2500, [refund("card", 2500, None)])
    assert push(ho, "S001", [carded]) == [("rejected", "receiptless_refund_tender")]
    assert push(ho, "S001", [receiptless("S001", "R-3", 2500, customer=None)]) == [
        ("rejected", "customer_required")
    ]
    short = receiptless("S001", "R-4", 2500, [refund("store_credit", 2000, None)])
    assert push(ho, "S001", [short]) == [("rejected", "refund_total_mismatch")]
    assert count(ho, CentralReturn) == 0


def test_receiptless_caps_count_the_customer_at_every_store(ho: LiveCentral) -> None:
    """The default policy: at most 3 receiptless returns worth 150.00 a year per customer."""
    price_history(ho)
    assert push(ho, "S001", [receiptless("S001", "R-1", 2500)]) == [("accepted", "")]
    assert push(ho, "S002", [receiptless("S002", "R-2", 2500)]) == [("accepted", "")]
    # one batch at S001: the third fits, the fourth is over the count cap
    assert push(
        ho, "S001", [receiptless("S001", "R-3", 2500), receiptless("S001", "R-4", 2500)]
    ) == [("accepted", ""), ("rejected", "receiptless_cap")]
    assert push(ho, "S002", [receiptless("S002", "R-5", 2500)]) == [("rejected", "receiptless_cap")]
    # dated back before the others, it still counts them
    early = receiptless("S002", "R-5b", 2500, created_at="2026-11-01T10:00:00+00:00")
    assert push(ho, "S002", [early]) == [("rejected", "receiptless_cap")]
    other = proto.customer_key("someone@example.com")
    assert push(ho, "S002", [receiptless("S002", "R-6", 2500, customer=other)]) == [
        ("accepted", "")
    ]
    # the value cap: 150.00 in all
    big = proto.customer_key("big@example.com")
    six = receiptless("S001", "R-7", 15000, customer=big, quantity=6)
    assert push(ho, "S001", [six]) == [("accepted", "")]
    assert push(ho, "S002", [receiptless("S002", "R-8", 100, customer=big)]) == [
        ("rejected", "receiptless_cap")
    ]


def test_receiptless_exchange_carries_store_credit_value(ho: LiveCentral) -> None:
    price_history(ho)
    unit = [
        move("S001", "R-1", "MUG", 1),
        move("S001", "R-1", "TEE-M", -1),
        sale("S001", "R-1", "X-S001-C1-000001", [("TEE-M", 1, 5000)],
             [pay("exchange", 2500), pay("cash", 2500)]),
        receiptless("S001", "R-1", 2500, [refund("exchange", 2500, None)]),
    ]  # fmt: skip
    assert push(ho, "S001", unit) == ACCEPTED_4


def test_catalog_publishes_variants_and_price_history(ho: LiveCentral) -> None:
    price_history(ho)
    items = {i.sku: i for i in pull_catalog(ho.engine, "S001", 0, 100).items}
    assert (items["TEE-L"].style, items["TEE-L"].size) == ("TEE", "L")
    assert [p.price_minor for p in items["MUG"].prices] == [2000, 4000, 2500, 3000]
    # republishing a changed price adds a point from now on, keeping the history
    changed = items["MUG"].model_copy(update={"price_minor": 2800, "prices": []})
    service.publish_catalog(ho.engine, [changed])
    again = {i.sku: i for i in pull_catalog(ho.engine, "S001", 0, 100).items}
    assert [p.price_minor for p in again["MUG"].prices] == [2000, 4000, 2500, 3000, 2800]
    assert again["MUG"].price_minor == 2800
    wire = ho.client("S001").pull_all("catalog")[0]
    assert {i["sku"]: i["style"] for i in wire}["TEE-M"] == "TEE"


def race(live: LiveCentral, customer: str, refs: dict[str, str]) -> list[tuple[str, str]]:
    """Each store pushes its return at the same moment; their answers."""
    gate = threading.Barrier(len(refs))
    answers: dict[str, list[tuple[str, str]]] = {}

    def one(store: str) -> None:
        msg = receiptless(store, refs[store], 100, customer=customer)
        gate.wait()
        answers[store] = push(live, store, [msg])

    threads = [threading.Thread(target=one, args=(store,)) for store in refs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answer for store in refs for answer in answers.get(store, []))


@pytest.mark.postgres
def test_receiptless_cap_holds_when_two_stores_push_at_once(central: LiveCentral) -> None:
    """The customer has 2 of 3; S001 and S002 push the third at the same moment, over and
    over: exactly one is accepted each time (a per-customer lock, not luck)."""
    setup(central)
    price_history(central)
    for round_no in range(5):
        customer = proto.customer_key(f"race{round_no}@example.com")
        first = [receiptless("S001", f"R-{round_no}-{n}", 100, customer=customer) for n in (1, 2)]
        assert push(central, "S001", first) == [("accepted", "")] * 2
        refs = {store: f"R-{round_no}-{store}" for store in ("S001", "S002")}
        assert race(central, customer, refs) == [("accepted", ""), ("rejected", "receiptless_cap")]


def test_an_exchange_sale_is_held_for_its_return_across_batches(ho: LiveCentral) -> None:
    """The sale and stock come first (held), the return in the next batch; a late sale after
    an accepted return is checked against it; a held sale goes with a rejected return."""
    publish(ho, "O-1", [("TEE-M", 3, 15000)], [card(15000)])
    *members, the_return = exchange(
        "S001", "R-1", "X-S001-C1-000001", [("TEE-L", 1, 5000)],
        [pay("exchange", 5000)], [refund("exchange", 5000)],
    )  # fmt: skip
    assert push(ho, "S001", members) == [("accepted", "")] * 3
    assert count(ho, CentralOrder) == 1  # held: not an order yet
    assert push(ho, "S001", [the_return]) == [("accepted", "")]
    assert push(ho, "S001", [*members, the_return]) == [("duplicate", "")] * 4
    assert count(ho, CentralOrder) == 2
    # the return first, its sale in a later batch: checked against the accepted return
    late = exchange(
        "S001", "R-2", "X-S001-C1-000002", [("MUG", 1, 3000)],
        [pay("exchange", 3000)], [refund("exchange", 3000), refund("card", 2000)],
    )  # fmt: skip
    assert push(ho, "S001", [late[-1]]) == [("accepted", "")]
    wrong = sale("S001", "R-2", "X-S001-C1-000002", [("MUG", 1, 3000)], [pay("cash", 3000)])
    assert push(ho, "S001", [wrong]) == [("rejected", "exchange_payment_mismatch")]
    assert push(ho, "S001", [late[2]]) == [("accepted", "")]
    assert count(ho, CentralOrder) == 3
    # a held sale whose return is rejected (over the sold units) goes with it
    held = sale("S001", "R-3", "X-S001-C1-000003", [("TEE-L", 2, 5000)], [pay("exchange", 10000)])
    assert push(ho, "S001", [held]) == [("accepted", "")]
    greedy = ret("S001", "R-3", "O-1", [(1, "TEE-M", 2, 10000)], [refund("exchange", 10000)])
    assert push(ho, "S001", [greedy]) == [("rejected", "over_return")]
    assert count(ho, CentralOrder) == 3
    with Session(ho.engine) as session:
        row = session.execute(
            select(InboundMessage.status, InboundMessage.reason).where(
                InboundMessage.message_id == held["id"]
            )
        ).one()
        assert row[0] == "rejected" and (row[1] or "").startswith("group_rejected")


def test_publish_commands_take_variants_prices_and_gift_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.central.cli import main

    db = f"sqlite:///{tmp_path}/cli.db"
    assert main(["central", "db", "upgrade", "--db", db]) == 0
    catalog = tmp_path / "catalog.jsonl"
    item = {
        "sku": "TEE-M",
        "name": "T-shirt 短袖",
        "category": "apparel",
        "price_minor": 4500,
        "currency": "USD",
        "style": "TEE",
        "size": "M",
        "colour": "red",
        "prices": [
            {"effective_from": "2026-10-01T00:00:00+00:00", "price_minor": 5000},
            {"effective_from": "2026-11-01T00:00:00+00:00", "price_minor": 4500},
        ],
    }
    catalog.write_text(json.dumps(item, ensure_ascii=False) + "\n")
    assert main(["central", "publish-catalog", str(catalog), "--db", db]) == 0
    order = {
        "number": "O-1",
        "channel": "online",
        "placed_at": "2026-11-01T10:00:00+00:00",
        "currency": "USD",
        "lines": [
            {
                "line_no": 1,
                "sku": "TEE-M",
                "quantity": 1,
                "unit_price_minor": 4500,
                "paid_minor": 4500,
                "gift_code": "G-7K3M9QX2PA",
            }
        ],
    }
    orders = tmp_path / "orders.jsonl"
    orders.write_text(json.dumps(order) + "\n")
    assert main(["central", "publish-orders", str(orders), "--db", db]) == 0
    orders.write_text(json.dumps(dict(order, number="O-2")) + "\n")
    assert main(["central", "publish-orders", str(orders), "--db", db]) == 2
    assert "G-7K3M9QX2PA is already on order O-1" in capsys.readouterr().err
    engine = central_db.make_engine(db)
    try:
        [pulled] = pull_catalog(engine, "S001", 0, 10).items
        assert (pulled.style, pulled.size, pulled.colour) == ("TEE", "M", "red")
        assert [p.price_minor for p in pulled.prices] == [5000, 4500]
        found = service.get_order(engine, "O-1")
        assert found is not None and found.lines[0].gift_code == "G-7K3M9QX2PA"
    finally:
        engine.dispose()
