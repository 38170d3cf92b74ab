"""Core benchmark: the 1,000,000-order store, order lookup, a complete 3-line return, and
the SIGKILL crash campaign.

Run: ``python benchmarks/bench_core.py`` (prints numbers, asserts nothing).

    (a) build the demo store with ``counter-app demo --orders N --returns 0`` (N = 1,000,000,
        or COUNTER_APP_BENCH_ORDERS); the database is cached in ``benchmarks/.data/`` so
        reruns reuse it (delete the file to time the build again);
    (b) ``ReturnDesk.find_order`` with 1,000 random existing order numbers: p50/p95/p99 ms,
        plus where the time goes (connection set-up, each SQL query on its own);
    (c) one complete 3-line return (find, verify 3 items, inspect, evaluate, commit) on
        SQLite, 200 times: median/p95 ms of the whole and of evaluate+commit alone;
    (d) the crash campaign: a worker committing returns is SIGKILLed at random moments
        COUNTER_APP_CRASH_KILLS times (default 100); reports kills, acknowledged returns,
        ``PRAGMA integrity_check`` and the invariant check.

Set COUNTER_APP_BENCH_SKIP to a comma list of a,b,c,d to skip parts.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from counter_app.adapters.db.engine import make_engine  # noqa: E402
from counter_app.adapters.db.migrate import upgrade  # noqa: E402
from counter_app.domain.policy import (  # noqa: E402
    PolicyHolder,
    default_policy_path,
    load_policy_file,
)
from counter_app.services.clock import SystemClock  # noqa: E402
from counter_app.services.returns import ReturnDesk  # noqa: E402

DATA = ROOT / "benchmarks" / ".data"
LOOKUPS = 1_000
RETURNS = 200


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs ({model}), load average {load:.1f}"
    )


# ---------------------------------------------------------------- (a) build
def demo_store(orders: int) -> tuple[str, dict[str, Any]]:
    """The cached demo store with `orders` orders; built (and timed) when missing."""
    DATA.mkdir(parents=True, exist_ok=True)
    db, meta_file = DATA / f"demo-{orders}.db", DATA / f"demo-{orders}.json"
    if db.exists() and meta_file.exists():
        meta = json.loads(meta_file.read_text())
        meta["cached"] = True
        return f"sqlite:///{db}", meta
    building = DATA / f"building-{orders}.db"
    for leftover in DATA.glob(f"building-{orders}.db*"):
        leftover.unlink()
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from counter_app.cli.main import main; sys.exit(main(sys.argv[1:]))",
                "--home",
                home,
                "--db",
                f"sqlite:///{building}",
                "demo",
                "--orders",
                str(orders),
                "--returns",
                "0",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
    building.rename(db)
    meta = {"orders": orders, "build_seconds": round(seconds, 1), "built_at": time.ctime()}
    meta_file.write_text(json.dumps(meta))
    meta["cached"] = False
    return f"sqlite:///{db}", meta


def bench_build(orders: int) -> str:
    url, meta = demo_store(orders)
    size = Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20
    how = f"cached, built {meta.get('built_at', '?')}" if meta["cached"] else "built now"
    print(
        f"(a) demo store, {orders:,} orders: build {meta['build_seconds']:.1f} s "
        f"({orders / meta['build_seconds']:,.0f} orders/s; {how}); file {size:,.0f} MiB"
    )
    return url


# ---------------------------------------------------------------- (b) lookup
def _desk(url: str) -> ReturnDesk:
    policies = PolicyHolder(load_policy_file(default_policy_path()))
    return ReturnDesk(
        make_engine(url), SystemClock(), policies, store_code="S001", counter_code="C1"
    )


def bench_lookup(url: str, orders: int) -> dict[str, float]:
    desk = _desk(url)
    rng = random.Random(42)
    numbers = [f"O-{rng.randint(1, orders):07d}" for _ in range(LOOKUPS)]
    for number in numbers[:50]:  # warm the page cache a little, like a running counter
        desk.find_order(number)
    times, cpu = [], []
    for number in numbers:
        started, started_cpu = time.perf_counter(), time.thread_time()
        desk.find_order(number)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        times.append((time.perf_counter() - started) * 1000)
    result = {"p50": _pct(times, 50), "p95": _pct(times, 95), "p99": _pct(times, 99)}
    result |= {"cpu_p50": _pct(cpu, 50), "cpu_p95": _pct(cpu, 95)}
    result = {k: round(v, 2) for k, v in result.items()}
    print(
        f"(b) find_order over {LOOKUPS:,} random orders: p50 {result['p50']:.2f} ms, "
        f"p95 {result['p95']:.2f} ms, p99 {result['p99']:.2f} ms, max {max(times):.2f} ms "
        f"(wall clock); CPU time of this process p50 {result['cpu_p50']:.2f} ms, "
        f"p95 {result['cpu_p95']:.2f} ms"
    )
    # Where the time goes: opening a connection (NullPool + PRAGMAs) and each query alone.
    connects = []
    for _ in range(200):
        started = time.perf_counter()
        desk.engine.connect().close()
        connects.append((time.perf_counter() - started) * 1000)
    print(
        f"    open+close one SQLAlchemy connection (per unit of work): "
        f"median {statistics.median(connects):.2f} ms"
    )
    raw = sqlite3.connect(url.removeprefix("sqlite:///"))
    queries = {
        "orders by number": ("SELECT id FROM orders WHERE number = ?", "number"),
        "orders by id": ("SELECT * FROM orders WHERE id = ?", "id"),
        "lines+products": (
            "SELECT order_lines.*, products.name FROM order_lines JOIN products "
            "ON products.sku = order_lines.sku WHERE order_id = ? ORDER BY line_no",
            "id",
        ),
        "payments": ("SELECT * FROM payments WHERE order_id = ? ORDER BY id", "id"),
    }
    parts = []
    for name, (sql, kind) in queries.items():
        plan = " / ".join(r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, ("x",)))
        spent = []
        for number in numbers[:300]:
            arg = number if kind == "number" else int(number[2:])
            started = time.perf_counter()
            raw.execute(sql, (arg,)).fetchall()
            spent.append((time.perf_counter() - started) * 1000)
        parts.append(f"{name} {statistics.median(spent):.3f} ms [{plan}]")
    raw.close()
    print("    raw sqlite3 per query, median: " + "; ".join(parts))
    desk.engine.dispose()
    return result


# ---------------------------------------------------------------- (c) 3-line return
def bench_return() -> dict[str, float]:
    from tests.conftest import NOW
    from tests.factories import add_order, days_before, make_store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/store.db"
        engine = make_engine(url)
        upgrade(engine)
        store = make_store(engine, NOW)
        for i in range(RETURNS):
            add_order(
                engine,
                f"B-{i}",
                days_before(NOW, 5),
                [("APP-1", 2, 5000), ("ELE-1", 1, 12999), ("HOM-1", 1, 3999)],
                [("card", 16998), ("cash", 5000)],
                serials={2: f"SN{i}"},
            )
        desk = store.desk
        alice = store.user("alice")
        whole, decide_commit, commit_only, cpu = [], [], [], []
        for i in range(RETURNS):
            t0, c0 = time.perf_counter(), time.thread_time()
            draft = desk.start_return(desk.find_order(f"B-{i}"), alice)
            desk.verify_item(draft, "2000000000015")
            desk.verify_item(draft, "2000000000039", serial=f"SN{i}")
            desk.verify_item(draft, "HOM-1")
            desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
            desk.record_inspection(draft, 2, reason_code="changed_mind", condition="opened")
            desk.record_inspection(draft, 3, reason_code="defective", condition="defective")
            t1 = time.perf_counter()
            desk.evaluate(draft)
            summary = desk.refund_summary(draft)
            t2 = time.perf_counter()
            desk.commit_return(draft, "original" if i % 2 else summary.tenders_allowed[-1])
            t3 = time.perf_counter()
            cpu.append((time.thread_time() - c0) * 1000)
            whole.append((t3 - t0) * 1000)
            decide_commit.append((t3 - t1) * 1000)
            commit_only.append((t3 - t2) * 1000)
        engine.dispose()
    result = {
        "median": statistics.median(decide_commit),
        "p95": _pct(decide_commit, 95),
        "whole_median": statistics.median(whole),
        "whole_p95": _pct(whole, 95),
        "whole_cpu_median": statistics.median(cpu),
    }
    result = {k: round(v, 1) for k, v in result.items()}
    print(
        f"(c) 3-line return on SQLite (synchronous=FULL), {RETURNS} returns: "
        f"evaluate+commit median {result['median']:.1f} ms, p95 {result['p95']:.1f} ms; "
        f"commit alone median {statistics.median(commit_only):.1f} ms; whole flow "
        f"(find, verify x3, inspect x3, evaluate, commit) median {result['whole_median']:.1f} "
        f"ms, p95 {result['whole_p95']:.1f} ms; CPU time of the whole flow median "
        f"{result['whole_cpu_median']:.1f} ms (the rest is fsync and waiting)"
    )
    return result


# ---------------------------------------------------------------- (d) crash campaign
def bench_crash() -> dict[str, Any]:
    from tests.reliability.test_crash import kills_from_env, run_crash_campaign

    kills = kills_from_env(100)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/store.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        report = run_crash_campaign(url, kills, seed=2026, check_every=25)
    verdict = "OK" if report.ok else f"FAILED: {report.problems[:5]}"
    print(
        f"(d) SIGKILL campaign on SQLite: {report.kills} kills in {report.seconds:.0f} s, "
        f"{len(report.acknowledged)} acknowledged returns, {report.returns_in_db} in the "
        f"database, integrity_check {report.integrity}, invariant problems "
        f"{len(report.problems)} -> {verdict}"
    )
    return {"kills": report.kills, "ok": report.ok, "acknowledged": len(report.acknowledged)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    del argv
    orders = int(os.environ.get("COUNTER_APP_BENCH_ORDERS", "1000000"))
    skip = set(filter(None, os.environ.get("COUNTER_APP_BENCH_SKIP", "").split(",")))
    print(f"bench_core: {_machine()}")
    results: dict[str, Any] = {}
    if not {"a", "b"} <= skip:
        url = bench_build(orders)
        if "b" not in skip:
            results["lookup_ms"] = bench_lookup(url, orders)
    if "c" not in skip:
        results["return_ms"] = bench_return()
    if "d" not in skip:
        results["crash"] = bench_crash()
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
