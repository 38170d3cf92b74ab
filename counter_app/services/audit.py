"""`counter-app audit verify`: is the hash chain of the audit trail intact?"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from counter_app.adapters.db import repository as repo
from counter_app.domain.audit import verify_chain
from counter_app.services.clock import Clock
from counter_app.services.unit_of_work import UnitOfWork


def verify_audit_trail(engine: Engine) -> tuple[int, list[str]]:
    """(number of entries, problems found); no problems means nothing was altered."""
    with UnitOfWork(engine) as uow:
        records = list(repo.audit_records(uow.conn))
        head = repo.audit_head(uow.conn)
    return len(records), verify_chain(records, head)


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
