"""`counter-app audit verify`: is the audit trail intact, and does it know the store's rows?

Three layers: the hash chain (nothing edited, removed or reordered), the rows against
their entries (domain/audit_facts.py: a row edited or a trail emptied), and the chain
against what was published — locally the outbox's heads, with ``--central`` what head office
anchored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from counter_app.adapters.db import repository as repo
from counter_app.domain.audit import verify_chain
from counter_app.domain.audit_facts import check_business
from counter_app.services.audit_rows import load_facts
from counter_app.services.clock import Clock
from counter_app.services.unit_of_work import UnitOfWork


def verify_audit_trail(engine: Engine) -> tuple[int, list[str]]:
    """(number of entries, problems found); no problems means nothing was altered."""
    with UnitOfWork(engine) as uow:
        records = list(repo.audit_records(uow.conn))
        head = repo.audit_head(uow.conn)
        facts = load_facts(uow.conn)
    return len(records), [*verify_chain(records, head), *check_business(records, facts)]


def compare_with_central(engine: Engine, anchored: Mapping[str, Any]) -> tuple[int, list[str]]:
    """The local chain against head office's last anchored head (``{"seq", "hash"}``):
    (entries not yet anchored, problems)."""
    seq, digest = anchored.get("seq"), anchored.get("hash")
    with UnitOfWork(engine) as uow:
        records = list(repo.audit_records(uow.conn))
    if not isinstance(seq, int) or seq <= 0 or not isinstance(digest, str):
        return len(records), []
    hashes = {r.seq: r.hash for r in records}
    last = max(hashes, default=0)
    if seq not in hashes:
        return 0, [
            f"head office anchored entry {seq} but the local trail ends at entry {last}: "
            "entries were removed after they were anchored"
        ]
    if hashes[seq] != digest.lower():
        return 0, [
            f"entry {seq} is not the one head office anchored: the local trail was "
            "rewritten after it was anchored"
        ]
    return last - seq, []


def record(
    engine: Engine,
    clock: Clock,
    *,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any],
) -> None:
    """One audit entry for an action with no row of its own (e.g. a changed setting)."""
    with UnitOfWork(engine, write=True) as uow:
        repo.append_audit(
            uow.conn, at=clock.now(), actor=actor, action=action, subject=subject, data=data
        )
        uow.commit()
