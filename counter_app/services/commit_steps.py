"""Steps of a return's commit that stand on their own (services/commit.py runs them in
order): who the counter is, the return row written, the store credit, the overrides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import OutboxMessage
from counter_app.domain.draft import ReturnDraft
from counter_app.domain.money import Money
from counter_app.domain.refund import RefundPart


@dataclass(frozen=True)
class CounterIdentity:
    store_code: str
    counter_code: str
    email_language: str | None  # None: customer e-mails are not configured


@dataclass(frozen=True)
class Written:
    """The return row just written: what every later step refers to."""

    conn: Connection
    counter: CounterIdentity
    return_id: int
    ref: str
    seq: int
    now: datetime
    status_token: str | None = None

    def message(self, kind: str, payload: dict[str, Any]) -> OutboxMessage:
        return OutboxMessage(kind, payload, self.return_id)


def issue_store_credit(
    w: Written,
    draft: ReturnDraft,
    parts: list[RefundPart],
    tender: str,
    uncharged: Money | None = None,
) -> tuple[str | None, OutboxMessage | None]:
    """The store credit (with the policy's bonus) when that is the tender; its message.
    Under "original", value carried from an exchange goes back as store credit (no bonus).
    `uncharged`: a receiptless return's credit, charged to no payment."""
    zero = Money.zero(draft.order.currency)
    if tender == "store_credit":
        charged = sum((p.amount for p in parts if p.paid_out_as == "store_credit"), zero)
        base = uncharged if uncharged is not None else charged
        bonus = base.percent(bonus_percent(draft))
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


def record_overrides(w: Written, draft: ReturnDraft) -> None:
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


def bonus_percent(draft: ReturnDraft) -> Any:
    bonuses = [dl.decision.store_credit_bonus_percent for dl in draft.selected() if dl.decision]
    return min(bonuses) if bonuses else 0
