"""Head office set up for the return-authorization tests: two stores, cashier alice, the
default policy, and orders whose lines are returnable, a final sale, or out of the window."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.testing import return_message, seed_reference

DEFAULT_POLICY = (Path(__file__).parents[2] / "resources/policy/default.toml").read_text()
# The default policy without its holiday season, so windows do not depend on today's date.
POLICY = re.sub(r"\[\[holiday_extensions\]\]\n(?:[a-z_]+ = .*\n)+", "", DEFAULT_POLICY)
assert POLICY != DEFAULT_POLICY and "holiday_extensions" not in POLICY.replace("# ", "")
UNIT = 1999
SKUS = ("SKU-1", "SKU-2", "SKU-3")


def order(
    number: str,
    placed: datetime,
    lines: list[tuple[str, int, bool]],
    customer: dict[str, Any] | None = None,
) -> proto.Order:
    """An online order of (sku, quantity, final_sale) lines paid by VISA 4242."""
    total = sum(UNIT * qty for _, qty, _ in lines)
    return proto.Order.model_validate(
        {
            "number": number,
            "channel": "online",
            "placed_at": placed.isoformat(),
            "currency": "USD",
            "customer": customer,
            "lines": [
                {"line_no": n, "sku": sku, "quantity": qty, "unit_price_minor": UNIT,
                 "paid_minor": UNIT * qty, "final_sale": final}
                for n, (sku, qty, final) in enumerate(lines, start=1)
            ],
            "payments": [{"tender": "card", "amount_minor": total, "card_brand": "VISA",
                          "card_last4": "4242"}],
        }
    )  # fmt: skip


def seed(engine: Engine, now: datetime | None = None) -> dict[str, str]:
    """Stores S001 and S002 (their keys returned), catalog, staff, policy and the orders:
    O-1 (5 days old: 2 x SKU-1, a final-sale SKU-2, 1 x SKU-3; customer Ada), O-OLD (40 days:
    out of the 30-day window), O-LATE (25 days: the window ends before 14 days), O-ZH
    (a customer whose name is in Chinese)."""
    now = now or datetime.now(UTC)
    keys = {code: service.add_store(engine, code, f"Store {code}") for code in ("S001", "S002")}
    seed_reference(engine, SKUS)
    service.publish_catalog(
        engine,
        [
            proto.CatalogItem(sku=sku, name=f"Product {sku}", category="test", price_minor=UNIT,
                              currency="USD")
            for sku in SKUS
        ],
    )  # fmt: skip
    service.publish_policy(engine, "p1", POLICY)
    ada = {"code": "C1", "name": "Ada Lovelace", "email": "ada@example.com"}
    wang = {"code": "C2", "name": "王芳", "email": "wang@example.com"}
    service.publish_orders(
        engine,
        [
            order("O-1", now - timedelta(days=5),
                  [("SKU-1", 2, False), ("SKU-2", 1, True), ("SKU-3", 1, False)], ada),
            order("O-OLD", now - timedelta(days=40), [("SKU-1", 1, False)], ada),
            order("O-LATE", now - timedelta(days=25), [("SKU-1", 1, False)], ada),
            order("O-ZH", now - timedelta(days=2), [("SKU-3", 1, False)], wang),
        ],
    )  # fmt: skip
    return keys


def request(
    number: str = "O-1",
    lines: tuple[tuple[int, int, str], ...] = ((1, 1, "wrong_size"),),
    email: str | None = None,
    refund: str = "original",
) -> proto.AuthorizationRequest:
    return proto.AuthorizationRequest.model_validate(
        {
            "order_number": number,
            "lines": [{"line_no": n, "quantity": q, "reason": r} for n, q, r in lines],
            "refund": refund,
            "email": email,
        }
    )


def committed(
    store: str,
    ref: str,
    lines: list[tuple[int, str, int]],
    code: str | None = None,
    token: str | None = None,
    at: datetime | None = None,
    number: str = "O-1",
) -> dict[str, Any]:
    """A return.committed wire message naming `code` (and keeping `token`)."""
    wire = return_message(store, ref, number, lines, refund_minor=UNIT)
    wire["created_at"] = (at or datetime.now(UTC)).isoformat()
    if code is not None:
        wire["payload"]["authorization_code"] = code
    if token is not None:
        wire["payload"]["status_token"] = token
    return wire


def push(
    engine: Engine, store: str, *wires: dict[str, Any], now: datetime | None = None
) -> list[proto.PushResult]:
    parsed = [proto.MESSAGE.validate_python(w) for w in wires]
    return service.push_messages(engine, store, parsed, now)
