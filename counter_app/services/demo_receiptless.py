"""The demo store's returns without a receipt: a price history with a sale inside the
lookback window (so the refund is visibly the lowest recent price), two committed receiptless
returns (Chinese-named products among them) and a third the customer's value limit refuses.
`build_demo` calls `demo_receiptless` once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from counter_app.adapters.db import receiptless as rows
from counter_app.adapters.db import tables as t
from counter_app.services import auth
from counter_app.services.clock import Clock, FixedClock
from counter_app.services.errors import CounterError
from counter_app.services.receiptless import ReceiptlessCustomer
from counter_app.services.unit_of_work import UnitOfWork

log = logging.getLogger("counter_app.demo")
CUSTOMERS = ("+1 555 0199 0001", "lin.wei@example.com")


def _products(engine: Any) -> list[tuple[str, str, int]]:
    """(sku, barcode, price) of apparel and home products, Chinese-named first."""
    p, b = t.products.c, t.product_barcodes.c
    with UnitOfWork(engine) as uow:
        found = uow.conn.execute(
            select(p.sku, b.barcode, p.price_minor, p.name)
            .join(t.product_barcodes, b.sku == p.sku)
            .where(p.category.in_(("apparel", "home")), p.open_box_of.is_(None))
            .order_by(p.sku)
        ).all()
    chinese = [r for r in found if any("\u4e00" <= ch <= "\u9fff" for ch in r[3])]
    other = [r for r in found if r not in chinese]
    return [(r[0], r[1], int(r[2])) for r in (chinese[:3] + other[:3])]


def _price_history(engine: Any, products: list[tuple[str, str, int]], now: datetime) -> None:
    """Full price 120 days ago, a 30 % sale 40 days ago, back to full price 25 days ago."""
    with UnitOfWork(engine, write=True) as uow:
        for sku, _code, price in products:
            points = [
                (now - timedelta(days=120), price),
                (now - timedelta(days=40), price * 7 // 10),
                (now - timedelta(days=25), price),
            ]
            rows.replace_price_history(uow.conn, sku, points)
        uow.commit()


def _advance_customer_ids(engine: Any) -> None:
    """The demo wrote its customers with their ids: on PostgreSQL the id sequence is moved
    past them, so the customers identified here get new ids."""
    if engine.dialect.name != "postgresql":
        return
    with UnitOfWork(engine, write=True) as uow:
        uow.conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('customers', 'id'), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM customers), false)"
            )
        )
        uow.commit()


def _attempt(desk: Any, cashier: Any, who: ReceiptlessCustomer, codes: list[str]) -> bool:
    """One receiptless return of `codes`, committed when the policy approves it as it is."""
    draft = desk.start_receiptless(who, cashier)
    for code in codes:
        desk.add_receiptless_item(draft, code, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    try:
        desk.commit_return(draft, "store_credit")
    except CounterError as exc:
        log.info("demo: receiptless return refused: %s", exc)
        return False
    return True


def demo_receiptless(
    engine: Any, now: datetime, desk_factory: Callable[[Clock], Any]
) -> tuple[int, int]:
    """(committed, refused) receiptless returns added to the demo store."""
    products = _products(engine)
    if len(products) < 3:
        return 0, 0
    _price_history(engine, products, now)
    _advance_customer_ids(engine)
    clock = FixedClock(now - timedelta(days=3))
    desk = desk_factory(clock)
    cashier = auth.authenticate(engine, clock, "bob", "2345")
    codes = [code for _sku, code, _price in products]
    done = [_attempt(desk, cashier, ReceiptlessCustomer(CUSTOMERS[0]), codes[:1])]
    clock.at = now - timedelta(days=2)
    second = ReceiptlessCustomer(CUSTOMERS[1], "E12345678" if desk.id_secret else None)
    done.append(_attempt(desk, cashier, second, codes[1:3]))
    # the same customer again, over the policy's value limit for the period: refused
    limit = desk.policies.current.receiptless.max_value.minor
    cheapest = min(products, key=lambda p: p[2])
    units = min(20, limit // max(cheapest[2] * 7 // 10, 1) + 1)
    clock.at = now - timedelta(days=1)
    done.append(_attempt(desk, cashier, ReceiptlessCustomer(CUSTOMERS[1]), [cheapest[1]] * units))
    return sum(done), len(done) - sum(done)
