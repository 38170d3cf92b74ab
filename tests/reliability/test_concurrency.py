"""Several counters (real processes) return from the same order at the same moment,
on SQLite (one file) and on PostgreSQL: the database, not luck, decides who wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import add_order, days_before, make_store, snapshot
from tests.invariants import check_invariants

ROOT = Path(__file__).resolve().parents[2]
RACERS = 5
STAFF = [("alice", "1234"), ("bob", "2345"), ("maria", "987654"), ("wei", "876543")]


def race(
    url: str, tmp_path: Path, jobs: Sequence[tuple[str, int, int, str]], condition: str = "new"
) -> list[dict]:
    """Start one process per job (order, line, qty, counter); each prepares its return,
    then all commit as soon as the start file appears. Returns each one's JSON result."""
    start_file = tmp_path / f"start-{time.monotonic_ns()}"
    procs = []
    for i, (order, line_no, qty, counter) in enumerate(jobs):
        user, pin = STAFF[i % len(STAFF)]
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.reliability.worker",
                    "race",
                    url,
                    order,
                    str(line_no),
                    str(qty),
                    user,
                    pin,
                    counter,
                    str(start_file),
                    condition,
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        )
    try:
        for p in procs:  # everyone has signed in and evaluated: now they race
            assert p.stdout is not None
            line = p.stdout.readline()
            assert line.strip() == "READY", (line, p.stderr.read() if p.stderr else "")
        start_file.touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.fixture
def engine_url(store_db_url: str, store_engine: Engine) -> str:
    make_store(store_engine, NOW)
    return store_db_url


def test_only_one_counter_gets_the_last_unit(
    engine_url: str, store_engine: Engine, tmp_path: Path
) -> None:
    # Two of three scarves are returned already; five counters race for the last one.
    add_order(store_engine, "O-RACE", days_before(NOW, 4), [("APP-1", 3, 7500)])
    first = race(engine_url, tmp_path, [("O-RACE", 1, 2, "C0")])
    assert "ok" in first[0], first
    results = race(engine_url, tmp_path, [("O-RACE", 1, 1, f"C{i + 1}") for i in range(RACERS)])

    winners = [r for r in results if "ok" in r]
    losers = [r for r in results if "error" in r]
    assert len(winners) == 1, results
    for loser in losers:
        assert loser["error"] == "AlreadyReturned", loser
        assert "another counter" in loser["message"] or "already returned" in loser["message"]
        assert "locked" not in loser["message"]
    with UnitOfWork(store_engine) as uow:
        returned = uow.conn.execute(select(t.order_lines.c.returned_quantity)).scalar_one()
        refunded = uow.conn.execute(select(t.payments.c.refunded_minor)).scalar_one()
    assert returned == 3
    assert refunded == 7500
    assert snapshot(store_engine)["returns"] == 2
    assert check_invariants(store_engine) == []


def test_racing_for_the_same_unit_repeatedly_never_double_refunds(
    engine_url: str, store_engine: Engine, tmp_path: Path
) -> None:
    # Several rounds so the race is really exercised, not won by whoever started first.
    for round_no in range(3):
        number = f"O-R{round_no}"
        add_order(
            store_engine,
            number,
            days_before(NOW, 2),
            [("HOM-1", 1, 3999)],
            [("card", 2000), ("cash", 1999)],
        )
        results = race(engine_url, tmp_path, [(number, 1, 1, f"C{i}") for i in range(4)])
        assert sum("ok" in r for r in results) == 1, results
        assert all(r.get("error") in (None, "AlreadyReturned") for r in results), results
    assert check_invariants(store_engine) == []


def test_different_lines_of_one_order_both_succeed(
    engine_url: str, store_engine: Engine, tmp_path: Path
) -> None:
    add_order(
        store_engine,
        "O-TWO",
        days_before(NOW, 4),
        [("APP-1", 1, 2500), ("HOM-1", 1, 3999), ("APP-2", 2, 3998)],
        [("card", 6000), ("cash", 4497)],
    )
    results = race(
        engine_url, tmp_path, [("O-TWO", 1, 1, "C1"), ("O-TWO", 2, 1, "C2"), ("O-TWO", 3, 2, "C3")]
    )
    assert all("ok" in r for r in results), results
    assert len({r["ok"] for r in results}) == 3
    with UnitOfWork(store_engine) as uow:
        refunded = sum(uow.conn.execute(select(t.payments.c.refunded_minor)).scalars())
    assert refunded == 2500 + 3999 + 3998
    assert check_invariants(store_engine) == []


def test_first_returns_of_one_sku_at_several_counters(
    engine_url: str, store_engine: Engine, tmp_path: Path
) -> None:
    """Different orders, same SKU, first movement ever of (sku, location): every counter
    succeeds. (Regression: `repository.move_stock` did UPDATE-then-INSERT, so on PostgreSQL
    concurrent first movements collided on pk_stock_levels with a UniqueViolation.)"""
    results = []
    # Restock as new (stock level of the SKU), then twice as open box: the first open-box
    # return of a SKU also creates its "-OB" product, which must not collide either.
    for sku, price, condition in [
        ("APP-2", 1999, "new"),
        ("HOM-1", 3999, "like_new"),
        ("APP-1", 2500, "like_new"),
    ]:
        for i in range(4):
            add_order(store_engine, f"O-{sku}-{i}", days_before(NOW, 3), [(sku, 1, price)])
        jobs = [(f"O-{sku}-{i}", 1, 1, f"C{i}") for i in range(4)]
        results += race(engine_url, tmp_path, jobs, condition)
    assert all("ok" in r for r in results), results
    assert check_invariants(store_engine) == []
