"""Issue 14 end to end: what the real store code sends for exchanges, receiptless returns and
gift returns is accepted by the real head office (PostgreSQL, over signed HTTPS on
127.0.0.1); a tampered exchange sale in the outbox is rejected and shows as one sync
exception; a second store takes back an item of the first store's exchange sale, bounded by
that sale's own payments."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.adapters.db import tables as t
from counter_app.bootstrap import App
from counter_app.central.models import CentralOrder, CentralReturn, GiftRedemption, InboundMessage
from counter_app.central.service.pulls import pull_orders
from counter_app.domain.exchange import BalancePayment
from counter_app.services.demo_exchange import receive_stock
from counter_app.services.gift import start_gift_return
from counter_app.services.gift_receipts import issue_gift_receipt
from counter_app.services.receiptless import ReceiptlessCustomer
from counter_app.services.sync import sync_status
from counter_app.services.unit_of_work import UnitOfWork
from tests.e2e.head_office import BARCODE, PRODUCTS, serve_head_office
from tests.e2e.head_office import alice as _alice
from tests.e2e.head_office import order as _order
from tests.e2e.test_sync_e2e import NOW, Central, _store, _sync

pytestmark = pytest.mark.postgres

GIFT = "G-7K3M9QX2PA"
PHONE = "+1 555 0100"


@pytest.fixture
def ho(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    orders = [
        _order("O-EVEN", [("TEE-M", 5000)]),
        _order("O-REFUND", [("TEE-M", 5000)]),
        _order("O-OWED", [("TEE-M", 5000)]),
        _order("O-GIFT", [("MUG", 3000), ("SCARF", 2000)], gift={1: GIFT}),
        _order("O-PRINTED", [("SCARF", 2000)]),
        _order("O-TAMPER", [("TEE-M", 5000)]),
    ]
    with serve_head_office(pg_server, tmp_path_factory.mktemp("tls"), orders) as central:
        yield central


def _exchange(
    app: App,
    number: str,
    takes: list[str],
    tender: str = "original",
    balance: BalancePayment | None = None,
) -> Any:
    """Return line 1 of `number` and take the `takes` SKUs instead, through the real desk."""
    desk = app.desk
    draft = desk.start_return(desk.find_order(number), _alice(app))
    desk.select_line(draft, 1, 1)
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.evaluate(draft)
    for sku in takes:
        desk.add_replacement(draft, BARCODE[sku])
    outcome = desk.exchange_outcome(draft)
    return outcome, desk.commit_return(draft, tender, balance)


def _gift_return(app: App, code: str, sku: str, line_no: int) -> Any:
    desk = app.desk
    draft = start_gift_return(desk, code, _alice(app))
    desk.verify_item(draft, BARCODE[sku])
    desk.record_inspection(draft, line_no, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    return desk.commit_return(draft, "store_credit")


def _messages(ho: Central) -> list[tuple[str, str, str | None, str | None]]:
    with Session(ho.engine) as s:
        rows = s.execute(
            select(
                InboundMessage.kind,
                InboundMessage.status,
                InboundMessage.reason,
                InboundMessage.store,
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _stock(app: App, units: dict[str, int]) -> None:
    with UnitOfWork(app.engine, write=True) as uow:
        receive_stock(
            uow.conn, list(units.items()), at=NOW, store=app.settings.store_code, actor="test"
        )
        uow.commit()


def _forge_sale(db_file: Path, ref: str, forgery: str) -> None:
    """Edit the pending exchange.sale — what someone with the counter's disk might do: the
    taken shirt now costs 1.00 ("price"), or a cash payment the lines do not account for
    ("balance": payments no longer add up to the lines)."""
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute(
            "select seq, payload_json from outbox where kind = 'exchange.sale' "
            "and status = 'pending'"
        ).fetchall()
        [(seq, raw)] = rows
        body = json.loads(raw)
        assert body["payload"]["ref"] == ref
        sale = body["payload"]
        if forgery == "price":
            line = sale["lines"][0]
            line["unit_price_minor"] = line["paid_minor"] = 100
            sale["payments"][0]["amount_minor"] = 100
        else:
            sale["payments"].append({"tender": "cash", "amount_minor": 1000})
        conn.execute("update outbox set payload_json = ? where seq = ?", (json.dumps(body), seq))


@pytest.mark.parametrize("forgery", ["price", "balance"])
def test_issue14_flows_are_accepted_by_head_office_and_a_tampered_sale_is_not(
    ho: Central, pg_server: Any, tmp_path: Path, forgery: str
) -> None:
    db_file = tmp_path / "a.db"
    key_a, key_b = ho.keys["S001"], ho.keys["S002"]
    store = _store(tmp_path, "S001", f"sqlite:///{db_file}", ho.url, key_a)
    report = _sync(store, ho.url, key_a)
    assert report.ok, report.error
    assert report.pulled["catalog"] >= len(PRODUCTS) and report.pulled["orders"] == 6
    _stock(store, {"TEE-L": 3, "TEE-XL": 3, "SCARF": 3})

    # 1. exchanges: even, refundable (to the card), balance owed (paid by card)
    even, done_even = _exchange(store, "O-EVEN", ["TEE-L"])
    assert (even.kind, even.balance.minor) == ("even", 0)
    refundable, done_refund = _exchange(store, "O-REFUND", ["SCARF"])
    assert (refundable.kind, refundable.balance.minor) == ("refundable", -3000)
    owed, done_owed = _exchange(
        store, "O-OWED", ["TEE-XL"], balance=BalancePayment.card("VISA", "1881", "A12345")
    )
    assert (owed.kind, owed.balance.minor) == ("balance_owed", 500)
    # 2. receiptless: the mug at its lowest price of the window (25.00), store credit
    desk = store.desk
    draft = desk.start_receiptless(ReceiptlessCustomer(PHONE), _alice(store))
    desk.add_receiptless_item(draft, BARCODE["MUG"], reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    rless = desk.commit_return(draft, "store_credit")
    assert rless.total.minor == 2500
    # 3. gift: head office's code; then a gift receipt printed here for a line without one
    gift_ho = _gift_return(store, GIFT, "MUG", 1)
    printed = issue_gift_receipt(
        store.engine, store.clock, order_number="O-PRINTED", store_code="S001", actor="alice"
    )
    [(line_no, code)] = printed.issued
    gift_here = _gift_return(store, code, "SCARF", line_no)

    report = _sync(store, ho.url, key_a)
    assert report.ok and report.rejected == 0, report
    assert sync_status(store.engine).open_exceptions == 0
    assert sync_status(store.engine).waiting == 0
    messages = _messages(ho)
    kinds = {kind for kind, *_ in messages}
    assert {"return.committed", "exchange.sale", "stock.movement", "gift_receipt.issued"} <= kinds
    assert [m for m in messages if m[1] != "accepted"] == []

    with Session(ho.engine) as s:
        returns = {r.ref: r for r in s.scalars(select(CentralReturn))}
        orders = {o.number: o for o in s.scalars(select(CentralOrder))}
        redeemed = {g.gift_code: g.return_ref for g in s.scalars(select(GiftRedemption))}
    for done in (done_even, done_refund, done_owed, rless, gift_ho, gift_here):
        assert done.ref in returns
    assert returns[rless.ref].kind == "receiptless"
    assert returns[rless.ref].customer_key == proto.customer_key(PHONE)
    assert returns[rless.ref].total_minor == 2500
    assert redeemed == {GIFT: gift_ho.ref, code: gift_here.ref}
    sales = {d.exchange_number: d.ref for d in (done_even, done_refund, done_owed)}
    for number, ref in sales.items():
        assert orders[number].return_ref == ref
    assert sorted(p["tender"] for p in orders[done_owed.exchange_number].payments) == [
        "card",
        "exchange",
    ]

    # The exchange sales are in store A's orders pull, returnable, with their own payments.
    page = pull_orders(ho.engine, "S001", 0, 100)
    pulled_sales = {o.number: o for o in page.items if o.number in sales}
    assert set(pulled_sales) == set(sales)
    owed_sale = pulled_sales[done_owed.exchange_number]
    assert [(ln.sku, ln.paid_minor, ln.final_sale) for ln in owed_sale.lines] == [
        ("TEE-XL", 5500, False)
    ]
    assert sorted((p.tender, p.amount_minor) for p in owed_sale.payments) == [
        ("card", 500),
        ("exchange", 5000),
    ]

    # 4. tampering: a fourth exchange, its exchange.sale edited in the outbox before the push
    _, tampered = _exchange(store, "O-TAMPER", ["TEE-L"])
    store.close()
    _forge_sale(db_file, tampered.ref, forgery)
    store = _store(tmp_path, "S001", f"sqlite:///{db_file}", ho.url, key_a)
    report = _sync(store, ho.url, key_a)
    assert report.ok and report.rejected >= 1, report
    assert sync_status(store.engine).open_exceptions == 1
    with Session(ho.engine) as s:
        assert s.get(CentralReturn, tampered.ref) is None
        assert s.get(CentralOrder, tampered.exchange_number) is None
        sale_status = s.execute(
            select(InboundMessage.status, InboundMessage.reason).where(
                InboundMessage.kind == "exchange.sale",
                InboundMessage.payload["ref"].as_string() == tampered.ref,
            )
        ).one()
        ret_status = s.execute(
            select(InboundMessage.status, InboundMessage.reason).where(
                InboundMessage.kind == "return.committed",
                InboundMessage.payload["ref"].as_string() == tampered.ref,
            )
        ).one()
    # One unit: the sale's own reason rejects its return; the store shows the return's.
    assert sale_status[0] == ret_status[0] == "rejected", (sale_status, ret_status)
    reason = {"price": "exchange_price_mismatch", "balance": "exchange_unbalanced"}[forgery]
    assert ret_status[1].startswith(reason) and sale_status[1].startswith("group_rejected")
    store.close()

    # 5. store B pulls the balance-owed exchange sale and takes the shirt back
    store_b = _store(tmp_path, "S002", pg_server.create_database(), ho.url, key_b)
    assert _sync(store_b, ho.url, key_b).ok
    with UnitOfWork(store_b.engine) as uow:  # store A's sale: found by live look-up
        pulled = set(uow.conn.execute(select(t.orders.c.number)).scalars())
    assert not set(sales) & pulled
    desk_b = store_b.desk
    order = desk_b.find_order(done_owed.exchange_number)
    assert [ln.sku for ln in order.lines] == ["TEE-XL"]
    draft = desk_b.start_return(order, _alice(store_b))
    desk_b.select_line(draft, 1, 1)
    desk_b.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk_b.evaluate(draft)
    back = desk_b.commit_return(draft, "original")
    assert back.total.minor == 5500
    report = _sync(store_b, ho.url, key_b)
    assert report.ok and report.rejected == 0, report
    with Session(ho.engine) as s:
        accepted = s.get(CentralReturn, back.ref)
        assert accepted is not None
        assert sum(r["amount_minor"] for r in accepted.refunds) == 5500
        card = [r for r in accepted.refunds if r["tender"] == "card"]
    assert sum(r["amount_minor"] for r in card) <= 500
    store_b.close()
