"""The demo store's gift receipts: orders whose gift receipts were printed at the sale (each
line with its gift code), and two gift returns through the real desk — a Chinese-named
item among them — refunded as store credit to the recipient.

Hooked into `services.demo.build_demo` with one call (`add_gift_demo`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from counter_app.domain.model import Order, OrderLine
from counter_app.services import auth
from counter_app.services.clock import FixedClock
from counter_app.services.errors import CounterError
from counter_app.services.gift import start_gift_return
from counter_app.services.gift_receipts import issue_gift_receipt

GIFT_ORDERS = 6  # orders printed with a gift receipt
GIFT_RETURNS = 2
_SKIP = ("gift_card", "perishable", "hygiene", "final_sale")


def _giftable(line: OrderLine) -> bool:
    return line.returnable_quantity > 0 and line.category not in _SKIP and not line.serialised


def _gift_orders(desk: Any, rng: random.Random, now: datetime, orders: int) -> list[Order]:
    """Recent orders (2 to 20 days old) with an item worth giving, a Chinese name first."""
    found: list[Order] = []
    for order_no in rng.sample(range(1, orders + 1), min(orders, 400)):
        order = desk.find_order(f"O-{order_no:07d}")
        age = now - order.placed_at
        if not timedelta(days=2) <= age <= timedelta(days=20):
            continue
        if any(_giftable(ln) for ln in order.lines):
            found.append(order)
        if len(found) >= GIFT_ORDERS * 3:
            break
    found.sort(key=lambda o: not any(not ln.name.isascii() for ln in o.lines if _giftable(ln)))
    return found[:GIFT_ORDERS]


def add_gift_demo(
    engine: Engine,
    now: datetime,
    rng: random.Random,
    orders: int,
    desk_factory: Callable[[Any], Any],
    *,
    returns: bool = True,
    store_code: str = "S001",
) -> int:
    """Print gift receipts for a few orders and return two gifted items; the returns made."""
    clock = FixedClock(now)
    desk = desk_factory(clock)
    cashier = auth.authenticate(engine, clock, "alice", "1234")
    made = 0
    for order in _gift_orders(desk, rng, now, orders):
        clock.at = order.placed_at + timedelta(minutes=2)  # printed at the sale
        receipt = issue_gift_receipt(
            engine, clock, order_number=order.number, store_code=store_code, actor="demo"
        )
        if not returns or made >= GIFT_RETURNS:
            continue
        names = {ln.sku: ln.name for ln in order.lines if _giftable(ln)}
        lines = [ln for ln in receipt.data.lines if ln.sku in names]
        lines.sort(key=lambda ln: ln.product_name.isascii())  # a Chinese name first
        if not lines:
            continue
        line = lines[0]
        clock.at = order.placed_at + timedelta(days=rng.uniform(1, 2))
        made += _gift_return(desk, cashier, line.gift_code, line.sku, rng)
    return made


def _gift_return(desk: Any, cashier: Any, code: str, sku: str, rng: random.Random) -> int:
    """The recipient brings the item and its gift receipt: store credit (1), or skipped (0)."""
    try:
        draft = start_gift_return(desk, code, cashier)
        desk.verify_item(draft, sku)
        (line_no,) = draft.lines
        reason = rng.choice(["wrong_size", "changed_mind"])
        desk.record_inspection(draft, line_no, reason_code=reason, condition="new")
        desk.evaluate(draft)
        summary = desk.refund_summary(draft)
        if summary.blocked or "store_credit" not in summary.tenders_allowed:
            return 0
        desk.commit_return(draft, "store_credit")
        return 1
    except CounterError:
        return 0
