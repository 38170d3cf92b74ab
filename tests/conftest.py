"""Shared fixtures: a real PostgreSQL server for the session, fresh store databases on both
SQLite and PostgreSQL, and a guard that fails any test leaving a thread or a Qt thread pool
running (tests/thread_guard.py)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Head office seals store keys with a master key; one per test session (subprocesses inherit).
os.environ.setdefault("CENTRAL_MASTER_KEY", __import__("cryptography.fernet").fernet.Fernet
                      .generate_key().decode())

from counter_app.adapters.db.engine import make_engine
from counter_app.adapters.db.migrate import upgrade
from tests import thread_guard
from tests.pg import PostgresServer, start_postgres
from tests.thread_guard import ThreadGuard

pytest_plugins = ["tests.integration.central_fixtures", "tests.e2e.browser"]
thread_guard.install()

STORE_TEMPLATE = "store_template"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of the session's PostgreSQL server (maintenance database)."""
    return pg_server.url


@pytest.fixture(scope="session")
def _pg_store_template(pg_server: PostgresServer) -> str:
    import psycopg

    with psycopg.connect(pg_server.url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {STORE_TEMPLATE}")  # type: ignore[arg-type]
        conn.execute(f"CREATE DATABASE {STORE_TEMPLATE}")  # type: ignore[arg-type]
    engine = make_engine(pg_server.database_url(STORE_TEMPLATE))
    upgrade(engine)
    engine.dispose()
    return STORE_TEMPLATE


@pytest.fixture(scope="session")
def _sqlite_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty store database — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_store_template")
        target = tmp_path / "store.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database(template=request.getfixturevalue("_pg_store_template"))


@pytest.fixture
def sqlite_db_url(tmp_path: Path, _sqlite_store_template: Path) -> str:
    target = tmp_path / "store.db"
    shutil.copyfile(_sqlite_store_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def store_engine(store_db_url: str) -> Iterator[Engine]:
    engine = make_engine(store_db_url)
    yield engine
    engine.dispose()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any]) -> Iterator[Any]:
    """Threads a session-, module- or class-scoped fixture starts outlive the test that
    happened to set it up first: the guard allows them (and the threads they start)."""
    if fixturedef.scope == "function":
        return (yield)
    before = set(threading.enumerate())
    try:
        return (yield)
    finally:
        thread_guard.allow(set(threading.enumerate()) - before)


@pytest.fixture(autouse=True)
def _no_thread_left_running() -> Iterator[None]:
    """A test that leaves a thread (daemon or not), a QThread or a busy QThreadPool running
    fails (tests/thread_guard.py; napari's conftest does the same)."""
    guard = ThreadGuard().begin()
    try:
        yield
        left = guard.leftovers()
    finally:
        guard.end()
    assert not left, "left running by this test:\n  " + "\n  ".join(left)
