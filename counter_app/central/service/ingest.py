"""Messages pushed by stores: store each once, apply it, answer per message.

A batch is applied in one transaction: every message is checked before anything of it is
written, rows of the same kind are written with one executemany each at the end, and a
rejected message leaves only its stored row (status "rejected", with the reason).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import next_seq
from counter_app.central.models import (
    CentralOrder,
    CentralOrderLine,
    CentralReturn,
    InboundMessage,
    StockMovement,
    Store,
)
from counter_app.central.service.anchors import apply_anchor, check_head
from counter_app.central.service.tx import retrying, utcnow

log = logging.getLogger("counter_app.central")

Outcome = tuple[str, str | None]


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


def _prefetch_returns(
    session: Session, state: _BatchState, messages: list[proto.BaseMessage]
) -> None:
    """Load (and lock) everything the batch's returns touch in three queries, not three per
    return. Lines are locked in (order, line) order so concurrent batches cannot deadlock."""
    payloads = [p for m in messages if isinstance(p := m.payload, proto.ReturnCommittedPayload)]
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
    engine: Engine, store: str, messages: Sequence[proto.BaseMessage], now: datetime | None = None
) -> list[proto.PushResult]:
    """Store each message once and answer accepted / duplicate / rejected per message.

    Safe under concurrent pushes of the same ids: the insert skips ids that exist (ON CONFLICT
    DO NOTHING), and PostgreSQL makes a second inserter wait for the first one's commit.
    """
    when = now or utcnow()
    return retrying(engine, lambda session: _push(session, store, messages, when))


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
    session: Session, store: str, messages: Sequence[proto.BaseMessage], now: datetime
) -> list[proto.PushResult]:
    first: dict[str, proto.BaseMessage] = {}
    for message in messages:
        first.setdefault(message.id, message)
    inserted = _insert_ignore(session, [_message_row(m, store, now) for m in first.values()])
    state = _BatchState(store=store, now=now, touched_orders=set())
    fresh = [m for m in first.values() if m.id in inserted]
    _prefetch_returns(session, state, fresh)
    outcome, rejected = _apply_all(session, fresh, state)
    missing = [mid for mid in first if mid not in inserted]
    outcome.update(_stored_outcomes(session, store, missing))
    _write_batch(session, state, len(inserted))
    results = _answers(messages, outcome)
    for message_id, why in rejected.items():
        log.warning("store %s: message %s rejected (%s)", store, message_id, why)
    return results


def _message_row(message: proto.BaseMessage, store: str, now: datetime) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "store": store,
        "kind": message.kind,
        "created_at": message.created_at,
        "received_at": now,
        "payload": message.payload.model_dump(mode="json"),
        "status": "accepted",
    }


def _apply_all(
    session: Session, fresh: list[proto.BaseMessage], state: _BatchState
) -> tuple[dict[str, Outcome], dict[str, str]]:
    """Apply the newly stored messages in order; mark the rejected ones with their reason."""
    outcome: dict[str, Outcome] = {}
    rejected: dict[str, str] = {}
    for message in fresh:
        try:
            # _apply checks everything before it writes, so a rejection leaves nothing behind.
            _apply(session, message, state)
            outcome[message.id] = ("accepted", None)
        except _Reject as exc:
            rejected[message.id] = str(exc)
            outcome[message.id] = ("rejected", str(exc))
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # A fault in one message is that message's rejection, not the batch's 500.
            log.exception("store %s: message %s could not be applied", state.store, message.id)
            why = f"internal_error: could not apply the message ({type(exc).__name__})"
            rejected[message.id] = why
            outcome[message.id] = ("rejected", why)
    for message_id, why in rejected.items():
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.message_id == message_id)
            .values(status="rejected", reason=why)
        )
    return outcome, rejected


def _stored_outcomes(session: Session, store: str, missing: list[str]) -> dict[str, Outcome]:
    """Answers for ids stored before: a duplicate, the earlier rejection, or another store's."""
    outcome: dict[str, Outcome] = {}
    if not missing:
        return outcome
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
    return outcome


def _write_batch(session: Session, state: _BatchState, received: int) -> None:
    """Write what the batch collected, renumber the orders it touched, update the store."""
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
    now = state.now
    values: dict[str, Any] = {
        "last_contact_at": now,
        "last_push_at": now,
        "messages_received": Store.messages_received + received,
    }
    session.execute(update(Store).where(Store.code == state.store).values(**values))
    if state.audit_head is not None:
        seq, digest = state.audit_head
        session.execute(
            update(Store)
            .where(
                Store.code == state.store,
                or_(Store.audit_seq.is_(None), Store.audit_seq <= seq),
            )
            .values(audit_seq=seq, audit_hash=digest, audit_at=now)
        )


def _answers(
    messages: Sequence[proto.BaseMessage], outcome: dict[str, Outcome]
) -> list[proto.PushResult]:
    """One answer per message sent, in the order sent."""
    results = []
    answered: set[str] = set()
    for message in messages:
        status, reason = outcome.get(message.id, ("duplicate", None))
        if message.id in answered and status == "accepted":
            status = "duplicate"  # the same id twice in one batch is stored once
        answered.add(message.id)
        results.append(proto.PushResult(id=message.id, status=status, reason=reason))  # type: ignore[arg-type]
    return results


def _apply(session: Session, message: proto.BaseMessage, state: _BatchState) -> None:
    payload = message.payload
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
    elif isinstance(payload, proto.AuditAnchorPayload):
        refusal = apply_anchor(session, message.id, payload, state.store, state.now)
        if refusal is not None:
            raise _Reject(*refusal)
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
    if not 0 <= payload.seq <= proto.MAX_BIGINT:
        raise _Reject("out_of_range", f"audit seq must be 0..{proto.MAX_BIGINT}")
    digest = payload.hash.lower()
    refusal = check_head(session, state.store, payload.seq, digest)
    if refusal is not None:
        raise _Reject(*refusal)
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
    message: proto.BaseMessage,
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
