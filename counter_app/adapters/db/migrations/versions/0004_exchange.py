"""Exchanges: product variants, exchange sales and their payments

Revision ID: 0004_exchange
Revises: 0003_pin_lockout

products.style/size/colour (variants: same style); payments may be tender "exchange" (value
carried over from a return) and keep a card balance's terminal approval code; an exchange
sale is an orders row whose window_from is the original order's purchase time; the return
links to it (returns.exchange_order_id). Existing rows: no style, no exchange.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_exchange"
down_revision = "0003_pin_lockout"
branch_labels = None
depends_on = None

OLD_TENDERS = "tender IN ('card', 'cash', 'gift_card', 'store_credit')"
NEW_TENDERS = "tender IN ('card', 'cash', 'gift_card', 'store_credit', 'exchange')"


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("style", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("size", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("colour", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_products_style"), ["style"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("window_from", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_code", sa.String(length=12), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_payments_tender"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_payments_tender"), NEW_TENDERS)
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_order_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_returns_exchange_order_id"), ["exchange_order_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_returns_exchange_order_id_orders"),
            "orders",
            ["exchange_order_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_returns_exchange_order_id_orders"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_returns_exchange_order_id"), type_="unique")
        batch_op.drop_column("exchange_order_id")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_payments_tender"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_payments_tender"), OLD_TENDERS)
        batch_op.drop_column("approval_code")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("window_from")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_style"))
        batch_op.drop_column("colour")
        batch_op.drop_column("size")
        batch_op.drop_column("style")
