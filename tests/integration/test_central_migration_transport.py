"""Head-office revision 0002_transport: a database whose stores hold plain keys upgrades to
sealed keys that still sign in, and refuses to upgrade without a master key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from counter_app.central.db import MIGRATIONS_DIR, make_engine, upgrade
from counter_app.central.master_key import ENV, FILE_ENV, MasterKey, MasterKeyError
from counter_app.central.service import valid_keys

REVISION = "0002_transport"


def _previous() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    down = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def _old_database(url: str) -> None:
    upgrade(url, _previous())
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stores (code, name, key, created_at, messages_received) "
                "VALUES ('S001', 'Downtown', :key, :at, 0)"
            ),
            {"key": "k" * 64, "at": datetime(2026, 11, 1, tzinfo=UTC)},
        )
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_plain_store_keys_are_sealed_by_the_upgrade(
    backend: str, tmp_path: Path, central_db_url: str
) -> None:
    url = f"sqlite:///{tmp_path}/central.db" if backend == "sqlite" else central_db_url
    _old_database(url)
    upgrade(url, REVISION)
    engine = make_engine(url)
    assert valid_keys(engine, "S001", MasterKey.resolve()) == ["k" * 64]
    with engine.connect() as conn:
        sealed = conn.execute(text("SELECT key_enc FROM store_keys")).scalar_one()
        described = conn.exec_driver_sql("SELECT * FROM stores").cursor.description
        columns = {column[0] for column in described}
    assert "k" * 64 not in sealed
    assert "key" not in columns  # the plain key is gone
    engine.dispose()


def test_the_upgrade_needs_the_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/central.db"
    _old_database(url)
    monkeypatch.delenv(ENV)
    monkeypatch.delenv(FILE_ENV, raising=False)
    with pytest.raises(MasterKeyError, match="CENTRAL_MASTER_KEY"):
        upgrade(url, REVISION)
    engine = make_engine(url)
    with engine.connect() as conn:  # nothing half-done: still at the previous revision
        assert conn.execute(text("SELECT key FROM stores")).scalar_one() == "k" * 64
    engine.dispose()
