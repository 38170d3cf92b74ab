"""receiptless returns: product price history, returns.kind, customers' ID-document hash

Revision ID: 0004_receiptless
Revises: 0003_pin_lockout

Every existing return started from an order: its kind is "order". The price history starts
empty (the next catalog pull or import fills it; until then the current price is used).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_receiptless"
down_revision = "0003_pin_lockout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_prices",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "price_minor >= 0", name=op.f("ck_product_prices_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_product_prices_sku_products")
        ),
        sa.PrimaryKeyConstraint("sku", "effective_from", name=op.f("pk_product_prices")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="order")
        )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.create_check_constraint(
            op.f("ck_returns_kind"), "kind IN ('order', 'receiptless', 'gift')"
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_document_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_customers_id_document_hash"), ["id_document_hash"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_id_document_hash"))
        batch_op.drop_column("id_document_hash")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_returns_kind"), type_="check")
        batch_op.drop_column("kind")
    op.drop_table("product_prices")
