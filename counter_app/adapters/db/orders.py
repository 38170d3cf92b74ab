"""Reading orders for the counter: an order in two queries, searches, barcodes, history.

Statements are built once at import with bound parameters; part of `repository`, which
re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select

from counter_app.adapters.db import tables as t
from counter_app.domain.model import Customer, Order, OrderLine, Payment
from counter_app.domain.money import Money

_ORDER_ID_BY_NUMBER = select(t.orders.c.id).where(t.orders.c.number == bindparam("number"))
_o, _c, _p, _l, _pr = t.orders.c, t.customers.c, t.payments.c, t.order_lines.c, t.products.c
# One query for the order, its customer and its payments (one row per payment) ...
_ORDER_HEAD = (
    select(
        _o.id,
        _o.number,
        _o.channel,
        _o.placed_at,
        _o.currency,
        _o.store_code,
        _c.id,
        _c.code,
        _c.name,
        _c.email,
        _c.phone,
        _c.loyalty_tier,
        _p.id,
        _p.tender,
        _p.amount_minor,
        _p.refunded_minor,
        _p.card_brand,
        _p.card_last4,
        _o.window_from,
    )
    .select_from(
        t.orders.outerjoin(t.customers, _c.id == _o.customer_id).outerjoin(
            t.payments, _p.order_id == _o.id
        )
    )
    .order_by(_p.id)
)
_ORDER_BY_ID = _ORDER_HEAD.where(_o.id == bindparam("b_order_id"))
_ORDER_BY_NUMBER = _ORDER_HEAD.where(_o.number == bindparam("b_number"))
# ... and one for its lines with their products and barcodes (one row per barcode).
_ORDER_LINES = (
    select(
        _l.id,
        _l.line_no,
        _l.sku,
        _pr.name,
        _pr.category,
        _pr.serialised,
        _l.quantity,
        _l.returned_quantity,
        _l.unit_price_minor,
        _l.discount_minor,
        _l.tax_minor,
        _l.paid_minor,
        _l.serial,
        _l.final_sale,
        _pr.vendor,
        t.product_barcodes.c.barcode,
        _l.refunded_minor,
        _l.gift_code,
    )
    .select_from(
        t.order_lines.join(t.products, _pr.sku == _l.sku).outerjoin(
            t.product_barcodes, t.product_barcodes.c.sku == _l.sku
        )
    )
    .where(_l.order_id == bindparam("b_order_id"))
    .order_by(_l.line_no)
)
_PAYMENTS = (
    select(_p.id, _p.tender, _p.amount_minor, _p.refunded_minor, _p.card_brand, _p.card_last4)
    .where(_p.order_id == bindparam("b_order_id"))
    .order_by(_p.id)
)


def order_id_by_number(conn: Connection, number: str) -> int | None:
    return conn.execute(_ORDER_ID_BY_NUMBER, {"number": number}).scalar()


def load_order(conn: Connection, order_id: int) -> Order | None:
    """The order with its customer, lines (with barcodes) and payments: two queries."""
    return _order(conn, conn.execute(_ORDER_BY_ID, {"b_order_id": order_id}).all())


def load_order_by_number(conn: Connection, number: str) -> Order | None:
    return _order(conn, conn.execute(_ORDER_BY_NUMBER, {"b_number": number}).all())


def _payment(row: Sequence[Any], currency: str) -> Payment:
    pid, tender, amount, refunded, brand, last4 = row
    return Payment(pid, tender, Money(amount, currency), Money(refunded, currency), brand, last4)


def load_payments(conn: Connection, order_id: int, currency: str) -> tuple[Payment, ...]:
    """The order's payments as they are now (another counter may have refunded since)."""
    rows = conn.execute(_PAYMENTS, {"b_order_id": order_id})
    return tuple(_payment(r, currency) for r in rows)


def _order(conn: Connection, rows: Sequence[Any]) -> Order | None:
    if not rows:
        return None
    order_id, number, channel, placed_at, currency, store_code, *cust = rows[0][:12]
    customer = Customer(*cust) if cust[0] is not None else None
    payments = tuple(_payment(r[12:18], currency) for r in rows if r[12] is not None)
    return Order(
        id=order_id,
        number=number,
        channel=channel,
        placed_at=placed_at,
        currency=currency,
        store_code=store_code,
        customer=customer,
        lines=_order_lines(conn, order_id, currency),
        payments=payments,
        window_from=rows[0][18],
    )


def _order_lines(conn: Connection, order_id: int, currency: str) -> tuple[OrderLine, ...]:
    by_line: dict[int, tuple[Any, list[str]]] = {}
    for r in conn.execute(_ORDER_LINES, {"b_order_id": order_id}):
        entry = by_line.setdefault(r[1], (r, []))
        if r[15] is not None:
            entry[1].append(r[15])
    lines = []
    for r, codes in by_line.values():
        lid, no, sku, name, cat, serialised, qty, returned, unit, disc, tax, paid = r[:12]
        lines.append(
            OrderLine(
                lid,
                no,
                sku,
                name,
                cat,
                serialised,
                qty,
                returned,
                Money(unit, currency),
                Money(disc, currency),
                Money(tax, currency),
                Money(paid, currency),
                r[12],
                r[13],
                tuple(sorted(codes)),
                r[14],
                Money(r[16], currency),
                r[17],
            )
        )
    return tuple(lines)


def search_order_ids(
    conn: Connection,
    *,
    phone: str | None = None,
    email: str | None = None,
    card_last4: str | None = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    name: str | None = None,
    limit: int = 50,
) -> list[int]:
    query = select(t.orders.c.id).distinct()
    conditions: list[Any] = []
    if phone or email or name:
        query = query.join(t.customers, t.customers.c.id == t.orders.c.customer_id)
        if phone:
            conditions.append(t.customers.c.phone == phone)
        if email:
            conditions.append(func.lower(t.customers.c.email) == email.lower())
        if name:  # any part of the name, any case; % and _ in it are literal
            conditions.append(
                func.lower(t.customers.c.name).contains(name.lower(), autoescape=True)
            )
    if card_last4:
        query = query.join(t.payments, t.payments.c.order_id == t.orders.c.id)
        conditions.append(t.payments.c.card_last4 == card_last4)
    if placed_from is not None:
        conditions.append(t.orders.c.placed_at >= placed_from)
    if placed_to is not None:
        conditions.append(t.orders.c.placed_at < placed_to)
    query = query.where(and_(*conditions)).order_by(t.orders.c.id.desc()).limit(limit)
    return list(conn.execute(query).scalars())


def sku_for_barcode(conn: Connection, barcode: str) -> str | None:
    found = conn.execute(
        select(t.product_barcodes.c.sku).where(t.product_barcodes.c.barcode == barcode)
    ).scalar()
    if found is None:
        found = conn.execute(select(t.products.c.sku).where(t.products.c.sku == barcode)).scalar()
    return found


def past_returns(conn: Connection, customer_id: int, since: datetime) -> list[tuple[datetime, int]]:
    rows = conn.execute(
        select(t.returns.c.created_at, t.returns.c.total_refund_minor).where(
            t.returns.c.customer_id == customer_id, t.returns.c.created_at >= since
        )
    )
    return [(r[0], r[1]) for r in rows]
