"""Indexes for the head-office console (issue 15): returns newest first (across stores and per
store), returns by order number, and settlements newest first — so each console page reads a
page of rows, not the whole table, with ten thousand returns.

Revision ID: 0005_console
Revises: 0004_authorizations
"""

from alembic import op

revision = "0005_console"
down_revision = "0004_authorizations"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_returns_committed", "returns", ["committed_at"]),
    ("ix_returns_store_committed", "returns", ["store", "committed_at"]),
    ("ix_returns_order_number", "returns", ["order_number"]),
    ("ix_settlements_settled_at", "settlements", ["settled_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
