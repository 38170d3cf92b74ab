"""A small, hand-made store for service tests: every number in it is known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.policy import PolicyHolder, default_policy_path, load_policy_file
from counter_app.services import auth
from counter_app.services.clock import FixedClock
from counter_app.services.returns import ReturnDesk
from counter_app.services.unit_of_work import UnitOfWork

PRODUCTS = [
    # sku, name, category, serialised, price, barcode
    ("APP-1", "Wool Scarf", "apparel", False, 2500, "2000000000015"),
    ("APP-2", "纯棉T恤 白色", "apparel", False, 1999, "2000000000022"),
    ("ELE-1", "Wireless Earbuds", "electronics", True, 12999, "2000000000039"),
    ("FIN-1", "Clearance Jacket", "final_sale", False, 4999, "2000000000046"),
    ("GFT-1", "Gift Card $50", "gift_card", False, 5000, "2000000000053"),
    ("HYG-1", "Toothbrush", "hygiene", False, 899, "2000000000060"),
    ("HOM-1", "Desk Lamp", "home", False, 3999, "2000000000077"),
]
STAFF = {
    "alice": ("Alice Chen", "cashier", "1234"),
    "bob": ("Bob Ortiz", "cashier", "2345"),
    "maria": ("Maria Rossi", "manager", "987654"),
    "wei": ("王伟", "manager", "876543"),
}


@dataclass
class Store:
    engine: Engine
    clock: FixedClock
    desk: ReturnDesk
    policies: PolicyHolder

    def user(self, username: str) -> Any:
        return auth.authenticate(self.engine, self.clock, username, STAFF[username][2])


def make_store(engine: Engine, now: datetime, *, with_staff: bool = True) -> Store:
    clock = FixedClock(now)
    with UnitOfWork(engine, write=True) as uow:
        repo.insert_many(
            uow.conn,
            t.stores,
            [
                {
                    "code": "S001",
                    "name": "Test Store",
                    "address": "1 Test Road",
                    "phone": "555",
                    "timezone": "America/New_York",
                    "currency": "USD",
                }
            ],
        )
        repo.insert_many(
            uow.conn,
            t.products,
            [
                {
                    "sku": s,
                    "name": n,
                    "category": c,
                    "serialised": ser,
                    "price_minor": p,
                    "currency": "USD",
                    "vendor": "Acme",
                    "open_box_of": None,
                }
                for s, n, c, ser, p, _ in PRODUCTS
            ],
        )
        repo.insert_many(
            uow.conn, t.product_barcodes, [{"barcode": b, "sku": s} for s, *_, b in PRODUCTS]
        )
        uow.commit()
    if with_staff:
        for username, (name, role, pin) in STAFF.items():
            auth.add_user(engine, clock, username, name, role, pin)
    policies = PolicyHolder(load_policy_file(default_policy_path()))
    desk = ReturnDesk(engine, clock, policies, store_code="S001", counter_code="C1")
    return Store(engine, clock, desk, policies)


def add_order(
    engine: Engine,
    number: str,
    placed_at: datetime,
    lines: Sequence[tuple[str, int, int]],
    payments: Sequence[tuple[str, int]] | None = None,
    *,
    channel: str = "store",
    customer: dict[str, Any] | None = None,
    serials: dict[int, str] | None = None,
) -> int:
    """An order; `lines` are (sku, quantity, paid_minor); payments (tender, amount) default
    to one card payment of the whole total."""
    total = sum(paid for _, _, paid in lines)
    payments = payments or [("card", total)]
    with UnitOfWork(engine, write=True) as uow:
        conn = uow.conn
        customer_id = None
        if customer:
            customer_id = repo.insert_row(conn, t.customers, customer)
        order_id = repo.insert_row(
            conn,
            t.orders,
            {
                "number": number,
                "store_code": "S001" if channel == "store" else None,
                "channel": channel,
                "placed_at": placed_at,
                "customer_id": customer_id,
                "currency": "USD",
            },
        )
        for n, (sku, qty, paid) in enumerate(lines, 1):
            repo.insert_row(
                conn,
                t.order_lines,
                {
                    "order_id": order_id,
                    "line_no": n,
                    "sku": sku,
                    "quantity": qty,
                    "unit_price_minor": paid // qty,
                    "discount_minor": 0,
                    "tax_minor": 0,
                    "paid_minor": paid,
                    "serial": (serials or {}).get(n),
                    "final_sale": False,
                    "returned_quantity": 0,
                },
            )
        for tender, amount in payments:
            repo.insert_row(
                conn,
                t.payments,
                {
                    "order_id": order_id,
                    "tender": tender,
                    "amount_minor": amount,
                    "refunded_minor": 0,
                    "card_brand": "VISA" if tender == "card" else None,
                    "card_last4": "4242" if tender == "card" else None,
                },
            )
        uow.commit()
    return order_id


def days_before(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def count(engine: Engine, table: Any) -> int:
    with UnitOfWork(engine) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def snapshot(engine: Engine) -> dict[str, int]:
    """Row counts of every table a return writes: 'nothing changed' is then one comparison."""
    tables = [
        t.returns,
        t.return_lines,
        t.refunds,
        t.store_credits,
        t.stock_movements,
        t.overrides,
        t.audit_entries,
        t.outbox,
        t.print_jobs,
    ]
    result = {table.name: count(engine, table) for table in tables}
    with UnitOfWork(engine) as uow:
        result["returned_units"] = int(
            uow.conn.execute(
                select(func.coalesce(func.sum(t.order_lines.c.returned_quantity), 0))
            ).scalar_one()
        )
        result["refunded_minor"] = int(
            uow.conn.execute(
                select(func.coalesce(func.sum(t.payments.c.refunded_minor), 0))
            ).scalar_one()
        )
    return result
