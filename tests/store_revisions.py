"""A store database at the revision before a given one, for each revision's upgrade test.

The previous revision is read from the revision's script (never hard-coded), so the test
still holds when revisions are re-chained."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from counter_app.adapters.db.engine import make_engine
from counter_app.adapters.db.migrate import alembic_config, upgrade
from tests.pg import PostgresServer

# The fixture params of every store upgrade test: both databases.
BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def store_before(revision: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store at `revision`'s down revision, on `request.param`'s database."""
    from alembic.script import ScriptDirectory

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    script = ScriptDirectory.from_config(alembic_config(url)).get_revision(revision)
    assert script is not None and isinstance(script.down_revision, str)
    engine = make_engine(url)
    upgrade(engine, script.down_revision)
    yield engine
    engine.dispose()
