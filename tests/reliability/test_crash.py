"""Kill the counter (SIGKILL) at random moments while it commits returns, many times.

Afterwards the database is intact, every acknowledged return is there completely, none is
half-written, and the outbox matches the returns one to one (`check_invariants`).

The number of kills comes from COUNTER_APP_CRASH_KILLS (default 12 here so CI stays fast).
The long run (hundreds of kills) is

    COUNTER_APP_CRASH_KILLS=100 python -m tests.reliability.test_crash [DB_URL]

or `benchmarks/bench_core.py`, which calls `run_crash_campaign`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.adapters.db.migrate import upgrade
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import make_store
from tests.invariants import check_invariants

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KILLS = 12


def kills_from_env(default: int = DEFAULT_KILLS) -> int:
    return int(os.environ.get("COUNTER_APP_CRASH_KILLS", default))


@dataclass
class CrashReport:
    kills: int = 0
    acknowledged: dict[str, tuple[int, int]] = field(default_factory=dict)  # ref -> lines, total
    returns_in_db: int = 0
    integrity: str = "n/a"
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.integrity in ("ok", "n/a")


def _run_once(url: str, run_id: int, rng: random.Random, report: CrashReport) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.worker",
            "crash-loop",
            url,
            str(run_id),
            str(rng.randrange(2**31)),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        if ready.strip() != "READY":
            _, err = proc.communicate(timeout=30)
            raise RuntimeError(f"crash worker did not start: {ready!r} {err}")
        # A random moment inside the return loop: sometimes before the first commit,
        # often in the middle of one (the loop commits every few milliseconds).
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != -signal.SIGKILL:
        report.problems.append(
            f"run {run_id}: worker ended by itself ({proc.returncode}): {err.strip()[-500:]}"
        )
    report.kills += 1
    for line in out.splitlines(keepends=True):
        if not line.endswith("\n"):
            continue  # cut off by the kill: not acknowledged
        ref, lines, total = line.split()
        report.acknowledged[ref] = (int(lines), int(total))


def _verify(engine: Engine, report: CrashReport) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            report.integrity = str(conn.execute(text("PRAGMA integrity_check")).scalar())
        if report.integrity != "ok":
            report.problems.append(f"PRAGMA integrity_check: {report.integrity}")
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(
            select(t.returns.c.ref, func.count(t.return_lines.c.id), t.returns.c.total_refund_minor)
            .join(t.return_lines, t.return_lines.c.return_id == t.returns.c.id, isouter=True)
            .group_by(t.returns.c.id, t.returns.c.ref, t.returns.c.total_refund_minor)
        ).all()
    stored = {ref: (n, total) for ref, n, total in rows}
    report.returns_in_db = len(stored)
    for ref, expected in report.acknowledged.items():
        if ref not in stored:
            report.problems.append(f"acknowledged return {ref} is lost")
        elif stored[ref] != expected:
            report.problems.append(
                f"return {ref}: stored (lines, total) {stored[ref]}, acknowledged {expected}"
            )
    report.problems += check_invariants(engine)


def run_crash_campaign(url: str, kills: int, *, seed: int = 1, check_every: int = 0) -> CrashReport:
    """Set up a store at `url` (a fresh migrated database), then kill a returning worker
    `kills` times; verify everything at the end (and every `check_every` kills if > 0)."""
    rng = random.Random(seed)
    engine = make_engine(url)
    report = CrashReport()
    started = time.perf_counter()
    try:
        make_store(engine, NOW)
        for run_id in range(1, kills + 1):
            _run_once(url, run_id, rng, report)
            if check_every and run_id % check_every == 0:
                _verify(engine, report)
                if report.problems:
                    break
        _verify(engine, report)
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_counter_loses_nothing_acknowledged(
    backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = request.getfixturevalue("sqlite_db_url")
        kills = kills_from_env()
    else:
        url = request.getfixturevalue("pg_server").create_database(
            template=request.getfixturevalue("_pg_store_template")
        )
        kills = max(3, kills_from_env() // 3)
    report = run_crash_campaign(url, kills, seed=kills)
    assert report.kills == kills
    assert report.problems == []
    assert report.integrity in ("ok", "n/a")
    assert len(report.acknowledged) > 0, "no return was ever acknowledged: kills came too soon"
    assert report.returns_in_db >= len(report.acknowledged)


def main(argv: list[str]) -> int:
    """Long run: `python -m tests.reliability.test_crash [DB_URL]` (a fresh SQLite file by
    default); COUNTER_APP_CRASH_KILLS kills (default 100)."""
    kills = kills_from_env(100)
    if argv:
        url = argv[0]
    else:
        folder = tempfile.mkdtemp(prefix="counter-crash-")
        url = f"sqlite:///{folder}/store.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    report = run_crash_campaign(url, kills, check_every=25)
    print(
        f"kills: {report.kills}  acknowledged returns: {len(report.acknowledged)}  "
        f"returns in database: {report.returns_in_db}  integrity_check: {report.integrity}  "
        f"problems: {len(report.problems)}  ({report.seconds:.0f} s)"
    )
    for problem in report.problems[:20]:
        print("  " + problem)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
