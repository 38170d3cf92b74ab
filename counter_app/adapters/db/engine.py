"""Database engines: SQLite embedded (WAL, foreign keys, write lock up front) or PostgreSQL.

A SQLite file holds PIN hashes and customer details: it is created 0600 in a 0700 folder
before SQLite opens it (SQLite gives its -wal and -shm files the database file's mode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from counter_app.adapters.private_files import create_private_file, make_private_dir

BUSY_TIMEOUT_MS = 15_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, sqlite_begin: str = "DEFERRED", **kwargs: Any) -> Engine:
    """An engine for `url`, configured so a return cannot fail half-way on a busy database.

    `sqlite_begin` is how SQLite transactions begin unless a unit of work says otherwise
    ("IMMEDIATE" for a server whose every request may write)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(parsed)
        # Pooled: a connection per transaction would re-run the PRAGMAs and, on closing the
        # last one, checkpoint and delete the WAL file every time.
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine, sqlite_begin)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _prepare_sqlite_file(parsed: URL) -> None:
    """Create the folder (0700) and an empty database file (0600) before SQLite does."""
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    if parsed.query.get("uri") or parsed.query.get("mode"):
        return
    path = Path(database).expanduser()
    if not path.parent.exists():
        make_private_dir(path.parent)
    create_private_file(path)


def _configure_sqlite(engine: Engine, default_begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is honoured.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit the cashier saw survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock before their first read: a return can then never
        # fail half-way with "database is locked" when another counter commits first.
        mode = conn.get_execution_options().get("sqlite_begin", default_begin)
        conn.exec_driver_sql(f"BEGIN {mode}")
