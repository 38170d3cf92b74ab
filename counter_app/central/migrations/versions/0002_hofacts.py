"""Head office checks what stores claim: refunded totals per order line and per payment (CHECK
within what was paid), returns marked validated, message groups (held members of a return).

Backfill: the order payments from each order's published payments; each accepted return, in
the order received, adds its line refunds and charges its refunds to the order's payments. A
return that does not fit (over a line's paid amount, a card the order never saw, more than a
payment has left) is marked not validated, adds nothing, and is never settled.

Revision ID: 0002_hofacts
Revises: 0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002_hofacts"
down_revision = "0002_transport"
branch_labels = None
depends_on = None

_GROUPED = ("return.committed", "override.granted", "store_credit.issued")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_ref", sa.String(length=200), nullable=True))
        batch_op.drop_constraint("ck_messages_status", type_="check")
        batch_op.create_check_constraint(
            "ck_messages_status", "status in ('accepted', 'rejected', 'held')"
        )
        batch_op.create_index("ix_messages_group", ["store", "group_ref"], unique=False)
    op.create_table(
        "order_payments",
        sa.Column("order_number", sa.String(length=200), nullable=False),
        sa.Column("payment_no", sa.Integer(), nullable=False),
        sa.Column("tender", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("card_brand", sa.String(length=200), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("refunded_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor",
            name="ck_order_payments_refunded",
        ),
        sa.ForeignKeyConstraint(["order_number"], ["orders.number"]),
        sa.PrimaryKeyConstraint("order_number", "payment_no"),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "refunded_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False
            )
        )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("validated", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    _backfill(op.get_bind())
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "ck_order_lines_refunded", "refunded_minor >= 0 AND refunded_minor <= paid_minor"
        )


def _backfill(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    orders = sa.Table("orders", meta, autoload_with=conn)
    lines = sa.Table("order_lines", meta, autoload_with=conn)
    payments = sa.Table("order_payments", meta, autoload_with=conn)
    returns = sa.Table("returns", meta, autoload_with=conn)
    messages = sa.Table("messages", meta, autoload_with=conn)
    pays: dict[str, list[dict[str, Any]]] = {}
    for number, published in conn.execute(sa.select(orders.c.number, orders.c.payments)):
        pays[number] = [
            {
                "order_number": number,
                "payment_no": no,
                "tender": p.get("tender"),
                "amount_minor": int(p.get("amount_minor", 0)),
                "card_brand": p.get("card_brand"),
                "card_last4": p.get("card_last4"),
                "refunded_minor": 0,
            }
            for no, p in enumerate(published or [], start=1)
        ]
    paid = {
        (o, n): [int(p), 0]
        for o, n, p in conn.execute(
            sa.select(lines.c.order_number, lines.c.line_no, lines.c.paid_minor)
        )
    }
    refs_of: dict[str, list[str]] = {}
    for message_id, kind, payload in conn.execute(
        sa.select(messages.c.message_id, messages.c.kind, messages.c.payload)
    ):
        ref = (payload or {}).get("ref")
        member = kind in _GROUPED or (kind == "stock.movement" and payload.get("cause") == "return")
        if member and isinstance(ref, str) and ref:
            refs_of.setdefault(ref, []).append(message_id)
    rows = conn.execute(
        sa.select(returns.c.ref, returns.c.order_number, returns.c.refunds, messages.c.payload)
        .join(messages, messages.c.message_id == returns.c.message_id)
        .order_by(returns.c.received_at, returns.c.ref)
    ).all()
    invalid = [
        ref
        for ref, number, refunds, payload in rows
        if not _take(number, (payload or {}).get("lines", []), refunds, paid, pays.get(number, []))
    ]
    for (number, line_no), (_, refunded) in paid.items():
        if refunded:
            conn.execute(
                lines.update()
                .where(lines.c.order_number == number, lines.c.line_no == line_no)
                .values(refunded_minor=refunded)
            )
    all_pays = [p for rows_ in pays.values() for p in rows_]
    if all_pays:
        conn.execute(payments.insert(), all_pays)
    for ref in invalid:
        conn.execute(returns.update().where(returns.c.ref == ref).values(validated=False))
    for ref, ids in refs_of.items():
        conn.execute(
            messages.update().where(messages.c.message_id.in_(ids)).values(group_ref=ref[:200])
        )


def _take(
    number: str,
    return_lines: list[dict[str, Any]],
    refunds: list[dict[str, Any]],
    paid: dict[tuple[str, int], list[int]],
    pays: list[dict[str, Any]],
) -> bool:
    """Count one old return's refunds if they fit what was paid; whether they did."""
    wanted: dict[int, int] = {}
    for line in return_lines:
        wanted[int(line["line_no"])] = wanted.get(int(line["line_no"]), 0) + int(
            line.get("refund_minor", 0)
        )
    for line_no, refund in wanted.items():
        ledger = paid.get((number, line_no))
        if ledger is None or ledger[1] + refund > ledger[0]:
            return False
    taken = [0] * len(pays)
    for refund in refunds:
        left = int(refund.get("amount_minor", 0))
        for i, pay in enumerate(pays):
            if refund.get("tender") == "card" and (
                pay["tender"] != "card"
                or pay["card_brand"] != refund.get("card_brand")
                or pay["card_last4"] != refund.get("card_last4")
            ):
                continue
            take = min(left, pay["amount_minor"] - pay["refunded_minor"] - taken[i])
            if take > 0:
                taken[i] += take
                left -= take
        if left:
            return False
    for line_no, refund in wanted.items():
        paid[(number, line_no)][1] += refund
    for i, pay in enumerate(pays):
        pay["refunded_minor"] += taken[i]
    return True


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint("ck_order_lines_refunded", type_="check")
        batch_op.drop_column("refunded_minor")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_column("validated")
    op.drop_table("order_payments")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_group")
        batch_op.drop_constraint("ck_messages_status", type_="check")
        batch_op.create_check_constraint("ck_messages_status", "status in ('accepted', 'rejected')")
        batch_op.drop_column("group_ref")
