"""Engine creation, schema migrations and the change sequence for the central service.

PostgreSQL is the production database; SQLite is supported for a one-machine demo, with
writes serialised (BEGIN IMMEDIATE) so concurrent requests wait instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app.adapters.db.engine import make_engine as store_engine
from counter_app.central.models import ChangeCounter

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "central_alembic_version"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for the service: pooled on PostgreSQL; on SQLite the store's own set-up
    (WAL, foreign keys, busy timeout) with every transaction taking the write lock up front."""
    if url.startswith("sqlite"):
        return store_engine(url, sqlite_begin="IMMEDIATE", **kwargs)
    options: dict[str, Any] = {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": True}
    options.update(kwargs)
    return create_engine(url, **options)


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Bring the central schema up to `revision` (alembic, own version table)."""
    from alembic import command
    from alembic.config import Config

    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    if isinstance(engine_or_url, str):
        engine.dispose()


def next_seq(session: Session, count: int = 1) -> int:
    """Take `count` consecutive change sequence numbers; return the first.

    The counter row stays locked until the transaction commits, so numbers become visible
    in order and a reader paging by `seq > cursor` never skips a row committed late. Take
    it as late as possible in a transaction to keep the lock short.
    """
    value = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.id == 1)
        .values(value=ChangeCounter.value + count)
        .returning(ChangeCounter.value)
    ).scalar_one_or_none()
    if value is None:  # pragma: no cover - the migration inserts the row
        raise RuntimeError("change_counter row missing: run the central migrations")
    return int(value) - count + 1
