"""Audit anchors: every chain head a store anchored (or had refused), with its entry hashes.

Revision ID: 0002_audit_anchors
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_anchors"
down_revision = "0002_storesync"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_anchors",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=128), nullable=False),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status in ('accepted', 'refused')", name="ck_audit_anchors_status"),
        sa.CheckConstraint("from_seq >= 0 AND seq >= 0", name="ck_audit_anchors_seq"),
        sa.ForeignKeyConstraint(["store"], ["stores.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("audit_anchors", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_anchors_store_seq", ["store", "status", "seq"], unique=False
        )


def downgrade() -> None:
    op.drop_table("audit_anchors")
