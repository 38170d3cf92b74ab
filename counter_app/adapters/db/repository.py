"""Reads and writes of the store database, in the words of the domain.

Every function takes the Connection of the caller's unit of work, so a service decides what
goes into one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from counter_app.adapters.db import tables as t
from counter_app.domain.audit import GENESIS, AuditRecord, next_record
from counter_app.domain.model import Customer, Order, OrderLine, Payment, User
from counter_app.domain.money import Money

# ---------------------------------------------------------------- orders


def order_id_by_number(conn: Connection, number: str) -> int | None:
    return conn.execute(select(t.orders.c.id).where(t.orders.c.number == number)).scalar()


def load_order(conn: Connection, order_id: int) -> Order | None:
    row = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).mappings().first()
    if row is None:
        return None
    currency = row["currency"]
    customer = None
    if row["customer_id"] is not None:
        c = (
            conn.execute(select(t.customers).where(t.customers.c.id == row["customer_id"]))
            .mappings()
            .one()
        )
        customer = Customer(
            c["id"], c["code"], c["name"], c["email"], c["phone"], c["loyalty_tier"]
        )
    line_rows = (
        conn.execute(
            select(
                t.order_lines,
                t.products.c.name,
                t.products.c.category,
                t.products.c.serialised,
                t.products.c.vendor,
            )
            .join(t.products, t.products.c.sku == t.order_lines.c.sku)
            .where(t.order_lines.c.order_id == order_id)
            .order_by(t.order_lines.c.line_no)
        )
        .mappings()
        .all()
    )
    skus = [r["sku"] for r in line_rows]
    barcodes: dict[str, list[str]] = {}
    for code, sku in conn.execute(
        select(t.product_barcodes.c.barcode, t.product_barcodes.c.sku).where(
            t.product_barcodes.c.sku.in_(skus)
        )
    ):
        barcodes.setdefault(sku, []).append(code)
    lines = tuple(
        OrderLine(
            id=r["id"],
            line_no=r["line_no"],
            sku=r["sku"],
            name=r["name"],
            category=r["category"],
            serialised=r["serialised"],
            quantity=r["quantity"],
            returned_quantity=r["returned_quantity"],
            unit_price=Money(r["unit_price_minor"], currency),
            discount=Money(r["discount_minor"], currency),
            tax=Money(r["tax_minor"], currency),
            paid=Money(r["paid_minor"], currency),
            serial=r["serial"],
            final_sale=r["final_sale"],
            barcodes=tuple(sorted(barcodes.get(r["sku"], []))),
            vendor=r["vendor"],
        )
        for r in line_rows
    )
    payments = tuple(
        Payment(
            id=p["id"],
            tender=p["tender"],
            amount=Money(p["amount_minor"], currency),
            refunded=Money(p["refunded_minor"], currency),
            card_brand=p["card_brand"],
            card_last4=p["card_last4"],
        )
        for p in conn.execute(
            select(t.payments).where(t.payments.c.order_id == order_id).order_by(t.payments.c.id)
        ).mappings()
    )
    return Order(
        id=row["id"],
        number=row["number"],
        channel=row["channel"],
        placed_at=row["placed_at"],
        currency=currency,
        store_code=row["store_code"],
        customer=customer,
        lines=lines,
        payments=payments,
    )


def search_order_ids(
    conn: Connection,
    *,
    phone: str | None = None,
    email: str | None = None,
    card_last4: str | None = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    limit: int = 50,
) -> list[int]:
    query = select(t.orders.c.id).distinct()
    conditions: list[Any] = []
    if phone or email:
        query = query.join(t.customers, t.customers.c.id == t.orders.c.customer_id)
        if phone:
            conditions.append(t.customers.c.phone == phone)
        if email:
            conditions.append(func.lower(t.customers.c.email) == email.lower())
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


# ---------------------------------------------------------------- users


def _user(row: Any) -> User:
    return User(row["id"], row["username"], row["display_name"], row["role"], row["active"])


def user_row(conn: Connection, username: str) -> Any:
    return conn.execute(select(t.users).where(t.users.c.username == username)).mappings().first()


def to_user(row: Any) -> User:
    return _user(row)


def list_users(conn: Connection) -> list[User]:
    rows = conn.execute(select(t.users).order_by(t.users.c.username)).mappings()
    return [_user(r) for r in rows]


# ---------------------------------------------------------------- atomic reservations


def reserve_line_quantity(conn: Connection, order_line_id: int, quantity: int) -> bool:
    """Count `quantity` more units of the line as returned, only if that many are left.

    One conditional UPDATE: of two counters racing for the same unit, exactly one matches.
    """
    c = t.order_lines.c
    result = conn.execute(
        update(t.order_lines)
        .where(c.id == order_line_id, c.returned_quantity + quantity <= c.quantity)
        .values(returned_quantity=c.returned_quantity + quantity)
    )
    return result.rowcount == 1


def charge_payment(conn: Connection, payment_id: int, amount_minor: int) -> bool:
    c = t.payments.c
    result = conn.execute(
        update(t.payments)
        .where(c.id == payment_id, c.refunded_minor + amount_minor <= c.amount_minor)
        .values(refunded_minor=c.refunded_minor + amount_minor)
    )
    return result.rowcount == 1


def next_sequence(conn: Connection, key: str) -> int:
    """The next number of a counter's sequence: one atomic upsert, safe on a shared database."""
    c = t.counter_sequences.c
    statement = _dialect_insert(conn)(t.counter_sequences).values(counter_key=key, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=["counter_key"], set_={"value": c.value + 1}
    ).returning(c.value)
    return int(conn.execute(statement).scalar_one())


# ---------------------------------------------------------------- stock


def ensure_open_box_product(conn: Connection, sku: str, price_percent: int) -> str:
    """The open-box SKU of `sku` (created on first use), sold at `price_percent` of the price."""
    open_sku = f"{sku}-OB"
    exists = conn.execute(select(t.products.c.sku).where(t.products.c.sku == open_sku)).scalar()
    if exists is None:
        p = conn.execute(select(t.products).where(t.products.c.sku == sku)).mappings().one()
        conn.execute(
            _dialect_insert(conn)(t.products)
            .values(
                sku=open_sku,
                name=f"{p['name']} (open box)",
                category=p["category"],
                serialised=p["serialised"],
                price_minor=p["price_minor"] * price_percent // 100,
                currency=p["currency"],
                vendor=p["vendor"],
                open_box_of=sku,
            )
            .on_conflict_do_nothing(index_elements=["sku"])
        )
    return open_sku


def move_stock(
    conn: Connection,
    *,
    sku: str,
    location: str,
    quantity: int,
    cause: str,
    at: datetime,
    return_id: int | None = None,
    note: str = "",
) -> None:
    """Record a stock movement and keep the on-hand level equal to the sum of movements."""
    conn.execute(
        insert(t.stock_movements).values(
            sku=sku,
            location=location,
            quantity=quantity,
            cause=cause,
            return_id=return_id,
            note=note,
            created_at=at,
        )
    )
    # One atomic upsert: two counters receiving the first unit of a SKU at the same moment
    # must both succeed (UPDATE-then-INSERT would make one of them fail on PostgreSQL).
    upsert = _dialect_insert(conn)(t.stock_levels).values(
        sku=sku, location=location, on_hand=quantity
    )
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["sku", "location"],
            set_={"on_hand": t.stock_levels.c.on_hand + upsert.excluded.on_hand},
        )
    )


def _dialect_insert(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# ---------------------------------------------------------------- audit and outbox


def _lock_audit_head(conn: Connection) -> tuple[int, str]:
    """The chain head, locked until commit so entries are appended one writer at a time.

    The head row is created on first use by an insert that cannot race (seq 0 = empty chain).
    """
    conn.execute(
        _dialect_insert(conn)(t.audit_head)
        .values(id=1, seq=0, hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    query = select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()
    return (row[0], row[1])


def append_audit(
    conn: Connection, *, at: datetime, actor: str, action: str, subject: str, data: Any
) -> AuditRecord:
    """Add one entry to the hash chain and move the chain head, in the caller's transaction."""
    head = _lock_audit_head(conn)
    record = next_record(head if head[0] else None, at, actor, action, subject, data)
    conn.execute(
        insert(t.audit_entries).values(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            subject=record.subject,
            data_json=record.data_json,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )
    )
    conn.execute(
        update(t.audit_head).where(t.audit_head.c.id == 1).values(seq=record.seq, hash=record.hash)
    )
    return record


def audit_records(conn: Connection) -> Iterable[AuditRecord]:
    c = t.audit_entries.c
    for r in conn.execute(select(t.audit_entries).order_by(c.seq)).mappings():
        yield AuditRecord(
            r["seq"],
            r["at"],
            r["actor"],
            r["action"],
            r["subject"],
            r["data_json"],
            r["prev_hash"],
            r["hash"],
        )


def audit_head(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
    return (row[0], row[1]) if row else None


def add_outbox(
    conn: Connection,
    *,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
    store: str,
    return_id: int | None = None,
) -> str:
    message_id = str(uuid.uuid4())
    body = {
        "id": message_id,
        "store": store,
        "kind": kind,
        "created_at": at.isoformat(),
        "payload": payload,
    }
    conn.execute(
        insert(t.outbox).values(
            id=message_id,
            kind=kind,
            created_at=at,
            payload_json=json.dumps(body, ensure_ascii=False, sort_keys=True),
            status="pending",
            attempts=0,
            return_id=return_id,
        )
    )
    return message_id


def pending_outbox_count(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.status == "pending")
        ).scalar_one()
    )


def add_print_job(
    conn: Connection,
    *,
    kind: str,
    subject: str,
    at: datetime,
    counter: str,
    copy: str = "customer",
) -> int:
    result = conn.execute(
        insert(t.print_jobs).values(
            kind=kind,
            subject=subject,
            counter_code=counter,
            copy=copy,
            status="pending",
            attempts=0,
            created_at=at,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_row(conn: Connection, table: Any, values: dict[str, Any]) -> int:
    result = conn.execute(insert(table).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_many(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table), list(rows))
