"""Head-office revision "console" (issue 15): a head office holding returns and settlements
upgrades to the console's indexes with its rows intact, and downgrades back (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, Table, func, insert, inspect, select

from counter_app.central import db as central_db
from tests.central_old import central_before, central_previous, insert_store
from tests.store_revisions import BOTH_DATABASES

REVISION = "0006_console"
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
INDEXES = {
    "returns": {"ix_returns_committed", "ix_returns_store_committed", "ix_returns_order_number"},
    "settlements": {"ix_settlements_settled_at"},
}


def previous_revision() -> str:
    return central_previous(REVISION)


@pytest.fixture(params=BOTH_DATABASES)
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from central_before(REVISION, request, tmp_path)


def indexes(engine: Engine, table: str) -> set[str]:
    return {str(ix["name"]) for ix in inspect(engine).get_indexes(table)}


def test_upgrade_adds_the_console_indexes_and_keeps_the_rows(old_central: Engine) -> None:
    meta = MetaData()
    returns = Table("returns", meta, autoload_with=old_central)
    settlements = Table("settlements", meta, autoload_with=old_central)
    with old_central.begin() as conn:
        insert_store(conn, "S001", "One", "k" * 64, NOW, messages_received=0)
        for n in range(3):
            conn.execute(
                insert(returns).values(
                    ref=f"R-{n}", store="S001", currency="USD", committed_at=NOW,
                    refunds=[{"tender": "card", "amount_minor": 100}],
                    message_id=f"00000000-0000-4000-8000-00000000000{n}", received_at=NOW,
                )
            )  # fmt: skip
        conn.execute(
            insert(settlements).values(
                store="S001", return_ref="R-0", refund_index=0, tender="card", amount_minor=100,
                settled_at=NOW, gateway_ref="GW-1", seq=1,
            )
        )  # fmt: skip
    for table, names in INDEXES.items():
        assert not names & indexes(old_central, table)
    central_db.upgrade(old_central)
    for table, names in INDEXES.items():
        assert names <= indexes(old_central, table), table
    with old_central.connect() as conn:
        assert conn.execute(select(func.count()).select_from(returns)).scalar_one() == 3
        assert conn.execute(select(settlements.c.gateway_ref)).scalar_one() == "GW-1"
    config = Config()
    config.set_main_option("script_location", str(central_db.MIGRATIONS_DIR))
    with old_central.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, previous_revision())
    for table, names in INDEXES.items():
        assert not names & indexes(old_central, table)
