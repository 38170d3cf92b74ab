"""Central initial schema: stores, messages, orders, catalog, policies, staff, settlements.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:30:16.330940
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog",
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("barcodes", sa.JSON(), nullable=False),
        sa.Column("serialised", sa.Boolean(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("vendor", sa.String(length=200), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sku"),
    )
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_seq"), ["seq"], unique=False)

    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "orders",
        sa.Column("number", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("barcode", sa.String(length=200), nullable=True),
        sa.Column("customer", sa.JSON(), nullable=True),
        sa.Column("payments", sa.JSON(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("channel in ('online', 'store')", name="ck_orders_channel"),
        sa.PrimaryKeyConstraint("number"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_seq"), ["seq"], unique=False)

    op.create_table(
        "policies",
        sa.Column("version", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_seq"), ["seq"], unique=False)

    op.create_table(
        "staff",
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("role in ('cashier', 'manager', 'admin')", name="ck_staff_role"),
        sa.PrimaryKeyConstraint("username"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_seq"), ["seq"], unique=False)

    op.create_table(
        "stores",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("messages_received", sa.BigInteger(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=True),
        sa.Column("audit_hash", sa.String(length=128), nullable=True),
        sa.Column("audit_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint("status in ('accepted', 'rejected')", name="ck_messages_status"),
        sa.ForeignKeyConstraint(
            ["store"],
            ["stores.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    open_exception = sa.text("status = 'rejected' AND resolved_at IS NULL")
    op.create_index(
        "ix_messages_open",
        "messages",
        ["store"],
        postgresql_where=open_exception,
        sqlite_where=open_exception,
    )

    op.create_table(
        "order_lines",
        sa.Column("order_number", sa.String(length=200), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("serial", sa.String(length=200), nullable=True),
        sa.Column("final_sale", sa.Boolean(), nullable=False),
        sa.Column("online_returned_quantity", sa.Integer(), nullable=False),
        sa.Column("store_returned_quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "online_returned_quantity >= 0 AND store_returned_quantity >= 0 AND "
            "online_returned_quantity + store_returned_quantity <= quantity",
            name="ck_order_lines_returned",
        ),
        sa.CheckConstraint("quantity > 0", name="ck_order_lines_quantity"),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["orders.number"],
        ),
        sa.PrimaryKeyConstraint("order_number", "line_no"),
    )
    op.create_table(
        "returns",
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("order_number", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("refunds", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["orders.number"],
        ),
        sa.ForeignKeyConstraint(
            ["store"],
            ["stores.code"],
        ),
        sa.PrimaryKeyConstraint("ref"),
    )
    op.create_table(
        "stock_movements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["store"],
            ["stores.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index("ix_stock_movements_store_sku", ["store", "sku"], unique=False)

    op.create_table(
        "settlements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("return_ref", sa.String(length=200), nullable=False),
        sa.Column("refund_index", sa.Integer(), nullable=False),
        sa.Column("tender", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gateway_ref", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_ref"],
            ["returns.ref"],
        ),
        sa.ForeignKeyConstraint(
            ["store"],
            ["stores.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("return_ref", "refund_index", name="uq_settlements_refund"),
    )
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_settlements_seq"), ["seq"], unique=False)

    op.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")


def downgrade() -> None:
    with op.batch_alter_table("settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlements_seq"))

    op.drop_table("settlements")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_store_sku")

    op.drop_table("stock_movements")
    op.drop_table("returns")
    op.drop_table("order_lines")
    op.drop_index("ix_messages_open", table_name="messages")

    op.drop_table("messages")
    op.drop_table("stores")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_seq"))

    op.drop_table("staff")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_seq"))

    op.drop_table("policies")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_seq"))

    op.drop_table("orders")
    op.drop_table("change_counter")
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_seq"))

    op.drop_table("catalog")
