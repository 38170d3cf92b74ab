"""What head office publishes to the stores: orders, online refunds, catalog, policy, staff.

Every change takes a fresh change number (`next_seq`) so stores pull it on their next sync.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import next_seq
from counter_app.central.models import (
    CatalogPrice,
    CatalogProduct,
    CentralOrder,
    CentralOrderLine,
    OrderPayment,
    Policy,
    StaffAccount,
    StaffWithdrawal,
    Store,
)
from counter_app.central.service.auth_reserve import supersede
from counter_app.central.service.tx import retrying, utc, utcnow
from counter_app.domain.pins import pin_hash_problem, pin_problem


def publish_orders(engine: Engine, orders: Sequence[proto.Order]) -> int:
    """Insert or update orders. A line's `returned_quantity` here is what head office itself
    refunded (online); returns accepted from stores are kept separately and never lost."""

    def work(session: Session) -> int:
        if not orders:
            return 0
        _check_gift_codes(session, orders)
        start = next_seq(session, len(orders))
        for offset, order in enumerate(orders):
            existing = _upsert_order(session, order, start + offset)
            _upsert_lines(session, order, existing)
            session.flush()
            _upsert_payments(session, order)
        return len(orders)

    return retrying(engine, work)


def _check_gift_codes(session: Session, orders: Sequence[proto.Order]) -> None:
    """A gift code names one order line company-wide: refuse one held by another line."""
    owners: dict[str, tuple[str, int]] = {}
    for order in orders:
        for line in order.lines:
            if line.gift_code is None:
                continue
            if owners.setdefault(line.gift_code, (order.number, line.line_no)) != (
                order.number,
                line.line_no,
            ):
                raise ValueError(f"gift code {line.gift_code} is on two order lines")
    if not owners:
        return
    for number, line_no, code in session.execute(
        select(
            CentralOrderLine.order_number, CentralOrderLine.line_no, CentralOrderLine.gift_code
        ).where(CentralOrderLine.gift_code.in_(sorted(owners)))
    ):
        if code is not None and owners[code] != (number, line_no):
            raise ValueError(f"gift code {code} is already on order {number} line {line_no}")


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
        # A code a store recorded (gift_receipt.issued) stays unless the order names another.
        fields["gift_code"] = line.gift_code or (current.gift_code if current else None)
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
        supersede(session, [number], utcnow())  # the open codes that no longer fit go
        return True

    return retrying(engine, work)


def publish_catalog(
    engine: Engine, items: Sequence[proto.CatalogItem], now: datetime | None = None
) -> int:
    """Insert or update products with their variant fields and price history. An item's
    `prices` replace the SKU's history; whatever it says, a current price that differs from
    the price in force now becomes a new point from now on, so republishing a changed price
    keeps the history the receiptless lowest-recent-price check needs."""

    def work(session: Session) -> int:
        if not items:
            return 0
        start = next_seq(session, len(items))
        for offset, item in enumerate(items):
            session.merge(CatalogProduct(**item.model_dump(exclude={"prices"}), seq=start + offset))
        session.flush()
        _price_history(session, items, now or utcnow())
        return len(items)

    return retrying(engine, work)


def _price_history(session: Session, items: Sequence[proto.CatalogItem], now: datetime) -> None:
    skus = sorted({item.sku for item in items})
    stored: dict[str, dict[datetime, CatalogPrice]] = {sku: {} for sku in skus}
    for point in session.execute(
        select(CatalogPrice).where(CatalogPrice.sku.in_(skus)).with_for_update()
    ).scalars():
        stored[point.sku][utc(point.effective_from)] = point
    for item in items:
        points = stored[item.sku]
        if item.prices:
            wanted = {utc(p.effective_from): p.price_minor for p in item.prices}
            for when in [w for w in points if w not in wanted]:
                session.delete(points.pop(when))
            for when, price in wanted.items():
                if when in points:
                    points[when].price_minor = price
                else:
                    points[when] = CatalogPrice(
                        sku=item.sku, effective_from=when, price_minor=price
                    )
                    session.add(points[when])
        in_force = [w for w in points if w <= now]
        if not in_force or points[max(in_force)].price_minor != item.price_minor:
            points[now] = CatalogPrice(
                sku=item.sku, effective_from=now, price_minor=item.price_minor
            )
            session.add(points[now])
        session.flush()


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


@dataclass(frozen=True)
class Assignment:
    """Which stores pull a staff member: the home `store`, or every store if `travelling`."""

    store: str | None = None
    travelling: bool = False


StaffEntry = proto.StaffMember | tuple[proto.StaffMember, Assignment | str | None]


def staff_from_record(record: dict[str, Any]) -> tuple[proto.StaffMember, Assignment]:
    """Accept `pin` (checked against the PIN policy, hashed here with argon2id, never stored)
    or a ready `pin_hash` (checked for its argon2id cost), plus the assignment: `store`
    (the home store) and/or `travelling` — one of them is required."""
    data = dict(record)
    store = data.pop("store", None)
    travelling = data.pop("travelling", False)
    if store is not None and not (isinstance(store, str) and proto.valid_store_code(store)):
        raise ValueError(f"store must be a store code, not {str(store)[:40]!r}")
    if not isinstance(travelling, bool):
        raise ValueError("travelling must be true or false")
    if store is None and not travelling:
        raise ValueError(
            f"say where {str(data.get('username'))[:64]!r} works: "
            '"store": "<code>" (their home store) or "travelling": true (every store)'
        )
    pin = data.pop("pin", None)
    if pin is not None:
        problem = pin_problem(str(pin), str(data.get("role")))
        if problem is not None:
            raise ValueError(f"{str(data.get('username'))[:64]!r}: {problem}")
        from argon2 import PasswordHasher

        data["pin_hash"] = PasswordHasher().hash(str(pin))
    elif (problem := pin_hash_problem(str(data.get("pin_hash", "")))) is not None:
        raise ValueError(f"{str(data.get('username'))[:64]!r}: {problem}")
    return proto.StaffMember.model_validate(data), Assignment(store, travelling)


def publish_staff(engine: Engine, members: Sequence[StaffEntry]) -> int:
    """Publish staff accounts. A bare StaffMember keeps its existing assignment (e.g. to
    disable someone); a new account needs one."""

    def work(session: Session) -> int:
        if not members:
            return 0
        start = next_seq(session, len(members))
        for offset, entry in enumerate(members):
            member, given = entry if isinstance(entry, tuple) else (entry, None)
            if isinstance(given, str):
                given = Assignment(store=given)
            existing = session.get(StaffAccount, member.username)
            if given is None and existing is None:
                raise ValueError(f"{member.username!r} is new: say which store they work at")
            before = None if existing is None else Assignment(existing.store, existing.travelling)
            assignment = given or before or Assignment()
            if before is not None:
                _withdraw(session, member, _lost_stores(session, before, assignment))
            session.merge(
                StaffAccount(
                    **member.model_dump(),
                    store=assignment.store,
                    travelling=assignment.travelling,
                    seq=start + offset,
                )
            )
        return len(members)

    return retrying(engine, work)


def _lost_stores(session: Session, before: Assignment, after: Assignment) -> list[str]:
    """The stores that pulled the account before and will not now."""
    if after.travelling:
        return []
    if before.travelling:
        codes = session.execute(select(Store.code).order_by(Store.code)).scalars()
        return [code for code in codes if code != after.store]
    return [before.store] if before.store and before.store != after.store else []


def _withdraw(session: Session, member: proto.StaffMember, stores: list[str]) -> None:
    """Each store losing the account pulls it once more: disabled, with a PIN hash of a
    secret nobody knows (so neither the old nor the new PIN works there)."""
    if not stores:
        return
    from argon2 import PasswordHasher

    unusable = PasswordHasher().hash(secrets.token_hex(32))
    start = next_seq(session, len(stores))
    for offset, store in enumerate(stores):
        session.add(
            StaffWithdrawal(
                username=member.username,
                store=store,
                display_name=member.display_name,
                role=member.role,
                pin_hash=unusable,
                seq=start + offset,
            )
        )
