"""The migrations build exactly the tables the code declares: Alembic's autogenerate, run
against a database freshly upgraded to head, finds nothing to add, drop or alter.

Checked for the store (counter_app/adapters/db: migrations + tables.py) and for head office
(counter_app/central: migrations + models.py), on SQLite and on PostgreSQL. A column, index,
constraint or type that exists on one side only is reported with the operation autogenerate
would write for it.

Autogenerate does not compare CHECK constraints, and the store's invariants live in them
(tables.py), so their names are compared as well — names, not SQL text, which each database
rewrites in its own way (PostgreSQL adds casts and brackets).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Column, Engine, Integer, MetaData, Table, inspect

from counter_app.adapters.db import migrate as store_migrate
from counter_app.adapters.db.engine import make_engine as make_store_engine
from counter_app.adapters.db.tables import metadata as store_metadata
from counter_app.central import db as central_db
from counter_app.central.models import Base
from tests.pg import PostgresServer


def _store_schema(url: str) -> Engine:
    engine = make_store_engine(url)
    store_migrate.upgrade(engine)
    return engine


def _central_schema(url: str) -> Engine:
    engine = central_db.make_engine(url)
    central_db.upgrade(engine)
    return engine


# schema -> (build a fresh database at head, what the code declares, Alembic's version table)
SCHEMAS: dict[str, tuple[Callable[[str], Engine], MetaData, str]] = {
    "store": (_store_schema, store_metadata, "alembic_version"),
    "central": (_central_schema, Base.metadata, central_db.VERSION_TABLE),
}


def drift(engine: Engine, metadata: MetaData, version_table: str) -> list[Any]:
    """What autogenerate would put in a new revision, then the CHECK constraints found on one
    side only (empty: migrations and code agree).

    The version table is named so autogenerate knows it is Alembic's own, not a table the
    code forgot to declare.
    """
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "version_table": version_table,
            },
        )
        differences: list[Any] = list(compare_metadata(context, metadata))
        inspector = inspect(connection)
        for table in metadata.sorted_tables:
            declared = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
            built = {str(c["name"]) for c in inspector.get_check_constraints(table.name)}
            differences += [("check_only_in_code", table.name, n) for n in declared - built]
            differences += [("check_only_in_database", table.name, n) for n in built - declared]
        return differences


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, nothing migrated yet."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_migrations_at_head_match_the_table_definitions(schema: str, fresh_url: str) -> None:
    build, metadata, version_table = SCHEMAS[schema]
    engine = build(fresh_url)
    try:
        differences = drift(engine, metadata, version_table)
    finally:
        engine.dispose()
    listing = "\n".join(f"  {d!r}" for d in differences)
    assert not differences, (
        f"{schema} schema on {engine.dialect.name}: the migrations and the table definitions "
        f"differ (autogenerate's operations, then CHECK constraints found on one side):\n"
        f"{listing}"
    )


def test_drift_is_reported(tmp_path: Path) -> None:
    """The check sees a difference when there is one: a column and a CHECK constraint the
    migrations never made."""
    engine = _store_schema(f"sqlite:///{tmp_path / 'store.db'}")
    extra = MetaData(naming_convention=store_metadata.naming_convention)
    for table in store_metadata.tables.values():
        table.to_metadata(extra)
    Table(
        "returns",
        extra,
        Column("not_migrated", Integer),
        CheckConstraint("not_migrated > 0", name="not_migrated_positive"),
        extend_existing=True,
    )
    try:
        differences = drift(engine, extra, "alembic_version")
    finally:
        engine.dispose()
    assert [
        d[:3] if d[0].startswith("check") else (d[0], d[2], d[3].name) for d in differences
    ] == [
        ("add_column", "returns", "not_migrated"),
        ("check_only_in_code", "returns", "ck_returns_not_migrated_positive"),
    ]
