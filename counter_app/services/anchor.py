"""Anchoring the audit chain at head office: at every sync, before pushing, the store queues
an ``audit.anchor`` with its chain head and the hashes of the entries since the last head it
anchored (see sync_protocol.AuditAnchorPayload).

The base is the newest anchor in the outbox that head office did not refuse (sent or still
waiting); a head already sent as it is is not sent again. The chain as it is on disk is what
goes out — a rewound or rewritten chain included, so head office refuses it and the store
gets a sync exception for it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, select

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import OutboxMessage
from counter_app.domain.audit import GENESIS
from counter_app.services.clock import Clock
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.sync_protocol import MAX_ANCHOR_HASHES

KIND = "audit.anchor"


def _anchors(conn: Connection) -> tuple[tuple[int, str], tuple[int, str] | None]:
    """(the base: last anchor not refused, or the empty chain; the last anchor sent at all)."""
    o = t.outbox.c
    base: tuple[int, str] = (0, GENESIS)
    latest: tuple[int, str] | None = None
    rows = conn.execute(
        select(o.status, o.payload_json).where(o.kind == KIND).order_by(o.seq.desc())
    )
    for status, payload_json in rows:
        payload = json.loads(payload_json)["payload"]
        head = (int(payload["seq"]), str(payload["hash"]))
        latest = latest or head
        if status != "rejected":
            base = head
            break
    return base, latest


def anchor_payloads(
    base_seq: int, hashes: list[tuple[int, str]], head_seq: int
) -> list[dict[str, Any]]:
    """Anchors from entry `base_seq` (its hash first in `hashes` unless it is 0) to the head,
    at most MAX_ANCHOR_HASHES entry hashes each. Pure."""
    known = dict(hashes)
    start = min(base_seq, head_seq)
    prev = known.get(start, GENESIS) if start else GENESIS
    entries = [h for seq, h in hashes if seq > start]
    if not entries:
        return [{"from_seq": start, "prev_hash": prev, "seq": start, "hash": prev, "hashes": []}]
    payloads = []
    for offset in range(0, len(entries), MAX_ANCHOR_HASHES):
        chunk = entries[offset : offset + MAX_ANCHOR_HASHES]
        first = start + offset
        payloads.append(
            {
                "from_seq": first,
                "prev_hash": prev,
                "seq": first + len(chunk),
                "hash": chunk[-1],
                "hashes": chunk,
            }
        )
        prev = chunk[-1]
    return payloads


def queue_anchor(engine: Engine, clock: Clock, store: str) -> int:
    """Queue the anchor(s) of the chain as it is now; how many were queued (0: unchanged)."""
    with UnitOfWork(engine, write=True) as uow:
        conn = uow.conn
        lock = select(t.audit_head.c.seq)
        if conn.dialect.name == "postgresql":
            lock = lock.with_for_update()  # two syncs of one store anchor one at a time
        conn.execute(lock)
        a = t.audit_entries.c
        last = conn.execute(select(a.seq, a.hash).order_by(a.seq.desc()).limit(1)).first()
        head = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        (base_seq, _base_hash), latest = _anchors(conn)
        if latest == head or (head[0] == 0 and latest is None):
            return 0
        hashes = [
            (int(seq), str(h))
            for seq, h in conn.execute(
                select(a.seq, a.hash).where(a.seq >= min(base_seq, head[0])).order_by(a.seq)
            )
        ]
        payloads = anchor_payloads(base_seq, hashes, head[0])
        messages = [OutboxMessage(KIND, p) for p in payloads]
        repo.add_outbox_many(conn, messages, at=clock.now(), store=store)
        uow.commit()
    return len(messages)
