"""Two or three counters (real processes) return units of the same multi-unit line at the same
moment, round after round, on SQLite (one file) and on PostgreSQL.

Every counter prices its unit from the line as it saw it before the others committed; the
commit reprices it from the line's refund ledger inside its own transaction. Whatever the
interleaving: each attempt that finds a unit left succeeds (exactly as many successes as
units), the others are told the item was already returned, and once every unit is back the
line's refunds add up to exactly what it was paid — never a cent more.

Amounts never divide evenly by the units. Odd rounds add a second, untouched line to the
order, so the payments have room and an over-refunded line would show in the line's total;
even rounds have the one line only, so it would show as a refused return.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import add_order, days_before, make_store
from tests.invariants import check_invariants
from tests.reliability.test_concurrency import ROOT, STAFF

ROUNDS = int(os.environ.get("COUNTER_APP_LINE_RACE_ROUNDS", 20))


class Counters:
    """Counter processes that stay up for every round (signing in once each)."""

    def __init__(self, url: str, n: int, logs: Path) -> None:
        self.procs = []
        for i in range(n):
            user, pin = STAFF[i % len(STAFF)]
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.reliability.worker",
                        "race-loop",
                        url,
                        user,
                        pin,
                        f"L{i}",
                    ],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=(logs / f"counter-{i}.log").open("w"),
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
            )
        self.logs = logs

    def wave(self, order: str, line_no: int) -> list[dict]:
        """Every counter prepares a return of one unit of the line; then all commit at once."""
        start_file = self.logs / f"start-{time.monotonic_ns()}"
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.write(f"{order} {line_no} 1 {start_file}\n")
            p.stdin.flush()
        for p in self.procs:
            assert p.stdout is not None
            line = p.stdout.readline()
            assert line.strip() == "READY", (line, self._log())
        start_file.touch()
        results = []
        for p in self.procs:
            assert p.stdout is not None
            out = p.stdout.readline()
            assert out, self._log()
            results.append(json.loads(out))
        return results

    def _log(self) -> str:
        return "\n".join(f.read_text() for f in sorted(self.logs.glob("counter-*.log")))

    def close(self) -> None:
        for p in self.procs:
            if p.stdin is not None:
                p.stdin.close()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@contextmanager
def counters(url: str, n: int, logs: Path) -> Iterator[Counters]:
    c = Counters(url, n, logs)
    try:
        yield c
    finally:
        c.close()


def _line_id(engine: Engine, order: str) -> int:
    ol = t.order_lines.c
    with UnitOfWork(engine) as uow:
        return int(
            uow.conn.execute(
                select(ol.id)
                .join(t.orders, t.orders.c.id == ol.order_id)
                .where(t.orders.c.number == order, ol.line_no == 1)
            ).scalar_one()
        )


def _refunds(engine: Engine, line_id: int) -> tuple[int, int, int]:
    """The line's paid amount, its returned units and what its return lines refunded."""
    ol, rl = t.order_lines.c, t.return_lines.c
    with UnitOfWork(engine) as uow:
        paid, returned = uow.conn.execute(
            select(ol.paid_minor, ol.returned_quantity).where(ol.id == line_id)
        ).one()
        refunded = uow.conn.execute(
            select(func.coalesce(func.sum(rl.refund_minor), 0)).where(rl.order_line_id == line_id)
        ).scalar_one()
    return paid, returned, int(refunded)


def _ledger(engine: Engine, line_id: int) -> int:
    with UnitOfWork(engine) as uow:
        return int(
            uow.conn.execute(
                select(t.order_lines.c.refunded_minor).where(t.order_lines.c.id == line_id)
            ).scalar_one()
        )


@pytest.mark.parametrize("units", [2, 3, 7])
@pytest.mark.parametrize("n_counters", [2, 3])
def test_racing_counters_refund_a_line_exactly_what_it_was_paid(
    store_db_url: str, store_engine: Engine, tmp_path: Path, n_counters: int, units: int
) -> None:
    make_store(store_engine, NOW)
    rng = random.Random(f"{n_counters}-{units}")
    with counters(store_db_url, n_counters, tmp_path) as desk:
        for round_no in range(ROUNDS):
            number = f"O-{n_counters}-{units}-{round_no}"
            paid = units * rng.randint(800, 9000) + rng.randint(1, units - 1)
            lines = [("HOM-1", units, paid)]
            if round_no % 2:
                lines.append(("APP-1", 1, 2500))
            total = sum(p for *_, p in lines)
            cash = rng.randint(1, total - 1)
            add_order(
                store_engine,
                number,
                days_before(NOW, 3),
                lines,
                [("card", total - cash), ("cash", cash)],
            )
            successes, left = 0, units
            while left:
                results = desk.wave(number, 1)
                won = [r for r in results if "ok" in r]
                context = (round_no, paid, results)
                assert len(won) == min(n_counters, left), context
                for r in results:
                    if "ok" not in r:
                        assert r["error"] == "AlreadyReturned", context
                successes += len(won)
                left -= len(won)
            assert successes == units
            line_id = _line_id(store_engine, number)
            assert _refunds(store_engine, line_id) == (paid, units, paid), (round_no, paid)
            assert _ledger(store_engine, line_id) == paid
    assert check_invariants(store_engine) == []
