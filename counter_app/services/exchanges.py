"""The exchange steps of the return desk: what the customer takes instead of what came back.

`ReturnDesk` delegates here (it keeps one method per thing the cashier does). Nothing is
written: the draft's exchange part is committed with the return (services.exchange_commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.draft import RefundSummary, ReturnDraft, refund_summary
from counter_app.domain.exchange import (
    BalancePayment,
    ExchangeDraft,
    ExchangeOutcome,
    Replacement,
    Variant,
    balance_problem,
    cleaned,
    outcome,
    replacement_price,
)
from counter_app.domain.money import Money
from counter_app.domain.policy import Policy
from counter_app.services.errors import BadInput, ItemNotOnOrder
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_code, printable

GIFT_CARD_CATEGORY = "gift_card"
MAX_REPLACEMENTS = 20


@dataclass(frozen=True)
class _Product:
    sku: str
    name: str
    category: str
    price: Money
    style: str | None
    size: str | None
    colour: str | None


def _product(conn: Connection, sku: str) -> _Product | None:
    p = t.products.c
    row = conn.execute(
        select(
            p.sku, p.name, p.category, p.price_minor, p.currency, p.style, p.size, p.colour
        ).where(p.sku == sku)
    ).first()
    if row is None:
        return None
    return _Product(row[0], row[1], row[2], Money(row[3], row[4]), row[5], row[6], row[7])


def sellable_on_hand(conn: Connection, sku: str) -> int:
    s = t.stock_levels.c
    found = conn.execute(select(s.on_hand).where(s.sku == sku, s.location == "sellable")).scalar()
    return int(found or 0)


def _first_barcode(conn: Connection, sku: str) -> str | None:
    b = t.product_barcodes.c
    found: Any = conn.execute(
        select(b.barcode).where(b.sku == sku).order_by(b.barcode).limit(1)
    ).scalar()
    return str(found) if found is not None else None


def _styles(conn: Connection, skus: list[str]) -> dict[str, str | None]:
    if not skus:
        return {}
    p = t.products.c
    return {r[0]: r[1] for r in conn.execute(select(p.sku, p.style).where(p.sku.in_(skus)))}


def variants(engine: Engine, draft: ReturnDraft, line_no: int) -> list[Variant]:
    """The products of the returned line's style (sizes, colours) with their sellable stock;
    a product without a style has only itself."""
    try:
        line = draft.order.line(line_no)
    except KeyError:
        raise ItemNotOnOrder(f"Order {draft.order.number} has no line {line_no}.") from None
    p = t.products.c
    with UnitOfWork(engine) as uow:
        own = _product(uow.conn, line.sku)
        if own is not None and own.style:
            skus = list(
                uow.conn.execute(
                    select(p.sku)
                    .where(p.style == own.style, p.open_box_of.is_(None))
                    .order_by(p.sku)
                ).scalars()
            )
        else:
            skus = [line.sku] if own is not None else []
        out = []
        for sku in skus:
            prod = _product(uow.conn, sku)
            assert prod is not None
            out.append(
                Variant(
                    prod.sku,
                    prod.name,
                    prod.size,
                    prod.colour,
                    prod.price,
                    sellable_on_hand(uow.conn, sku),
                    _first_barcode(uow.conn, sku),
                )
            )
    return out


def add_replacement(
    engine: Engine, policy: Policy, draft: ReturnDraft, barcode: str, quantity: int = 1
) -> Replacement:
    """Add a product the customer takes instead; refused (BadInput, one line) when it is
    unknown, a gift card, or not on the sellable shelf in that quantity."""
    code = clean_code(barcode, "product barcode")
    if quantity <= 0 or quantity > 1000:
        raise BadInput("The quantity to take must be between 1 and 1000.")
    exchange = draft.exchange if draft.exchange is not None else ExchangeDraft()
    if len(exchange.replacements) >= MAX_REPLACEMENTS:
        raise BadInput(f"An exchange takes at most {MAX_REPLACEMENTS} items.")
    with UnitOfWork(engine) as uow:
        sku = repo.sku_for_barcode(uow.conn, code)
        prod = _product(uow.conn, sku) if sku is not None else None
        if prod is None:
            raise BadInput(f"No product with the barcode {printable(code)} in this store.")
        if prod.category == GIFT_CARD_CATEGORY:
            raise BadInput(f"{prod.name} is a gift card: gift cards are not given in exchange.")
        on_hand = sellable_on_hand(uow.conn, prod.sku)
        styles = _styles(uow.conn, [dl.line.sku for dl in draft.selected()])
    taken = sum(r.quantity for r in exchange.replacements if r.sku == prod.sku)
    if taken + quantity > on_hand:
        left = max(on_hand - taken, 0)
        raise BadInput(f"{prod.name}: only {left} on the sellable shelf, not {quantity}.")
    if not prod.price.minor:
        raise BadInput(f"{prod.name} has no price: it cannot be given in exchange.")
    if prod.price.currency != draft.order.currency:
        raise BadInput(f"{prod.name} is priced in {prod.price.currency}, not the order's currency.")
    returned = [(dl.line, styles.get(dl.line.sku)) for dl in draft.selected()]
    price, like_of = replacement_price(
        prod.price,
        prod.style,
        returned,
        like_for_like_at_paid_price=policy.exchange.like_for_like_at_paid_price,
    )
    item = Replacement(prod.sku, prod.name, code, quantity, price, like_of)
    exchange.replacements.append(item)
    draft.exchange = exchange
    return item


def remove_replacement(draft: ReturnDraft, index: int) -> None:
    """Take the `index`-th replacement (0-based, in the order added) out of the exchange."""
    if draft.exchange is None or not 0 <= index < len(draft.exchange.replacements):
        raise BadInput("There is no such item in the exchange.")
    del draft.exchange.replacements[index]


def exchange_outcome(draft: ReturnDraft) -> ExchangeOutcome:
    """Even, refundable or balance owed for the draft as it stands (the refund counts only
    approved lines; see domain.draft.refund_summary)."""
    return outcome(refund_summary(draft).total, draft.exchange)


def check_settlement(
    draft: ReturnDraft, summary: RefundSummary, tender: str, balance: BalancePayment | None
) -> tuple[str, BalancePayment | None]:
    """The refund tender and balance payment to commit, or BadInput in one line. With an
    exchange, `tender` refunds only a refundable difference (else the return's tender is
    "exchange") and a balance owed must say how it was paid."""
    result = outcome(summary.total, draft.exchange)
    if result.kind == "none":
        if tender not in summary.tenders_allowed:
            raise BadInput("That refund tender is not allowed for these items.")
        if balance is not None:
            raise BadInput("A balance is only paid for an exchange.")
        return tender, None
    if "exchange" not in summary.tenders_allowed:
        raise BadInput("These items cannot be exchanged under the policy: refund them instead.")
    if result.refundable:
        if tender == "exchange" or tender not in summary.tenders_allowed:
            raise BadInput(f"Choose how the difference of {result.refundable} is refunded.")
    else:
        tender = "exchange"
    if not result.balance_owed:
        return tender, None
    if balance is None:
        raise BadInput(f"The customer owes {result.balance_owed}: take it in cash or by card.")
    problem = balance_problem(balance)
    if problem is not None:
        raise BadInput(problem)
    return tender, cleaned(balance)
