"""Audit anchoring: head office keeps each store's chain head and refuses one that does not
extend the head it anchored last.

An ``audit.anchor`` says: my chain's entry `from_seq` has `prev_hash`, and these are the
hashes of entries from_seq+1..seq. It is accepted only if (from_seq, prev_hash) is the last
accepted anchor's (seq, hash) — or that head is inside the hashes sent — so a rewound chain
(head behind the anchored one) and a forked chain (same length, other hashes) are refused
with a reason code. Every anchor is kept (table ``audit_anchors``), refused ones too: they are
the red row on the head-office page. ``audit.head`` messages are checked against the anchored
hashes as well.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import AuditAnchor, InboundMessage, Store
from counter_app.central.service.tx import aware

GENESIS = "0" * 64
Refusal = tuple[str, str]


def _last_accepted(session: Session, store: str) -> AuditAnchor | None:
    return session.execute(
        select(AuditAnchor)
        .where(AuditAnchor.store == store, AuditAnchor.status == "accepted")
        .order_by(AuditAnchor.seq.desc(), AuditAnchor.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _hash_at(payload: proto.AuditAnchorPayload, seq: int) -> str | None:
    if seq == payload.from_seq:
        return payload.prev_hash.lower()
    if payload.from_seq < seq <= payload.seq:
        return payload.hashes[seq - payload.from_seq - 1].lower()
    return None


def _shape(payload: proto.AuditAnchorPayload) -> Refusal | None:
    span = payload.seq - payload.from_seq
    if span < 0 or len(payload.hashes) != span:
        return (
            "anchor_malformed",
            f"{len(payload.hashes)} hashes for entries {payload.from_seq + 1}..{payload.seq}",
        )
    if _hash_at(payload, payload.seq) != payload.hash.lower():
        return "anchor_malformed", f"the last hash is not the head's (entry {payload.seq})"
    return None


def _continuity(payload: proto.AuditAnchorPayload, last_seq: int, last_hash: str) -> Refusal | None:
    """Does the anchor extend the last anchored head (seq, hash)?"""
    if payload.seq < last_seq:
        return (
            "audit_rewound",
            f"the chain head is entry {payload.seq} but head office anchored entry "
            f"{last_seq}: entries were removed",
        )
    if payload.from_seq > last_seq:
        return (
            "audit_gap",
            f"the anchor starts after entry {payload.from_seq} but head office anchored "
            f"only up to entry {last_seq}",
        )
    if _hash_at(payload, last_seq) != last_hash:
        return (
            "audit_fork",
            f"entry {last_seq} is not the one head office anchored: the chain was rewritten",
        )
    return None


def _claimed(session: Session, store: str, payload: proto.AuditAnchorPayload) -> Refusal | None:
    """An earlier audit.head of this store inside the anchor's range must agree with it."""
    row = session.execute(
        select(Store.audit_seq, Store.audit_hash).where(Store.code == store)
    ).one_or_none()
    if row is None or row[0] is None or row[1] is None:
        return None
    found = _hash_at(payload, int(row[0]))
    if found is not None and found != str(row[1]).lower():
        return "audit_fork", f"entry {row[0]} was reported before with a different hash"
    return None


def apply_anchor(
    session: Session,
    message_id: str,
    payload: proto.AuditAnchorPayload,
    store: str,
    now: datetime,
) -> Refusal | None:
    """Record the anchor; None when accepted, else (reason code, why) — recorded as refused."""
    locked = select(Store.code).where(Store.code == store)
    if session.get_bind().dialect.name == "postgresql":
        locked = locked.with_for_update()  # two pushes of one store anchor one at a time
    session.execute(locked)
    last = _last_accepted(session, store)
    last_seq, last_hash = (last.seq, last.hash.lower()) if last else (0, GENESIS)
    refusal = (
        _shape(payload)
        or _continuity(payload, last_seq, last_hash)
        or _claimed(session, store, payload)
    )
    session.add(
        AuditAnchor(
            store=store,
            message_id=message_id,
            from_seq=payload.from_seq,
            prev_hash=payload.prev_hash.lower(),
            seq=payload.seq,
            hash=payload.hash.lower(),
            hashes=[h.lower() for h in payload.hashes],
            status="refused" if refusal else "accepted",
            reason=f"{refusal[0]}: {refusal[1]}" if refusal else None,
            received_at=now,
        )
    )
    session.flush()
    if refusal is None:
        session.execute(
            update(Store)
            .where(
                Store.code == store,
                or_(Store.audit_seq.is_(None), Store.audit_seq <= payload.seq),
            )
            .values(audit_seq=payload.seq, audit_hash=payload.hash.lower(), audit_at=now)
        )
    return refusal


def check_head(session: Session, store: str, seq: int, digest: str) -> Refusal | None:
    """An ``audit.head`` for an entry head office anchored must carry the anchored hash."""
    anchor = session.execute(
        select(AuditAnchor)
        .where(
            AuditAnchor.store == store,
            AuditAnchor.status == "accepted",
            AuditAnchor.from_seq < seq,
            AuditAnchor.seq >= seq,
        )
        .limit(1)
    ).scalar_one_or_none()
    if anchor is None or seq <= 0:
        return None
    if anchor.hashes[seq - anchor.from_seq - 1] != digest.lower():
        return "audit_chain_mismatch", f"audit entry {seq} differs from the anchored chain"
    return None


def anchor_state(session: Session, store: str) -> proto.AuditAnchorState:
    """The last anchored head, and why the latest anchor after it was refused (unless a
    manager resolved that refusal)."""
    last = _last_accepted(session, store)
    after = last.id if last else 0
    refused = session.execute(
        select(AuditAnchor.reason)
        .join(InboundMessage, InboundMessage.message_id == AuditAnchor.message_id)
        .where(
            and_(
                AuditAnchor.store == store,
                AuditAnchor.status == "refused",
                AuditAnchor.id > after,
                InboundMessage.resolved_at.is_(None),
            )
        )
        .order_by(AuditAnchor.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return proto.AuditAnchorState(
        seq=last.seq if last else 0,
        hash=last.hash if last else GENESIS,
        anchored_at=aware(last.received_at) if last else None,  # type: ignore[arg-type]
        refused=refused,
    )


def anchor_states(session: Session, stores: list[str]) -> dict[str, proto.AuditAnchorState]:
    """`anchor_state` of many stores in two queries (the status page lists every store)."""
    a = AuditAnchor
    best = (
        select(a.store, func.max(a.seq).label("seq"))
        .where(a.status == "accepted", a.store.in_(stores))
        .group_by(a.store)
        .subquery()
    )
    last: dict[str, tuple[int, int, str, datetime]] = {}
    for store, id_, seq, digest, at in session.execute(
        select(a.store, a.id, a.seq, a.hash, a.received_at).join(
            best, and_(best.c.store == a.store, best.c.seq == a.seq)
        ).where(a.status == "accepted")
    ):
        if store not in last or id_ > last[store][0]:
            last[store] = (id_, seq, digest, at)
    refused: dict[str, tuple[int, str | None]] = {}
    for store, id_, reason in session.execute(
        select(a.store, a.id, a.reason)
        .join(InboundMessage, InboundMessage.message_id == a.message_id)
        .where(a.status == "refused", a.store.in_(stores), InboundMessage.resolved_at.is_(None))
    ):
        if id_ > last.get(store, (0,))[0] and (store not in refused or id_ > refused[store][0]):
            refused[store] = (id_, reason)
    out = {}
    for store in stores:
        accepted = last.get(store)
        out[store] = proto.AuditAnchorState(
            seq=accepted[1] if accepted else 0,
            hash=accepted[2] if accepted else GENESIS,
            anchored_at=aware(accepted[3]) if accepted else None,  # type: ignore[arg-type]
            refused=refused[store][1] if store in refused else None,
        )
    return out


def last_anchor(engine: Engine, store: str) -> proto.AuditAnchorState:
    with Session(engine) as session:
        return anchor_state(session, store)
