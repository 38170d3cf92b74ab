"""The demo store's exchanges: apparel variants (style, size, colour) with stock on the
shelf, and one even, one refundable and one balance-owed exchange through the real desk.

Apparel products of one noun ("T-Shirt Black", "T-Shirt White"...) are one style in
several colours; the returned items also get an "L" size variant. The even exchange swaps
for the L priced at what was paid (a demo has to make the sums meet exactly).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import StockMove
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.model import Order, OrderLine
from counter_app.services import auth
from counter_app.services.clock import Clock, FixedClock
from counter_app.services.errors import CounterError
from counter_app.services.unit_of_work import UnitOfWork

SHELF_UNITS = 4
_NOUNS = 10  # apparel nouns in the demo catalog (demo._CATALOG["apparel"])
_ZH_COLOURS = ("黑色", "白色", "藏青", "红色", "灰色", "绿色", "米色")


def receive_stock(
    conn: Connection, units: list[tuple[str, int]], *, at: datetime, store: str, actor: str
) -> None:
    """Units received onto the sellable shelf, each movement with its audit entry (the audit
    check explains every movement)."""
    moves = [StockMove(sku, "sellable", n, "received", {}, note="received") for sku, n in units]
    repo.record_stock_movements(conn, moves, at=at, store=store)
    for sku, n in units:
        data = {"sku": sku, "location": "sellable", "quantity": n}
        repo.append_audit(conn, at=at, actor=actor, action="stock.received", subject=sku, data=data)


def _style_of(sku: str, name: str) -> tuple[str, str, str]:
    """(style, size, colour) of demo apparel product `sku` named `name`."""
    i = int(sku.split("-")[1]) - 1
    if name[:2] in _ZH_COLOURS:
        return f"ST-ZH-{name[2:]}", "M", name[:2]
    noun, _, colour = name.rpartition(" ")
    return f"ST-{i % _NOUNS:02d}-{noun}", "M", colour


def _variants_and_stock(engine: Engine, now: datetime, store: str) -> None:
    p = t.products.c
    with UnitOfWork(engine, write=True) as uow:
        rows = uow.conn.execute(
            select(p.sku, p.name).where(p.category == "apparel", p.open_box_of.is_(None))
        ).all()
        for sku, name in rows:
            style, size, colour = _style_of(sku, name)
            uow.conn.execute(
                update(t.products).where(p.sku == sku).values(style=style, size=size, colour=colour)
            )
        units = [(sku, SHELF_UNITS) for sku, _ in rows]
        receive_stock(uow.conn, units, at=now, store=store, actor="demo")
        uow.commit()


def _size_l(engine: Engine, line: OrderLine, price: int, now: datetime, store: str) -> str:
    """An L of the returned product (same style and colour) at `price`; its barcode."""
    p = t.products.c
    sku = f"{line.sku}-L"
    with UnitOfWork(engine, write=True) as uow:
        style, colour = uow.conn.execute(select(p.style, p.colour).where(p.sku == line.sku)).one()
        repo.insert_many(
            uow.conn,
            t.products,
            [{"sku": sku, "name": f"{line.name} L", "category": "apparel", "serialised": False,
              "price_minor": price, "currency": "USD", "vendor": line.vendor or "",
              "style": style, "size": "L", "colour": colour}],
        )  # fmt: skip
        repo.insert_many(uow.conn, t.product_barcodes, [{"barcode": sku, "sku": sku}])
        receive_stock(uow.conn, [(sku, SHELF_UNITS)], at=now, store=store, actor="demo")
        uow.commit()
    return sku


def _candidates(desk: Any, engine: Engine, now: datetime) -> list[Order]:
    """Recent store orders whose first line is one unit of apparel, oldest number first."""
    o, ol, p = t.orders.c, t.order_lines.c, t.products.c
    with UnitOfWork(engine) as uow:
        numbers = uow.conn.execute(
            select(o.number)
            .join(t.order_lines, ol.order_id == o.id)
            .join(t.products, p.sku == ol.sku)
            .where(ol.line_no == 1, ol.quantity == 1, ol.returned_quantity == 0)
            .where(p.category == "apparel", o.number.like("O-%"))
            .where(o.placed_at > now - timedelta(days=20), o.placed_at < now - timedelta(days=1))
            .order_by(o.number)
            .limit(40)
        ).scalars()
        return [desk.find_order(n) for n in list(numbers)]


def _price_of(engine: Engine, barcode: str) -> int:
    with UnitOfWork(engine) as uow:
        sku = repo.sku_for_barcode(uow.conn, barcode)
        found = uow.conn.execute(
            select(t.products.c.price_minor).where(t.products.c.sku == sku)
        ).scalar()
    return int(found or 0)


def _chinese_dearer(engine: Engine, refund: int) -> str | None:
    """A Chinese-named apparel product dearer than `refund` (the balance-owed swap)."""
    p, b = t.products.c, t.product_barcodes.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(
            select(b.barcode, p.name)
            .join(t.products, p.sku == b.sku)
            .where(p.category == "apparel", p.price_minor > refund)
            .order_by(p.sku)
        ).all()
    return next((str(code) for code, name in rows if not name.isascii()), None)


def _pick(desk: Any, draft: Any, refund: int, want: str) -> str | None:
    """A variant (Chinese-named first) cheaper ("cheaper") or dearer ("dearer") than refund."""
    if want == "dearer":
        return _chinese_dearer(desk.engine, refund)
    found = desk.variants(draft, 1)
    found.sort(key=lambda v: (v.name.isascii(), v.sku))
    for v in found:
        ok = v.price.minor < refund if want == "cheaper" else v.price.minor > refund
        if v.on_hand > 0 and v.barcode and ok and v.sku != draft.order.lines[0].sku:
            return str(v.barcode)
    return None


def _catch_up_sequences(engine: Engine) -> None:
    """The demo wrote orders, lines and payments with explicit ids: on PostgreSQL their id
    sequences must be moved past them before the exchange sales insert rows of their own."""
    if engine.dialect.name != "postgresql":
        return
    with UnitOfWork(engine, write=True) as uow:
        for table in ("orders", "order_lines", "payments"):
            uow.conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )
        uow.commit()


def demo_exchanges(engine: Engine, now: datetime, desk_factory: Callable[[Clock], Any]) -> int:
    """Variants and stock, then one exchange of each outcome; the number committed."""
    _catch_up_sequences(engine)
    clock = FixedClock(now)
    desk = desk_factory(clock)
    store = desk.store_code
    _variants_and_stock(engine, now, store)
    cashier = auth.authenticate(engine, clock, "alice", "1234")
    todo = ["even", "refundable", "balance_owed"]
    for order in _candidates(desk, engine, now):
        if not todo:
            break
        try:
            draft = desk.start_return(order, cashier)
            desk.select_line(draft, 1, 1)
            desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
            desk.evaluate(draft)
            summary = desk.refund_summary(draft)
            if summary.blocked or "exchange" not in summary.tenders_allowed:
                continue
            refund = summary.total.minor
            if todo[0] == "even":
                barcode: str | None = _size_l(engine, order.lines[0], refund, now, store)
            else:
                want = "cheaper" if todo[0] == "refundable" else "dearer"
                barcode = _pick(desk, draft, refund, want)
            if barcode is None or not _price_of(engine, barcode):
                continue
            desk.add_replacement(draft, barcode)
            balance = None
            if todo[0] == "balance_owed":
                balance = BalancePayment.card("Visa", "4242", "DEMO01")
            tender = "original" if "original" in summary.tenders_allowed else "store_credit"
            committed = desk.commit_return(draft, tender, balance)
            if committed.exchange is not None and committed.exchange.kind == todo[0]:
                todo.pop(0)
        except CounterError:
            continue
    return 3 - len(todo)
