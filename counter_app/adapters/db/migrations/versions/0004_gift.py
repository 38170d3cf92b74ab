"""order_lines.gift_code and return_lines.gift_code: gift receipts, each code used once

Revision ID: 0004_gift
Revises: 0004_receiptless

Both columns are nullable and unique: existing lines have no gift receipt and existing
returns were not gift returns. The return line's unique code is what refuses a gift receipt
used a second time, also when two counters confirm it at the same moment.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_gift"
down_revision = "0004_receiptless"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gift_code", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint("uq_order_lines_gift_code", ["gift_code"])
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gift_code", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint("uq_return_lines_gift_code", ["gift_code"])


def downgrade() -> None:
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.drop_constraint("uq_return_lines_gift_code", type_="unique")
        batch_op.drop_column("gift_code")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint("uq_order_lines_gift_code", type_="unique")
        batch_op.drop_column("gift_code")
