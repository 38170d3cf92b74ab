"""Returned stock: received by disposition, moves keep on-hand = sum of movements."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.services.errors import BadInput, OverrideRefused
from counter_app.services.stock import (
    move_stock,
    movements_sum,
    received_items,
    reprint_label,
    stock_on_hand,
    vendor_csv,
    vendor_returns,
)
from counter_app.services.unit_of_work import UnitOfWork
from tests.factories import Store
from tests.integration.test_reports import build_fixture
from tests.invariants import check_invariants


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return build_fixture(store_engine)


def levels(engine: Engine) -> dict[tuple[str, str], int]:
    return {(s.sku, s.location): s.on_hand for s in stock_on_hand(engine)}


def assert_levels_are_movements(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        all_levels = {
            (sku, loc): n
            for sku, loc, n in uow.conn.execute(
                select(t.stock_levels.c.sku, t.stock_levels.c.location, t.stock_levels.c.on_hand)
            ).all()
        }
    assert all_levels == movements_sum(engine)


def test_received_by_disposition(store: Store) -> None:
    # fixture: APP-1 x3 new, FIN-1 new -> sellable; HOM-1 like_new but returned as
    # defective ("lamp flickers") -> vendor, not open box; HOM-1 x2 defective -> vendor;
    # ELE-1 opened -> open box (ELE-1-OB); R7 APP-1 -> sellable
    assert levels(store.engine) == {
        ("APP-1", "sellable"): 4,
        ("FIN-1", "sellable"): 1,
        ("ELE-1-OB", "open_box"): 1,
        ("HOM-1", "vendor"): 3,
    }
    open_box = received_items(store.engine, "open_box")
    assert {(i.sku, i.original_sku, i.label_subject) for i in open_box} == {
        ("ELE-1-OB", "ELE-1", "R-S001-C1-000004#2"),
    }
    assert {i.condition for i in open_box} == {"opened"}
    assert len(received_items(store.engine)) == 8
    rtv = vendor_returns(store.engine)
    assert [(v.vendor, v.sku, v.units, v.value_minor) for v in rtv] == [
        ("Acme", "HOM-1", 3, 3 * 3999)
    ]
    text = vendor_csv(rtv, "Acme")
    assert text.splitlines() == [
        "Vendor,SKU,Product,Units,Value,Currency",
        "Acme,HOM-1,Desk Lamp,3,119.97,USD",
    ]
    assert_levels_are_movements(store.engine)


def test_moves_between_dispositions_are_recorded(store: Store) -> None:
    maria = store.user("maria")
    common = {"store_code": "S001", "counter_code": "C1"}
    # one defective lamp works after all: vendor -> open box (becomes HOM-1-OB), label queued
    move = move_stock(
        store.engine,
        store.clock,
        manager=maria,
        sku="HOM-1",
        from_location="vendor",
        to_location="open_box",
        quantity=1,
        reason="works after re-test",
        label_subject="R-S001-C1-000005#1",
        **common,
    )
    assert move.to_sku == "HOM-1-OB" and move.label_job_id is not None
    # the open-box earbuds go to scrap, the open-box lamp back to the shelf as new
    move_stock(
        store.engine,
        store.clock,
        manager=maria,
        sku="ELE-1-OB",
        from_location="open_box",
        to_location="scrap",
        quantity=1,
        reason="cracked case",
        **common,
    )
    back = move_stock(
        store.engine,
        store.clock,
        manager=maria,
        sku="HOM-1-OB",
        from_location="open_box",
        to_location="sellable",
        quantity=1,
        reason="sealed box found",
        **common,
    )
    assert back.to_sku == "HOM-1"
    after = levels(store.engine)
    assert after[("HOM-1", "vendor")] == 2  # 3 defective lamps in the fixture, 1 moved
    assert ("HOM-1-OB", "open_box") not in after  # the moved one went on to the shelf
    assert after[("ELE-1-OB", "scrap")] == 1 and ("ELE-1-OB", "open_box") not in after
    assert after[("HOM-1", "sellable")] == 1
    assert_levels_are_movements(store.engine)
    with UnitOfWork(store.engine) as uow:
        moves = uow.conn.execute(
            select(t.stock_movements.c.cause, t.stock_movements.c.note).where(
                t.stock_movements.c.cause == "disposition_change"
            )
        ).all()
        messages = [
            json.loads(body)["payload"]
            for body in uow.conn.execute(
                select(t.outbox.c.payload_json).where(t.outbox.c.kind == "stock.movement")
            ).scalars()
        ]
        jobs = uow.conn.execute(
            select(t.print_jobs.c.kind, t.print_jobs.c.subject).where(
                t.print_jobs.c.id == move.label_job_id
            )
        ).one()
    assert len(moves) == 6 and {n for _, n in moves} == {
        "works after re-test",
        "cracked case",
        "sealed box found",
    }
    moved = [m for m in messages if m["cause"] == "disposition_change"]
    assert sum(m["quantity"] for m in moved) == 0 and len(moved) == 6
    assert tuple(jobs) == ("shelf_label", "R-S001-C1-000005#1")
    assert check_invariants(store.engine) == []


def test_bad_moves_change_nothing(store: Store) -> None:
    maria, alice = store.user("maria"), store.user("alice")
    common = {"store_code": "S001", "counter_code": "C1"}
    before = levels(store.engine)
    with pytest.raises(BadInput, match="Only 3"):
        move_stock(
            store.engine,
            store.clock,
            manager=maria,
            sku="HOM-1",
            from_location="vendor",
            to_location="scrap",
            quantity=4,
            reason="x",
            **common,
        )
    with pytest.raises(BadInput, match="reason"):
        move_stock(
            store.engine,
            store.clock,
            manager=maria,
            sku="HOM-1",
            from_location="vendor",
            to_location="scrap",
            quantity=1,
            reason="  ",
            **common,
        )
    with pytest.raises(BadInput):
        move_stock(
            store.engine,
            store.clock,
            manager=maria,
            sku="HOM-1",
            from_location="vendor",
            to_location="attic",
            quantity=1,
            reason="x",
            **common,
        )
    with pytest.raises(OverrideRefused):
        move_stock(
            store.engine,
            store.clock,
            manager=alice,
            sku="HOM-1",
            from_location="vendor",
            to_location="scrap",
            quantity=1,
            reason="x",
            **common,
        )
    assert levels(store.engine) == before


def test_reprint_label(store: Store) -> None:
    job = reprint_label(
        store.engine, store.clock, subject="R-S001-C1-000002#2", counter_code="C1", actor="maria"
    )
    with UnitOfWork(store.engine) as uow:
        row = uow.conn.execute(
            select(t.print_jobs.c.kind, t.print_jobs.c.subject).where(t.print_jobs.c.id == job)
        ).one()
    assert tuple(row) == ("shelf_label", "R-S001-C1-000002#2")
    with pytest.raises(BadInput):
        reprint_label(store.engine, store.clock, subject="junk", counter_code="C1", actor="m")
