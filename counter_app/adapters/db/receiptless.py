"""Rows a receiptless return needs: a product's price history, the customer found by phone,
e-mail or ID-document hash (or created), and their past returns counted under a row lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from counter_app.adapters.db import tables as t

_pp, _c, _r = t.product_prices.c, t.customers.c, t.returns.c


# ------------------------------------------------------------------ price history


def replace_price_history(
    conn: Connection, sku: str, points: Sequence[tuple[datetime, int]]
) -> None:
    """The product's history as head office (or the file) gives it, oldest first."""
    conn.execute(delete(t.product_prices).where(_pp.sku == sku))
    unique = dict(points)  # one price per moment: the last one given wins
    if unique:
        conn.execute(
            insert(t.product_prices),
            [{"sku": sku, "effective_from": at, "price_minor": p} for at, p in unique.items()],
        )


def note_current_price(conn: Connection, sku: str, price_minor: int, now: datetime) -> None:
    """No history sent: record the price from `now` when it is not the last one recorded,
    so a store without head-office history still builds one (applied twice: one row)."""
    last = conn.execute(
        select(_pp.price_minor).where(_pp.sku == sku).order_by(_pp.effective_from.desc()).limit(1)
    ).scalar()
    if last != price_minor:
        conn.execute(
            insert(t.product_prices).values(sku=sku, effective_from=now, price_minor=price_minor)
        )


def price_history(conn: Connection, sku: str) -> list[tuple[datetime, int]]:
    rows = conn.execute(
        select(_pp.effective_from, _pp.price_minor)
        .where(_pp.sku == sku)
        .order_by(_pp.effective_from)
    )
    return [(r[0], int(r[1])) for r in rows]


def product_row(conn: Connection, sku: str) -> Any:
    return conn.execute(select(t.products).where(t.products.c.sku == sku)).mappings().first()


def barcodes_of(conn: Connection, sku: str) -> tuple[str, ...]:
    rows = conn.execute(select(t.product_barcodes.c.barcode).where(t.product_barcodes.c.sku == sku))
    return tuple(sorted(str(r[0]) for r in rows))


# ------------------------------------------------------------------ customers


def customer_by_email(conn: Connection, email: str) -> Any:
    return (
        conn.execute(select(t.customers).where(func.lower(_c.email) == email).order_by(_c.id))
        .mappings()
        .first()
    )


def customers_with_phone_ending(conn: Connection, tail: str) -> list[Any]:
    """Candidates whose phone ends like `tail` (the caller compares normalised numbers)."""
    query = select(t.customers).where(_c.phone.like(f"%{tail}")).order_by(_c.id).limit(200)
    return list(conn.execute(query).mappings())


def customer_by_document(conn: Connection, digest: str) -> Any:
    query = select(t.customers).where(_c.id_document_hash == digest).order_by(_c.id)
    return conn.execute(query).mappings().first()


def customer_row(conn: Connection, customer_id: int) -> Any:
    return conn.execute(select(t.customers).where(_c.id == customer_id)).mappings().one()


def lock_customer(conn: Connection, customer_id: int) -> None:
    """Hold the customer's row until the transaction ends (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's write transaction already serialises every writer), so two
    counters count the same customer's returns one after the other."""
    conn.execute(select(_c.id).where(_c.id == customer_id).with_for_update()).one()


def returns_since(
    conn: Connection, customer_id: int, since: datetime
) -> list[tuple[datetime, int, str]]:
    """(when, refund total, kind) of the customer's returns at this store since `since`."""
    rows = conn.execute(
        select(_r.created_at, _r.total_refund_minor, _r.kind)
        .where(_r.customer_id == customer_id, _r.created_at >= since)
        .order_by(_r.created_at)
    )
    return [(r[0], int(r[1]), str(r[2])) for r in rows]
