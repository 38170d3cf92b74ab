"""`counter-app audit verify`: is the hash chain of the audit trail intact?"""

from __future__ import annotations

from sqlalchemy import Engine

from counter_app.adapters.db import repository as repo
from counter_app.domain.audit import verify_chain
from counter_app.services.unit_of_work import UnitOfWork


def verify_audit_trail(engine: Engine) -> tuple[int, list[str]]:
    """(number of entries, problems found); no problems means nothing was altered."""
    with UnitOfWork(engine) as uow:
        records = list(repo.audit_records(uow.conn))
        head = repo.audit_head(uow.conn)
    return len(records), verify_chain(records, head)
