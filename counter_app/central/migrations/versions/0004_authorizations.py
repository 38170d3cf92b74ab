"""Return authorizations (issue 15): returns started online (code, order, reserved lines,
expiry, status-page token, who used or cancelled it, a change sequence for the stores' pull),
the returns portal's keys (hashed), and on each return the authorization it consumed and the
token of its public status page.

No backfill: existing returns consumed no authorization and have no status page.

Revision ID: 0004_authorizations
Revises: 0003_exchanges
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_authorizations"
down_revision = "0003_exchanges"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "return_authorizations",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("order_number", sa.String(length=200), nullable=False),
        sa.Column("refund", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("customer_first_name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("status_token", sa.String(length=32), nullable=False),
        sa.Column("used_by_store", sa.String(length=32), nullable=True),
        sa.Column("used_return_ref", sa.String(length=200), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "status in ('open', 'used', 'cancelled')", name="ck_return_authorizations_status"
        ),
        sa.CheckConstraint(
            "refund in ('original', 'store_credit', 'exchange')",
            name="ck_return_authorizations_refund",
        ),
        sa.ForeignKeyConstraint(["order_number"], ["orders.number"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("status_token"),
    )
    op.create_index(
        "ix_return_authorizations_order_number", "return_authorizations", ["order_number"]
    )
    op.create_index("ix_return_authorizations_seq", "return_authorizations", ["seq"])
    op.create_table(
        "return_authorization_lines",
        sa.Column("authorization_id", BigId, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_return_authorization_lines_quantity"),
        sa.ForeignKeyConstraint(["authorization_id"], ["return_authorizations.id"]),
        sa.PrimaryKeyConstraint("authorization_id", "line_no"),
    )
    op.create_table(
        "portal_keys",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authorization_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("status_token", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_returns_authorization_code", ["authorization_code"], unique=True)
        batch_op.create_index("ix_returns_status_token", ["status_token"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index("ix_returns_status_token")
        batch_op.drop_index("ix_returns_authorization_code")
        batch_op.drop_column("status_token")
        batch_op.drop_column("authorization_code")
    op.drop_table("portal_keys")
    op.drop_table("return_authorization_lines")
    op.drop_index("ix_return_authorizations_seq", table_name="return_authorizations")
    op.drop_index("ix_return_authorizations_order_number", table_name="return_authorizations")
    op.drop_table("return_authorizations")
