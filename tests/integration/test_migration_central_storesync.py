"""Head office's staff-scoping revision upgrades existing data: staff keep their home store,
company-wide staff (pulled by every store until now) become travelling, so no store loses
anyone; the lookup log starts empty. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from counter_app.central import db as central_db

REVISION = "0002_storesync"


def _previous() -> str:
    script = ScriptDirectory(str(central_db.MIGRATIONS_DIR)).get_revision(REVISION)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


@pytest.fixture(params=["sqlite", "postgres"])
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    engine = central_db.make_engine(url)
    central_db.upgrade(engine, _previous())
    yield engine
    engine.dispose()


def test_upgrade_keeps_home_stores_and_makes_company_staff_travelling(
    old_central: Engine,
) -> None:
    with old_central.begin() as conn:
        for username, store in (("ann", "S001"), ("hq", None)):
            conn.execute(
                text(
                    "INSERT INTO staff (username, store, display_name, role, pin_hash, active,"
                    " seq) VALUES (:u, :s, :u, 'cashier', '$argon2id$x', true, 1)"
                ),
                {"u": username, "s": store},
            )
    central_db.upgrade(old_central, REVISION)
    with old_central.connect() as conn:
        rows = conn.execute(
            text("SELECT username, store, travelling FROM staff ORDER BY username")
        ).all()
        assert [(r[0], r[1], bool(r[2])) for r in rows] == [
            ("ann", "S001", False),
            ("hq", None, True),
        ]
        assert conn.execute(text("SELECT count(*) FROM order_lookups")).scalar_one() == 0
