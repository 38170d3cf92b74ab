"""Run the Alembic migrations of the store database from code (`counter-app db upgrade`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on an up-to-date database."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration left rows pointing at nothing")
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite rebuilds a table to change its constraints (copy, drop, rename); with foreign
    keys enforced, dropping a table other rows point at fails. The switch only works outside
    a transaction, so it is set on the driver's connection (in autocommit) around it; the
    foreign_key_check before commit makes sure the rebuild left every reference intact."""
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    dbapi.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")


def head_revision() -> str:
    """The newest migration: the revision no other names as its down_revision, read from the
    scripts' text (cheap: no alembic import; ids need not match the file names)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "([^"]+)"', source, re.MULTILINE)
        parent = re.search(r'^down_revision = "([^"]+)"', source, re.MULTILINE)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    (head,) = revisions - parents
    return head


def is_current(engine: Engine) -> bool:
    """Is the schema at the newest migration? One query, so start-up stays fast."""
    if not is_initialised(engine):
        return False
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return version == head_revision()
