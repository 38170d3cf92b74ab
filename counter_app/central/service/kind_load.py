"""Loading what the gift, receiptless and exchange checks (`kinds`) need, for a whole batch.

Runs after `batch.prefetch` (which has locked the batch's order lines and loaded its return
groups): the catalog facts and price history of every SKU a receiptless return or an exchange
sale names, head office's latest policy, gift codes already used or owned, each receiptless
customer's accepted receiptless returns at every store (on PostgreSQL under a per-customer
advisory lock, so two stores' batches count one customer one after the other).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import (
    CatalogProduct,
    CentralOrder,
    CentralOrderLine,
    CentralReturn,
    GiftRedemption,
    Policy,
)
from counter_app.central.service.batch import BatchState
from counter_app.central.service.facts import base_sku
from counter_app.central.service.kinds import KindFacts, Product, ReceiptlessRules
from counter_app.central.service.pulls import price_history
from counter_app.central.service.tx import utc
from counter_app.domain.policy_loader import load_policy
from counter_app.domain.policy_model import PolicyError

log = logging.getLogger("counter_app.central")


def prefetch_kinds(session: Session, state: BatchState, messages: list[proto.BaseMessage]) -> None:
    payloads: list[BaseModel] = [m.payload for m in messages]
    payloads += [member.payload for group in state.waiting.values() for member in group]
    returns = [p for p in payloads if isinstance(p, proto.ReturnCommittedPayload)]
    sales = [p for p in payloads if isinstance(p, proto.ExchangeSalePayload)]
    receipts = [p for p in payloads if isinstance(p, proto.GiftReceiptIssuedPayload)]
    facts = state.kinds
    skus = {base_sku(line.sku) for p in sales for line in p.lines}
    if sales:
        skus |= {base_sku(line.sku) for p in returns for line in p.lines}
        skus |= {base_sku(line.sku) for p in state.returns.values() for line in p.lines}
    skus |= {base_sku(line.sku) for p in returns if p.kind == "receiptless" for line in p.lines}
    _load_products(session, facts, skus)
    _load_categories(session, facts, {base_sku(line.sku) for p in returns for line in p.lines})
    if sales or any(p.kind == "receiptless" for p in returns):
        _load_policy(session, facts)
    _load_gift_codes(session, facts, returns, receipts)
    keys = sorted({p.customer_key for p in returns if p.kind == "receiptless" and p.customer_key})
    _load_customers(session, facts, keys)
    if sales:
        _load_sales(session, state, sales, [*returns, *state.returns.values()])


def _load_products(session: Session, facts: KindFacts, skus: set[str]) -> None:
    if not skus:
        return
    for sku, category, price, style in session.execute(
        select(
            CatalogProduct.sku,
            CatalogProduct.category,
            CatalogProduct.price_minor,
            CatalogProduct.style,
        ).where(CatalogProduct.sku.in_(sorted(skus)))
    ):
        facts.products[sku] = Product(category=category, price_minor=price, style=style)
    facts.prices = price_history(session, skus)


def _load_categories(session: Session, facts: KindFacts, skus: set[str]) -> None:
    """The category of every SKU the batch's returns name (the console's return_lines)."""
    facts.categories.update({sku: p.category for sku, p in facts.products.items()})
    if missing := sorted(skus - facts.categories.keys()):
        for sku, category in session.execute(
            select(CatalogProduct.sku, CatalogProduct.category).where(
                CatalogProduct.sku.in_(missing)
            )
        ):
            facts.categories[sku] = category


def _load_policy(session: Session, facts: KindFacts) -> None:
    """Head office's latest policy, read with the store's own loader (the same rules)."""
    row = session.execute(
        select(Policy.version, Policy.toml)
        .order_by(Policy.published_at.desc(), Policy.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return
    version, text = row
    facts.like_for_like = _like_for_like(text)
    try:
        policy = load_policy(text, f"policy {version}")
    except PolicyError as exc:
        facts.policy_problem = f"head office cannot read its policy {version}: {exc}"
        log.warning(facts.policy_problem)
        return
    rule = policy.receiptless
    facts.receiptless = ReceiptlessRules(
        allowed=rule.allowed,
        lookback_days=rule.price_lookback_days,
        period_days=rule.limit_period_days,
        max_count=rule.max_count,
        max_value_minor=rule.max_value.minor,
        currency=policy.currency,
    )
    exchange: Any = getattr(policy, "exchange", None)
    if exchange is not None:
        facts.like_for_like = bool(getattr(exchange, "like_for_like_at_paid_price", False))


def _like_for_like(text: str) -> bool:
    """`[exchange] like_for_like_at_paid_price`, read tolerantly (off unless it is true)."""
    try:
        table = tomllib.loads(text).get("exchange", {})
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(table, dict) and table.get("like_for_like_at_paid_price") is True


def _load_gift_codes(
    session: Session,
    facts: KindFacts,
    returns: list[proto.ReturnCommittedPayload],
    receipts: list[proto.GiftReceiptIssuedPayload],
) -> None:
    used = sorted(
        {c for p in returns if p.kind == "gift" for line in p.lines if (c := line.gift_code)}
    )
    if used:
        facts.gift_used = set(
            session.execute(
                select(GiftRedemption.gift_code).where(GiftRedemption.gift_code.in_(used))
            ).scalars()
        )
    owned = sorted({line.gift_code for p in receipts for line in p.lines})
    if owned:
        ol = CentralOrderLine
        for number, line_no, code in session.execute(
            select(ol.order_number, ol.line_no, ol.gift_code).where(ol.gift_code.in_(owned))
        ):
            if code is not None:
                facts.gift_owners[code] = (number, line_no)


def _load_customers(session: Session, facts: KindFacts, keys: list[str]) -> None:
    if not keys:
        return
    if session.get_bind().dialect.name == "postgresql":
        for key in keys:  # in key order: two batches never wait on each other in a circle
            session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 14))))
    r = CentralReturn
    for customer, when, total in session.execute(
        select(r.customer_key, r.committed_at, r.total_minor).where(
            r.kind == "receiptless", r.customer_key.in_(keys), r.validated.is_(True)
        )
    ):
        if customer and when is not None:
            facts.customers.setdefault(customer, []).append((utc(when), total))


def _load_sales(
    session: Session,
    state: BatchState,
    sales: list[proto.ExchangeSalePayload],
    returns: Iterable[proto.ReturnCommittedPayload],
) -> None:
    """Sale numbers and returns already linked to a sale; what each returned line was paid."""
    facts = state.kinds
    numbers = sorted({s.order_number for s in sales})
    facts.order_numbers = set(
        session.execute(
            select(CentralOrder.number).where(CentralOrder.number.in_(numbers))
        ).scalars()
    )
    refs = sorted({s.ref for s in sales})
    facts.sale_refs = {
        ref
        for ref in session.execute(
            select(CentralOrder.return_ref).where(CentralOrder.return_ref.in_(refs))
        ).scalars()
        if ref is not None
    }
    orders = sorted({n for p in returns if (n := p.order_number)})
    for (number, line_no), line in state.lines.items():
        facts.paid_units[(number, line_no)] = (line.paid_minor, line.quantity)
    loaded = {number for number, _ in facts.paid_units}
    if missing := [n for n in orders if n not in loaded]:
        ol = CentralOrderLine
        for number, line_no, paid, quantity in session.execute(
            select(ol.order_number, ol.line_no, ol.paid_minor, ol.quantity).where(
                ol.order_number.in_(missing)
            )
        ):
            facts.paid_units[(number, line_no)] = (paid, quantity)
