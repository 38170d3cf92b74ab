"""order_lines.refunded_minor: the line's refund ledger, within what the line was paid

Revision ID: 0002
Revises: 0001

The column is backfilled from the return lines already written: what each returned unit took
of the line's paid amount is its refund plus its fee (a return line's gross is never counted
above its units' largest share, so a fee that swallowed the whole refund does not overstate
it). A fully returned line has taken all it was paid; no line is counted above that.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _backfill() -> None:
    conn = op.get_bind()
    lines = sa.table(
        "order_lines",
        sa.column("id", sa.Integer),
        sa.column("quantity", sa.Integer),
        sa.column("paid_minor", sa.BigInteger),
        sa.column("returned_quantity", sa.Integer),
        sa.column("refunded_minor", sa.BigInteger),
    )
    return_lines = sa.table(
        "return_lines",
        sa.column("order_line_id", sa.Integer),
        sa.column("quantity", sa.Integer),
        sa.column("refund_minor", sa.BigInteger),
        sa.column("fee_minor", sa.BigInteger),
    )
    taken: dict[int, int] = {}
    query = sa.select(
        lines.c.id, lines.c.quantity, lines.c.paid_minor, return_lines.c.quantity,
        return_lines.c.refund_minor, return_lines.c.fee_minor,
    ).join(return_lines, return_lines.c.order_line_id == lines.c.id)  # fmt: skip
    for line_id, sold, paid, qty, refund, fee in conn.execute(query):
        largest_share = -(-paid // sold)
        taken[line_id] = taken.get(line_id, 0) + min(refund + fee, qty * largest_share)
    for line_id, sold, paid, returned in conn.execute(
        sa.select(
            lines.c.id, lines.c.quantity, lines.c.paid_minor, lines.c.returned_quantity
        ).where(lines.c.returned_quantity > 0)
    ):
        value = paid if returned >= sold else min(taken.get(line_id, 0), paid)
        conn.execute(sa.update(lines).where(lines.c.id == line_id).values(refunded_minor=value))


def upgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refunded_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
    _backfill()
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.alter_column("refunded_minor", server_default=None)
        batch_op.create_check_constraint(
            op.f("ck_order_lines_line_refund_within_paid"),
            "refunded_minor >= 0 AND refunded_minor <= paid_minor",
        )


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_lines_line_refund_within_paid"), type_="check")
        batch_op.drop_column("refunded_minor")
