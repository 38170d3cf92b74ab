"""What head office publishes to the stores: orders, online refunds, catalog, policy, staff.

Every change takes a fresh change number (`next_seq`) so stores pull it on their next sync.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import next_seq
from counter_app.central.models import (
    CatalogProduct,
    CentralOrder,
    CentralOrderLine,
    OrderPayment,
    Policy,
    StaffAccount,
)
from counter_app.central.service.tx import retrying, utcnow


def publish_orders(engine: Engine, orders: Sequence[proto.Order]) -> int:
    """Insert or update orders. A line's `returned_quantity` here is what head office itself
    refunded (online); returns accepted from stores are kept separately and never lost."""

    def work(session: Session) -> int:
        if not orders:
            return 0
        start = next_seq(session, len(orders))
        for offset, order in enumerate(orders):
            existing = _upsert_order(session, order, start + offset)
            _upsert_lines(session, order, existing)
            session.flush()
            _upsert_payments(session, order)
        return len(orders)

    return retrying(engine, work)


def _upsert_order(session: Session, order: proto.Order, seq: int) -> dict[int, CentralOrderLine]:
    """Write the order's header; return its lines as stored so far (locked), by line number."""
    row = session.get(CentralOrder, order.number)
    values: dict[str, Any] = {
        "store": order.store,
        "channel": order.channel,
        "placed_at": order.placed_at,
        "currency": order.currency,
        "barcode": order.barcode,
        "customer": order.customer.model_dump(mode="json") if order.customer else None,
        "payments": [p.model_dump(mode="json") for p in order.payments],
        "seq": seq,
    }
    if row is None:
        session.add(CentralOrder(number=order.number, **values))
        return {}
    for name, value in values.items():
        setattr(row, name, value)
    return {
        line.line_no: line
        for line in session.execute(
            select(CentralOrderLine)
            .where(CentralOrderLine.order_number == order.number)
            .with_for_update()
        ).scalars()
    }


def _upsert_lines(
    session: Session, order: proto.Order, existing: dict[int, CentralOrderLine]
) -> None:
    """Add or update the published lines; drop stored lines no longer published, unless a
    store has taken some of them back."""
    for line in order.lines:
        fields = {
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price_minor,
            "discount_minor": line.discount_minor,
            "tax_minor": line.tax_minor,
            "paid_minor": line.paid_minor,
            "serial": line.serial,
            "final_sale": line.final_sale,
            "online_returned_quantity": line.returned_quantity,
        }
        current = existing.pop(line.line_no, None)
        if current is None:
            session.add(
                CentralOrderLine(
                    order_number=order.number,
                    line_no=line.line_no,
                    store_returned_quantity=0,
                    **fields,
                )
            )
        else:
            for name, value in fields.items():
                setattr(current, name, value)
    for gone in existing.values():
        if gone.store_returned_quantity:
            raise ValueError(
                f"order {order.number} line {gone.line_no} has store returns; it cannot be removed"
            )
        session.delete(gone)


def _upsert_payments(session: Session, order: proto.Order) -> None:
    """The order's payments as rows (numbered in published order), keeping what store
    refunds already took from each; a republish may not shrink a payment below that."""
    stored = {
        p.payment_no: p
        for p in session.execute(
            select(OrderPayment).where(OrderPayment.order_number == order.number).with_for_update()
        ).scalars()
    }
    for payment_no, pay in enumerate(order.payments, start=1):
        row = stored.pop(payment_no, None)
        refunded = row.refunded_minor if row is not None else 0
        if refunded > pay.amount_minor:
            raise ValueError(
                f"order {order.number} payment {payment_no} was refunded {refunded}; "
                f"it cannot become {pay.amount_minor}"
            )
        if row is None:
            row = OrderPayment(order_number=order.number, payment_no=payment_no)
            session.add(row)
        row.tender = pay.tender
        row.amount_minor = pay.amount_minor
        row.card_brand = pay.card_brand
        row.card_last4 = pay.card_last4
        row.refunded_minor = refunded
    for gone in stored.values():
        if gone.refunded_minor:
            raise ValueError(f"order {order.number} payment {gone.payment_no} has refunds")
        session.delete(gone)


def record_online_refund(engine: Engine, number: str, line_no: int, quantity: int) -> bool:
    """Head office refunded `quantity` of a line itself (e.g. an online return by post).

    Atomic conditional update: refused (False) if it would exceed what was sold.
    """

    def work(session: Session) -> bool:
        done = session.execute(
            update(CentralOrderLine)
            .where(
                CentralOrderLine.order_number == number,
                CentralOrderLine.line_no == line_no,
                CentralOrderLine.online_returned_quantity
                + CentralOrderLine.store_returned_quantity
                + quantity
                <= CentralOrderLine.quantity,
            )
            .values(online_returned_quantity=CentralOrderLine.online_returned_quantity + quantity)
        )
        if getattr(done, "rowcount", 0) != 1:
            return False
        seq = next_seq(session)
        session.execute(update(CentralOrder).where(CentralOrder.number == number).values(seq=seq))
        return True

    return retrying(engine, work)


def publish_catalog(engine: Engine, items: Sequence[proto.CatalogItem]) -> int:
    def work(session: Session) -> int:
        if not items:
            return 0
        start = next_seq(session, len(items))
        for offset, item in enumerate(items):
            session.merge(CatalogProduct(**item.model_dump(), seq=start + offset))
        return len(items)

    return retrying(engine, work)


def publish_policy(
    engine: Engine, version: str, toml_text: str, published_at: datetime | None = None
) -> None:
    """Publish a policy version; the TOML must parse (stores refuse a corrupt policy)."""
    tomllib.loads(toml_text)
    if not version or len(version) > 200:
        raise ValueError("policy version must be 1-200 characters")

    def work(session: Session) -> None:
        session.merge(
            Policy(
                version=version,
                published_at=published_at or utcnow(),
                toml=toml_text,
                seq=next_seq(session),
            )
        )

    retrying(engine, work)


def staff_from_record(record: dict[str, Any]) -> tuple[proto.StaffMember, str | None]:
    """Accept `pin` (hashed here with argon2id, never stored) or a ready `pin_hash`."""
    data = dict(record)
    store = data.pop("store", None)
    pin = data.pop("pin", None)
    if pin is not None:
        from argon2 import PasswordHasher

        data["pin_hash"] = PasswordHasher().hash(str(pin))
    return proto.StaffMember.model_validate(data), store


def publish_staff(
    engine: Engine, members: Sequence[proto.StaffMember | tuple[proto.StaffMember, str | None]]
) -> int:
    def work(session: Session) -> int:
        if not members:
            return 0
        start = next_seq(session, len(members))
        for offset, entry in enumerate(members):
            member, store = entry if isinstance(entry, tuple) else (entry, None)
            session.merge(StaffAccount(**member.model_dump(), store=store, seq=start + offset))
        return len(members)

    return retrying(engine, work)
