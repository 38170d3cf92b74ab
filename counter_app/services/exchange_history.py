"""Committed exchanges as the CLI, the receipt and the history need them: what went out, and
how the balance was settled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from counter_app.adapters.db import tables as t
from counter_app.domain.exchange_receipt import ExchangeItem, ExchangeReceipt
from counter_app.domain.money import Money
from counter_app.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ExchangeItemView:
    sku: str
    name: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True)
class ExchangeView:
    """`balance` is signed: positive = the customer paid it (cash or card), negative = it was
    refunded after the exchange, zero = even."""

    number: str
    items: tuple[ExchangeItemView, ...]
    total: Money
    carried: Money
    balance: Money
    balance_tender: str | None  # cash | card when the customer paid a balance
    card_brand: str | None = None
    card_last4: str | None = None
    approval_code: str | None = None

    def items_json(self) -> list[dict[str, object]]:
        return [
            {"sku": i.sku, "name": i.name, "quantity": i.quantity,
             "unit_price_minor": i.unit_price.minor}
            for i in self.items
        ]  # fmt: skip


def exchanges_of(engine: Engine, refs: Sequence[str]) -> dict[str, ExchangeView]:
    with UnitOfWork(engine) as uow:
        return exchanges_by_ref(uow.conn, refs)


def exchanges_by_ref(conn: Connection, refs: Sequence[str]) -> dict[str, ExchangeView]:
    """The exchange of each of these returns that has one, by return ref."""
    if not refs:
        return {}
    r, o = t.returns.c, t.orders.c
    heads = conn.execute(
        select(r.ref, r.total_refund_minor, o.id, o.number, o.currency)
        .join(t.orders, o.id == r.exchange_order_id)
        .where(r.ref.in_(list(refs)))
    ).all()
    return {ref: _view(conn, oid, number, currency, total) for ref, total, oid, number, currency
            in heads}  # fmt: skip


def _view(conn: Connection, order_id: int, number: str, currency: str, refund: int) -> ExchangeView:
    ol, pr, p = t.order_lines.c, t.products.c, t.payments.c
    lines = conn.execute(
        select(ol.sku, pr.name, ol.quantity, ol.unit_price_minor)
        .join(t.products, pr.sku == ol.sku)
        .where(ol.order_id == order_id)
        .order_by(ol.line_no)
    ).all()
    items = tuple(ExchangeItemView(s, n, q, Money(u, currency)) for s, n, q, u in lines)
    pays = conn.execute(
        select(p.tender, p.amount_minor, p.card_brand, p.card_last4, p.approval_code)
        .where(p.order_id == order_id)
        .order_by(p.id)
    ).all()
    carried = sum(a for tn, a, *_ in pays if tn == "exchange")
    paid = [row for row in pays if row[0] in ("cash", "card")]
    total = sum(i.unit_price.minor * i.quantity for i in items)
    if paid:
        tender, amount, brand, last4, approval = paid[0]
        return ExchangeView(
            number, items, Money(total, currency), Money(carried, currency),
            Money(amount, currency), tender, brand, last4, approval,
        )  # fmt: skip
    balance = Money(carried - refund, currency)  # the refundable difference, refunded
    return ExchangeView(
        number, items, Money(total, currency), Money(carried, currency), balance, None
    )


def exchange_receipt(engine: Engine, ref: str) -> ExchangeReceipt | None:
    """The exchange part of return `ref`'s receipt (None: no exchange)."""
    ex = exchanges_of(engine, [ref]).get(ref)
    if ex is None:
        return None
    return ExchangeReceipt(
        number=ex.number,
        items=tuple(ExchangeItem(i.name, i.sku, i.quantity, i.unit_price) for i in ex.items),
        total=ex.total,
        carried=ex.carried,
        balance=ex.balance,
        tender=ex.balance_tender,
        card_brand=ex.card_brand,
        card_last4=ex.card_last4,
        approval_code=ex.approval_code,
    )
