"""`counter-app receipt ORDER --gift`: a gift receipt, with a gift code for every line.

A line head office gave a gift code keeps it; a line without one gets a new random code
(`domain.gift.new_gift_code`), stored on the line under its unique constraint and sent to
head office as one ``gift_receipt.issued`` message per receipt (with its audit entry), in
the same transaction. Printing the receipt again prints the same codes. Lines already
returned in full are left off: there is nothing left to give back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from counter_app.adapters.db import gifts
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db.repository import OutboxMessage
from counter_app.domain.gift import new_gift_code
from counter_app.domain.gift_receipt import GiftLine, GiftReceiptData, build_gift_receipt
from counter_app.domain.model import Order, OrderLine
from counter_app.domain.print_blocks import Document
from counter_app.domain.zones import local_date, pick_zone
from counter_app.services.clock import Clock
from counter_app.services.errors import NotFound, NotRefundable
from counter_app.services.receipts import _store_info
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_code, printable

DRAWS = 8  # a clash of 50 random bits is already rare; eight in a row is a broken generator


@dataclass(frozen=True)
class GiftReceipt:
    data: GiftReceiptData
    issued: tuple[tuple[int, str], ...]  # (line no., code) made for this receipt

    def document(self) -> Document:
        return build_gift_receipt(self.data)


def _fresh_code(conn: Connection) -> str:
    for _ in range(DRAWS):
        code = new_gift_code()
        if not gifts.gift_code_taken(conn, code):
            return code
    raise RuntimeError("could not draw an unused gift code")


def _line_code(conn: Connection, line: OrderLine) -> tuple[str, bool]:
    """The line's gift code, made and stored now if it has none (True: made now)."""
    if line.gift_code:
        return line.gift_code, False
    code = _fresh_code(conn)
    if gifts.set_line_gift_code(conn, line.id, code):
        return code, True
    return gifts.line_gift_code(conn, line.id) or code, False  # another counter was first


def issue_gift_receipt(
    engine: Engine,
    clock: Clock,
    *,
    order_number: str,
    store_code: str,
    actor: str,
    language: str = "en",
    timezone: str = "",
) -> GiftReceipt:
    """The gift receipt of `order_number`; codes made for it are stored and queued."""
    number = clean_code(order_number, "order number")
    now = clock.now()
    with UnitOfWork(engine, write=True) as uow:
        order = repo.load_order_by_number(uow.conn, number)
        if order is None:
            raise NotFound(f"No order {printable(number)} in this store's records.")
        lines, issued = [], []
        for line in order.lines:
            if line.returnable_quantity <= 0:
                continue
            code, made = _line_code(uow.conn, line)
            qty = line.returnable_quantity
            lines.append(GiftLine(line.name, line.sku, qty, code))
            if made:
                issued.append((line.line_no, code))
        if not lines:
            raise NotRefundable(f"Every item of order {order.number} was already returned.")
        if issued:
            _publish(uow.conn, order, issued, store_code, actor, now)
        uow.commit()
    store, tz = _store_info(engine, store_code)
    zone = pick_zone(timezone, tz)
    data = GiftReceiptData(
        store=store,
        order_number=order.number,
        order_date=local_date(order.placed_at, zone),
        printed_at=now,
        timezone=zone,
        lines=tuple(lines),
        language=language,
    )
    return GiftReceipt(data, tuple(issued))


def _publish(
    conn: Connection,
    order: Order,
    issued: list[tuple[int, str]],
    store_code: str,
    actor: str,
    now: datetime,
) -> None:
    payload = {
        "order_number": order.number,
        "lines": [{"line_no": no, "gift_code": code} for no, code in issued],
    }
    repo.append_audit_published(
        conn,
        at=now,
        actor=actor,
        action="gift_receipt.issued",
        subject=order.number,
        data=payload,
        store=store_code,
        before=[OutboxMessage("gift_receipt.issued", payload)],
    )
