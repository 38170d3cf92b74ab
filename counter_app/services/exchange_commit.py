"""Writing the exchange part of a confirmed return, in the return's own transaction.

Steps (called by services.commit.write_return after the return's own stock has moved): take
the replacements off the sellable shelf (cause "exchange", refused if that would leave the
shelf below zero — another counter took the last one), write the exchange sale as an order of
its own (`X-<store>-<counter>-<seq>`, its lines and payments: the value carried from the
return as tender "exchange", a balance in cash or by card), link the return to it, and build
its `exchange.sale` message.

The exchange sale can itself be returned: its `window_from` is the original order's purchase
time (or that order's own window start, for an exchange of an exchange), so the replacement's
return window is the original one, not a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import OutboxMessage, StockMove
from counter_app.domain.draft import ReturnDraft
from counter_app.domain.exchange import BalancePayment, ExchangeOutcome, Replacement
from counter_app.domain.money import Money
from counter_app.services.errors import NotRefundable
from counter_app.services.exchanges import sellable_on_hand


@dataclass(frozen=True)
class ExchangeContext:
    """The return the exchange belongs to."""

    conn: Connection
    return_id: int
    ref: str
    store_code: str
    counter_code: str
    now: datetime


def charge_portions(result: ExchangeOutcome, tender: str) -> list[tuple[Money, str]]:
    """What is charged to the order's payments, in which payout form: with an exchange, the
    value carried into it as "exchange", then a refundable difference in `tender`."""
    if result.kind == "none":
        return [(result.refund_total, tender)]
    return [(result.carried, "exchange"), (result.refundable, tender)]


def write_exchange(
    c: ExchangeContext,
    draft: ReturnDraft,
    result: ExchangeOutcome,
    balance: BalancePayment | None,
) -> tuple[str | None, OutboxMessage | None]:
    """Every row of the exchange sale; its number and its `exchange.sale` message (none
    without an exchange)."""
    if result.kind == "none" or draft.exchange is None:
        return None, None
    items = draft.exchange.replacements
    _take_stock(c, items)
    number, order_id = _write_sale_order(c, draft)
    lines = _write_sale_lines(c, order_id, items)
    payments = _write_sale_payments(c, order_id, result, balance)
    c.conn.execute(
        update(t.returns).where(t.returns.c.id == c.return_id).values(exchange_order_id=order_id)
    )
    payload = {
        "ref": c.ref,
        "order_number": number,
        "currency": draft.order.currency,
        "lines": lines,
        "payments": payments,
    }
    return number, OutboxMessage("exchange.sale", payload, c.return_id)


def _take_stock(c: ExchangeContext, items: list[Replacement]) -> None:
    """The replacements leave the sellable shelf; none may take it below zero."""
    moves = [
        StockMove(
            sku=r.sku,
            location="sellable",
            quantity=-r.quantity,
            cause="exchange",
            message={"ref": c.ref},
            return_id=c.return_id,
            note=c.ref,
        )
        for r in items
    ]
    repo.record_stock_movements(c.conn, moves, at=c.now, store=c.store_code)
    for r in items:
        if sellable_on_hand(c.conn, r.sku) < 0:
            raise NotRefundable(
                f"{r.name} was just sold out at another counter: take it out of the exchange."
            )


def _write_sale_order(c: ExchangeContext, draft: ReturnDraft) -> tuple[str, int]:
    seq = repo.next_sequence(c.conn, f"X-{c.store_code}-{c.counter_code}")
    number = f"X-{c.store_code}-{c.counter_code}-{seq:06d}"
    order = draft.order
    order_id = repo.insert_row(
        c.conn,
        t.orders,
        {
            "number": number,
            "store_code": c.store_code,
            "channel": "store",
            "placed_at": c.now,
            "customer_id": order.customer.id if order.customer else None,
            "currency": order.currency,
            "window_from": order.purchased_at,
        },
    )
    return number, order_id


def _write_sale_lines(
    c: ExchangeContext, order_id: int, items: list[Replacement]
) -> list[dict[str, Any]]:
    rows, payloads = [], []
    for no, r in enumerate(items, start=1):
        paid = r.value.minor
        rows.append(
            {
                "order_id": order_id,
                "line_no": no,
                "sku": r.sku,
                "quantity": r.quantity,
                "unit_price_minor": r.unit_price.minor,
                "discount_minor": 0,
                "tax_minor": 0,
                "paid_minor": paid,
                "serial": None,
                "final_sale": False,
                "returned_quantity": 0,
                "refunded_minor": 0,
            }
        )
        payloads.append(
            {
                "line_no": no,
                "sku": r.sku,
                "quantity": r.quantity,
                "unit_price_minor": r.unit_price.minor,
                "paid_minor": paid,
                "like_for_like_of": r.like_for_like_of,
            }
        )
    repo.insert_many(c.conn, t.order_lines, rows)
    return payloads


def sale_payments(result: ExchangeOutcome, balance: BalancePayment | None) -> list[dict[str, Any]]:
    """The exchange sale's payments as message payloads: the carried value, then the balance."""
    out: list[dict[str, Any]] = []
    if result.carried:
        out.append({"tender": "exchange", "amount_minor": result.carried.minor})
    if result.balance_owed:
        if balance is None:
            raise NotRefundable(
                f"The customer owes {result.balance_owed}: take it in cash or by card."
            )
        row: dict[str, Any] = {"tender": balance.tender, "amount_minor": result.balance_owed.minor}
        if balance.tender == "card":
            row |= {
                "card_brand": balance.card_brand,
                "card_last4": balance.card_last4,
                "approval_code": balance.approval_code,
            }
        out.append(row)
    if sum(p["amount_minor"] for p in out) != result.replacements_total.minor:
        raise NotRefundable("The exchange's payments do not add up to what was taken.")
    return out


def _write_sale_payments(
    c: ExchangeContext,
    order_id: int,
    result: ExchangeOutcome,
    balance: BalancePayment | None,
) -> list[dict[str, Any]]:
    payloads = sale_payments(result, balance)
    rows = [
        {
            "order_id": order_id,
            "tender": p["tender"],
            "amount_minor": p["amount_minor"],
            "refunded_minor": 0,
            "card_brand": p.get("card_brand"),
            "card_last4": p.get("card_last4"),
            "approval_code": p.get("approval_code"),
        }
        for p in payloads
    ]
    repo.insert_many(c.conn, t.payments, rows)
    return payloads
