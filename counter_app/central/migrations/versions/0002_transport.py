"""Transport and access: sealed store keys (rotation, revocation), the replay guard's nonces,
head-office accounts and their sessions.

Existing store keys move from `stores.key` into `store_keys`, sealed with the master key
($CENTRAL_MASTER_KEY or $CENTRAL_MASTER_KEY_FILE), which must then be set.

Revision ID: 0002_transport
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_transport"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "store_keys",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("key_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["store"], ["stores.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_store_keys_store"), "store_keys", ["store"], unique=False)
    op.create_table(
        "request_nonces",
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "nonce"),
    )
    op.create_index(
        op.f("ix_request_nonces_expires_at"), "request_nonces", ["expires_at"], unique=False
    )
    op.create_table(
        "admins",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["admins.username"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    _seal_existing_keys()
    # Native DROP COLUMN (SQLite >= 3.35): a batch copy of `stores` would trip the foreign
    # keys that point at it.
    op.execute("ALTER TABLE stores DROP COLUMN key")


def _seal_existing_keys() -> None:
    bind = op.get_bind()
    stores = sa.table(
        "stores",
        sa.column("code", sa.String),
        sa.column("key", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(sa.select(stores.c.code, stores.c.key, stores.c.created_at)).all()
    if not rows:
        return
    from counter_app.central.master_key import MasterKey

    master = MasterKey.resolve()  # raises a clear error when no master key is set
    keys = sa.table(
        "store_keys",
        sa.column("store", sa.String),
        sa.column("key_enc", sa.Text),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        keys,
        [{"store": code, "key_enc": master.seal(key), "created_at": at} for code, key, at in rows],
    )


def downgrade() -> None:
    raise NotImplementedError("store keys are sealed; restore the database from a backup")
