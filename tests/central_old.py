"""Rows for a head office at an older revision, for the upgrade tests. The revisions are
re-chained at merge time, so a store is inserted the way the schema in front of us holds it:
a plain `stores.key` before the transport revision, a sealed `store_keys` row after it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, MetaData, Table, insert, inspect

from counter_app.central.master_key import MasterKey
from tests.pg import PostgresServer


def insert_store(
    conn: Connection, code: str, name: str, key: str, created_at: datetime, **values: Any
) -> None:
    """One store with its key, whichever way the current revision keeps store keys."""
    meta = MetaData()
    stores = Table("stores", meta, autoload_with=conn)
    row = {"code": code, "name": name, "created_at": created_at, **values}
    if "key" in stores.c:
        conn.execute(insert(stores).values(**row, key=key))
        return
    conn.execute(insert(stores).values(**row))
    assert "store_keys" in inspect(conn).get_table_names()
    keys = Table("store_keys", meta, autoload_with=conn)
    sealed = MasterKey.resolve().seal(key)
    conn.execute(insert(keys).values(store=code, key_enc=sealed, created_at=created_at))


def central_previous(revision: str) -> str:
    """`revision`'s down revision, read from its script (revisions get re-chained)."""
    from alembic.script import ScriptDirectory

    from counter_app.central import db as central_db

    script = ScriptDirectory(str(central_db.MIGRATIONS_DIR)).get_revision(revision)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


def central_before(
    revision: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Engine]:
    """An empty head office at `revision`'s down revision, on `request.param`'s database
    (the params are tests.store_revisions.BOTH_DATABASES)."""
    from counter_app.central import db as central_db

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    engine = central_db.make_engine(url)
    central_db.upgrade(engine, central_previous(revision))
    yield engine
    engine.dispose()
