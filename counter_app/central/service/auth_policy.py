"""What an authorization is checked against, loaded from head office's records: the policy
head office published last (the shipped default until it publishes one) and the order's lines
with their categories, returned and reserved quantities (locked while the check runs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.central.models import CatalogProduct, CentralOrder, CentralOrderLine, Policy
from counter_app.central.service.auth_reserve import open_reservations, reserved_by_line
from counter_app.central.service.auth_rules import (
    AuthorizationRefused,
    OrderFacts,
    OrderLineFacts,
)
from counter_app.central.service.facts import base_sku
from counter_app.central.service.tx import utc
from counter_app.domain.policy_loader import default_policy_path, load_policy, load_policy_file
from counter_app.domain.policy_model import Policy as LoadedPolicy
from counter_app.domain.policy_model import PolicyError


def latest_policy(session: Session) -> LoadedPolicy:
    row = session.execute(
        select(Policy.version, Policy.toml)
        .order_by(Policy.published_at.desc(), Policy.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return load_policy_file(default_policy_path())
    version, text = row
    try:
        return load_policy(text, f"policy {version}")
    except PolicyError as exc:
        raise AuthorizationRefused(
            "policy_unavailable", f"head office cannot read its policy {version}: {exc}"
        ) from None


def order_facts(session: Session, order: CentralOrder, now: datetime) -> OrderFacts:
    """The order's lines (locked first, then its open authorizations: the order ingest
    locks them in too, so the two never wait on each other in a circle)."""
    ol = CentralOrderLine
    lines = list(
        session.execute(
            select(ol).where(ol.order_number == order.number).order_by(ol.line_no).with_for_update()
        ).scalars()
    )
    reserved = reserved_by_line(open_reservations(session, [order.number], now, lock=True))
    skus = sorted({base_sku(line.sku) for line in lines})
    query = select(CatalogProduct.sku, CatalogProduct.category).where(CatalogProduct.sku.in_(skus))
    categories = {sku: category for sku, category in session.execute(query)}
    customer = order.customer or {}
    return OrderFacts(
        number=order.number,
        channel=order.channel,
        placed_at=utc(order.placed_at),
        loyalty_tier=customer.get("loyalty_tier"),
        lines={
            line.line_no: OrderLineFacts(
                sku=line.sku,
                category=categories.get(base_sku(line.sku), ""),
                quantity=line.quantity,
                returned=line.online_returned_quantity + line.store_returned_quantity,
                reserved=reserved.get((order.number, line.line_no), 0),
                final_sale=line.final_sale,
            )
            for line in lines
        },
    )
