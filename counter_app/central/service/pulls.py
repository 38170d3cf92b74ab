"""The pages stores pull, in change order (`seq`), and the live order lookup."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import (
    CatalogPrice,
    CatalogProduct,
    CentralOrder,
    CentralOrderLine,
    Policy,
    SettlementRecord,
    StaffAccount,
    StaffWithdrawal,
)
from counter_app.central.service.tx import T, aware, utc

# A catalog page carries at most about this many characters of pictures.
MAX_IMAGE_PAGE_CHARS = 2_000_000
# A catalog item carries at most this many price points (the newest).
MAX_PRICE_POINTS = 1000

parse_cursor = proto.parse_cursor


def _page(items: list[T], seqs: list[int], cursor: int, limit: int) -> proto.Page[T]:
    has_more = len(items) > limit
    items, seqs = items[:limit], seqs[:limit]
    next_cursor = seqs[-1] if seqs else cursor
    return proto.Page[T](items=items, next_cursor=str(next_cursor), has_more=has_more)


def _order_out(order: CentralOrder, lines: Iterable[CentralOrderLine]) -> proto.Order:
    return proto.Order(
        number=order.number,
        store=order.store,
        channel=order.channel,  # type: ignore[arg-type]
        placed_at=aware(order.placed_at),  # type: ignore[arg-type]
        currency=order.currency,
        barcode=order.barcode,
        customer=proto.Customer.model_validate(order.customer) if order.customer else None,
        lines=[
            proto.OrderLine(
                line_no=line.line_no,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                discount_minor=line.discount_minor,
                tax_minor=line.tax_minor,
                paid_minor=line.paid_minor,
                serial=line.serial,
                final_sale=line.final_sale,
                returned_quantity=line.online_returned_quantity + line.store_returned_quantity,
                gift_code=line.gift_code,
            )
            for line in lines
        ],
        payments=[proto.Payment.model_validate(p) for p in order.payments],
    )


def _orders_with_lines(session: Session, orders: list[CentralOrder]) -> list[proto.Order]:
    numbers = [o.number for o in orders]
    by_order: dict[str, list[CentralOrderLine]] = {n: [] for n in numbers}
    if numbers:
        for line in session.execute(
            select(CentralOrderLine)
            .where(CentralOrderLine.order_number.in_(numbers))
            .order_by(CentralOrderLine.order_number, CentralOrderLine.line_no)
        ).scalars():
            by_order[line.order_number].append(line)
    return [_order_out(o, by_order[o.number]) for o in orders]


def _rows_after(
    session: Session, model: Any, cursor: int, limit: int, *conditions: Any
) -> list[Any]:
    """One page of a pull: rows changed after `cursor`, in change order, plus one more to
    tell whether another page follows."""
    query = select(model).where(model.seq > cursor, *conditions)
    return list(session.execute(query.order_by(model.seq).limit(limit + 1)).scalars())


def pull_orders(engine: Engine, store: str, cursor: int, limit: int) -> proto.Page[proto.Order]:
    """Online orders (returnable anywhere) and this store's own orders, by change number."""
    with Session(engine) as session:
        orders = _rows_after(
            session,
            CentralOrder,
            cursor,
            limit,
            or_(CentralOrder.store.is_(None), CentralOrder.store == store),
        )
        items = _orders_with_lines(session, orders)
        return _page(items, [o.seq for o in orders], cursor, limit)


def get_order(engine: Engine, number: str) -> proto.Order | None:
    """Live lookup of any order of the company (a store may take back another's sale)."""
    with Session(engine) as session:
        order = session.get(CentralOrder, number)
        if order is None:
            return None
        return _orders_with_lines(session, [order])[0]


def pull_catalog(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.CatalogItem]:
    with Session(engine) as session:
        rows = _rows_after(session, CatalogProduct, cursor, limit)
        history = price_history(session, [r.sku for r in rows])
        items = [
            proto.CatalogItem(
                sku=r.sku,
                name=r.name,
                category=r.category,
                barcodes=list(r.barcodes),
                serialised=r.serialised,
                price_minor=r.price_minor,
                currency=r.currency,
                vendor=r.vendor,
                style=r.style,
                size=r.size,
                colour=r.colour,
                image_base64=r.image_base64,
                prices=[
                    proto.PricePoint(effective_from=when, price_minor=price)  # type: ignore[arg-type]
                    for when, price in history.get(r.sku, [])[-MAX_PRICE_POINTS:]
                ],
            )
            for r in rows
        ]
        seqs = [r.seq for r in rows]
        keep = _fits(items, limit)
        if keep < min(len(items), limit):  # pictures fill this page: the rest comes next
            page = proto.Page[proto.CatalogItem]
            return page(items=items[:keep], next_cursor=str(seqs[keep - 1]), has_more=True)
        return _page(items, seqs, cursor, limit)


def _fits(items: list[proto.CatalogItem], limit: int) -> int:
    """How many of a page's first items fit MAX_IMAGE_PAGE_CHARS of pictures (at least
    one), so a page of large pictures stays far below what a store reads in one answer."""
    total = 0
    for index, item in enumerate(items[:limit]):
        total += len(item.image_base64 or "")
        if index and total > MAX_IMAGE_PAGE_CHARS:
            return index
    return min(len(items), limit)





def price_history(session: Session, skus: Iterable[str]) -> dict[str, list[tuple[datetime, int]]]:
    """(effective_from, price) per SKU, oldest first."""
    wanted = sorted(set(skus))
    history: dict[str, list[tuple[datetime, int]]] = {}
    if wanted:
        for sku, when, price in session.execute(
            select(CatalogPrice.sku, CatalogPrice.effective_from, CatalogPrice.price_minor)
            .where(CatalogPrice.sku.in_(wanted))
            .order_by(CatalogPrice.sku, CatalogPrice.effective_from)
        ):
            history.setdefault(sku, []).append((utc(when), price))
    return history


def pull_policies(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.PolicyVersion]:
    with Session(engine) as session:
        rows = _rows_after(session, Policy, cursor, limit)
        items = [
            proto.PolicyVersion(
                version=r.version,
                published_at=aware(r.published_at),  # type: ignore[arg-type]
                toml=r.toml,
            )
            for r in rows
        ]
        return _page(items, [r.seq for r in rows], cursor, limit)


def pull_staff(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.StaffMember]:
    """This store's own and the travelling staff, and the accounts taken from it (disabled),
    in change order."""
    with Session(engine) as session:
        rows = _rows_after(
            session,
            StaffAccount,
            cursor,
            limit,
            or_(StaffAccount.travelling.is_(True), StaffAccount.store == store),
        )
        gone = _rows_after(session, StaffWithdrawal, cursor, limit, StaffWithdrawal.store == store)
        merged = sorted([*rows, *gone], key=lambda r: r.seq)[: limit + 1]
        items = [
            proto.StaffMember(
                username=r.username,
                display_name=r.display_name,
                role=r.role,
                pin_hash=r.pin_hash,
                active=r.active if isinstance(r, StaffAccount) else False,
            )
            for r in merged
        ]
        return _page(items, [r.seq for r in merged], cursor, limit)


def pull_settlements(
    engine: Engine, store: str, cursor: int, limit: int
) -> proto.Page[proto.Settlement]:
    with Session(engine) as session:
        rows = _rows_after(
            session, SettlementRecord, cursor, limit, SettlementRecord.store == store
        )
        items = [
            proto.Settlement(
                return_ref=r.return_ref,
                tender=r.tender,  # type: ignore[arg-type]
                amount_minor=r.amount_minor,
                settled_at=aware(r.settled_at),  # type: ignore[arg-type]
                gateway_ref=r.gateway_ref,
            )
            for r in rows
        ]
        return _page(items, [r.seq for r in rows], cursor, limit)
