"""A head office filled through the real ingest for the chart tests: two stores, two weeks of
orders, returns (one receiptless) and a manager override; the rates it makes are worked out
in tests/integration/test_chart_data.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.testing import message, return_message

POLICY = (Path(__file__).parents[2] / "resources/policy/default.toml").read_text()
NOW = datetime(2026, 11, 26, 18, tzinfo=UTC)  # a Thursday: its week starts Mon 23 Nov
WEEK1 = datetime(2026, 11, 17, 10, tzinfo=UTC)
WEEK2 = datetime(2026, 11, 24, 10, tzinfo=UTC)
BEFORE = datetime(2026, 11, 3, 10, tzinfo=UTC)  # outside a 2-week period


def _order(number: str, store: str | None, when: datetime, sku: str, qty: int) -> proto.Order:
    return proto.Order.model_validate(
        {"number": number, "store": store, "channel": "store" if store else "online",
         "placed_at": when, "currency": "USD",
         "lines": [{"line_no": 1, "sku": sku, "quantity": qty, "unit_price_minor": 1999,
                    "paid_minor": 1999 * qty}],
         "payments": [{"tender": "card", "amount_minor": 1999 * qty, "card_brand": "VISA",
                       "card_last4": "4242"}]}
    )  # fmt: skip


def _at(wire: dict[str, Any], when: datetime) -> dict[str, Any]:
    return wire | {"created_at": when.isoformat()}


def _receiptless(store: str, ref: str, sku: str, reason: str) -> dict[str, Any]:
    payload = {
        "ref": ref, "kind": "receiptless", "order_number": None,
        "customer_key": proto.customer_key(f"{ref}@example.com"), "counter": "C1",
        "cashier": "alice", "currency": "USD",
        "lines": [{"line_no": 1, "sku": sku, "quantity": 1, "refund_minor": 1999,
                   "condition": "new", "reason": reason, "disposition": "restock_new"}],
        "refunds": [{"tender": "store_credit", "amount_minor": 1999}],
    }  # fmt: skip
    return message("return.committed", store, payload)


def _ret(store: str, ref: str, order: str, sku: str, reason: str, when: datetime) -> Any:
    wire = return_message(store, ref, order, [(1, sku, 1)])
    for line in wire["payload"]["lines"]:
        line["reason"] = reason
    return _at(wire, when)


def seed(engine: Engine) -> None:
    """Two stores over two weeks (see the test for the rates this makes)."""
    for code in ("S001", "S002"):
        service.add_store(engine, code, f"Store {code}")
    service.publish_catalog(
        engine,
        [
            proto.CatalogItem(sku=sku, name=sku, category=cat, price_minor=1999, currency="USD")
            for sku, cat in (("SKU-1", "home"), ("SKU-2", "toys"))
        ],
    )
    staff = [("alice", "cashier"), ("mia", "manager")]
    service.publish_staff(
        engine,
        [
            service.staff_from_record(
                {"username": u, "display_name": u, "role": r, "pin": "246810", "travelling": True}
            )
            for u, r in staff
        ],
    )
    service.publish_policy(engine, "p1", POLICY)
    orders = [_order(f"O-S001-{n}", "S001", WEEK1, "SKU-1", 1) for n in range(1, 5)]
    orders += [_order(f"O-S001-{n}", "S001", WEEK2, "SKU-2", 2) for n in (5, 6)]
    orders += [_order(f"O-S002-{n}", "S002", WEEK2, "SKU-1", 1) for n in range(1, 6)]
    orders += [
        _order("O-WEB-1", None, WEEK1, "SKU-2", 3),
        _order("O-OLD", "S001", BEFORE, "SKU-1", 9),
    ]
    service.publish_orders(engine, orders)
    s1 = [
        _ret("S001", "R-1", "O-S001-1", "SKU-1", "wrong_size", WEEK1),
        _ret("S001", "R-2", "O-S001-5", "SKU-2", "defective", WEEK2),
        _at(message("override.granted", "S001",
                    {"ref": "R-2", "line_no": 1, "manager": "mia", "reason": "late"}), WEEK2),
        _ret("S001", "R-0", "O-OLD", "SKU-1", "other", BEFORE),
    ]  # fmt: skip
    s2 = [
        _ret("S002", "R-3", "O-S002-1", "SKU-1", "wrong_size", WEEK2),
        _at(_receiptless("S002", "R-4", "SKU-1", "changed_mind"), WEEK2),
    ]  # fmt: skip
    for store, wires in (("S001", s1), ("S002", s2)):
        batch = [proto.MESSAGE.validate_python(w) for w in wires]
        results = service.push_messages(engine, store, batch, now=NOW)
        assert [r.status for r in results] == ["accepted"] * len(batch), results
