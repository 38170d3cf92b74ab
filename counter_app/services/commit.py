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
from counter_app.domain.masking import is_masked
from counter_app.domain.model import Payment
from counter_app.domain.money import Money
from counter_app.domain.refund import OverRefund, RefundPart, split_refund
from counter_app.domain.stock import OPEN_BOX_PRICE_PERCENT, location_for
from counter_app.services.errors import AlreadyReturned, AmountChanged, NotRefundable
from counter_app.services.exchange_commit import ExchangeContext, charge_portions, write_exchange

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
    balance: BalancePayment | None = None,
) -> CommittedReturn:
    """Every row of one return, in the caller's transaction: all of it or none of it.

    `summary` is what the cashier saw; what is written (and returned) is it as repriced
    inside this transaction. With an exchange, `balance` is how a balance owed was paid."""
    summary = _reserve_and_price(conn, draft, summary)
    result = outcome(summary.total, draft.exchange)
    parts = _charge_tenders(conn, draft, charge_portions(result, tender))
    w = _write_return_row(conn, draft, summary, tender, counter, policy_version, now)
    line_payloads = _write_lines(w, draft, summary)
    refund_payloads = _write_refunds(w, draft, parts)
    credit_code, credit_message = _issue_store_credit(w, draft, parts, tender)
    _move_stock(w, draft)
    exchange_number, exchange_message = write_exchange(
        ExchangeContext(conn, w.return_id, w.ref, counter.store_code, counter.counter_code, now),
        draft,
        result,
        balance,
    )
    _record_overrides(w, draft)
    return_payload = {
        "ref": w.ref,
        "kind": draft.kind,
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


def _reserve_and_price(
    conn: Connection, draft: ReturnDraft, summary: RefundSummary
) -> RefundSummary:
    """Count the units as returned (in line order, so two counters lock in the same order),
    price them from each line's ledger as locked here, and add that to the line's refunded
    amount (a conditional update: never above what the line was paid). The summary as
    committed: each line's refund is its repriced gross minus the fee the draft decided."""
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
    w: _Written, draft: ReturnDraft, parts: list[RefundPart], tender: str
) -> tuple[str | None, OutboxMessage | None]:
    """The store credit (with the policy's bonus) when that is the tender; its message.
    Under "original", value carried from an exchange goes back as store credit (no bonus)."""
    zero = Money.zero(draft.order.currency)
    if tender == "store_credit":
        base = sum((p.amount for p in parts if p.paid_out_as == "store_credit"), zero)
        bonus = base.percent(_bonus_percent(draft))
    elif tender == "original":
        base = sum((p.amount for p in parts if p.charged_tender == "exchange"), zero)
        bonus = zero
    else:
        return None, None
    if not base:
        return None, None
    amount = base + bonus
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
    exchange_message: OutboxMessage | None = None,
) -> None:
    """The return's audit entry; then its messages (store credit, the return, its exchange
    sale, the new audit head) in one insert."""
    messages = (credit_message, w.message("return.committed", payload), exchange_message)
    before = [m for m in messages if m]
    # The audit entry also says what the customer took instead (the exchange sale).
    data = {**payload, "exchange": exchange_message.payload} if exchange_message else payload
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


def _queue_receipt_and_email(w: _Written, draft: ReturnDraft) -> None:
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


def _bonus_percent(draft: ReturnDraft) -> Any:
    bonuses = [dl.decision.store_credit_bonus_percent for dl in draft.selected() if dl.decision]
    return min(bonuses) if bonuses else 0
