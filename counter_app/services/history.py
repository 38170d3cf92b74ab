"""Past returns as the history screen, the CLI and the receipt need them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, select

from counter_app.adapters.db import tables as t
from counter_app.domain.auth_code import display_code
from counter_app.domain.money import Money
from counter_app.services.errors import NotFound
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_code, printable


@dataclass(frozen=True)
class ReturnLineView:
    line_no: int
    sku: str
    name: str
    quantity: int
    refund: Money
    fee: Money
    reason_code: str
    condition: str
    outcome: str
    disposition: str
    notes: str
    feedback: str
    photo_sha256: str | None
    reasons: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RefundView:
    tender: str
    amount: Money
    status: str
    card_brand: str | None
    card_last4: str | None


@dataclass(frozen=True)
class OverrideView:
    line_no: int
    manager: str
    manager_name: str
    reason: str
    note: str
    rule_codes: tuple[str, ...]


@dataclass(frozen=True)
class ReturnView:
    ref: str
    created_at: datetime
    store_code: str
    counter_code: str
    cashier: str
    cashier_name: str
    order_number: str | None
    order_placed_at: datetime | None
    customer_name: str | None
    customer_email: str | None
    total: Money
    tender: str
    policy_version: str
    lines: tuple[ReturnLineView, ...]
    refunds: tuple[RefundView, ...]
    overrides: tuple[OverrideView, ...]
    store_credit_code: str | None
    store_credit_amount: Money | None
    kind: str = "order"  # order | receiptless | gift
    authorization_code: str | None = None  # canonical: the return code it consumed, if any
    status_token: str | None = None  # the customer's status page (/r/<token>)

    def as_json(self) -> dict[str, Any]:
        def money(m: Money | None) -> dict[str, Any] | None:
            return None if m is None else {"minor": m.minor, "currency": m.currency}

        return {
            "ref": self.ref,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "store": self.store_code,
            "counter": self.counter_code,
            "cashier": self.cashier,
            "order_number": self.order_number,
            "customer": self.customer_name,
            "total": money(self.total),
            "tender": self.tender,
            "policy_version": self.policy_version,
            "lines": [
                {
                    "line_no": ln.line_no,
                    "sku": ln.sku,
                    "name": ln.name,
                    "quantity": ln.quantity,
                    "refund": money(ln.refund),
                    "fee": money(ln.fee),
                    "reason": ln.reason_code,
                    "condition": ln.condition,
                    "outcome": ln.outcome,
                    "disposition": ln.disposition,
                }
                for ln in self.lines
            ],
            "refunds": [
                {
                    "tender": r.tender,
                    "amount": money(r.amount),
                    "status": r.status,
                    "card": f"{r.card_brand} {r.card_last4}" if r.card_last4 else None,
                }
                for r in self.refunds
            ],
            "overrides": [
                {
                    "line_no": o.line_no,
                    "manager": o.manager,
                    "reason": o.reason,
                    "rules": list(o.rule_codes),
                }
                for o in self.overrides
            ],
            "store_credit": self.store_credit_code,
            "authorization_code": (
                display_code(self.authorization_code) if self.authorization_code else None
            ),
        }


@dataclass(frozen=True)
class ReturnSummaryRow:
    ref: str
    created_at: datetime
    order_number: str | None
    cashier: str
    total: Money
    tender: str
    kind: str = "order"  # order | receiptless | gift


def list_returns(
    engine: Engine,
    *,
    text: str | None = None,
    cashier: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[ReturnSummaryRow]:
    r, o, u = t.returns.c, t.orders.c, t.users.c
    query = (
        select(
            r.ref,
            r.created_at,
            o.number,
            u.username,
            r.total_refund_minor,
            r.currency,
            r.tender_choice,
            r.kind,
        )
        .select_from(
            t.returns.outerjoin(t.orders, o.id == r.order_id).join(t.users, u.id == r.cashier_id)
        )
        .order_by(r.created_at.desc(), r.id.desc())
        .limit(limit)
    )
    if text:
        like = f"%{text.strip()}%"
        query = query.where(r.ref.ilike(like) | o.number.ilike(like))
    if cashier:
        query = query.where(u.username == cashier)
    if since is not None:
        query = query.where(r.created_at >= since)
    if until is not None:
        query = query.where(r.created_at < until)
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(query).all()
    return [
        ReturnSummaryRow(row[0], row[1], row[2], row[3], Money(row[4], row[5]), row[6], row[7])
        for row in rows
    ]


def get_return(engine: Engine, ref: str) -> ReturnView:
    ref = clean_code(ref, "return reference")
    with UnitOfWork(engine) as uow:
        conn = uow.conn
        row = conn.execute(select(t.returns).where(t.returns.c.ref == ref)).mappings().first()
        if row is None:
            raise NotFound(f"No return {printable(ref)} at this store.")
        currency = row["currency"]
        cashier = (
            conn.execute(select(t.users).where(t.users.c.id == row["cashier_id"])).mappings().one()
        )
        order = _row_by_id(conn, t.orders, row["order_id"])
        customer = _row_by_id(conn, t.customers, row["customer_id"])
        lines = _line_views(conn, row["id"], currency)
        refunds = _refund_views(conn, row["id"], currency)
        overrides = _override_views(conn, row["id"])
        credit = conn.execute(
            select(t.store_credits.c.code, t.store_credits.c.amount_minor).where(
                t.store_credits.c.return_id == row["id"]
            )
        ).first()
    return ReturnView(
        ref=row["ref"],
        created_at=row["created_at"],
        store_code=row["store_code"],
        counter_code=row["counter_code"],
        cashier=cashier["username"],
        cashier_name=cashier["display_name"],
        order_number=order["number"] if order else None,
        order_placed_at=order["placed_at"] if order else None,
        customer_name=customer["name"] if customer else None,
        customer_email=customer["email"] if customer else None,
        total=Money(row["total_refund_minor"], currency),
        tender=row["tender_choice"],
        policy_version=row["policy_version"],
        lines=lines,
        refunds=refunds,
        overrides=overrides,
        store_credit_code=credit[0] if credit else None,
        store_credit_amount=Money(credit[1], currency) if credit else None,
        kind=row["kind"],
        authorization_code=row["authorization_code"],
        status_token=row["status_token"],
    )


def _row_by_id(conn: Connection, table: Any, row_id: int | None) -> RowMapping | None:
    """The row `row_id` of `table` (which must exist), or None when there is no id."""
    if row_id is None:
        return None
    return conn.execute(select(table).where(table.c.id == row_id)).mappings().one()


def _line_views(conn: Connection, return_id: int, currency: str) -> tuple[ReturnLineView, ...]:
    rl = t.return_lines.c
    return tuple(
        ReturnLineView(
            line_no=x["line_no"],
            sku=x["sku"],
            name=x["name"],
            quantity=x["quantity"],
            refund=Money(x["refund_minor"], currency),
            fee=Money(x["fee_minor"], currency),
            reason_code=x["reason_code"],
            condition=x["condition"],
            outcome=x["outcome"],
            disposition=x["disposition"],
            notes=x["notes"],
            feedback=x["feedback"],
            photo_sha256=x["photo_sha256"],
            reasons=tuple(json.loads(x["reasons_json"])),
        )
        for x in conn.execute(
            select(t.return_lines, t.products.c.name)
            .join(t.products, t.products.c.sku == rl.sku)
            .where(rl.return_id == return_id)
            .order_by(rl.line_no)
        ).mappings()
    )


def _refund_views(conn: Connection, return_id: int, currency: str) -> tuple[RefundView, ...]:
    """Each refund with the card it went to (brand and last four only, for card refunds)."""
    rf, p = t.refunds.c, t.payments.c
    return tuple(
        RefundView(
            x["tender"],
            Money(x["amount_minor"], currency),
            x["status"],
            x["card_brand"] if x["tender"] == "card" else None,
            x["card_last4"] if x["tender"] == "card" else None,
        )
        for x in conn.execute(
            select(rf.tender, rf.amount_minor, rf.status, p.card_brand, p.card_last4)
            .select_from(t.refunds.outerjoin(t.payments, p.id == rf.payment_id))
            .where(rf.return_id == return_id)
            .order_by(rf.id)
        ).mappings()
    )


def _override_views(conn: Connection, return_id: int) -> tuple[OverrideView, ...]:
    ov, us = t.overrides.c, t.users.c
    return tuple(
        OverrideView(
            x["line_no"],
            x["username"],
            x["display_name"],
            x["reason"],
            x["note"],
            tuple(c for c in x["rule_codes"].split(",") if c),
        )
        for x in conn.execute(
            select(ov.line_no, ov.reason, ov.note, ov.rule_codes, us.username, us.display_name)
            .join(t.users, us.id == ov.manager_id)
            .where(ov.return_id == return_id)
            .order_by(ov.line_no)
        ).mappings()
    )
