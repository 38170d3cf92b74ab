"""The invariants of DESIGN §4, checked against what is really in the database."""

from __future__ import annotations

import json

from sqlalchemy import Engine, func, select

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.audit import verify_chain
from counter_app.domain.cards import contains_card_number
from counter_app.services.unit_of_work import UnitOfWork


def check_invariants(engine: Engine) -> list[str]:
    problems: list[str] = []
    with UnitOfWork(engine) as uow:
        c = uow.conn
        # Returned quantity per order line = the return lines that name it, within sold.
        returned = dict(
            c.execute(
                select(
                    t.return_lines.c.order_line_id, func.sum(t.return_lines.c.quantity)
                ).group_by(t.return_lines.c.order_line_id)
            ).all()
        )
        for line_id, qty, sold in c.execute(
            select(t.order_lines.c.id, t.order_lines.c.returned_quantity, t.order_lines.c.quantity)
        ):
            if qty != returned.get(line_id, 0):
                problems.append(
                    f"order line {line_id}: returned {qty} but return lines say "
                    f"{returned.get(line_id, 0)}"
                )
            if not 0 <= qty <= sold:
                problems.append(f"order line {line_id}: returned {qty} of {sold}")
        # Each line's refund ledger: at least what its return lines refunded (fees aside),
        # within what it was paid, and all of it once every unit is back.
        line_refunds = dict(
            c.execute(
                select(
                    t.return_lines.c.order_line_id, func.sum(t.return_lines.c.refund_minor)
                ).group_by(t.return_lines.c.order_line_id)
            ).all()
        )
        ol = t.order_lines.c
        for line_id, qty, sold, paid, ledger in c.execute(
            select(ol.id, ol.returned_quantity, ol.quantity, ol.paid_minor, ol.refunded_minor)
        ):
            refunded = line_refunds.get(line_id, 0)
            if not refunded <= ledger <= paid or (qty == sold and ledger != paid):
                problems.append(
                    f"order line {line_id}: ledger {ledger}, return lines {refunded}, "
                    f"paid {paid}, returned {qty} of {sold}"
                )
            if qty == 0 and ledger != 0:
                problems.append(f"order line {line_id}: nothing returned but ledger {ledger}")
        # Refunded per payment = its refunds, within what it took.
        charged = dict(
            c.execute(
                select(t.refunds.c.payment_id, func.sum(t.refunds.c.amount_minor)).group_by(
                    t.refunds.c.payment_id
                )
            ).all()
        )
        for pid, refunded, amount in c.execute(
            select(t.payments.c.id, t.payments.c.refunded_minor, t.payments.c.amount_minor)
        ):
            # Refunds written here, plus what head office says went back elsewhere (online,
            # other stores) — charged to the payments when the order was pulled.
            if refunded < charged.get(pid, 0):
                problems.append(
                    f"payment {pid}: refunded {refunded}, refunds say {charged.get(pid, 0)}"
                )
            if not 0 <= refunded <= amount:
                problems.append(f"payment {pid}: refunded {refunded} of {amount}")
        # Each return adds up, and has its outbox message and audit entry exactly once.
        line_totals = dict(
            c.execute(
                select(
                    t.return_lines.c.return_id, func.sum(t.return_lines.c.refund_minor)
                ).group_by(t.return_lines.c.return_id)
            ).all()
        )
        refund_totals = dict(
            c.execute(
                select(t.refunds.c.return_id, func.sum(t.refunds.c.amount_minor)).group_by(
                    t.refunds.c.return_id
                )
            ).all()
        )
        messages: dict[str, int] = {}
        for (body,) in c.execute(
            select(t.outbox.c.payload_json).where(t.outbox.c.kind == "return.committed")
        ):
            ref = json.loads(body)["payload"]["ref"]
            messages[ref] = messages.get(ref, 0) + 1
        audited: dict[str, int] = {}
        for (subject,) in c.execute(
            select(t.audit_entries.c.subject).where(t.audit_entries.c.action == "return.committed")
        ):
            audited[subject] = audited.get(subject, 0) + 1
        refs = set()
        for rid, ref, total in c.execute(
            select(t.returns.c.id, t.returns.c.ref, t.returns.c.total_refund_minor)
        ):
            refs.add(ref)
            if line_totals.get(rid) is None:
                problems.append(f"return {ref} has no lines (half-written)")
            if total != line_totals.get(rid, 0):
                problems.append(f"return {ref}: total {total} != lines {line_totals.get(rid)}")
            if total != refund_totals.get(rid, 0):
                problems.append(f"return {ref}: total {total} != refunds {refund_totals.get(rid)}")
            if messages.get(ref) != 1:
                problems.append(f"return {ref}: {messages.get(ref, 0)} outbox messages")
            if audited.get(ref) != 1:
                problems.append(f"return {ref}: {audited.get(ref, 0)} audit entries")
        for ref in set(messages) - refs:
            problems.append(f"outbox message for a return that does not exist: {ref}")
        # Stock on hand = the sum of its movements; every movement names its cause.
        sums = {
            (s, loc): q
            for s, loc, q in c.execute(
                select(
                    t.stock_movements.c.sku,
                    t.stock_movements.c.location,
                    func.sum(t.stock_movements.c.quantity),
                ).group_by(t.stock_movements.c.sku, t.stock_movements.c.location)
            )
        }
        levels = {
            (s, loc): q
            for s, loc, q in c.execute(
                select(t.stock_levels.c.sku, t.stock_levels.c.location, t.stock_levels.c.on_hand)
            )
        }
        if sums != levels:
            problems.append(f"stock levels {levels} != sum of movements {sums}")
        # The audit trail is intact.
        problems += [
            f"audit: {p}" for p in verify_chain(list(repo.audit_records(c)), repo.audit_head(c))
        ]
        # No card number anywhere in text the store keeps or sends.
        for table, column in [
            (t.outbox, "payload_json"),
            (t.audit_entries, "data_json"),
            (t.return_lines, "notes"),
            (t.return_lines, "feedback"),
            (t.overrides, "note"),
        ]:
            for (text,) in c.execute(select(table.c[column])):
                if text and contains_card_number(text):
                    problems.append(f"card number stored in {table.name}.{column}")
    return problems
