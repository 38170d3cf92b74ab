"""The audit trail as a hash chain: editing, deleting or reordering any entry is detectable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    data_json: str
    prev_hash: str
    hash: str


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, data_json: str
) -> str:
    body = canonical_json([prev_hash, seq, _timestamp(at), actor, action, subject, data_json])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def next_record(
    prev: tuple[int, str] | None, at: datetime, actor: str, action: str, subject: str, data: Any
) -> AuditRecord:
    """The entry that follows `prev` (its seq and hash), or the first entry of the chain."""
    seq, prev_hash = (prev[0] + 1, prev[1]) if prev else (1, GENESIS)
    data_json = canonical_json(data)
    digest = entry_hash(prev_hash, seq, at, actor, action, subject, data_json)
    return AuditRecord(seq, at, actor, action, subject, data_json, prev_hash, digest)


def verify_chain(records: Iterable[AuditRecord], head: tuple[int, str] | None) -> list[str]:
    """Every problem found, in plain words; an empty list means the chain is intact."""
    problems: list[str] = []
    expected_seq, expected_prev = 1, GENESIS
    last: AuditRecord | None = None
    for record in records:
        if record.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing or out of order (found {record.seq})")
        if record.prev_hash != expected_prev:
            problems.append(f"entry {record.seq} does not follow the entry before it")
        recomputed = entry_hash(
            record.prev_hash,
            record.seq,
            record.at,
            record.actor,
            record.action,
            record.subject,
            record.data_json,
        )
        if recomputed != record.hash:
            problems.append(f"entry {record.seq} was changed after it was written")
        expected_seq, expected_prev = record.seq + 1, record.hash
        last = record
    if head is not None:
        if last is None:
            if head[0] != 0:  # seq 0 is the head of an empty chain
                problems.append(f"the trail is empty but its head says entry {head[0]}")
        elif (last.seq, last.hash) != head:
            problems.append(
                f"the trail ends at entry {last.seq} but its head says entry {head[0]}: "
                "entries were removed from the end or the head was altered"
            )
    elif last is not None:
        problems.append("the trail has entries but no head record")
    return problems
