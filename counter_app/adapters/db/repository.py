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

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counter_app.adapters.db import orders as _orders
from counter_app.adapters.db import tables as t
from counter_app.domain.audit import GENESIS, AuditRecord, next_record
from counter_app.domain.draft import units_refund
from counter_app.domain.model import User
from counter_app.domain.money import Money

_INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}

# The order reads live in orders.py; callers keep asking the repository for them.
load_order = _orders.load_order
load_order_by_number = _orders.load_order_by_number
load_payments = _orders.load_payments
order_id_by_number = _orders.order_id_by_number
past_returns = _orders.past_returns
search_order_ids = _orders.search_order_ids
sku_for_barcode = _orders.sku_for_barcode


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
_RESERVE_LINE_LEDGER = _RESERVE_LINE.returning(
    _ol.quantity, _ol.returned_quantity, _ol.paid_minor, _ol.refunded_minor
)
_CHARGE_LINE = (
    update(t.order_lines)
    .where(
        _ol.id == bindparam("b_id"),
        _ol.refunded_minor + bindparam("b_amount") <= _ol.paid_minor,
    )
    .values(refunded_minor=_ol.refunded_minor + bindparam("b_amount"))
)
_CHARGE_PAYMENT = (
    update(t.payments)
    .where(
        _pay.id == bindparam("b_id"),
        _pay.refunded_minor + bindparam("b_amount") <= _pay.amount_minor,
    )
    .values(refunded_minor=_pay.refunded_minor + bindparam("b_amount"))
)


@dataclass(frozen=True)
class LineLedger:
    """An order line as the committing transaction locked it, before its units were added."""

    quantity: int
    returned_before: int
    paid_minor: int
    refunded_minor: int

    @property
    def units_left(self) -> int:
        return self.quantity - self.returned_before


def reserve_line(conn: Connection, order_line_id: int, quantity: int) -> LineLedger | None:
    """Count `quantity` more units of the line as returned, only if that many are left, and
    hand back the line's ledger as it stood just before (None: not that many left).

    One conditional UPDATE: of two counters racing for the same unit, exactly one matches;
    the row is then locked by this transaction, so the refund priced from the ledger cannot
    be priced by another counter as well."""
    row = conn.execute(_RESERVE_LINE_LEDGER, {"b_id": order_line_id, "b_qty": quantity}).first()
    if row is None:
        return None
    sold, returned, paid, refunded = row
    return LineLedger(sold, returned - quantity, paid, refunded)


def refunded_after(
    sold: int, paid_minor: int, returned: int, refunded_minor: int, more: int
) -> int:
    """A line's refunded amount once `more` units are counted as returned elsewhere (online,
    another store): priced as a return here would price them, so the ledger stays exact."""
    if more <= 0:
        return refunded_minor
    taken = units_refund(Money(paid_minor), Money(refunded_minor), sold - returned, more)
    return refunded_minor + taken.minor


def charge_line(conn: Connection, order_line_id: int, amount_minor: int) -> bool:
    """Add to the line's refunded amount, only if it stays within what the line was paid."""
    result = conn.execute(_CHARGE_LINE, {"b_id": order_line_id, "b_amount": amount_minor})
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
    """Messages waiting for head office; the sync's own audit anchors are not counted."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(t.outbox)
            .where(t.outbox.c.status == "pending", t.outbox.c.kind != "audit.anchor")
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
