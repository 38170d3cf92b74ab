"""Gift codes arriving with orders — the orders pull's applier and `orders import` — and the
0004_gift upgrade from the previous revision's data, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.migrate import upgrade
from counter_app.services.imports import import_catalog, import_orders
from counter_app.services.sync_apply import apply_order
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.sync_protocol import Order
from tests.conftest import NOW
from tests.integration.test_imports import EXAMPLES, example_lines, refused, write
from tests.store_revisions import BOTH_DATABASES, store_before

A, B = "G-7K3M9QX2PA", "G-00000000ZZ"


@pytest.fixture
def catalogued(store_engine: Engine) -> Engine:
    import_catalog(store_engine, EXAMPLES / "catalog.jsonl")
    return store_engine


def _orders(codes: dict[tuple[int, int], str]) -> list[dict[str, Any]]:
    items = copy.deepcopy(example_lines("orders.jsonl"))
    for (i, line_no), code in codes.items():
        items[i]["lines"][line_no - 1]["gift_code"] = code
    return items


def _codes(engine: Engine) -> dict[tuple[str, int], str | None]:
    ln, o = t.order_lines.c, t.orders.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(
            select(o.number, ln.line_no, ln.gift_code).join(t.orders, o.id == ln.order_id)
        )
        return {(r[0], r[1]): r[2] for r in rows}


def test_orders_import_keeps_gift_codes_and_refuses_bad_ones(
    catalogued: Engine, tmp_path: Path
) -> None:
    bad = refused(catalogued, write(tmp_path / "bad.jsonl", _orders({(0, 1): "G-12345"})))
    assert bad == ["bad.jsonl, line 1, field 'lines.0.gift_code': is not a gift-receipt code "
                   "(G- and 10 Crockford base32 characters, e.g. G-7K3M9QX2PA)"]  # fmt: skip
    twice = refused(catalogued, write(tmp_path / "b.jsonl", _orders({(0, 1): A, (1, 1): A})))
    assert len(twice) == 1 and "already the gift code of order POS-1001 line 1" in twice[0]
    import_orders(catalogued, write(tmp_path / "ok.jsonl", _orders({(0, 2): A, (1, 1): B})))
    assert _codes(catalogued) == {("POS-1001", 1): None, ("POS-1001", 2): A, ("POS-1002", 1): B}
    again = refused(catalogued, write(tmp_path / "c.jsonl", [_orders({(0, 1): B})[0]]))
    assert "already the gift code of order POS-1002 line 1" in again[0]


def test_the_pull_gives_a_line_its_code_once_and_never_moves_one(store_engine: Engine) -> None:
    import_catalog(store_engine, EXAMPLES / "catalog.jsonl")
    items = [Order.model_validate(i).model_dump(mode="json") for i in _orders({})]
    with UnitOfWork(store_engine, write=True) as uow:
        apply_order(uow.conn, items[0])
        apply_order(uow.conn, items[1])
        uow.commit()
    assert set(_codes(store_engine).values()) == {None}
    later = _orders({(0, 1): A, (1, 1): A})  # head office issued A later; a bad page reuses it
    with UnitOfWork(store_engine, write=True) as uow:
        apply_order(uow.conn, later[0])
        apply_order(uow.conn, later[1])  # A is on POS-1001 line 1: not moved, not copied
        apply_order(uow.conn, _orders({(0, 1): B})[0])  # a line keeps its first code
        uow.commit()
    assert _codes(store_engine) == {("POS-1001", 1): A, ("POS-1001", 2): None,
                                    ("POS-1002", 1): None}  # fmt: skip


@pytest.fixture(params=BOTH_DATABASES)
def previous_revision_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store at the revision before 0004_gift."""
    yield from store_before("0004_gift", request, tmp_path)


def test_upgrade_keeps_order_and_return_lines_without_gift_codes(
    previous_revision_store: Engine,
) -> None:
    engine = previous_revision_store
    meta = MetaData()
    old = {n: Table(n, meta, autoload_with=engine) for n in
           ("products", "orders", "order_lines", "users", "returns", "return_lines")}  # fmt: skip
    assert "gift_code" not in old["order_lines"].c and "gift_code" not in old["return_lines"].c
    with engine.begin() as conn:
        conn.execute(insert(old["products"]), [{"sku": "S1", "name": "围巾", "category": "apparel",
                     "serialised": False, "price_minor": 900, "currency": "USD", "vendor": ""}])
        conn.execute(insert(old["orders"]), [{"id": 1, "number": "O-1", "channel": "store",
                     "placed_at": NOW, "currency": "USD"}])
        conn.execute(insert(old["order_lines"]), [
            {"id": n, "order_id": 1, "line_no": n, "sku": "S1", "quantity": 1,
             "unit_price_minor": 900, "discount_minor": 0, "tax_minor": 0, "paid_minor": 900,
             "final_sale": False, "returned_quantity": n - 1, "refunded_minor": 900 * (n - 1)}
            for n in (1, 2)])
        conn.execute(insert(old["users"]), [{"id": 1, "username": "a", "display_name": "A",
                     "role": "cashier", "pin_hash": "x", "active": True, "failed_attempts": 0,
                     "lockouts": 0}])
        conn.execute(insert(old["returns"]), [{"id": 1, "ref": "R-1", "order_id": 1,
                     "store_code": "S001", "counter_code": "C1", "cashier_id": 1,
                     "created_at": NOW, "currency": "USD", "total_refund_minor": 900,
                     "tender_choice": "original", "policy_version": "v", "draft_id": "d1",
                     **({"kind": "order"} if "kind" in old["returns"].c else {})}])
        conn.execute(insert(old["return_lines"]), [{"return_id": 1, "order_line_id": 2,
                     "line_no": 2, "sku": "S1", "quantity": 1, "refund_minor": 900,
                     "fee_minor": 0, "reason_code": "r", "condition": "new", "notes": "",
                     "feedback": "", "outcome": "approve", "disposition": "restock_new",
                     "reasons_json": "[]"}])  # fmt: skip
    upgrade(engine)
    with UnitOfWork(engine, write=True) as uow:
        lines = uow.conn.execute(select(t.order_lines.c.line_no, t.order_lines.c.gift_code,
                                        t.order_lines.c.refunded_minor)).all()  # fmt: skip
        rl = uow.conn.execute(select(t.return_lines.c.gift_code, t.return_lines.c.refund_minor))
        assert sorted(lines) == [(1, None, 0), (2, None, 900)]
        assert list(rl) == [(None, 900)]
        # both columns are unique from now on; many lines without a code are fine
        uow.conn.execute(t.order_lines.update().where(t.order_lines.c.id == 1).values(
            gift_code=A))  # fmt: skip
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"), uow.conn.begin_nested():
            uow.conn.execute(t.order_lines.update().where(t.order_lines.c.id == 2).values(
                gift_code=A))  # fmt: skip
