"""Facts for the head-office console's charts (issue 15): each accepted return's lines (with
the product's category) and each accepted manager override as rows, and an index on when
orders were placed (returns by commit time come with 0005_console), so a chart over weeks
reads a range, not every message payload.

Backfill: from the payloads of the accepted `return.committed` messages (each return row
names its message) and the accepted `override.granted` messages of returns head office holds;
a line's category is the catalog's for its SKU (open-box `-OB` units count as their SKU), none
if the catalog does not know it. A return without `committed_at` (accepted before 0003) dates
its facts from its message's `created_at`.

Revision ID: 0004_console_facts
Revises: 0005_console (re-chained after merging hoauth and console; was 0003_exchanges)
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_console_facts"
down_revision = "0005_console"
branch_labels = None
depends_on = None

OPEN_BOX_SUFFIX = "-OB"
CHUNK = 1000


def upgrade() -> None:
    op.create_table(
        "return_lines",
        sa.Column("return_ref", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("refund_minor", sa.BigInteger(), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("disposition", sa.String(length=200), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["return_ref"], ["returns.ref"]),
        sa.PrimaryKeyConstraint("return_ref", "position"),
    )
    op.create_index("ix_return_lines_committed", "return_lines", ["committed_at", "store"])
    op.create_table(
        "return_overrides",
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("return_ref", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("manager", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["return_ref"], ["returns.ref"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_return_overrides_ref", "return_overrides", ["return_ref"])
    op.create_index("ix_orders_placed", "orders", ["placed_at", "store"])
    _backfill(op.get_bind())


def _tables(conn: sa.Connection) -> dict[str, sa.Table]:
    """The tables as this revision knows them; payloads typed JSON so both databases parse."""
    meta = sa.MetaData()
    names = ("returns", "catalog", "return_lines", "return_overrides")
    tables = {name: sa.Table(name, meta, autoload_with=conn) for name in names}
    tables["messages"] = sa.Table(
        "messages",
        meta,
        sa.Column("message_id", sa.String(36)),
        sa.Column("store", sa.String(32)),
        sa.Column("kind", sa.String(40)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("payload", sa.JSON),
        sa.Column("status", sa.String(16)),
        sa.Column("group_ref", sa.String(200)),
    )
    return tables


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _line_rows(conn: sa.Connection, t: dict[str, sa.Table]) -> Iterator[dict[str, Any]]:
    catalog = dict(conn.execute(sa.select(t["catalog"].c.sku, t["catalog"].c.category)).all())
    r, m = t["returns"], t["messages"]
    query = (
        sa.select(r.c.ref, r.c.store, r.c.committed_at, m.c.created_at, m.c.payload)
        .join(m, m.c.message_id == r.c.message_id)
        .where(m.c.kind == "return.committed", m.c.status == "accepted")
        .order_by(r.c.ref)
    )
    for ref, store, committed, created, payload in conn.execute(query).all():
        when: datetime = committed or created
        for position, line in enumerate(payload.get("lines") or [], start=1):
            sku = str(line.get("sku", ""))
            base = sku[: -len(OPEN_BOX_SUFFIX)] if sku.endswith(OPEN_BOX_SUFFIX) else sku
            yield {
                "return_ref": ref,
                "position": position,
                "store": store,
                "line_no": int(line.get("line_no", position)),
                "sku": sku,
                "category": catalog.get(base),
                "quantity": int(line.get("quantity", 0)),
                "refund_minor": int(line.get("refund_minor", 0)),
                "condition": str(line.get("condition", "")),
                "reason": str(line.get("reason", "")),
                "disposition": str(line.get("disposition", "")),
                "committed_at": when,
            }


def _override_rows(conn: sa.Connection, t: dict[str, sa.Table]) -> Iterator[dict[str, Any]]:
    r, m = t["returns"], t["messages"]
    query = (
        sa.select(m.c.message_id, m.c.store, m.c.created_at, m.c.payload, r.c.ref)
        .join(r, sa.and_(r.c.ref == m.c.group_ref, r.c.store == m.c.store))
        .where(m.c.kind == "override.granted", m.c.status == "accepted")
        .order_by(m.c.message_id)
    )
    for message_id, store, created, payload, ref in conn.execute(query).all():
        yield {
            "message_id": message_id,
            "return_ref": ref,
            "store": store,
            "line_no": int(payload.get("line_no", 0)),
            "manager": str(payload.get("manager", "")),
            "reason": str(payload.get("reason", "")),
            "committed_at": created,
        }


def _backfill(conn: sa.Connection) -> None:
    t = _tables(conn)
    for chunk in _chunks(_line_rows(conn, t)):
        conn.execute(sa.insert(t["return_lines"]), chunk)
    for chunk in _chunks(_override_rows(conn, t)):
        conn.execute(sa.insert(t["return_overrides"]), chunk)


def downgrade() -> None:
    op.drop_index("ix_orders_placed", table_name="orders")
    op.drop_index("ix_return_overrides_ref", table_name="return_overrides")
    op.drop_table("return_overrides")
    op.drop_index("ix_return_lines_committed", table_name="return_lines")
    op.drop_table("return_lines")
