"""Messages pushed by stores: store each once, check it, apply it, answer per message.

A batch is applied in one transaction: the records it needs (orders, lines, payments, SKUs,
staff, the groups of its returns) are loaded in a few queries, every message is checked
against them (`facts`) before anything of it is written, and the accepted rows are written
with one executemany per table at the end. If that write fails, each unit is retried in its
own savepoint, so one message head office cannot store is that message's rejection.

A return is one unit (the protocol's message group, keyed by the return's ref): its stock
movements, override, store credit and exchange sale wait as "held" until the return
arrives, and are accepted or rejected with it (`groups`; the return kinds and the exchange
sale are checked by `kinds`, with what `kind_load` loads).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import InboundMessage, Store
from counter_app.central.service import groups
from counter_app.central.service.anchors import apply_anchor, check_head
from counter_app.central.service.auth_ingest import prefetch_authorizations
from counter_app.central.service.batch import BatchState, prefetch, write_batch
from counter_app.central.service.facts import Reject
from counter_app.central.service.kind_load import prefetch_kinds
from counter_app.central.service.tx import retrying, utcnow

log = logging.getLogger("counter_app.central")

Outcome = tuple[str, str | None]


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
    if dialect == "postgresql":
        return _insert_ignore_pg(session, rows)
    stmt = (
        sqlite.insert(InboundMessage)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(InboundMessage.message_id)
    )
    return set(session.execute(stmt, rows).scalars())


_COLUMNS = (
    "message_id",
    "store",
    "kind",
    "created_at",
    "received_at",
    "payload",
    "status",
    "group_ref",
)
_INSERT_PG = (
    f"INSERT INTO messages ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
    "ON CONFLICT (message_id) DO NOTHING RETURNING message_id"
)


def _insert_ignore_pg(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """One prepared statement through psycopg's pipelined executemany: the query is parsed
    once, not rebuilt as a new multi-row VALUES text for every batch."""
    from psycopg.types.json import Json

    driver = session.connection().connection.driver_connection
    assert driver is not None
    inserted: set[str] = set()
    with driver.cursor() as cursor:
        params = [
            tuple(Json(row[c]) if c == "payload" else row[c] for c in _COLUMNS) for row in rows
        ]
        cursor.executemany(_INSERT_PG, params, returning=True)
        while True:
            for (message_id,) in cursor.fetchall():
                inserted.add(message_id)
            if not cursor.nextset():
                break
    return inserted


def _push(
    session: Session, store: str, messages: Sequence[proto.BaseMessage], now: datetime
) -> list[proto.PushResult]:
    first: dict[str, proto.BaseMessage] = {}
    for message in messages:
        first.setdefault(message.id, message)
    inserted = _insert_ignore(session, [_message_row(m, store, now) for m in first.values()])
    state = BatchState(store=store, now=now)
    fresh = [m for m in first.values() if m.id in inserted]
    prefetch(session, state, fresh)
    prefetch_kinds(session, state, fresh)
    prefetch_authorizations(session, state, fresh)
    _apply_all(session, fresh, state)
    write_batch(session, state)
    _mark(session, state)
    outcome: dict[str, Outcome] = {
        mid: ("rejected", state.rejected[mid]) if mid in state.rejected else ("accepted", None)
        for mid in inserted
    }
    missing = [mid for mid in first if mid not in inserted]
    outcome.update(_stored_outcomes(session, store, missing))
    _touch_store(session, state, len(inserted))
    for message_id, why in state.rejected.items():
        log.warning("store %s: message %s rejected (%s)", store, message_id, why)
    return _answers(messages, outcome)


def _message_row(message: proto.BaseMessage, store: str, now: datetime) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "store": store,
        "kind": message.kind,
        "created_at": message.created_at,
        "received_at": now,
        "payload": message.payload.model_dump(mode="json"),
        "status": "accepted",
        "group_ref": groups.group_of(message),
    }


def _apply_all(session: Session, fresh: list[proto.BaseMessage], state: BatchState) -> None:
    """Check and apply the newly stored messages in order; collect the rejected ones."""
    for message in fresh:
        try:
            _apply(session, message, state)
        except Reject as exc:
            groups.reject(state, message, str(exc))
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # A fault in one message is that message's rejection, not the batch's 500.
            log.exception("store %s: message %s could not be applied", state.store, message.id)
            why = f"internal_error: could not apply the message ({type(exc).__name__})"
            groups.reject(state, message, why)


def _mark(session: Session, state: BatchState) -> None:
    """Record every status that is not the inserted "accepted": held, rejected, released."""
    changes: list[dict[str, str | None]] = [
        {"mid": mid, "status": "rejected", "reason": why} for mid, why in state.rejected.items()
    ]
    changes += [
        {"mid": mid, "status": "held", "reason": None}
        for mid in state.held_ids
        if mid not in state.rejected and mid not in state.with_group
    ]
    changes += [
        {"mid": mid, "status": "accepted", "reason": None}
        for mid in state.released
        if mid not in state.rejected
    ]
    if changes:
        groups.set_statuses(session, changes)
    groups.close_with_group(session, state)


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
        elif stored_status == "rejected" and not (stored_reason or "").startswith("group_rejected"):
            outcome[message_id] = ("rejected", stored_reason)
        else:
            outcome[message_id] = ("duplicate", None)
    return outcome


def _touch_store(session: Session, state: BatchState, received: int) -> None:
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


def _apply(session: Session, message: proto.BaseMessage, state: BatchState) -> None:
    payload = message.payload
    if isinstance(payload, proto.ReturnCommittedPayload):
        groups.apply_return(message, payload, state)
    elif groups.group_of(message) is not None:
        groups.apply_member(message, state)
    elif isinstance(payload, proto.StockMovementPayload):
        groups.apply_stock(message, payload, state)
    elif isinstance(payload, proto.GiftReceiptIssuedPayload):
        groups.apply_gift_receipt(message, payload, state)
    elif isinstance(payload, proto.AuditHeadPayload):
        _apply_audit_head(session, payload, state)
    elif isinstance(payload, proto.AuditAnchorPayload):
        refusal = apply_anchor(session, message.id, payload, state.store, state.now)
        if refusal is not None:
            raise Reject(*refusal)
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
            raise Reject(
                "unknown_exception", f"no rejected message {payload.message_id} of this store"
            )
    # An override or store credit without a return ref is kept as received (the message row).


def _apply_audit_head(session: Session, payload: proto.AuditHeadPayload, state: BatchState) -> None:
    if not 0 <= payload.seq <= proto.MAX_BIGINT:
        raise Reject("out_of_range", f"audit seq must be 0..{proto.MAX_BIGINT}")
    digest = payload.hash.lower()
    refusal = check_head(session, state.store, payload.seq, digest)
    if refusal is not None:
        raise Reject(*refusal)
    known = session.execute(
        select(Store.audit_seq, Store.audit_hash).where(Store.code == state.store)
    ).one()
    known_seq: int | None = known[0]
    known_hash: str | None = known[1]
    if state.audit_head is not None and state.audit_head[0] == payload.seq:
        known_seq, known_hash = state.audit_head
    if known_seq == payload.seq and known_hash and known_hash != digest:
        raise Reject(
            "audit_chain_mismatch",
            f"audit entry {payload.seq} was reported before with a different hash",
        )
    if state.audit_head is None or payload.seq >= state.audit_head[0]:
        state.audit_head = (payload.seq, digest)
