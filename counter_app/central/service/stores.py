"""Stores: registration, their signing keys, signs of life and the status head office sees."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.master_key import MasterKey
from counter_app.central.models import InboundMessage, Store
from counter_app.central.service.anchors import anchor_states
from counter_app.central.service.keys import issue_key, valid_keys
from counter_app.central.service.tx import aware, utcnow


def add_store(engine: Engine, code: str, name: str, master: MasterKey | None = None) -> str:
    """Register a store and return its new secret key (shown once to the operator).

    The key is kept sealed with the master key (default: from $CENTRAL_MASTER_KEY)."""
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValueError(f"invalid store code: {code!r}")
    if code.lower() == "admin":
        raise ValueError("'admin' is reserved for head-office requests")
    master = master or MasterKey.resolve()
    now = utcnow()
    with Session(engine) as session, session.begin():
        if session.get(Store, code) is not None:
            raise ValueError(f"store {code} already exists")
        session.add(Store(code=code, name=name, created_at=now, messages_received=0))
        session.flush()
        return issue_key(session, code, master, now)


def store_key(engine: Engine, code: str, master: MasterKey | None = None) -> str | None:
    """The newest valid key of a store, or None (unknown store, or every key revoked)."""
    keys = valid_keys(engine, code, master or MasterKey.resolve())
    return keys[0] if keys else None


def touch_store(engine: Engine, code: str, now: datetime) -> None:
    """Record contact from a store (any authenticated request counts as a sync sign of life)."""
    with Session(engine) as session, session.begin():
        session.execute(update(Store).where(Store.code == code).values(last_contact_at=now))


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
        anchors = anchor_states(session, [s.code for s in stores])
        return [
            _status(
                s,
                open_counts.get(s.code, 0),
                _open_exceptions(session, s.code) if with_exceptions else [],
            ).model_copy(update={"audit_anchor": anchors[s.code]})
            for s in stores
        ]


def _open_exceptions(session: Session, store: str) -> list[proto.OpenException]:
    """The store's rejected messages nobody has resolved yet, oldest first (at most 500)."""
    return [
        proto.OpenException(
            message_id=m.message_id,
            kind=m.kind,  # type: ignore[arg-type]
            reason=m.reason,
            received_at=aware(m.received_at),  # type: ignore[arg-type]
        )
        for m in session.execute(
            select(InboundMessage)
            .where(
                and_(
                    InboundMessage.store == store,
                    InboundMessage.status == "rejected",
                    InboundMessage.resolved_at.is_(None),
                )
            )
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .limit(500)
        ).scalars()
    ]


def _status(
    s: Store, open_exceptions: int, exceptions: list[proto.OpenException]
) -> proto.StoreStatus:
    head = None
    if s.audit_seq is not None and s.audit_hash is not None:
        head = proto.AuditHead(
            seq=s.audit_seq,
            hash=s.audit_hash,
            received_at=aware(s.audit_at),  # type: ignore[arg-type]
        )
    return proto.StoreStatus(
        store=s.code,
        name=s.name,
        last_contact_at=aware(s.last_contact_at),
        messages_received=s.messages_received,
        open_exceptions=open_exceptions,
        audit_head=head,
        exceptions=exceptions,
    )


def message_counts(engine: Engine) -> dict[str, int]:
    """Stored messages per status (used by tests and the benchmark)."""
    with Session(engine) as session:
        return {
            status: int(count)
            for status, count in session.execute(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            ).all()
        }
