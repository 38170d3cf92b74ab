"""Staff scoping (travelling flag) and the live order lookup log.

`staff.travelling`: a store now pulls only its own staff (`staff.store`, the home store)
and staff flagged travelling. Existing staff keep their home store; existing company-wide
staff (`store` NULL, which every store pulled until now) become travelling, so no store
loses anyone at the upgrade — review them and give each a home store with `publish-staff`.

`staff_withdrawals`: the stores an account was taken from (moved, no longer travelling);
each pulls it once more, disabled.

`order_lookups`: one row per live order lookup (store, order number, time), also the count
behind the per-store rate limit.

Revision ID: 0002_storesync
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_storesync"
down_revision = "0002_hofacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("travelling", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
    op.execute(sa.text("UPDATE staff SET travelling = true WHERE store IS NULL"))
    op.create_table(
        "staff_withdrawals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=300), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_withdrawals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_withdrawals_seq"), ["seq"], unique=False)
    op.create_table(
        "order_lookups",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("order_number", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("masked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["store"], ["stores.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("order_lookups", schema=None) as batch_op:
        batch_op.create_index("ix_order_lookups_store_at", ["store", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_lookups", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lookups_store_at")
    op.drop_table("order_lookups")
    with op.batch_alter_table("staff_withdrawals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_withdrawals_seq"))
    op.drop_table("staff_withdrawals")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("travelling")
