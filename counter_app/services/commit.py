"""Writing a confirmed return: every row of it in the caller's one transaction.

`write_return` is the sequence of steps below, in this order: reserve the quantities with
atomic conditional updates (two counters racing for the same unit: one wins), charge the
tenders, write the return and its lines, the refunds, the store credit, the stock movements
(with their messages and shelf labels), the overrides, then the audit entry and the outbox
messages, the receipt and the customer e-mail. The caller commits; anything raised rolls all
of it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import OutboxMessage, StockMove
from counter_app.domain.draft import DraftLine, RefundSummary, ReturnDraft
from counter_app.domain.money import Money
from counter_app.domain.refund import OverRefund, RefundPart, split_refund
from counter_app.domain.stock import OPEN_BOX_PRICE_PERCENT, location_for
from counter_app.services.errors import AlreadyReturned, NotRefundable


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


@dataclass(frozen=True)
class _Written:
    """The return row just written: what every later step refers to."""

    conn: Connection
    counter: CounterIdentity
    return_id: int
    ref: str
    seq: int
    now: datetime

    def message(self, kind: str, payload: dict[str, Any]) -> OutboxMessage:
        return OutboxMessage(kind, payload, self.return_id)


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
    _reserve(conn, draft)
    parts = _charge_tenders(conn, draft, summary, tender)
    w = _write_return_row(conn, draft, summary, tender, counter, policy_version, now)
    line_payloads = _write_lines(w, draft, summary)
    refund_payloads = _write_refunds(w, draft, parts)
    credit_code, credit_message = _issue_store_credit(w, draft, summary, tender)
    _move_stock(w, draft)
    _record_overrides(w, draft)
    return_payload = {
        "ref": w.ref,
        "order_number": draft.order.number,
        "counter": counter.counter_code,
        "cashier": draft.cashier.username,
        "currency": draft.order.currency,
        "total_minor": summary.total.minor,
        "tender": tender,
        "lines": line_payloads,
        "refunds": refund_payloads,
        "policy_version": policy_version,
    }
    _audit_and_publish(w, draft, return_payload, credit_message)
    _queue_receipt_and_email(w, draft)
    return CommittedReturn(w.ref, w.return_id, summary.total, tender, credit_code, now)


def _reserve(conn: Connection, draft: ReturnDraft) -> None:
    """Count the units as returned (in line order, so two counters lock in the same order)."""
    for dl in draft.selected():
        if not repo.reserve_line_quantity(conn, dl.line.id, dl.quantity):
            raise AlreadyReturned(
                f"{dl.line.name} was just returned at another counter. Start again with "
                "the order to see what is left."
            )


def _charge_tenders(
    conn: Connection, draft: ReturnDraft, summary: RefundSummary, tender: str
) -> list[RefundPart]:
    """Charge the payments as they are now: another counter may have refunded since."""
    payments = repo.load_payments(conn, draft.order.id, draft.order.currency)
    try:
        parts = split_refund(summary.total, payments, tender)
    except OverRefund as exc:
        raise NotRefundable(
            "This refund is more than what is left on the order's payments."
        ) from exc
    for part in parts:
        if not repo.charge_payment(conn, part.payment_id, part.amount.minor):
            raise NotRefundable("The order's payments were refunded at another counter.")
    return list(parts)


def _write_return_row(
    conn: Connection,
    draft: ReturnDraft,
    summary: RefundSummary,
    tender: str,
    counter: CounterIdentity,
    policy_version: str,
    now: datetime,
) -> _Written:
    order = draft.order
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
    return _Written(conn, counter, return_id, ref, seq, now)


def _line_row(w: _Written, dl: DraftLine, refund: Money, fee: Money) -> dict[str, Any]:
    assert dl.decision is not None and dl.inspection is not None
    reasons = [{"code": r.code, "message": r.message, "hard": r.hard} for r in dl.decision.reasons]
    return {
        "return_id": w.return_id,
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
        "disposition": dl.decision.disposition,
        "reasons_json": json.dumps(reasons, ensure_ascii=False),
    }


def _write_lines(w: _Written, draft: ReturnDraft, summary: RefundSummary) -> list[dict[str, Any]]:
    """The return lines (one insert); their payloads for the return.committed message."""
    refund_by_line = {no: (refund, fee) for no, refund, fee in summary.lines}
    rows, payloads = [], []
    for dl in draft.selected():
        refund, fee = refund_by_line[dl.line.line_no]
        row = _line_row(w, dl, refund, fee)
        rows.append(row)
        payloads.append(
            {
                "line_no": row["line_no"],
                "sku": row["sku"],
                "quantity": row["quantity"],
                "refund_minor": row["refund_minor"],
                "fee_minor": row["fee_minor"],
                "condition": row["condition"],
                "reason": row["reason_code"],
                "disposition": row["disposition"],
                "photo_sha256": row["photo_sha256"],
            }
        )
    repo.insert_many(w.conn, t.return_lines, rows)
    return payloads


def _write_refunds(
    w: _Written, draft: ReturnDraft, parts: list[RefundPart]
) -> list[dict[str, Any]]:
    """One refund row per payment charged (card refunds wait for the gateway)."""
    payments = {p.id: p for p in draft.order.payments}
    rows, payloads = [], []
    for part in parts:
        card = part.paid_out_as == "card"
        rows.append(
            {
                "return_id": w.return_id,
                "tender": part.paid_out_as,
                "payment_id": part.payment_id,
                "amount_minor": part.amount.minor,
                "status": "pending" if card else "paid",
            }
        )
        pay = payments[part.payment_id]
        payloads.append(
            {
                "tender": part.paid_out_as,
                "amount_minor": part.amount.minor,
                "charged_tender": part.charged_tender,
                "card_brand": pay.card_brand if card else None,
                "card_last4": pay.card_last4 if card else None,
            }
        )
    repo.insert_many(w.conn, t.refunds, rows)
    return payloads


def _issue_store_credit(
    w: _Written, draft: ReturnDraft, summary: RefundSummary, tender: str
) -> tuple[str | None, OutboxMessage | None]:
    """The store credit (with the policy's bonus) when that is the tender; its message."""
    if tender != "store_credit" or not summary.total:
        return None, None
    bonus = summary.total.percent(_bonus_percent(draft))
    amount = summary.total + bonus
    code = f"SC-{w.counter.store_code}-{w.counter.counter_code}-{w.seq:06d}"
    currency = draft.order.currency
    repo.insert_row(
        w.conn,
        t.store_credits,
        {
            "code": code,
            "return_id": w.return_id,
            "amount_minor": amount.minor,
            "balance_minor": amount.minor,
            "currency": currency,
            "issued_at": w.now,
        },
    )
    payload = {
        "code": code,
        "ref": w.ref,
        "amount_minor": amount.minor,
        "bonus_minor": bonus.minor,
        "currency": currency,
    }
    return code, w.message("store_credit.issued", payload)


def _move_stock(w: _Written, draft: ReturnDraft) -> None:
    """Each line's units into the place its disposition says; open-box units get their
    ``-OB`` SKU and a shelf label."""
    moves, labels = [], []
    for dl in draft.selected():
        assert dl.decision is not None
        disposition = dl.decision.disposition
        sku = dl.line.sku
        if disposition == "restock_open_box":
            sku = repo.ensure_open_box_product(w.conn, sku, OPEN_BOX_PRICE_PERCENT)
            labels.append(f"{w.ref}#{dl.line.line_no}")
        moves.append(
            StockMove(
                sku=sku,
                location=location_for(disposition),
                quantity=dl.quantity,
                cause="return",
                message={"ref": w.ref},
                return_id=w.return_id,
                note=w.ref,
            )
        )
    repo.record_stock_movements(w.conn, moves, at=w.now, store=w.counter.store_code)
    for subject in labels:
        repo.add_print_job(
            w.conn, kind="shelf_label", subject=subject, at=w.now, counter=w.counter.counter_code
        )


def _record_overrides(w: _Written, draft: ReturnDraft) -> None:
    """Each manager's approval: its row, its audit entry and its message."""
    for dl in draft.selected():
        grant = dl.override
        if grant is None:
            continue
        repo.insert_row(
            w.conn,
            t.overrides,
            {
                "grant_id": grant.grant_id,
                "return_id": w.return_id,
                "line_no": dl.line.line_no,
                "manager_id": grant.manager.id,
                "cashier_id": draft.cashier.id,
                "reason": grant.reason,
                "note": grant.note,
                "rule_codes": ",".join(grant.rule_codes),
                "created_at": w.now,
            },
        )
        data = {
            "ref": w.ref,
            "line_no": dl.line.line_no,
            "manager": grant.manager.username,
            "reason": grant.reason,
            "rule_codes": list(grant.rule_codes),
        }
        repo.append_audit(
            w.conn,
            at=w.now,
            actor=grant.manager.username,
            action="override.granted",
            subject=w.ref,
            data=data,
        )
        repo.add_outbox_many(
            w.conn, [w.message("override.granted", data)], at=w.now, store=w.counter.store_code
        )


def _audit_and_publish(
    w: _Written,
    draft: ReturnDraft,
    payload: dict[str, Any],
    credit_message: OutboxMessage | None,
) -> None:
    """The return's audit entry; then its messages (store credit, the return, the new
    audit head) in one insert."""
    before = [m for m in (credit_message, w.message("return.committed", payload)) if m]
    repo.append_audit_published(
        w.conn,
        at=w.now,
        actor=draft.cashier.username,
        action="return.committed",
        subject=w.ref,
        data=payload,
        store=w.counter.store_code,
        return_id=w.return_id,
        before=before,
    )


def _queue_receipt_and_email(w: _Written, draft: ReturnDraft) -> None:
    repo.add_print_job(
        w.conn, kind="return_receipt", subject=w.ref, at=w.now, counter=w.counter.counter_code
    )
    customer = draft.order.customer
    if customer is None or not customer.email or not w.counter.email_language:
        return
    repo.insert_row(
        w.conn,
        t.notifications,
        {
            "return_id": w.return_id,
            "channel": "email",
            "recipient": customer.email,
            "language": w.counter.email_language,
            "status": "pending",
            "attempts": 0,
            "created_at": w.now,
        },
    )


def _bonus_percent(draft: ReturnDraft) -> Any:
    bonuses = [dl.decision.store_credit_bonus_percent for dl in draft.selected() if dl.decision]
    return min(bonuses) if bonuses else 0
