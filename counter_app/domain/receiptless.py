"""A return without a receipt, in the shape every other return has: a synthetic order.

The draft, the policy and the commit all work on an `Order`; a receiptless return gets one
with no id (it is not in the database), no payments, the identified customer, and one line
per scanned product priced at the product's lowest price of the policy's last N days. Its
lines have id 0 (no order line: stored as NULL) and are numbered 1..n in scan order; they
are never "serialised" (there is no sold serial number to match).
Pure: the service reads the prices and the customer and hands them in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from counter_app.domain.model import Customer, Order, OrderLine
from counter_app.domain.money import Money

NO_ORDER_NUMBER = ""  # what a receiptless draft's order is numbered (never written anywhere)


@dataclass(frozen=True)
class ScannedProduct:
    """A product as the store's catalog has it, and the price a receiptless return pays."""

    sku: str
    name: str
    category: str
    serialised: bool
    vendor: str
    barcodes: tuple[str, ...]
    lowest_price: Money


def lowest_price(
    history: Sequence[tuple[datetime, int]], current_minor: int, since: datetime, now: datetime
) -> int:
    """The lowest price in force at any moment from `since` to `now`: the point in force at
    `since` (the last one from before it), every point inside the window, and today's price.
    Points after `now` are not in force yet; with no history it is today's price."""
    in_force_at_start: int | None = None
    prices = [current_minor]
    for effective_from, price in sorted(history):
        if effective_from <= since:
            in_force_at_start = price
        elif effective_from <= now:
            prices.append(price)
    if in_force_at_start is not None:
        prices.append(in_force_at_start)
    return min(prices)


def receiptless_order(
    customer: Customer, currency: str, store_code: str | None, now: datetime
) -> Order:
    """The empty synthetic order a receiptless return starts from."""
    return Order(
        id=None,
        number=NO_ORDER_NUMBER,
        channel="store",
        placed_at=now,
        currency=currency,
        store_code=store_code,
        customer=customer,
        lines=(),
        payments=(),
    )


def with_scanned(order: Order, product: ScannedProduct) -> tuple[Order, OrderLine]:
    """`order` with one more line (one unit of `product` at its lowest recent price)."""
    line_no = max((ln.line_no for ln in order.lines), default=0) + 1
    price = product.lowest_price
    zero = Money.zero(price.currency)
    line = OrderLine(
        id=0,
        line_no=line_no,
        sku=product.sku,
        name=product.name,
        category=product.category,
        serialised=False,  # no sale to match a serial number against
        quantity=1,
        returned_quantity=0,
        unit_price=price,
        discount=zero,
        tax=zero,
        paid=price,
        barcodes=product.barcodes,
        vendor=product.vendor,
        refunded=zero,
    )
    return dataclasses.replace(order, lines=(*order.lines, line)), line

