"""Transactions with retry, and the time helpers every part of the service shares."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger("counter_app.central")

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utc(value: datetime) -> datetime:
    """`aware` for a value that is never None."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def retrying(engine: Engine, work: Callable[[Session], T], attempts: int = 6) -> T:
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
