"""Writing a confirmed return: every row of it in the caller's one transaction.

`write_return` is the sequence of steps below, in this order: reserve the quantities with
atomic conditional updates (two counters racing for the same unit: one wins) and price them
from each line's refund ledger as this transaction locked it (so the last unit of a line
takes its remainder, whoever returned the others, and the committed amount is what the
return, its refunds, receipt and screen show), charge the tenders, write the return and its
lines, the refunds, the store credit, the stock movements (with their messages and shelf
labels), the overrides, then the audit entry and the outbox messages, the receipt and the
customer e-mail. The caller commits; anything raised rolls all of it back.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import OutboxMessage, StockMove
from counter_app.domain.draft import DraftLine, RefundSummary, ReturnDraft, units_refund
from counter_app.domain.exchange import BalancePayment, ExchangeOutcome, outcome
from counter_app.domain.gift import GIFT_TENDER_ONLY, GIFT_TENDERS
from counter_app.domain.masking import is_masked
from counter_app.domain.model import Payment
from counter_app.domain.money import Money
from counter_app.domain.refund import OverRefund, RefundPart, split_refund
from counter_app.domain.stock import OPEN_BOX_PRICE_PERCENT, location_for
from counter_app.services.commit_steps import CounterIdentity as CounterIdentity
from counter_app.services.commit_steps import (
    Written,
    issue_store_credit,
    record_overrides,
)
from counter_app.services.errors import AlreadyReturned, AmountChanged, NotRefundable
from counter_app.services.exchange_commit import ExchangeContext, charge_portions, write_exchange
from counter_app.services.receiptless import receiptless_refund, unit_price_minor

# How far a line's committed refund may move from what the cashier saw without asking again:
# the one minor unit of largest-remainder rounding that another counter's unit may take.
ROUNDING_REMAINDER = 1


@dataclass(frozen=True)
class CommittedReturn:
    ref: str
    return_id: int
    total: Money
    tender: str
    store_credit_code: str | None
    created_at: datetime
    lines: tuple[tuple[int, Money, Money], ...] = ()  # as committed: line_no, refund, fee
    exchange_number: str | None = None  # the exchange sale's order number (X-...)
    exchange: ExchangeOutcome | None = None  # what changed hands in an exchange


def write_return(
    conn: Connection,
    draft: ReturnDraft,
    summary: RefundSummary,
    tender: str,
    *,
    counter: CounterIdentity,
    policy_version: str,
    now: datetime,
    balance: BalancePayment | None = None,
) -> CommittedReturn:
    """Every row of one return, in the caller's transaction: all of it or none of it.

    `summary` is what the cashier saw; what is written (and returned) is it as repriced
    inside this transaction. With an exchange, `balance` is how a balance owed was paid."""
    if draft.kind == "gift" and tender not in GIFT_TENDERS:
        raise NotRefundable(GIFT_TENDER_ONLY)
    summary = _reserve_and_price(conn, draft, summary)
    result = outcome(summary.total, draft.exchange)
    parts = _charge_tenders(conn, draft, charge_portions(result, tender))
    w = _write_return_row(conn, draft, summary, tender, counter, policy_version, now)
    line_payloads = _write_lines(w, draft, summary)
    refund_payloads = _write_refunds(w, draft, parts)
    credit_base = None
    if draft.kind == "receiptless":  # no payments: the store credit is charged to none
        refund_payloads = receiptless_refund(w.conn, w.return_id, summary.total, tender)
        credit_base = summary.total
    credit_code, credit_message = issue_store_credit(w, draft, parts, tender, credit_base)
    _move_stock(w, draft)
    exchange_number, exchange_message = write_exchange(
        ExchangeContext(conn, w.return_id, w.ref, counter.store_code, counter.counter_code, now),
        draft,
        result,
        balance,
    )
    record_overrides(w, draft)
    return_payload = _return_payload(w, draft, summary, tender, policy_version)
    return_payload.update(lines=line_payloads, refunds=refund_payloads)
    _audit_and_publish(w, draft, return_payload, credit_message, exchange_message)
    _queue_receipt_and_email(w, draft)
    return CommittedReturn(
        w.ref,
        w.return_id,
        summary.total,
        tender,
        credit_code,
        now,
        summary.lines,
        exchange_number,
        result if result.kind != "none" else None,
    )


def _return_payload(
    w: Written, draft: ReturnDraft, summary: RefundSummary, tender: str, policy_version: str
) -> dict[str, Any]:
    """The `return.committed` message but for its lines and refunds."""
    return {
        "ref": w.ref,
        "kind": draft.kind,
        "order_number": None if draft.kind == "receiptless" else draft.order.number,
        "customer_key": draft.customer_key,
        "counter": w.counter.counter_code,
        "cashier": draft.cashier.username,
        "currency": draft.order.currency,
        "total_minor": summary.total.minor,
        "tender": tender,
        "lines": [],
        "refunds": [],
        "policy_version": policy_version,
        "authorization_code": draft.authorization.code if draft.authorization else None,
        "status_token": w.status_token,
    }


def _reserve_and_price(
    conn: Connection, draft: ReturnDraft, summary: RefundSummary
) -> RefundSummary:
    """Count the units as returned (in line order, so two counters lock in the same order),
    price them from each line's ledger as locked here, and add that to the line's refunded
    amount (a conditional update: never above what the line was paid). The summary as
    committed: each line's refund is its repriced gross minus the fee the draft decided."""
    if draft.kind == "receiptless":  # no order lines: priced by the draft (lowest recent price)
        return summary
    currency = draft.order.currency
    zero = Money.zero(currency)
    seen = {no: (refund, fee) for no, refund, fee in summary.lines}
    rows = []
    for dl in draft.selected():
        ledger = repo.reserve_line(conn, dl.line.id, dl.quantity)
        if ledger is None:
            raise AlreadyReturned(
                f"{dl.line.name} was just returned at another counter. Start again with "
                "the order to see what is left."
            )
        gross = units_refund(
            Money(ledger.paid_minor, currency),
            Money(ledger.refunded_minor, currency),
            ledger.units_left,
            dl.quantity,
        )
        shown, fee = seen[dl.line.line_no]
        refund = (gross - fee).max(zero)
        if abs(refund.minor - shown.minor) > ROUNDING_REMAINDER:
            raise AmountChanged(_amount_changed(dl, ledger.returned_before, refund))
        if not repo.charge_line(conn, dl.line.id, gross.minor):
            raise NotRefundable(f"{dl.line.name} was already refunded in full.")
        rows.append((dl.line.line_no, refund, fee))
    total = sum((r[1] for r in rows), zero)
    return dataclasses.replace(summary, lines=tuple(rows), total=total)


def _amount_changed(dl: DraftLine, returned_now: int, refund: Money) -> str:
    """What changed since the cashier saw the line's refund, and the refund now."""
    others = returned_now - dl.line.returned_quantity
    if others > 0:
        units = "1 unit" if others == 1 else f"{others} units"
        what = f"Another counter returned {units} of this line a moment ago"
    else:
        what = "The refunds of this line changed a moment ago"
    return (
        f"{dl.line.name}: {what}; the refund is now {refund}. Check the amount and confirm again."
    )


def _charge_tenders(
    conn: Connection, draft: ReturnDraft, portions: list[tuple[Money, str]]
) -> list[RefundPart]:
    """Charge the payments as they are now: another counter may have refunded since. Each
    portion is charged to what the ones before it left."""
    if draft.order.id is None:  # receiptless: no payments to charge (store credit only)
        return []
    out: list[RefundPart] = []
    for total, tender in portions:
        payments = repo.load_payments(conn, draft.order.id, draft.order.currency)
        try:
            parts = split_refund(total, payments, tender)
        except OverRefund as exc:
            raise NotRefundable(_payments_changed(draft, payments, total)) from exc
        for part in parts:
            if not repo.charge_payment(conn, part.payment_id, part.amount.minor):
                raise NotRefundable("The order's payments were refunded at another counter.")
        out.extend(parts)
    return out


def _payments_changed(draft: ReturnDraft, payments: Sequence[Payment], total: Money) -> str:
    """Why the order's payments cannot take this refund: what was refunded from them since
    the order was opened, and what is left."""
    zero = Money.zero(total.currency)
    left = sum((p.remaining for p in payments), zero)
    since = sum((p.refunded for p in payments), zero) - sum(
        (p.refunded for p in draft.order.payments), zero
    )
    if since.minor > 0:
        return (
            f"{since} was refunded from this order's payments a moment ago (another counter "
            f"or head office): {left} is left and this return needs {total}. Start again with "
            "the order to see what is left."
        )
    return f"This refund of {total} is more than the {left} left on the order's payments."


def _write_return_row(
    conn: Connection,
    draft: ReturnDraft,
    summary: RefundSummary,
    tender: str,
    counter: CounterIdentity,
    policy_version: str,
    now: datetime,
) -> Written:
    order = draft.order
    seq = repo.next_sequence(conn, f"{counter.store_code}-{counter.counter_code}")
    ref = f"R-{counter.store_code}-{counter.counter_code}-{seq:06d}"
    token = secrets.token_urlsafe(16)  # the customer's status page (/r/<token>; receipt QR)
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
            "kind": draft.kind,
            "authorization_code": draft.authorization.code if draft.authorization else None,
            "status_token": token,
        },
    )
    return Written(conn, counter, return_id, ref, seq, now, token)


def _line_row(w: Written, dl: DraftLine, refund: Money, fee: Money) -> dict[str, Any]:
    assert dl.decision is not None and dl.inspection is not None
    reasons = [{"code": r.code, "message": r.message, "hard": r.hard} for r in dl.decision.reasons]
    return {
        "return_id": w.return_id,
        "order_line_id": dl.line.id or None,  # 0: a receiptless line, on no order
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


def _write_lines(w: Written, draft: ReturnDraft, summary: RefundSummary) -> list[dict[str, Any]]:
    """The return lines (one insert); their payloads for the return.committed message."""
    refund_by_line = {no: (refund, fee) for no, refund, fee in summary.lines}
    rows, payloads = [], []
    for dl in draft.selected():
        refund, fee = refund_by_line[dl.line.line_no]
        row = _line_row(w, dl, refund, fee)
        row["gift_code"] = dl.line.gift_code if draft.kind == "gift" else None
        rows.append(row)
        gift = {"gift_code": row["gift_code"]} if row["gift_code"] else {}
        payloads.append(
            {
                **gift,
                "line_no": row["line_no"],
                "sku": row["sku"],
                "quantity": row["quantity"],
                "refund_minor": row["refund_minor"],
                "fee_minor": row["fee_minor"],
                "condition": row["condition"],
                "reason": row["reason_code"],
                "disposition": row["disposition"],
                "photo_sha256": row["photo_sha256"],
                "unit_price_minor": unit_price_minor(draft, dl),
            }
        )
    repo.insert_many(w.conn, t.return_lines, rows)
    return payloads


def _write_refunds(
    w: Written, draft: ReturnDraft, parts: list[RefundPart]
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


def _move_stock(w: Written, draft: ReturnDraft) -> None:
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


def _audit_and_publish(
    w: Written,
    draft: ReturnDraft,
    payload: dict[str, Any],
    credit_message: OutboxMessage | None,
    exchange_message: OutboxMessage | None = None,
) -> None:
    """The return's audit entry; then its messages (store credit, its exchange sale, the
    return, the new audit head) in one insert. The members go ahead of the return: head
    office holds a member until its return arrives and accepts or rejects them together."""
    messages = (credit_message, exchange_message, w.message("return.committed", payload))
    before = [m for m in messages if m]
    # The audit entry also says what the customer took instead (the exchange sale).
    data = {**payload, "exchange": exchange_message.payload} if exchange_message else payload
    by_photo = [dl.line.line_no for dl in draft.selected() if dl.verified_by_photo]
    if by_photo:  # checked against the catalog photo, not by barcode: on record
        data = {**data, "verified_by_photo": by_photo}
    repo.append_audit_published(
        w.conn,
        at=w.now,
        actor=draft.cashier.username,
        action="return.committed",
        subject=w.ref,
        data=data,
        store=w.counter.store_code,
        return_id=w.return_id,
        before=before,
    )


def _queue_receipt_and_email(w: Written, draft: ReturnDraft) -> None:
    repo.add_print_job(
        w.conn, kind="return_receipt", subject=w.ref, at=w.now, counter=w.counter.counter_code
    )
    customer = draft.order.customer
    # A masked address (another store's order, looked up live) is no address to write to.
    if customer is None or not customer.email or not w.counter.email_language:
        return
    if is_masked(customer.email):
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


