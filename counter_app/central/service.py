"""What the central service does, independent of HTTP: receive pushes, serve pulls, publish.

Every function takes an Engine and runs its own transaction(s), so the HTTP layer, the CLI
and tests all share one implementation.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import is_sqlite, next_seq
from counter_app.central.models import (
    CatalogProduct,
    CentralOrder,
    CentralOrderLine,
    CentralReturn,
    InboundMessage,
    Policy,
    SettlementRecord,
    StaffAccount,
    StockMovement,
    Store,
)

log = logging.getLogger("counter_app.central")

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _retrying(engine: Engine, work: Callable[[Session], T], attempts: int = 6) -> T:
    """Run `work` in a transaction, retrying deadlocks / serialisation failures / busy DB."""
    for attempt in range(attempts):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return work(session)
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, IntegrityError) or attempt == attempts - 1:
                raise
            code = getattr(getattr(exc, "orig", None), "sqlstate", None)
            text = str(exc).lower()
            retryable = code in {"40001", "40P01"} or "database is locked" in text
            if not retryable:
                raise
            log.info("retrying transaction after %s (attempt %d)", code or "lock", attempt + 1)
            time.sleep(random.uniform(0.01, 0.05) * (2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------------


def add_store(engine: Engine, code: str, name: str) -> str:
    """Register a store and return its new secret key (shown once to the operator)."""
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValueError(f"invalid store code: {code!r}")
    if code.lower() == "admin":
        raise ValueError("'admin' is reserved for head-office requests")
    key = secrets.token_hex(32)
    with Session(engine) as session, session.begin():
        if session.get(Store, code) is not None:
            raise ValueError(f"store {code} already exists")
        session.add(Store(code=code, name=name, key=key, created_at=utcnow(), messages_received=0))
    return key


def store_key(engine: Engine, code: str) -> str | None:
    with Session(engine) as session:
        return session.execute(select(Store.key).where(Store.code == code)).scalar_one_or_none()


def touch_store(engine: Engine, code: str, now: datetime) -> None:
    """Record contact from a store (any authenticated request counts as a sync sign of life)."""
    with Session(engine) as session, session.begin():
        session.execute(update(Store).where(Store.code == code).values(last_contact_at=now))


# ---------------------------------------------------------------------------------------------
# Push
# ---------------------------------------------------------------------------------------------


class _Reject(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")


@dataclass
class _BatchState:
    store: str
    now: datetime
    touched_orders: set[str]
    audit_head: tuple[int, str] | None = None
    orders: set[str] = field(default_factory=set)
    lines: dict[tuple[str, int], CentralOrderLine] = field(default_factory=dict)
    refs: set[str] = field(default_factory=set)
    # Rows written with one executemany each at the end of the batch (no ORM round trips).
    return_rows: list[dict[str, Any]] = field(default_factory=list)
    stock_rows: list[dict[str, Any]] = field(default_factory=list)


def _prefetch_returns(session: Session, state: _BatchState, messages: list[proto.Message]) -> None:
    """Load (and lock) everything the batch's returns touch in three queries, not three per
    return. Lines are locked in (order, line) order so concurrent batches cannot deadlock."""
    payloads = [
        p for m in messages if isinstance(p := m.typed_payload(), proto.ReturnCommittedPayload)
    ]
    if not payloads:
        return
    numbers = sorted({p.order_number for p in payloads})
    state.orders = set(
        session.execute(select(CentralOrder.number).where(CentralOrder.number.in_(numbers)))
        .scalars()
        .all()
    )
    state.lines = {
        (line.order_number, line.line_no): line
        for line in session.execute(
            select(CentralOrderLine)
            .where(CentralOrderLine.order_number.in_(numbers))
            .order_by(CentralOrderLine.order_number, CentralOrderLine.line_no)
            .with_for_update()
        ).scalars()
    }
    refs = sorted({p.ref for p in payloads})
    state.refs = set(
        session.execute(select(CentralReturn.ref).where(CentralReturn.ref.in_(refs))).scalars()
    )


def push_messages(
    engine: Engine, store: str, messages: Sequence[proto.Message], now: datetime | None = None
) -> list[proto.PushResult]:
    """Store each message once and answer accepted / duplicate / rejected per message.

    Safe under concurrent pushes of the same ids: the insert skips ids that exist (ON CONFLICT
    DO NOTHING), and PostgreSQL makes a second inserter wait for the first one's commit.
    """
    when = now or utcnow()
    return _retrying(engine, lambda session: _push(session, store, messages, when))


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert message rows, skipping ids already stored; return the ids actually inserted."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        ins(InboundMessage)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(InboundMessage.message_id)
    )
    # executemany: one cached statement, sent as multi-row VALUES pages ("insertmanyvalues").
    return set(session.execute(stmt, rows).scalars())


def _push(
    session: Session, store: str, messages: Sequence[proto.Message], now: datetime
) -> list[proto.PushResult]:
    first: dict[str, proto.Message] = {}
    for message in messages:
        first.setdefault(message.id, message)
    rows = [
        {
            "message_id": m.id,
            "store": store,
            "kind": m.kind,
            "created_at": m.created_at,
            "received_at": now,
            "payload": m.payload,
            "status": "accepted",
        }
        for m in first.values()
    ]
    inserted = _insert_ignore(session, rows)
    outcome: dict[str, tuple[str, str | None]] = {}
    state = _BatchState(store=store, now=now, touched_orders=set())
    rejected: dict[str, str] = {}
    _prefetch_returns(session, state, [m for m in first.values() if m.id in inserted])
    for message in first.values():
        if message.id not in inserted:
            continue
        try:
            # _apply checks everything before it writes, so a rejection leaves nothing behind.
            _apply(session, message, state)
            outcome[message.id] = ("accepted", None)
        except _Reject as exc:
            rejected[message.id] = str(exc)
            outcome[message.id] = ("rejected", str(exc))
    for message_id, why in rejected.items():
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.message_id == message_id)
            .values(status="rejected", reason=why)
        )
    missing = [mid for mid in first if mid not in inserted]
    if missing:
        for message_id, owner, stored_status, stored_reason in session.execute(
            select(
                InboundMessage.message_id,
                InboundMessage.store,
                InboundMessage.status,
                InboundMessage.reason,
            ).where(InboundMessage.message_id.in_(missing))
        ):
            if owner != store:
                outcome[message_id] = ("rejected", "id_taken: message id used by another store")
            elif stored_status == "rejected":
                outcome[message_id] = ("rejected", stored_reason)
            else:
                outcome[message_id] = ("duplicate", None)
    if state.return_rows:
        session.execute(insert(CentralReturn), state.return_rows)
    if state.stock_rows:
        session.execute(insert(StockMovement), state.stock_rows)
    if state.touched_orders:
        session.flush()  # the returned quantities of the locked lines
        start = next_seq(session, len(state.touched_orders))
        session.execute(
            update(CentralOrder),
            [
                {"number": number, "seq": start + offset}
                for offset, number in enumerate(sorted(state.touched_orders))
            ],
        )
    values: dict[str, Any] = {
        "last_contact_at": now,
        "last_push_at": now,
        "messages_received": Store.messages_received + len(inserted),
    }
    session.execute(update(Store).where(Store.code == store).values(**values))
    if state.audit_head is not None:
        seq, digest = state.audit_head
        session.execute(
            update(Store)
            .where(Store.code == store, or_(Store.audit_seq.is_(None), Store.audit_seq <= seq))
            .values(audit_seq=seq, audit_hash=digest, audit_at=now)
        )
    results = []
    answered: set[str] = set()
    for message in messages:
        status, reason = outcome.get(message.id, ("duplicate", None))
        if message.id in answered and status == "accepted":
            status = "duplicate"  # the same id twice in one batch is stored once
        answered.add(message.id)
        results.append(proto.PushResult(id=message.id, status=status, reason=reason))  # type: ignore[arg-type]
    for message_id, why in rejected.items():
        log.warning("store %s: message %s rejected (%s)", store, message_id, why)
    return results


def _apply(session: Session, message: proto.Message, state: _BatchState) -> None:
    payload = message.typed_payload()
    if isinstance(payload, proto.ReturnCommittedPayload):
        _apply_return(session, message, payload, state)
    elif isinstance(payload, proto.StockMovementPayload):
        state.stock_rows.append(
            {
                "store": state.store,
                "sku": payload.sku,
                "quantity": payload.quantity,
                "cause": payload.cause,
                "ref": payload.ref,
                "message_id": message.id,
            }
        )
    elif isinstance(payload, proto.AuditHeadPayload):
        _apply_audit_head(session, payload, state)
    elif isinstance(payload, proto.SyncExceptionResolvedPayload):
        done = session.execute(
            update(InboundMessage)
            .where(
                InboundMessage.message_id == payload.message_id,
                InboundMessage.store == state.store,
                InboundMessage.status == "rejected",
            )
            .values(
                resolved_at=state.now,
                resolution=f"{payload.manager}: {payload.note}".strip(),
            )
        )
        if getattr(done, "rowcount", 0) == 0:
            raise _Reject(
                "unknown_exception", f"no rejected message {payload.message_id} of this store"
            )
    # override.granted and store_credit.issued are kept as received (the message row).


def _apply_audit_head(
    session: Session, payload: proto.AuditHeadPayload, state: _BatchState
) -> None:
    digest = payload.hash.lower()
    known = session.execute(
        select(Store.audit_seq, Store.audit_hash).where(Store.code == state.store)
    ).one()
    known_seq: int | None = known[0]
    known_hash: str | None = known[1]
    if state.audit_head is not None and state.audit_head[0] == payload.seq:
        known_seq, known_hash = state.audit_head
    if known_seq == payload.seq and known_hash and known_hash != digest:
        raise _Reject(
            "audit_chain_mismatch",
            f"audit entry {payload.seq} was reported before with a different hash",
        )
    if state.audit_head is None or payload.seq >= state.audit_head[0]:
        state.audit_head = (payload.seq, digest)


def _apply_return(
    session: Session,
    message: proto.Message,
    payload: proto.ReturnCommittedPayload,
    state: _BatchState,
) -> None:
    number = payload.order_number
    if number not in state.orders:
        raise _Reject("unknown_order", f"order {number} is not known to head office")
    if payload.ref in state.refs:
        raise _Reject("duplicate_reference", f"return {payload.ref} was already received")
    wanted: dict[int, int] = {}
    for item in payload.lines:
        line = state.lines.get((number, item.line_no))
        if line is None:
            raise _Reject("unknown_line", f"order {number} has no line {item.line_no}")
        if line.sku != item.sku:
            raise _Reject(
                "sku_mismatch",
                f"order {number} line {item.line_no} is {line.sku}, not {item.sku}",
            )
        wanted[item.line_no] = wanted.get(item.line_no, 0) + item.quantity
    for line_no, quantity in wanted.items():
        line = state.lines[(number, line_no)]
        already = line.online_returned_quantity + line.store_returned_quantity
        if already + quantity > line.quantity:
            raise _Reject(
                "over_return",
                f"order {number} line {line_no} ({line.sku}): returning "
                f"{quantity} but {already} of {line.quantity} sold were already returned "
                f"(online refund or another store)",
            )
    for line_no, quantity in wanted.items():
        state.lines[(number, line_no)].store_returned_quantity += quantity
    state.return_rows.append(
        {
            "ref": payload.ref,
            "store": state.store,
            "order_number": number,
            "message_id": message.id,
            "currency": payload.currency,
            "refunds": [r.model_dump(mode="json") for r in payload.refunds],
            "received_at": state.now,
        }
    )
    state.refs.add(payload.ref)
    state.touched_orders.add(number)


# ---------------------------------------------------------------------------------------------
# Pull
# ---------------------------------------------------------------------------------------------


def parse_cursor(cursor: str | None) -> int:
    """Cursors are opaque to stores; here they are the last change number seen."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 19:
        raise ValueError("invalid cursor")
    return int(cursor)


def _page(items: list[T], seqs: list[int], cursor: int, limit: int) -> proto.Page[T]:
    has_more = len(items) > limit
    items, seqs = items[:limit], seqs[:limit]
    next_cursor = seqs[-1] if seqs else cursor
    return proto.Page[T](items=items, next_cursor=str(next_cursor), has_more=has_more)


def _order_out(order: CentralOrder, lines: Iterable[CentralOrderLine]) -> proto.Order:
    return proto.Order(
        number=order.number,
        store=order.store,
        channel=order.channel,  # type: ignore[arg-type]
        placed_at=_aware(order.placed_at),  # type: ignore[arg-type]
        currency=order.currency,
        barcode=order.barcode,
        customer=proto.Customer.model_validate(order.customer) if order.customer else None,
        lines=[
            proto.OrderLine(
                line_no=line.line_no,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                discount_minor=line.discount_minor,
                tax_minor=line.tax_minor,
                paid_minor=line.paid_minor,
                serial=line.serial,
                final_sale=line.final_sale,
                returned_quantity=line.online_returned_quantity + line.store_returned_quantity,
            )
            for line in lines
        ],
        payments=[proto.Payment.model_validate(p) for p in order.payments],
    )


def _orders_with_lines(session: Session, orders: list[CentralOrder]) -> list[proto.Order]:
    numbers = [o.number for o in orders]
    by_order: dict[str, list[CentralOrderLine]] = {n: [] for n in numbers}
    if numbers:
        for line in session.execute(
            select(CentralOrderLine)
            .where(CentralOrderLine.order_number.in_(numbers))
            .order_by(CentralOrderLine.order_number, CentralOrderLine.line_no)
        ).scalars():
            by_order[line.order_number].append(line)
    return [_order_out(o, by_order[o.number]) for o in orders]


def _rows_after(
    session: Session, model: Any, cursor: int, limit: int, *conditions: Any
) -> list[Any]:
    """One page of a pull: rows changed after `cursor`, in change order, plus one more to
    tell whether another page follows."""
    query = select(model).where(model.seq > cursor, *conditions)
    return list(session.execute(query.order_by(model.seq).limit(limit + 1)).scalars())


def pull_orders(engine: Engine, store: str, cursor: int, limit: int) -> proto.Page[proto.Order]:
    """Online orders (returnable anywhere) and this store's own orders, by change number."""
    with Session(engine) as session:
        orders = _rows_after(
            session,
            CentralOrder,
            cursor,
            limit,
            or_(CentralOrder.store.is_(None), CentralOrder.store == store),
        )
        items = _orders_with_lines(session, orders)
        return _page(items, [o.seq for o in orders], cursor, limit)


def get_order(engine: Engine, number: str) -> proto.Order | None:
    """Live lookup of any order of the company (a store may take back another's sale)."""
    with Session(engine) as session:
        order = session.get(CentralOrder, number)
        if order is None:
            return None
        return _orders_with_lines(session, [order])[0]


def pull_catalog(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.CatalogItem]:
    with Session(engine) as session:
        rows = _rows_after(session, CatalogProduct, cursor, limit)
        items = [
            proto.CatalogItem(
                sku=r.sku,
                name=r.name,
                category=r.category,
                barcodes=list(r.barcodes),
                serialised=r.serialised,
                price_minor=r.price_minor,
                currency=r.currency,
                vendor=r.vendor,
            )
            for r in rows
        ]
        return _page(items, [r.seq for r in rows], cursor, limit)


def pull_policies(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.PolicyVersion]:
    with Session(engine) as session:
        rows = _rows_after(session, Policy, cursor, limit)
        items = [
            proto.PolicyVersion(
                version=r.version,
                published_at=_aware(r.published_at),  # type: ignore[arg-type]
                toml=r.toml,
            )
            for r in rows
        ]
        return _page(items, [r.seq for r in rows], cursor, limit)


def pull_staff(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.StaffMember]:
    with Session(engine) as session:
        rows = _rows_after(
            session,
            StaffAccount,
            cursor,
            limit,
            or_(StaffAccount.store.is_(None), StaffAccount.store == store),
        )
        items = [
            proto.StaffMember(
                username=r.username,
                display_name=r.display_name,
                role=r.role,  # type: ignore[arg-type]
                pin_hash=r.pin_hash,
                active=r.active,
            )
            for r in rows
        ]
        return _page(items, [r.seq for r in rows], cursor, limit)


def pull_settlements(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.Settlement]:
    with Session(engine) as session:
        rows = _rows_after(
            session, SettlementRecord, cursor, limit, SettlementRecord.store == store
        )
        items = [
            proto.Settlement(
                return_ref=r.return_ref,
                tender=r.tender,  # type: ignore[arg-type]
                amount_minor=r.amount_minor,
                settled_at=_aware(r.settled_at),  # type: ignore[arg-type]
                gateway_ref=r.gateway_ref,
            )
            for r in rows
        ]
        return _page(items, [r.seq for r in rows], cursor, limit)


# ---------------------------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------------------------


def store_statuses(
    engine: Engine, only: str | None = None, with_exceptions: bool = False
) -> list[proto.StoreStatus]:
    with Session(engine) as session:
        query = select(Store).order_by(Store.code)
        if only is not None:
            query = query.where(Store.code == only)
        stores = list(session.execute(query).scalars())
        open_counts: dict[str, int] = dict(
            session.execute(  # type: ignore[arg-type]
                select(InboundMessage.store, func.count())
                .where(InboundMessage.status == "rejected", InboundMessage.resolved_at.is_(None))
                .group_by(InboundMessage.store)
            ).all()
        )
        out = []
        for s in stores:
            exceptions: list[proto.OpenException] = []
            if with_exceptions:
                exceptions = [
                    proto.OpenException(
                        message_id=m.message_id,
                        kind=m.kind,  # type: ignore[arg-type]
                        reason=m.reason,
                        received_at=_aware(m.received_at),  # type: ignore[arg-type]
                    )
                    for m in session.execute(
                        select(InboundMessage)
                        .where(
                            and_(
                                InboundMessage.store == s.code,
                                InboundMessage.status == "rejected",
                                InboundMessage.resolved_at.is_(None),
                            )
                        )
                        .order_by(InboundMessage.received_at, InboundMessage.id)
                        .limit(500)
                    ).scalars()
                ]
            head = None
            if s.audit_seq is not None and s.audit_hash is not None:
                head = proto.AuditHead(
                    seq=s.audit_seq,
                    hash=s.audit_hash,
                    received_at=_aware(s.audit_at),  # type: ignore[arg-type]
                )
            out.append(
                proto.StoreStatus(
                    store=s.code,
                    name=s.name,
                    last_contact_at=_aware(s.last_contact_at),
                    messages_received=s.messages_received,
                    open_exceptions=open_counts.get(s.code, 0),
                    audit_head=head,
                    exceptions=exceptions,
                )
            )
        return out


# ---------------------------------------------------------------------------------------------
# Publishing (head office -> stores)
# ---------------------------------------------------------------------------------------------


def publish_orders(engine: Engine, orders: Sequence[proto.Order]) -> int:
    """Insert or update orders. A line's `returned_quantity` here is what head office itself
    refunded (online); returns accepted from stores are kept separately and never lost."""

    def work(session: Session) -> int:
        if not orders:
            return 0
        start = next_seq(session, len(orders))
        for offset, order in enumerate(orders):
            row = session.get(CentralOrder, order.number)
            values: dict[str, Any] = {
                "store": order.store,
                "channel": order.channel,
                "placed_at": order.placed_at,
                "currency": order.currency,
                "barcode": order.barcode,
                "customer": order.customer.model_dump(mode="json") if order.customer else None,
                "payments": [p.model_dump(mode="json") for p in order.payments],
                "seq": start + offset,
            }
            if row is None:
                row = CentralOrder(number=order.number, **values)
                session.add(row)
                existing: dict[int, CentralOrderLine] = {}
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                existing = {
                    line.line_no: line
                    for line in session.execute(
                        select(CentralOrderLine)
                        .where(CentralOrderLine.order_number == order.number)
                        .with_for_update()
                    ).scalars()
                }
            for line in order.lines:
                fields = {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price_minor,
                    "discount_minor": line.discount_minor,
                    "tax_minor": line.tax_minor,
                    "paid_minor": line.paid_minor,
                    "serial": line.serial,
                    "final_sale": line.final_sale,
                    "online_returned_quantity": line.returned_quantity,
                }
                current = existing.pop(line.line_no, None)
                if current is None:
                    session.add(
                        CentralOrderLine(
                            order_number=order.number,
                            line_no=line.line_no,
                            store_returned_quantity=0,
                            **fields,
                        )
                    )
                else:
                    for name, value in fields.items():
                        setattr(current, name, value)
            for gone in existing.values():
                if gone.store_returned_quantity:
                    raise ValueError(
                        f"order {order.number} line {gone.line_no} has store returns; "
                        "it cannot be removed"
                    )
                session.delete(gone)
            session.flush()
        return len(orders)

    return _retrying(engine, work)


def record_online_refund(engine: Engine, number: str, line_no: int, quantity: int) -> bool:
    """Head office refunded `quantity` of a line itself (e.g. an online return by post).

    Atomic conditional update: refused (False) if it would exceed what was sold.
    """

    def work(session: Session) -> bool:
        done = session.execute(
            update(CentralOrderLine)
            .where(
                CentralOrderLine.order_number == number,
                CentralOrderLine.line_no == line_no,
                CentralOrderLine.online_returned_quantity
                + CentralOrderLine.store_returned_quantity
                + quantity
                <= CentralOrderLine.quantity,
            )
            .values(online_returned_quantity=CentralOrderLine.online_returned_quantity + quantity)
        )
        if getattr(done, "rowcount", 0) != 1:
            return False
        seq = next_seq(session)
        session.execute(update(CentralOrder).where(CentralOrder.number == number).values(seq=seq))
        return True

    return _retrying(engine, work)


def publish_catalog(engine: Engine, items: Sequence[proto.CatalogItem]) -> int:
    def work(session: Session) -> int:
        if not items:
            return 0
        start = next_seq(session, len(items))
        for offset, item in enumerate(items):
            session.merge(CatalogProduct(**item.model_dump(), seq=start + offset))
        return len(items)

    return _retrying(engine, work)


def publish_policy(
    engine: Engine, version: str, toml_text: str, published_at: datetime | None = None
) -> None:
    """Publish a policy version; the TOML must parse (stores refuse a corrupt policy)."""
    tomllib.loads(toml_text)
    if not version or len(version) > 200:
        raise ValueError("policy version must be 1-200 characters")

    def work(session: Session) -> None:
        session.merge(
            Policy(
                version=version,
                published_at=published_at or utcnow(),
                toml=toml_text,
                seq=next_seq(session),
            )
        )

    _retrying(engine, work)


def staff_from_record(record: dict[str, Any]) -> tuple[proto.StaffMember, str | None]:
    """Accept `pin` (hashed here with argon2id, never stored) or a ready `pin_hash`."""
    data = dict(record)
    store = data.pop("store", None)
    pin = data.pop("pin", None)
    if pin is not None:
        from argon2 import PasswordHasher

        data["pin_hash"] = PasswordHasher().hash(str(pin))
    return proto.StaffMember.model_validate(data), store


def publish_staff(
    engine: Engine, members: Sequence[proto.StaffMember | tuple[proto.StaffMember, str | None]]
) -> int:
    def work(session: Session) -> int:
        if not members:
            return 0
        start = next_seq(session, len(members))
        for offset, entry in enumerate(members):
            member, store = entry if isinstance(entry, tuple) else (entry, None)
            session.merge(StaffAccount(**member.model_dump(), store=store, seq=start + offset))
        return len(members)

    return _retrying(engine, work)


def settle(
    engine: Engine, ref: str, gateway_ref: str | None = None, now: datetime | None = None
) -> list[proto.Settlement]:
    """Mark the card refunds of a return settled (stands in for the payment gateway).

    Idempotent: refunds already settled are not settled again.
    """

    def work(session: Session) -> list[proto.Settlement]:
        ret = session.get(CentralReturn, ref)
        if ret is None:
            raise LookupError(f"return {ref} is not known to head office")
        done = set(
            session.execute(
                select(SettlementRecord.refund_index).where(SettlementRecord.return_ref == ref)
            ).scalars()
        )
        todo = [
            (i, r) for i, r in enumerate(ret.refunds) if r.get("tender") == "card" and i not in done
        ]
        if not todo:
            return []
        start = next_seq(session, len(todo))
        when = now or utcnow()
        out = []
        for offset, (index, refund) in enumerate(todo):
            record = SettlementRecord(
                store=ret.store,
                return_ref=ref,
                refund_index=index,
                tender=refund["tender"],
                amount_minor=int(refund["amount_minor"]),
                settled_at=when,
                gateway_ref=gateway_ref or f"GW-{secrets.token_hex(6).upper()}",
                seq=start + offset,
            )
            session.add(record)
            out.append(
                proto.Settlement(
                    return_ref=ref,
                    tender=record.tender,  # type: ignore[arg-type]
                    amount_minor=record.amount_minor,
                    settled_at=when,
                    gateway_ref=record.gateway_ref,
                )
            )
        return out

    return _retrying(engine, work)


def message_counts(engine: Engine) -> dict[str, int]:
    """Stored messages per status (used by tests and the benchmark)."""
    with Session(engine) as session:
        return {
            status: int(count)
            for status, count in session.execute(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            ).all()
        }


__all__ = [
    "add_store",
    "get_order",
    "is_sqlite",
    "message_counts",
    "parse_cursor",
    "publish_catalog",
    "publish_orders",
    "publish_policy",
    "publish_staff",
    "pull_catalog",
    "pull_orders",
    "pull_policies",
    "pull_settlements",
    "pull_staff",
    "push_messages",
    "record_online_refund",
    "settle",
    "staff_from_record",
    "store_key",
    "store_statuses",
    "touch_store",
]
