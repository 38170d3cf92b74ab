"""Exchanges, receiptless returns and gift receipts (issue 14): catalog variants and price
history, order-line gift codes, exchange sales as orders linked to their return, return kinds
with the receiptless customer key, gift codes used once.

Backfill: each catalog product gets one price point (its current price, in force since the
epoch — the history before this revision is unknown); each return is kind "order" with its
total refunded, summed from its refunds.

Revision ID: 0003_exchanges
Revises: 0002_audit_anchors
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003_exchanges"
down_revision = "0002_audit_anchors"
branch_labels = None
depends_on = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        for name in ("style", "size", "colour"):
            batch_op.add_column(sa.Column(name, sa.String(length=200), nullable=True))
    op.create_table(
        "catalog_prices",
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["catalog.sku"]),
        sa.PrimaryKeyConstraint("sku", "effective_from"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_ref", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_orders_return_ref", ["return_ref"], unique=True)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gift_code", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_order_lines_gift_code", ["gift_code"], unique=True)
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.alter_column("order_number", existing_type=sa.String(length=200), nullable=True)
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default=sa.text("'order'"),
                      nullable=False)
        )  # fmt: skip
        batch_op.add_column(sa.Column("customer_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("total_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint(
            "ck_returns_kind", "kind in ('order', 'receiptless', 'gift')"
        )
        batch_op.create_index("ix_returns_customer", ["customer_key", "committed_at"], unique=False)
    op.create_table(
        "gift_redemptions",
        sa.Column("gift_code", sa.String(length=200), nullable=False),
        sa.Column("return_ref", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["return_ref"], ["returns.ref"]),
        sa.PrimaryKeyConstraint("gift_code"),
    )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    catalog = sa.Table("catalog", meta, autoload_with=conn)
    prices = sa.Table("catalog_prices", meta, autoload_with=conn)
    returns = sa.Table("returns", meta, autoload_with=conn)
    points = [
        {"sku": sku, "effective_from": EPOCH, "price_minor": price}
        for sku, price in conn.execute(sa.select(catalog.c.sku, catalog.c.price_minor))
    ]
    if points:
        conn.execute(sa.insert(prices), points)
    totals = [
        {"r": ref, "t": sum(int(r.get("amount_minor", 0)) for r in refunds or [])}
        for ref, refunds in conn.execute(sa.select(returns.c.ref, returns.c.refunds))
    ]
    if totals:
        conn.execute(
            sa.update(returns)
            .where(returns.c.ref == sa.bindparam("r"))
            .values(total_minor=sa.bindparam("t")),
            totals,
        )


def downgrade() -> None:
    op.drop_table("gift_redemptions")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index("ix_returns_customer")
        batch_op.drop_constraint("ck_returns_kind", type_="check")
        for name in ("total_minor", "committed_at", "customer_key", "kind"):
            batch_op.drop_column(name)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_gift_code")
        batch_op.drop_column("gift_code")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_return_ref")
        batch_op.drop_column("return_ref")
    op.drop_table("catalog_prices")
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        for name in ("colour", "size", "style"):
            batch_op.drop_column(name)
