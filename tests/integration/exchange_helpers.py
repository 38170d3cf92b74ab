"""A store with variants and stock on the shelf, for the exchange tests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from counter_app import sync_protocol as proto
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.draft import ReturnDraft
from counter_app.services.demo_exchange import receive_stock
from counter_app.services.unit_of_work import UnitOfWork
from tests.factories import Store

# The scarf comes in three sizes (one style); the T-shirt is its own style.
VARIANTS = [
    # sku, name, price, barcode, style, size, colour
    ("APP-1", "Wool Scarf", 2500, "2000000000015", "SCARF", "M", "Grey"),
    ("APP-3", "Wool Scarf L", 2700, "2000000000084", "SCARF", "L", "Grey"),
    ("APP-4", "羊毛围巾 红色", 2500, "2000000000091", "SCARF", "M", "红色"),
]
SHELF = {"APP-1": 5, "APP-2": 5, "APP-3": 5, "APP-4": 1, "HOM-1": 5, "GFT-1": 5}


def add_variants(store: Store, now: datetime) -> None:
    """The scarf's sizes and colours, and stock on the sellable shelf."""
    with UnitOfWork(store.engine, write=True) as uow:
        c = uow.conn
        for sku, name, price, barcode, style, size, colour in VARIANTS:
            if sku == "APP-1":
                c.execute(
                    update(t.products)
                    .where(t.products.c.sku == sku)
                    .values(style=style, size=size, colour=colour)
                )
                continue
            repo.insert_many(
                c,
                t.products,
                [{"sku": sku, "name": name, "category": "apparel", "serialised": False,
                 "price_minor": price, "currency": "USD", "vendor": "Acme", "style": style,
                 "size": size, "colour": colour}],
            )  # fmt: skip
            repo.insert_many(c, t.product_barcodes, [{"barcode": barcode, "sku": sku}])
        receive_stock(c, list(SHELF.items()), at=now, store="S001", actor="test")
        uow.commit()


def inspected(store: Store, number: str, picks: list[tuple[int, int]]) -> ReturnDraft:
    """A draft of order `number` with (line_no, quantity) picked, inspected and decided."""
    desk = store.desk
    draft = desk.start_return(desk.find_order(number), store.user("alice"))
    for line_no, qty in picks:
        desk.select_line(draft, line_no, qty)
        desk.record_inspection(draft, line_no, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    return draft


def on_hand(engine: Engine, sku: str, location: str = "sellable") -> int:
    s = t.stock_levels.c
    with engine.connect() as conn:
        found = conn.execute(select(s.on_hand).where(s.sku == sku, s.location == location)).scalar()
    return int(found or 0)


def outbox(engine: Engine, kind: str) -> list[dict[str, Any]]:
    """The outbox's messages of `kind`, as the wire sends them (checked by the protocol)."""
    o = t.outbox.c
    with engine.connect() as conn:
        rows = conn.execute(select(o.kind, o.payload_json).where(o.kind == kind)).all()
    out = []
    for row in rows:
        wire = json.loads(row.payload_json)  # the message as it goes on the wire
        parsed = proto.MESSAGE.validate_python(wire)
        assert parsed.kind == row.kind
        if kind == "exchange.sale":  # exactly the protocol's fields, nothing more
            payload: Any = parsed.payload
            assert not payload.model_extra
            assert not any(x.model_extra for x in [*payload.lines, *payload.payments])
        out.append(wire["payload"])
    return out


def payments_of(engine: Engine, number: str) -> list[tuple[str, int, int, str | None]]:
    """(tender, amount, refunded, approval code) of the order's payments."""
    p, o = t.payments.c, t.orders.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.tender, p.amount_minor, p.refunded_minor, p.approval_code)
            .join(t.orders, o.id == p.order_id)
            .where(o.number == number)
            .order_by(p.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def refunds_of(engine: Engine, return_id: int) -> dict[str, int]:
    r = t.refunds.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(r.tender, func.sum(r.amount_minor))
            .where(r.return_id == return_id)
            .group_by(r.tender)
        ).all()
    return {str(k): int(v) for k, v in rows}
