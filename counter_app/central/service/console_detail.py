"""One return as head office holds it, for the console's detail page.

Built from the returns row and the accepted messages of its group (the return, its overrides,
store credit, exchange sale): a fixed number of queries whatever the return's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import (
    CatalogProduct,
    CentralOrder,
    CentralReturn,
    InboundMessage,
    SettlementRecord,
    Store,
)
from counter_app.central.service.anchors import anchor_state
from counter_app.central.service.tx import aware


@dataclass(frozen=True)
class DetailLine:
    line_no: int
    sku: str
    name: str
    quantity: int
    condition: str
    reason: str
    disposition: str
    refund_minor: int
    fee_minor: int
    photo_sha256: str | None


@dataclass(frozen=True)
class DetailRefund:
    index: int
    tender: str
    amount_minor: int
    card: str | None  # "VISA ·4242"
    settled_at: datetime | None
    gateway_ref: str | None


@dataclass(frozen=True)
class DetailOverride:
    line_no: int
    manager: str
    reason: str
    rules: str


@dataclass
class ReturnDetail:
    ref: str
    store: str
    store_name: str
    kind: str
    order_number: str | None
    customer_name: str | None
    committed_at: datetime | None
    received_at: datetime | None
    currency: str
    total_minor: int
    validated: bool
    counter: str | None = None
    cashier: str | None = None
    authorization_code: str | None = None
    lines: list[DetailLine] = field(default_factory=list)
    refunds: list[DetailRefund] = field(default_factory=list)
    overrides: list[DetailOverride] = field(default_factory=list)
    store_credit_minor: int | None = None
    exchange_order: str | None = None
    anchor: proto.AuditAnchorState | None = None


def _lines(payload: dict[str, Any], names: dict[str, str]) -> list[DetailLine]:
    return [
        DetailLine(
            line_no=int(line.get("line_no", 0)),
            sku=str(line.get("sku", "")),
            name=names.get(str(line.get("sku", "")), ""),
            quantity=int(line.get("quantity", 0)),
            condition=str(line.get("condition", "")),
            reason=str(line.get("reason", "")),
            disposition=str(line.get("disposition", "")),
            refund_minor=int(line.get("refund_minor", 0)),
            fee_minor=int(line.get("fee_minor", 0)),
            photo_sha256=line.get("photo_sha256") or None,
        )
        for line in payload.get("lines", [])
    ]


def _refunds(refunds: list[dict[str, Any]], settled: dict[int, Any]) -> list[DetailRefund]:
    out = []
    for index, refund in enumerate(refunds or []):
        brand, last4 = refund.get("card_brand"), refund.get("card_last4")
        record = settled.get(index)
        out.append(
            DetailRefund(
                index=index,
                tender=str(refund.get("tender", "")),
                amount_minor=int(refund.get("amount_minor", 0)),
                card=f"{brand or 'card'} ·{last4}" if last4 else None,
                settled_at=aware(record.settled_at) if record else None,
                gateway_ref=record.gateway_ref if record else None,
            )
        )
    return out


def _apply_messages(detail: ReturnDetail, messages: list[InboundMessage]) -> dict[str, Any]:
    """Overrides, store credit and exchange from the group; the return's own payload."""
    committed: dict[str, Any] = {}
    for m in messages:
        p = m.payload or {}
        if m.kind == "return.committed":
            committed = p
        elif m.kind == "override.granted":
            detail.overrides.append(
                DetailOverride(
                    line_no=int(p.get("line_no", 0)),
                    manager=str(p.get("manager", "")),
                    reason=str(p.get("reason", "")),
                    rules=", ".join(str(code) for code in p.get("rule_codes", [])),
                )
            )
        elif m.kind == "store_credit.issued":
            detail.store_credit_minor = int(p.get("amount_minor", 0))
        elif m.kind == "exchange.sale":
            detail.exchange_order = str(p.get("order_number", "")) or None
    detail.counter = committed.get("counter")
    detail.cashier = committed.get("cashier")
    detail.authorization_code = committed.get("authorization_code")
    return committed


def return_detail(engine: Engine, ref: str) -> ReturnDetail | None:
    """The return `ref`, or None when head office has not accepted it."""
    with Session(engine) as session:
        row = session.execute(
            select(CentralReturn, Store.name, CentralOrder.customer)
            .join(Store, Store.code == CentralReturn.store)
            .outerjoin(CentralOrder, CentralOrder.number == CentralReturn.order_number)
            .where(CentralReturn.ref == ref)
        ).first()
        if row is None:
            return None
        ret, store_name, customer = row
        detail = ReturnDetail(
            ref=ret.ref, store=ret.store, store_name=store_name, kind=ret.kind,
            order_number=ret.order_number, customer_name=(customer or {}).get("name"),
            committed_at=aware(ret.committed_at), received_at=aware(ret.received_at),
            currency=ret.currency, total_minor=ret.total_minor, validated=ret.validated,
        )  # fmt: skip
        messages = list(
            session.execute(
                select(InboundMessage)
                .where(
                    InboundMessage.store == ret.store,
                    InboundMessage.group_ref == ref,
                    InboundMessage.status == "accepted",
                )
                .order_by(InboundMessage.id)
            ).scalars()
        )
        committed = _apply_messages(detail, messages)
        detail.authorization_code = ret.authorization_code or detail.authorization_code
        skus = {str(line.get("sku", "")) for line in committed.get("lines", [])}
        products = select(CatalogProduct.sku, CatalogProduct.name)
        names = {
            sku: name for sku, name in session.execute(products.where(CatalogProduct.sku.in_(skus)))
        }
        detail.lines = _lines(committed, names)
        settled = {
            s.refund_index: s
            for s in session.execute(
                select(SettlementRecord).where(SettlementRecord.return_ref == ref)
            ).scalars()
        }
        detail.refunds = _refunds(ret.refunds, settled)
        detail.anchor = anchor_state(session, ret.store)
    return detail
