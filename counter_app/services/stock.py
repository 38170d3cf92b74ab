"""Returned stock: what came back, by disposition, and moving it between dispositions.

Returns put stock in four places (``stock_movements.location``): ``sellable`` (restocked as
new), ``open_box`` (under its own ``-OB`` SKU, with a shelf label), ``vendor`` (return to
vendor) and ``scrap``. A manager may move units between them — a second look finds the
"defective" earbuds fine, the open-box lamp goes back to the vendor. Every move is two
stock movements (out of one place, into the other) with the manager's reason, an audit
entry and ``stock.movement`` messages for head office, all in one transaction; on-hand stock
stays the sum of the movements because `repository.record_stock_movements` is the
only writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.repository import StockMove
from counter_app.domain.model import User
from counter_app.domain.spreadsheet import csv_text
from counter_app.domain.stock import LOCATIONS as LOCATIONS  # the screens list them
from counter_app.domain.stock import OPEN_BOX_PRICE_PERCENT
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, NotFound, OverrideRefused
from counter_app.services.receipts import parse_label_subject
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_text, printable

LOCATION_NAMES = {
    "sellable": "Restocked",
    "open_box": "Open box",
    "vendor": "Return to vendor",
    "scrap": "Scrap",
}
MOVE_CAUSE = "disposition_change"


@dataclass(frozen=True)
class StockLine:
    sku: str
    name: str
    category: str
    vendor: str
    location: str
    on_hand: int
    price_minor: int
    currency: str
    open_box_of: str | None

    @property
    def value_minor(self) -> int:
        return self.on_hand * self.price_minor


@dataclass(frozen=True)
class ReceivedItem:
    """One return movement: a line of a return that went to `location`."""

    movement_id: int
    received_at: datetime
    ref: str
    line_no: int | None
    sku: str  # the stock SKU (the -OB SKU for open box)
    original_sku: str
    name: str
    vendor: str
    location: str
    quantity: int
    condition: str
    reason_code: str

    @property
    def label_subject(self) -> str | None:
        """The shelf-label print subject (REF#LINE) of an open-box item."""
        if self.location != "open_box" or self.line_no is None:
            return None
        return f"{self.ref}#{self.line_no}"


@dataclass(frozen=True)
class Move:
    from_sku: str
    to_sku: str
    from_location: str
    to_location: str
    quantity: int
    reason: str
    at: datetime
    label_job_id: int | None = None


def _location(value: str) -> str:
    if value not in LOCATIONS:
        raise BadInput(f"'{printable(value[:20])}' is not a stock place: {', '.join(LOCATIONS)}.")
    return value


def stock_on_hand(engine: Engine, location: str | None = None) -> list[StockLine]:
    """Units on hand per SKU and place (non-zero only), by place then SKU."""
    s, p = t.stock_levels.c, t.products.c
    query = (
        select(
            s.sku,
            p.name,
            p.category,
            p.vendor,
            s.location,
            s.on_hand,
            p.price_minor,
            p.currency,
            p.open_box_of,
        )
        .join(t.products, p.sku == s.sku)
        .where(s.on_hand != 0)
        .order_by(s.location, s.sku)
    )
    if location is not None:
        query = query.where(s.location == _location(location))
    with UnitOfWork(engine) as uow:
        return [StockLine(*row) for row in uow.conn.execute(query).all()]


def _received_query(
    location: str | None, since: datetime | None, until: datetime | None, limit: int
) -> Any:
    m, r, p = t.stock_movements.c, t.returns.c, t.products.c
    query = (
        select(
            m.id,
            m.created_at,
            r.ref,
            m.return_id,
            m.sku,
            func.coalesce(p.open_box_of, m.sku),
            p.name,
            p.vendor,
            m.location,
            m.quantity,
        )
        .select_from(
            t.stock_movements.join(t.returns, r.id == m.return_id).join(t.products, p.sku == m.sku)
        )
        .where(m.cause == "return")
        .order_by(m.created_at.desc(), m.id.desc())
        .limit(limit)
    )
    if location is not None:
        query = query.where(m.location == _location(location))
    if since is not None:
        query = query.where(m.created_at >= since)
    if until is not None:
        query = query.where(m.created_at < until)
    return query


def _return_lines_of(
    conn: Connection, return_ids: set[int]
) -> dict[tuple[int, str], list[tuple[int, str, str]]]:
    """(return id, sku) -> [(line no, condition, reason)] of those returns, in line order."""
    rl = t.return_lines.c
    lines: dict[tuple[int, str], list[tuple[int, str, str]]] = {}
    if return_ids:
        for rid, sku, line_no, condition, reason in conn.execute(
            select(rl.return_id, rl.sku, rl.line_no, rl.condition, rl.reason_code)
            .where(rl.return_id.in_(return_ids))
            .order_by(rl.return_id, rl.line_no)
        ):
            lines.setdefault((rid, sku), []).append((line_no, condition, reason))
    return lines


def received_items(
    engine: Engine,
    location: str | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[ReceivedItem]:
    """What returns brought in, newest first (optionally one place and a period)."""
    query = _received_query(location, since, until, limit)
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(query).all()
        lines = _return_lines_of(uow.conn, {row[3] for row in rows})
    out = []
    for mid, at, ref, rid, sku, original, name, vendor, location_, qty in rows:
        candidates = lines.get((rid, original), [])
        line_no, condition, reason = candidates[0] if candidates else (None, "", "")
        out.append(
            ReceivedItem(
                mid,
                at,
                ref,
                line_no,
                sku,
                original,
                name,
                vendor,
                location_,
                qty,
                condition,
                reason,
            )
        )
    return out


@dataclass(frozen=True)
class VendorLine:
    vendor: str
    sku: str
    name: str
    units: int
    value_minor: int
    currency: str


def vendor_returns(engine: Engine) -> list[VendorLine]:
    """Units waiting to go back to each vendor, valued at the product price."""
    s, p = t.stock_levels.c, t.products.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(
            select(
                p.vendor,
                s.sku,
                p.name,
                func.sum(s.on_hand),
                func.sum(s.on_hand * p.price_minor),
                p.currency,
            )
            .join(t.products, p.sku == s.sku)
            .where(s.location == "vendor", s.on_hand > 0)
            .group_by(p.vendor, s.sku, p.name, p.currency)
            .order_by(p.vendor, s.sku)
        ).all()
    return [VendorLine(str(v or ""), sku, n, int(u), int(val), c) for v, sku, n, u, val, c in rows]


def vendor_csv(lines: list[VendorLine], vendor: str | None = None) -> str:
    """The return-to-vendor list as CSV (one vendor, or all)."""
    header = ["Vendor", "SKU", "Product", "Units", "Value", "Currency"]
    rows = [
        [line.vendor, line.sku, line.name, line.units, _decimal(line.value_minor), line.currency]
        for line in lines
        if vendor is None or line.vendor == vendor
    ]
    return csv_text(header, rows)


def _decimal(minor: int) -> str:
    units, cents = divmod(minor, 100)
    return f"{units}.{cents:02d}"


def _check_move(
    manager: User,
    from_location: str,
    to_location: str,
    quantity: int,
    reason: str,
    label_subject: str | None,
) -> str:
    """Refuse a move that cannot be right; the cleaned reason."""
    if not manager.can_approve:
        raise OverrideRefused(f"{manager.display_name} is not a manager and cannot move stock.")
    _location(from_location)
    _location(to_location)
    if from_location == to_location:
        raise BadInput("Pick a different place to move the stock to.")
    if not isinstance(quantity, int) or quantity < 1 or quantity > 1_000_000:
        raise BadInput("The quantity to move must be at least 1.")
    reason = clean_text(reason, "reason", 200, multiline=False)
    if not reason:
        raise BadInput("Give a reason for the move.")
    if label_subject is not None:
        parse_label_subject(label_subject)
    return reason


def _target_sku(conn: Connection, sku: str, from_location: str, to_location: str, qty: int) -> str:
    """The SKU the units become in `to_location`, once enough are known to be on hand."""
    s, p = t.stock_levels.c, t.products.c
    product = conn.execute(select(p.sku, p.open_box_of).where(p.sku == sku)).first()
    if product is None:
        raise NotFound(f"There is no product {printable(sku[:64])}.")
    level_q = select(s.on_hand).where(and_(s.sku == sku, s.location == from_location))
    if conn.dialect.name == "postgresql":
        level_q = level_q.with_for_update()  # two managers moving the same units
    on_hand = int(conn.execute(level_q).scalar() or 0)
    if on_hand < qty:
        raise BadInput(
            f"Only {on_hand} of {printable(sku)} are in {LOCATION_NAMES[from_location]}."
        )
    if to_location == "open_box" and product.open_box_of is None:
        return repo.ensure_open_box_product(conn, sku, OPEN_BOX_PRICE_PERCENT)
    if to_location == "sellable" and product.open_box_of is not None:
        return str(product.open_box_of)
    return sku


def move_stock(
    engine: Engine,
    clock: Clock,
    *,
    manager: User,
    sku: str,
    from_location: str,
    to_location: str,
    quantity: int,
    reason: str,
    store_code: str,
    counter_code: str,
    label_subject: str | None = None,
) -> Move:
    """Move units between dispositions: two movements, audit, head-office messages, at once.

    Into ``open_box`` the units become the product's open-box SKU (created on first use);
    out of ``open_box`` into ``sellable`` they become the original SKU again. `label_subject`
    (REF#LINE of the return the units came with) queues their shelf label in the same
    transaction.
    """
    reason = _check_move(manager, from_location, to_location, quantity, reason, label_subject)
    now = clock.now()
    with UnitOfWork(engine, write=True) as uow:
        conn = uow.conn
        to_sku = _target_sku(conn, sku, from_location, to_location, quantity)
        message = {"ref": None, "note": reason, "manager": manager.username}
        moves = [
            StockMove(sku, from_location, -quantity, MOVE_CAUSE, message, note=reason),
            StockMove(to_sku, to_location, quantity, MOVE_CAUSE, message, note=reason),
        ]
        repo.record_stock_movements(conn, moves, at=now, store=store_code)
        data = {
            "sku": sku,
            "to_sku": to_sku,
            "from": from_location,
            "to": to_location,
            "quantity": quantity,
            "reason": reason,
        }
        repo.append_audit_published(
            conn,
            at=now,
            actor=manager.username,
            action="stock.moved",
            subject=sku,
            data=data,
            store=store_code,
        )
        job_id = None
        if label_subject is not None and to_location == "open_box":
            job_id = repo.add_print_job(
                conn, kind="shelf_label", subject=label_subject, at=now, counter=counter_code
            )
        uow.commit()
    return Move(sku, to_sku, from_location, to_location, quantity, reason, now, job_id)


def reprint_label(
    engine: Engine, clock: Clock, *, subject: str, counter_code: str, actor: str
) -> int:
    """Queue the open-box shelf label of return line ``REF#LINE`` again (audited)."""
    ref, line_no = parse_label_subject(subject)
    r, rl = t.returns.c, t.return_lines.c
    now = clock.now()
    with UnitOfWork(engine, write=True) as uow:
        found = uow.conn.execute(
            select(rl.id)
            .join(t.returns, r.id == rl.return_id)
            .where(r.ref == ref, rl.line_no == line_no)
        ).first()
        if found is None:
            raise NotFound(f"No line {line_no} on return {printable(ref)}.")
        job_id = repo.add_print_job(
            uow.conn, kind="shelf_label", subject=subject, at=now, counter=counter_code
        )
        repo.append_audit(
            uow.conn, at=now, actor=actor, action="label.reprint", subject=subject, data={}
        )
        uow.commit()
    return job_id


def movements_sum(engine: Engine) -> dict[tuple[str, str], int]:
    """(sku, place) -> sum of all movements: what on-hand must equal."""
    m = t.stock_movements.c
    with UnitOfWork(engine) as uow:
        return {
            (sku, loc): int(total)
            for sku, loc, total in uow.conn.execute(
                select(m.sku, m.location, func.sum(m.quantity)).group_by(m.sku, m.location)
            ).all()
        }
