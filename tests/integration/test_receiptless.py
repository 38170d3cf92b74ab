"""Receiptless returns end to end through the services, on SQLite and on PostgreSQL: the
lowest price of the last N days, the customer's identity and limits (across counters, under
a row lock), refused categories, and what the commit writes and sends."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.domain.money import Money
from counter_app.domain.receiptless import lowest_price
from counter_app.services import commit as commit_module
from counter_app.services.errors import BadInput, NotFound, NotRefundable
from counter_app.services.history import get_return, list_returns
from counter_app.services.receiptless import ReceiptlessCustomer, load_id_secret
from counter_app.services.returns import ReturnDesk
from counter_app.services.sync_apply import apply_catalog_item
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.sync_payloads import customer_key
from counter_app.sync_protocol import ReturnCommittedMessage
from tests.conftest import NOW
from tests.factories import Store, days_before, make_store
from tests.invariants import check_invariants

ANN = ReceiptlessCustomer("+1 (555) 010-0999")


@pytest.fixture
def store(store_engine: Engine, tmp_path: Path) -> Store:
    made = make_store(store_engine, NOW)
    made.desk.id_secret = lambda: load_id_secret(tmp_path)
    return made


def _history(engine: Engine, sku: str, points: list[tuple[float, int]], now_price: int) -> None:
    """Catalog item `sku` with prices (days ago, price) as head office publishes them."""
    item = {
        "sku": sku, "name": "x", "category": "apparel", "price_minor": now_price,
        "currency": "USD", "barcodes": [],
        "prices": [
            {"effective_from": days_before(NOW, d).isoformat(), "price_minor": p} for d, p in points
        ],
    }  # fmt: skip
    with UnitOfWork(engine, write=True) as uow:
        apply_catalog_item(uow.conn, item)
        uow.commit()


def _return(desk: ReturnDesk, store: Store, barcodes: list[str], who: Any = ANN) -> Any:
    draft = desk.start_receiptless(who, store.user("alice"))
    for code in barcodes:
        desk.add_receiptless_item(draft, code, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    return draft


# ------------------------------------------------------------------ lowest price


def test_lowest_price_counts_the_price_in_force_at_the_window_start_and_each_change() -> None:
    since, now = days_before(NOW, 90), NOW
    # 50 long before, 80 at the window start (changed once before it), then 120 and 70 inside
    history = [(days_before(NOW, 200), 50), (days_before(NOW, 100), 80),
               (days_before(NOW, 40), 120), (days_before(NOW, 10), 70)]  # fmt: skip
    assert lowest_price(history, 100, since, now) == 70
    history[3] = (days_before(NOW, 10), 95)
    assert lowest_price(history, 100, since, now) == 80  # the price in force at the start
    assert lowest_price([], 100, since, now) == 100
    assert lowest_price([(NOW + timedelta(days=1), 10)], 100, since, now) == 100  # not yet


def test_a_scanned_product_is_refunded_at_its_lowest_price_of_the_last_90_days(
    store: Store,
) -> None:
    # changed once before the 90-day window (to 2500) and twice inside it (1800, then 2900)
    _history(store.engine, "APP-1", [(200, 2200), (120, 2500), (60, 1800), (20, 2900)], 2900)
    draft = _return(store.desk, store, ["2000000000015"])
    line = draft.lines[1]
    assert line.line.unit_price == Money(1800)
    assert line.decision is not None and line.decision.outcome == "approve"
    assert "RECEIPTLESS" in line.decision.reason_codes()
    assert store.desk.refund_summary(draft).total == Money(1800)
    assert store.desk.refund_summary(draft).tenders_allowed == ("store_credit",)


def test_catalog_history_is_replaced_not_piled_up(store: Store) -> None:
    _history(store.engine, "APP-1", [(50, 2000), (10, 2400)], 2400)
    _history(store.engine, "APP-1", [(50, 2000), (10, 2400)], 2400)
    with UnitOfWork(store.engine) as uow:
        n = uow.conn.execute(
            select(t.product_prices).where(t.product_prices.c.sku == "APP-1")
        ).all()
    assert len(n) == 2


# ------------------------------------------------------------------ commit


def test_a_receiptless_return_commits_store_credit_for_the_customer(store: Store) -> None:
    draft = _return(store.desk, store, ["2000000000022", "HOM-1"])
    committed = store.desk.commit_return(draft, "store_credit")
    assert committed.total == Money(1999 + 3999)
    assert committed.store_credit_code is not None
    with UnitOfWork(store.engine) as uow:
        row = uow.conn.execute(select(t.returns)).mappings().one()
        customer = uow.conn.execute(select(t.customers)).mappings().one()
        lines = uow.conn.execute(select(t.return_lines)).mappings().all()
        message = uow.conn.execute(
            select(t.outbox.c.payload_json).where(t.outbox.c.kind == "return.committed")
        ).scalar_one()
    assert (row["kind"], row["order_id"]) == ("receiptless", None)
    assert row["customer_id"] == customer["id"]
    assert customer["phone"] == "+15550100999" and customer["id_document_hash"] is None
    assert [ln["order_line_id"] for ln in lines] == [None, None]
    payload = ReturnCommittedMessage.model_validate(json.loads(message)).payload
    assert payload.kind == "receiptless" and payload.order_number is None
    assert payload.customer_key == customer_key("+1 555 0100 999")
    assert [(ln.line_no, ln.unit_price_minor) for ln in payload.lines] == [(1, 1999), (2, 3999)]
    assert [(r.tender, r.amount_minor) for r in payload.refunds] == [("store_credit", 5998)]
    view = get_return(store.engine, committed.ref)
    assert view.kind == "receiptless" and view.order_number is None
    assert [r.kind for r in list_returns(store.engine)] == ["receiptless"]
    check_invariants(store.engine)


def test_the_customer_is_found_again_by_phone_and_the_id_document_must_match(
    store: Store,
) -> None:
    first = ReceiptlessCustomer("555-010-0999", id_document="X1234567")
    store.desk.commit_return(_return(store.desk, store, ["APP-1"], first), "store_credit")
    again = store.desk.start_receiptless(ReceiptlessCustomer("(555) 0100999"), store.user("bob"))
    with UnitOfWork(store.engine) as uow:
        customers = uow.conn.execute(select(t.customers)).mappings().all()
    assert len(customers) == 1 and again.order.customer is not None
    assert again.order.customer.id == customers[0]["id"]
    digest = customers[0]["id_document_hash"]
    assert digest and "X1234567" not in digest and len(digest) == 64
    assert len(again.customer_history.past_returns) == 1
    assert again.customer_history.past_returns[0].receiptless
    with pytest.raises(BadInput, match="does not match"):
        store.desk.start_receiptless(
            ReceiptlessCustomer("5550100999", id_document="Y7654321"), store.user("bob")
        )
    # a new phone number with the same ID document is the same customer
    same = store.desk.start_receiptless(
        ReceiptlessCustomer("+44 20 7946 0000", id_document="x-1234567"), store.user("bob")
    )
    assert same.order.customer is not None and same.order.customer.id == customers[0]["id"]
    assert "X1234567" not in repr(first)


def test_contact_and_product_are_checked(store: Store) -> None:
    with pytest.raises(BadInput):
        store.desk.start_receiptless(ReceiptlessCustomer("12"), store.user("alice"))
    with pytest.raises(BadInput):
        store.desk.start_receiptless(ReceiptlessCustomer("ann@"), store.user("alice"))
    ann = ReceiptlessCustomer("Ann@Example.com")
    draft = store.desk.start_receiptless(ann, store.user("alice"))
    assert draft.customer_key == customer_key("ann@example.com")
    with pytest.raises(NotFound):
        store.desk.add_receiptless_item(
            draft, "999999", reason_code="changed_mind", condition="new"
        )


# ------------------------------------------------------------------ refused categories


def test_categories_that_need_a_receipt_are_refused(store: Store) -> None:
    draft = _return(store.desk, store, ["ELE-1", "GFT-1", "HYG-1", "APP-1"])
    decisions = {n: dl.decision for n, dl in draft.lines.items()}
    assert decisions[1] is not None and decisions[1].outcome == "deny"
    assert "RECEIPT_REQUIRED" in decisions[1].reason_codes()
    assert decisions[2] is not None and decisions[2].hard  # gift cards: never
    assert decisions[3] is not None and "NON_RETURNABLE" in decisions[3].reason_codes()
    assert decisions[4] is not None and decisions[4].outcome != "deny"  # the others count
    with pytest.raises(NotRefundable):
        store.desk.commit_return(draft, "store_credit")
    store.desk.remove_line(draft, 1)
    store.desk.remove_line(draft, 1)
    store.desk.remove_line(draft, 1)
    assert [dl.line.line_no for dl in draft.selected()] == [1]
    assert draft.selected()[0].line.sku == "APP-1"
    store.desk.evaluate(draft)
    assert store.desk.commit_return(draft, "store_credit").total == Money(2500)


# ------------------------------------------------------------------ limits


def test_the_fourth_return_in_the_period_needs_a_manager(store: Store) -> None:
    for _ in range(3):
        store.desk.commit_return(_return(store.desk, store, ["HOM-1"]), "store_credit")
    fourth = _return(store.desk, store, ["HOM-1"])
    decision = fourth.lines[1].decision
    assert decision is not None and decision.outcome == "refer"
    assert "RECEIPTLESS_LIMIT" in decision.reason_codes()
    with pytest.raises(NotRefundable, match="manager"):
        store.desk.commit_return(fourth, "store_credit")


def test_the_value_limit_counts_this_return(store: Store) -> None:
    draft = _return(store.desk, store, ["HOM-1"] * 4)  # 4 x 39.99 > 150.00
    assert all(
        dl.decision is not None and "RECEIPTLESS_LIMIT" in dl.decision.reason_codes()
        for dl in draft.selected()
    )


def test_two_counters_cannot_both_take_the_customers_last_return(store: Store) -> None:
    """Counter 1 commits the customer's third return and holds its transaction open; counter
    2, started on the same history, waits on the customer's row and is then refused."""
    for _ in range(2):
        store.desk.commit_return(_return(store.desk, store, ["APP-1"]), "store_credit")
    url = store.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    desks = [
        ReturnDesk(e, store.clock, store.policies, store_code="S001", counter_code=c)
        for e, c in zip(engines, ("C1", "C2"), strict=True)
    ]
    drafts = [_return(d, store, ["HOM-1"]) for d in desks]
    assert all(d.lines[1].decision.outcome == "approve" for d in drafts)  # type: ignore[union-attr]
    locked, results = threading.Event(), {}
    original = commit_module.write_return

    def slow_write(*args: Any, **kwargs: Any) -> Any:
        done = original(*args, **kwargs)
        locked.set()
        time.sleep(0.8)  # counter 1 still holds the customer's row
        return done

    def run(i: int) -> None:
        try:
            results[i] = desks[i].commit_return(drafts[i], "store_credit")
        except NotRefundable as exc:
            results[i] = exc

    try:
        import counter_app.services.returns as returns_module

        returns_module.write_return = slow_write  # type: ignore[assignment]
        first = threading.Thread(target=run, args=(0,))
        first.start()
        assert locked.wait(10)
        returns_module.write_return = original
        run(1)
        first.join(10)
    finally:
        returns_module.write_return = original
        for e in engines:
            e.dispose()
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], NotRefundable)
    assert "another counter" in str(results[1])
    with UnitOfWork(store.engine) as uow:
        kinds = uow.conn.execute(select(t.returns.c.kind)).scalars().all()
    assert kinds == ["receiptless"] * 3


def test_catalog_import_loads_the_price_history(store: Store, tmp_path: Path) -> None:
    from counter_app.services.imports import import_catalog

    item = {
        "sku": "APP-9", "name": "真丝围巾", "category": "apparel", "price_minor": 3000,
        "currency": "USD", "barcodes": ["2000000000992"],
        "prices": [
            {"effective_from": days_before(NOW, 150).isoformat(), "price_minor": 3200},
            {"effective_from": days_before(NOW, 45).isoformat(), "price_minor": 2100},
            {"effective_from": days_before(NOW, 5).isoformat(), "price_minor": 3000},
        ],
    }  # fmt: skip
    path = tmp_path / "catalog.jsonl"
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_catalog(store.engine, path).added == 1
    assert import_catalog(store.engine, path).unchanged == 1
    item["prices"][1]["price_minor"] = 1900  # type: ignore[index]
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_catalog(store.engine, path).updated == 1  # only the history changed
    draft = _return(store.desk, store, ["2000000000992"])
    assert draft.lines[1].line.unit_price == Money(1900)


def test_a_catalog_without_history_records_each_price_change(store: Store) -> None:
    def pull(price: int) -> None:
        with UnitOfWork(store.engine, write=True) as uow:
            apply_catalog_item(uow.conn, {"sku": "HOM-1", "name": "Desk Lamp",
                                          "category": "home", "price_minor": price,
                                          "currency": "USD"})  # fmt: skip
            uow.commit()

    pull(3999)
    pull(3999)
    pull(2999)
    with UnitOfWork(store.engine) as uow:
        prices = uow.conn.execute(
            select(t.product_prices.c.price_minor)
            .where(t.product_prices.c.sku == "HOM-1")
            .order_by(t.product_prices.c.effective_from)
        ).scalars().all()
    assert prices == [3999, 2999]
