"""Writing a confirmed return: every row of it in the caller's one transaction.

Quantities are reserved first with atomic conditional updates (two counters racing for the
same unit: one wins), then the payments are charged, then the return, its lines, refunds,
store credit, stock movements, overrides, audit entries, outbox messages, print jobs and the
customer e-mail are written. The caller commits; anything raised rolls all of it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.money import Money
from counter_app.domain.refund import OverRefund, split_refund
from counter_app.services.errors import AlreadyReturned, NotRefundable

if TYPE_CHECKING:
    from counter_app.services.returns import RefundSummary, ReturnDraft

OPEN_BOX_PRICE_PERCENT = 80
LOCATION_BY_DISPOSITION = {
    "restock_new": "sellable",
    "restock_open_box": "open_box",
    "return_to_vendor": "vendor",
    "scrap": "scrap",
}


@dataclass(frozen=True)
class CommittedReturn:
    ref: str
    return_id: int
    total: Money
    tender: str
    store_credit_code: str | None
    created_at: datetime


@dataclass(frozen=True)
class CounterIdentity:
    store_code: str
    counter_code: str
    email_language: str | None  # None: customer e-mails are not configured


def write_return(
    conn: Connection,
    draft: ReturnDraft,
    summary: RefundSummary,
    tender: str,
    *,
    counter: CounterIdentity,
    policy_version: str,
    now: datetime,
) -> CommittedReturn:
    """Every row of one return, in the caller's transaction: all of it or none of it."""
    order = draft.order
    # Reserve quantities first (in line order, so two counters lock in the same order).
    for dl in draft.selected():
        if not repo.reserve_line_quantity(conn, dl.line.id, dl.quantity):
            raise AlreadyReturned(
                f"{dl.line.name} was just returned at another counter. Start again with "
                "the order to see what is left."
            )
    # Charge the payments as they are now: another counter may have refunded since.
    fresh = repo.load_order(conn, order.id)
    assert fresh is not None
    try:
        parts = split_refund(summary.total, fresh.payments, tender)
    except OverRefund as exc:
        raise NotRefundable(
            "This refund is more than what is left on the order's payments."
        ) from exc
    for part in parts:
        if not repo.charge_payment(conn, part.payment_id, part.amount.minor):
            raise NotRefundable("The order's payments were refunded at another counter.")
    seq = repo.next_sequence(conn, f"{counter.store_code}-{counter.counter_code}")
    ref = f"R-{counter.store_code}-{counter.counter_code}-{seq:06d}"
    return_id = repo.insert_row(
        conn,
        t.returns,
        {
            "ref": ref,
            "order_id": order.id,
            "customer_id": order.customer.id if order.customer else None,
            "store_code": counter.store_code,
            "counter_code": counter.counter_code,
            "cashier_id": draft.cashier.id,
            "created_at": now,
            "currency": order.currency,
            "total_refund_minor": summary.total.minor,
            "tender_choice": tender,
            "policy_version": policy_version,
            "draft_id": draft.id,
        },
    )
    refund_by_line = {no: (refund, fee) for no, refund, fee in summary.lines}
    line_payloads = []
    for dl in draft.selected():
        assert dl.decision is not None and dl.inspection is not None
        refund, fee = refund_by_line[dl.line.line_no]
        disposition = dl.decision.disposition
        repo.insert_row(
            conn,
            t.return_lines,
            {
                "return_id": return_id,
                "order_line_id": dl.line.id,
                "line_no": dl.line.line_no,
                "sku": dl.line.sku,
                "quantity": dl.quantity,
                "refund_minor": refund.minor,
                "fee_minor": fee.minor,
                "reason_code": dl.inspection.reason_code,
                "condition": dl.inspection.condition,
                "notes": dl.inspection.notes,
                "feedback": dl.feedback,
                "serial": dl.serial_presented,
                "photo_path": dl.photo_path,
                "photo_sha256": dl.photo_sha256,
                "outcome": "override" if dl.override else dl.decision.outcome,
                "disposition": disposition,
                "reasons_json": json.dumps(
                    [
                        {"code": r.code, "message": r.message, "hard": r.hard}
                        for r in dl.decision.reasons
                    ],
                    ensure_ascii=False,
                ),
            },
        )
        stock_sku = dl.line.sku
        if disposition == "restock_open_box":
            stock_sku = repo.ensure_open_box_product(conn, dl.line.sku, OPEN_BOX_PRICE_PERCENT)
        location = LOCATION_BY_DISPOSITION[disposition]
        repo.move_stock(
            conn,
            sku=stock_sku,
            location=location,
            quantity=dl.quantity,
            cause="return",
            at=now,
            return_id=return_id,
            note=ref,
        )
        repo.add_outbox(
            conn,
            kind="stock.movement",
            at=now,
            store=counter.store_code,
            return_id=return_id,
            payload={
                "sku": stock_sku,
                "location": location,
                "quantity": dl.quantity,
                "cause": "return",
                "ref": ref,
            },
        )
        if disposition == "restock_open_box":
            repo.add_print_job(
                conn,
                kind="shelf_label",
                subject=f"{ref}#{dl.line.line_no}",
                at=now,
                counter=counter.counter_code,
            )
        if dl.override is not None:
            grant = dl.override
            repo.insert_row(
                conn,
                t.overrides,
                {
                    "grant_id": grant.grant_id,
                    "return_id": return_id,
                    "line_no": dl.line.line_no,
                    "manager_id": grant.manager.id,
                    "cashier_id": draft.cashier.id,
                    "reason": grant.reason,
                    "note": grant.note,
                    "rule_codes": ",".join(grant.rule_codes),
                    "created_at": now,
                },
            )
            override_data = {
                "ref": ref,
                "line_no": dl.line.line_no,
                "manager": grant.manager.username,
                "reason": grant.reason,
                "rule_codes": list(grant.rule_codes),
            }
            repo.append_audit(
                conn,
                at=now,
                actor=grant.manager.username,
                action="override.granted",
                subject=ref,
                data=override_data,
            )
            repo.add_outbox(
                conn,
                kind="override.granted",
                at=now,
                store=counter.store_code,
                return_id=return_id,
                payload=override_data,
            )
        line_payloads.append(
            {
                "line_no": dl.line.line_no,
                "sku": dl.line.sku,
                "quantity": dl.quantity,
                "refund_minor": refund.minor,
                "fee_minor": fee.minor,
                "condition": dl.inspection.condition,
                "reason": dl.inspection.reason_code,
                "disposition": disposition,
                "photo_sha256": dl.photo_sha256,
            }
        )
    credit_code: str | None = None
    refund_payloads: list[dict[str, Any]] = []
    payments = {p.id: p for p in order.payments}
    for part in parts:
        status = "pending" if part.paid_out_as == "card" else "paid"
        repo.insert_row(
            conn,
            t.refunds,
            {
                "return_id": return_id,
                "tender": part.paid_out_as,
                "payment_id": part.payment_id,
                "amount_minor": part.amount.minor,
                "status": status,
            },
        )
        pay = payments[part.payment_id]
        refund_payloads.append(
            {
                "tender": part.paid_out_as,
                "amount_minor": part.amount.minor,
                "charged_tender": part.charged_tender,
                "card_brand": pay.card_brand if part.paid_out_as == "card" else None,
                "card_last4": pay.card_last4 if part.paid_out_as == "card" else None,
            }
        )
    if tender == "store_credit" and summary.total:
        bonus = summary.total.percent(_bonus_percent(draft))
        amount = summary.total + bonus
        credit_code = f"SC-{counter.store_code}-{counter.counter_code}-{seq:06d}"
        repo.insert_row(
            conn,
            t.store_credits,
            {
                "code": credit_code,
                "return_id": return_id,
                "amount_minor": amount.minor,
                "balance_minor": amount.minor,
                "currency": order.currency,
                "issued_at": now,
            },
        )
        repo.add_outbox(
            conn,
            kind="store_credit.issued",
            at=now,
            store=counter.store_code,
            return_id=return_id,
            payload={
                "code": credit_code,
                "ref": ref,
                "amount_minor": amount.minor,
                "bonus_minor": bonus.minor,
                "currency": order.currency,
            },
        )
    return_payload = {
        "ref": ref,
        "order_number": order.number,
        "counter": counter.counter_code,
        "cashier": draft.cashier.username,
        "currency": order.currency,
        "total_minor": summary.total.minor,
        "tender": tender,
        "lines": line_payloads,
        "refunds": refund_payloads,
        "policy_version": policy_version,
    }
    repo.add_outbox(
        conn,
        kind="return.committed",
        at=now,
        store=counter.store_code,
        return_id=return_id,
        payload=return_payload,
    )
    record = repo.append_audit(
        conn,
        at=now,
        actor=draft.cashier.username,
        action="return.committed",
        subject=ref,
        data=return_payload,
    )
    repo.add_outbox(
        conn,
        kind="audit.head",
        at=now,
        store=counter.store_code,
        return_id=return_id,
        payload={"seq": record.seq, "hash": record.hash},
    )
    repo.add_print_job(
        conn, kind="return_receipt", subject=ref, at=now, counter=counter.counter_code
    )
    email = order.customer.email if order.customer else None
    if email and counter.email_language:
        repo.insert_row(
            conn,
            t.notifications,
            {
                "return_id": return_id,
                "channel": "email",
                "recipient": email,
                "language": counter.email_language,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            },
        )
    return CommittedReturn(ref, return_id, summary.total, tender, credit_code, now)


def _bonus_percent(draft: ReturnDraft) -> Any:
    bonuses = [dl.decision.store_credit_bonus_percent for dl in draft.selected() if dl.decision]
    return min(bonuses) if bonuses else 0
