"""Fixtures for the central-service tests: PostgreSQL, a fresh database each, a live server.

Uses the session's `pg_url` fixture (tests/conftest.py) when it exists; otherwise starts a
throwaway cluster of its own for the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.engine import Engine

from counter_app.central.app import CentralSettings, create_app
from counter_app.central.db import make_engine, upgrade
from counter_app.central.service import add_store
from counter_app.central.testing import (
    ServerThread,
    SignedClient,
    create_database,
)

ADMIN_KEY = "test-admin-key"


@pytest.fixture(scope="session")
def central_pg_server(pg_url: str) -> str:
    """URL of the session's PostgreSQL server (tests/conftest.py), to CREATE DATABASE from."""
    return pg_url


@pytest.fixture
def central_db_url(central_pg_server: str) -> str:
    """A fresh, empty database for one test."""
    return create_database(central_pg_server)


@dataclass
class LiveCentral:
    engine: Engine
    base_url: str
    keys: dict[str, str] = field(default_factory=dict)
    clients: list[SignedClient] = field(default_factory=list)

    def add_store(self, code: str, name: str | None = None) -> str:
        self.keys[code] = add_store(self.engine, code, name or f"Store {code}")
        return self.keys[code]

    def client(self, store: str, key: str | None = None) -> SignedClient:
        client = SignedClient(self.base_url, store, key or self.keys[store])
        self.clients.append(client)
        return client

    def admin(self) -> SignedClient:
        client = SignedClient(self.base_url, "admin", ADMIN_KEY)
        self.clients.append(client)
        return client


def _serve(url: str) -> Iterator[LiveCentral]:
    upgrade(url)
    engine = make_engine(url)
    # The contract tests read /openapi.json, which a default app does not serve.
    app = create_app(
        CentralSettings(db_url=url, admin_key=ADMIN_KEY, engine=engine, openapi=True)
    )
    server = ServerThread(app).start()
    live = LiveCentral(engine=engine, base_url=server.base_url)
    try:
        yield live
    finally:
        for client in live.clients:
            client.close()
        server.stop()
        engine.dispose()


@pytest.fixture
def central(central_db_url: str) -> Iterator[LiveCentral]:
    """The central service on PostgreSQL, served over real HTTP on 127.0.0.1."""
    yield from _serve(central_db_url)


@pytest.fixture
def central_sqlite(tmp_path: object) -> Iterator[LiveCentral]:
    """The same service on SQLite (the demo set-up)."""
    yield from _serve(f"sqlite:///{tmp_path}/central.db")
