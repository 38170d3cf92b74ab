"""Reads and writes of the store database, in the words of the domain.

Every function takes the Connection of the caller's unit of work, so a service decides what
goes into one transaction.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counter_app.adapters.db import tables as t
from counter_app.domain.audit import GENESIS, AuditRecord, next_record
from counter_app.domain.model import Customer, Order, OrderLine, Payment, User
from counter_app.domain.money import Money

_INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}

# ---------------------------------------------------------------- orders


_ORDER_ID_BY_NUMBER = select(t.orders.c.id).where(t.orders.c.number == bindparam("number"))
_CUSTOMER_COLUMNS = [
    t.customers.c.id.label("c_id"),
    t.customers.c.code.label("c_code"),
    t.customers.c.name.label("c_name"),
    t.customers.c.email.label("c_email"),
    t.customers.c.phone.label("c_phone"),
    t.customers.c.loyalty_tier.label("c_tier"),
]
_PAYMENT_COLUMNS = [
    t.payments.c.id.label("p_id"),
    t.payments.c.tender.label("p_tender"),
    t.payments.c.amount_minor.label("p_amount"),
    t.payments.c.refunded_minor.label("p_refunded"),
    t.payments.c.card_brand.label("p_brand"),
    t.payments.c.card_last4.label("p_last4"),
]
# One query for the order, its customer and its payments (one row per payment) ...
_ORDER_HEAD = (
    select(t.orders, *_CUSTOMER_COLUMNS, *_PAYMENT_COLUMNS)
    .select_from(
        t.orders.outerjoin(t.customers, t.customers.c.id == t.orders.c.customer_id).outerjoin(
            t.payments, t.payments.c.order_id == t.orders.c.id
        )
    )
    .order_by(t.payments.c.id)
)
_ORDER_BY_ID = _ORDER_HEAD.where(t.orders.c.id == bindparam("order_id"))
_ORDER_BY_NUMBER = _ORDER_HEAD.where(t.orders.c.number == bindparam("number"))
# ... and one for its lines with their products and barcodes (one row per barcode).
_ORDER_LINES = (
    select(
        t.order_lines,
        t.products.c.name,
        t.products.c.category,
        t.products.c.serialised,
        t.products.c.vendor,
        t.product_barcodes.c.barcode,
    )
    .select_from(
        t.order_lines.join(t.products, t.products.c.sku == t.order_lines.c.sku).outerjoin(
            t.product_barcodes, t.product_barcodes.c.sku == t.order_lines.c.sku
        )
    )
    .where(t.order_lines.c.order_id == bindparam("order_id"))
    .order_by(t.order_lines.c.line_no, t.product_barcodes.c.barcode)
)
_PAYMENTS = (
    select(t.payments)
    .where(t.payments.c.order_id == bindparam("order_id"))
    .order_by(t.payments.c.id)
)


def order_id_by_number(conn: Connection, number: str) -> int | None:
    return conn.execute(_ORDER_ID_BY_NUMBER, {"number": number}).scalar()


def load_order(conn: Connection, order_id: int) -> Order | None:
    """The order with its customer, lines (with barcodes) and payments: two queries."""
    return _order(conn, conn.execute(_ORDER_BY_ID, {"order_id": order_id}).all())


def load_order_by_number(conn: Connection, number: str) -> Order | None:
    return _order(conn, conn.execute(_ORDER_BY_NUMBER, {"number": number}).all())


def load_payments(conn: Connection, order_id: int, currency: str) -> tuple[Payment, ...]:
    """The order's payments as they are now (another counter may have refunded since)."""
    return tuple(
        Payment(
            p.id,
            p.tender,
            Money(p.amount_minor, currency),
            Money(p.refunded_minor, currency),
            p.card_brand,
            p.card_last4,
        )
        for p in conn.execute(_PAYMENTS, {"order_id": order_id})
    )


def _order(conn: Connection, rows: Sequence[Row[Any]]) -> Order | None:
    if not rows:
        return None
    head = rows[0]
    currency = head.currency
    customer = None
    if head.c_id is not None:
        customer = Customer(
            head.c_id, head.c_code, head.c_name, head.c_email, head.c_phone, head.c_tier
        )
    payments = tuple(
        Payment(
            r.p_id,
            r.p_tender,
            Money(r.p_amount, currency),
            Money(r.p_refunded, currency),
            r.p_brand,
            r.p_last4,
        )
        for r in rows
        if r.p_id is not None
    )
    return Order(
        id=head.id,
        number=head.number,
        channel=head.channel,
        placed_at=head.placed_at,
        currency=currency,
        store_code=head.store_code,
        customer=customer,
        lines=_order_lines(conn, head.id, currency),
        payments=payments,
    )


def _order_lines(conn: Connection, order_id: int, currency: str) -> tuple[OrderLine, ...]:
    by_line: dict[int, tuple[Any, list[str]]] = {}
    for r in conn.execute(_ORDER_LINES, {"order_id": order_id}):
        entry = by_line.setdefault(r.line_no, (r, []))
        if r.barcode is not None:
            entry[1].append(r.barcode)
    return tuple(
        OrderLine(
            id=r.id,
            line_no=r.line_no,
            sku=r.sku,
            name=r.name,
            category=r.category,
            serialised=r.serialised,
            quantity=r.quantity,
            returned_quantity=r.returned_quantity,
            unit_price=Money(r.unit_price_minor, currency),
            discount=Money(r.discount_minor, currency),
            tax=Money(r.tax_minor, currency),
            paid=Money(r.paid_minor, currency),
            serial=r.serial,
            final_sale=r.final_sale,
            barcodes=tuple(sorted(codes)),
            vendor=r.vendor,
        )
        for r, codes in by_line.values()
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

_ol, _pay = t.order_lines.c, t.payments.c
_RESERVE_LINE = (
    update(t.order_lines)
    .where(_ol.id == bindparam("b_id"), _ol.returned_quantity + bindparam("b_qty") <= _ol.quantity)
    .values(returned_quantity=_ol.returned_quantity + bindparam("b_qty"))
)
_CHARGE_PAYMENT = (
    update(t.payments)
    .where(
        _pay.id == bindparam("b_id"),
        _pay.refunded_minor + bindparam("b_amount") <= _pay.amount_minor,
    )
    .values(refunded_minor=_pay.refunded_minor + bindparam("b_amount"))
)


def reserve_line_quantity(conn: Connection, order_line_id: int, quantity: int) -> bool:
    """Count `quantity` more units of the line as returned, only if that many are left.

    One conditional UPDATE: of two counters racing for the same unit, exactly one matches.
    """
    result = conn.execute(_RESERVE_LINE, {"b_id": order_line_id, "b_qty": quantity})
    return result.rowcount == 1


def charge_payment(conn: Connection, payment_id: int, amount_minor: int) -> bool:
    result = conn.execute(_CHARGE_PAYMENT, {"b_id": payment_id, "b_amount": amount_minor})
    return result.rowcount == 1


@functools.cache
def _sequence_upsert(dialect: str) -> Any:
    c = t.counter_sequences.c
    statement = _INSERTS[dialect](t.counter_sequences).values(
        counter_key=bindparam("b_key"), value=1
    )
    return statement.on_conflict_do_update(
        index_elements=["counter_key"], set_={"value": c.value + 1}
    ).returning(c.value)


def next_sequence(conn: Connection, key: str) -> int:
    """The next number of a counter's sequence: one atomic upsert, safe on a shared database."""
    statement = _sequence_upsert(conn.dialect.name)
    return int(conn.execute(statement, {"b_key": key}).scalar_one())


# ---------------------------------------------------------------- stock


_PRODUCT_EXISTS = select(t.products.c.sku).where(t.products.c.sku == bindparam("b_sku"))
_PRODUCT = select(t.products).where(t.products.c.sku == bindparam("b_sku"))


def ensure_open_box_product(conn: Connection, sku: str, price_percent: int) -> str:
    """The open-box SKU of `sku` (created on first use), sold at `price_percent` of the price."""
    open_sku = f"{sku}-OB"
    exists = conn.execute(_PRODUCT_EXISTS, {"b_sku": open_sku}).scalar()
    if exists is None:
        p = conn.execute(_PRODUCT, {"b_sku": sku}).mappings().one()
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


@dataclass(frozen=True)
class StockMove:
    """One stock movement; `message` is what its ``stock.movement`` payload adds to the
    movement's own sku, location, quantity and cause (the return's ref, a manager's note)."""

    sku: str
    location: str
    quantity: int
    cause: str
    message: dict[str, Any]
    return_id: int | None = None
    note: str = ""


_INSERT_MOVEMENTS = insert(t.stock_movements)


@functools.cache
def _level_upsert(dialect: str) -> Any:
    upsert = _INSERTS[dialect](t.stock_levels)
    return upsert.on_conflict_do_update(
        index_elements=["sku", "location"],
        set_={"on_hand": t.stock_levels.c.on_hand + upsert.excluded.on_hand},
    )


def record_stock_movements(
    conn: Connection, moves: Sequence[StockMove], *, at: datetime, store: str
) -> None:
    """Stock movements with their ``stock.movement`` outbox messages, keeping each on-hand
    level equal to the sum of its movements. The only writer of stock."""
    if not moves:
        return
    conn.execute(
        _INSERT_MOVEMENTS,
        [
            {
                "sku": m.sku,
                "location": m.location,
                "quantity": m.quantity,
                "cause": m.cause,
                "return_id": m.return_id,
                "note": m.note,
                "created_at": at,
            }
            for m in moves
        ],
    )
    # One atomic upsert per level: two counters receiving the first unit of a SKU at the same
    # moment must both succeed (UPDATE-then-INSERT would make one fail on PostgreSQL). Sorted,
    # so two writers lock the levels in the same order.
    conn.execute(
        _level_upsert(conn.dialect.name),
        sorted(
            ({"sku": m.sku, "location": m.location, "on_hand": m.quantity} for m in moves),
            key=lambda r: (r["sku"], r["location"]),
        ),
    )
    add_outbox_many(
        conn,
        [
            OutboxMessage(
                "stock.movement",
                {
                    "sku": m.sku,
                    "location": m.location,
                    "quantity": m.quantity,
                    "cause": m.cause,
                    **m.message,
                },
                m.return_id,
            )
            for m in moves
        ],
        at=at,
        store=store,
    )


def _dialect_insert(conn: Connection) -> Any:
    return _INSERTS[conn.dialect.name]


# ---------------------------------------------------------------- audit and outbox

_HEAD_SELECT = select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
_HEAD_SELECT_LOCKED = _HEAD_SELECT.with_for_update()
_HEAD_UPDATE = (
    update(t.audit_head)
    .where(t.audit_head.c.id == 1)
    .values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
)
_INSERT_AUDIT = insert(t.audit_entries)


@functools.cache
def _head_create(dialect: str) -> Any:
    return (
        _INSERTS[dialect](t.audit_head)
        .values(id=1, seq=0, hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["id"])
    )


def _lock_audit_head(conn: Connection) -> tuple[int, str]:
    """The chain head, locked until commit so entries are appended one writer at a time.

    The head row is created on first use by an insert that cannot race (seq 0 = empty chain).
    """
    dialect = conn.dialect.name
    conn.execute(_head_create(dialect))
    query = _HEAD_SELECT_LOCKED if dialect == "postgresql" else _HEAD_SELECT
    row = conn.execute(query).one()
    return (row[0], row[1])


def append_audit(
    conn: Connection, *, at: datetime, actor: str, action: str, subject: str, data: Any
) -> AuditRecord:
    """Add one entry to the hash chain and move the chain head, in the caller's transaction."""
    head = _lock_audit_head(conn)
    record = next_record(head if head[0] else None, at, actor, action, subject, data)
    conn.execute(
        _INSERT_AUDIT,
        {
            "seq": record.seq,
            "at": record.at,
            "actor": record.actor,
            "action": record.action,
            "subject": record.subject,
            "data_json": record.data_json,
            "prev_hash": record.prev_hash,
            "hash": record.hash,
        },
    )
    conn.execute(_HEAD_UPDATE, {"b_seq": record.seq, "b_hash": record.hash})
    return record


@dataclass(frozen=True)
class OutboxMessage:
    kind: str
    payload: dict[str, Any]
    return_id: int | None = None


def append_audit_published(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: Any,
    store: str,
    return_id: int | None = None,
    before: Sequence[OutboxMessage] = (),
) -> AuditRecord:
    """Append an audit entry and publish the new chain head (``audit.head``) to head office.

    `before` are messages to queue ahead of the head message, in the same insert."""
    record = append_audit(conn, at=at, actor=actor, action=action, subject=subject, data=data)
    head = OutboxMessage("audit.head", {"seq": record.seq, "hash": record.hash}, return_id)
    add_outbox_many(conn, [*before, head], at=at, store=store)
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


_INSERT_OUTBOX = insert(t.outbox)


def _outbox_row(message: OutboxMessage, at: datetime, store: str) -> dict[str, Any]:
    message_id = str(uuid.uuid4())
    body = {
        "id": message_id,
        "store": store,
        "kind": message.kind,
        "created_at": at.isoformat(),
        "payload": message.payload,
    }
    return {
        "id": message_id,
        "kind": message.kind,
        "created_at": at,
        "payload_json": json.dumps(body, ensure_ascii=False, sort_keys=True),
        "status": "pending",
        "attempts": 0,
        "return_id": message.return_id,
    }


def add_outbox(
    conn: Connection,
    *,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
    store: str,
    return_id: int | None = None,
) -> str:
    return add_outbox_many(conn, [OutboxMessage(kind, payload, return_id)], at=at, store=store)[0]


def add_outbox_many(
    conn: Connection, messages: Sequence[OutboxMessage], *, at: datetime, store: str
) -> list[str]:
    """Queue messages for head office (one insert, in order); their ids are new UUIDs."""
    rows = [_outbox_row(m, at, store) for m in messages]
    if rows:
        conn.execute(_INSERT_OUTBOX, rows)
    return [r["id"] for r in rows]


def pending_outbox_count(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.status == "pending")
        ).scalar_one()
    )


_INSERT_PRINT_JOB = insert(t.print_jobs)


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
        _INSERT_PRINT_JOB,
        {
            "kind": kind,
            "subject": subject,
            "counter_code": counter,
            "copy": copy,
            "status": "pending",
            "attempts": 0,
            "created_at": at,
        },
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


@functools.cache
def _insert(table: Any) -> Any:
    return insert(table)


def insert_row(conn: Connection, table: Any, values: dict[str, Any]) -> int:
    result = conn.execute(_insert(table), values)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_many(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_insert(table), list(rows))
