"""Manager reports benchmark: ms per report (median of 3) for the last 30 days and for
everything, plus the day-close summary.

Run: ``python benchmarks/bench_reports.py`` (prints numbers, asserts nothing).

- ``COUNTER_APP_BENCH_DB``: a store database URL to measure (e.g. the 1,000,000-order demo
  store ``sqlite:///benchmarks/.data/demo-1000000.db``, which bench_core builds); without it a
  small demo store (``COUNTER_APP_BENCH_ORDERS``, default 20,000) is built in a temp folder.
- ``COUNTER_APP_BENCH_SEED_RETURNS=N``: first add N synthetic returns (bulk inserts spread
  over the orders' dates) — this WRITES to the database, so point it at a copy.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, select  # noqa: E402

from counter_app.adapters.db import tables as t  # noqa: E402
from counter_app.adapters.db.engine import make_engine  # noqa: E402
from counter_app.adapters.db.migrate import upgrade  # noqa: E402
from counter_app.domain.policy import default_policy_path, load_policy_file  # noqa: E402
from counter_app.services.clock import FixedClock  # noqa: E402
from counter_app.services.day_close import day_summary  # noqa: E402
from counter_app.services.reports import REPORTS, Period, run_report  # noqa: E402
from counter_app.services.unit_of_work import UnitOfWork  # noqa: E402

REASONS = ["wrong_size", "defective", "changed_mind", "not_as_described", "damaged_in_transit"]
CONDITIONS = ["new", "like_new", "opened", "defective", "used"]


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
    return f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {model}, load {load:.2f}"


def small_store(orders: int) -> str:
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    url = f"sqlite:///{folder / 'store.db'}"
    from counter_app.cli.main import main as cli_main

    os.environ.setdefault("COUNTER_APP_HOME", str(folder))
    code = cli_main(["--db", url, "demo", "--orders", str(orders), "--returns", "200"])
    if code != 0:
        raise SystemExit(f"building the demo store failed ({code})")
    return url


def seed_returns(engine: Engine, count: int, seed: int = 11) -> None:
    """Synthetic returns: one line of a random order line each, dated after the order."""
    rng = random.Random(seed)
    o, ol = t.orders.c, t.order_lines.c
    with UnitOfWork(engine, write=True) as uow:
        conn = uow.conn
        max_line = int(conn.execute(select(func.max(ol.id))).scalar_one())
        users = list(conn.execute(select(t.users.c.id)).scalars())
        start_seq = int(
            conn.execute(select(func.coalesce(func.max(t.returns.c.id), 0))).scalar_one()
        )
        picks = sorted({rng.randint(1, max_line) for _ in range(count)})
        rows = conn.execute(
            select(
                ol.id,
                ol.line_no,
                ol.sku,
                ol.paid_minor,
                ol.quantity,
                o.id,
                o.placed_at,
                o.customer_id,
            )
            .join(t.orders, o.id == ol.order_id)
            .where(ol.id.in_(picks))
        ).all()
        returns, lines = [], []
        for n, (line_id, line_no, sku, paid, qty, order_id, placed, customer) in enumerate(
            rows, start_seq + 1
        ):
            at = placed + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
            refund = paid // qty
            returns.append(
                {
                    "id": n,
                    "ref": f"R-BENCH-{n:08d}",
                    "order_id": order_id,
                    "customer_id": customer,
                    "store_code": "S001",
                    "counter_code": "C1",
                    "cashier_id": rng.choice(users),
                    "created_at": at,
                    "currency": "USD",
                    "total_refund_minor": refund,
                    "tender_choice": "original",
                    "policy_version": "bench",
                    "draft_id": f"bench-{n}",
                }
            )
            lines.append(
                {
                    "return_id": n,
                    "order_line_id": line_id,
                    "line_no": line_no,
                    "sku": sku,
                    "quantity": 1,
                    "refund_minor": refund,
                    "fee_minor": 0,
                    "reason_code": rng.choice(REASONS),
                    "condition": rng.choice(CONDITIONS),
                    "notes": "",
                    "feedback": rng.choice(["", "", "", "too small", "broke"]),
                    "outcome": "approve",
                    "disposition": "restock_new",
                    "reasons_json": "[]",
                }
            )
        for i in range(0, len(returns), 5000):
            conn.execute(t.returns.insert(), returns[i : i + 5000])
            conn.execute(t.return_lines.insert(), lines[i : i + 5000])
        uow.commit()
    print(f"seeded {len(returns)} synthetic returns")


def _timed(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    print(_machine())
    url = os.environ.get("COUNTER_APP_BENCH_DB") or small_store(
        int(os.environ.get("COUNTER_APP_BENCH_ORDERS", "20000"))
    )
    engine = make_engine(url)
    upgrade(engine)  # what the app does at start-up; an older benchmark store needs it
    seed = int(os.environ.get("COUNTER_APP_BENCH_SEED_RETURNS", "0") or 0)
    if seed:
        seed_returns(engine, seed)
    policy = load_policy_file(default_policy_path())
    with UnitOfWork(engine) as uow:
        orders = uow.conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
        returns = uow.conn.execute(select(func.count()).select_from(t.returns)).scalar_one()
        first, last = uow.conn.execute(
            select(func.min(t.orders.c.placed_at), func.max(t.orders.c.placed_at))
        ).one()
    print(
        f"store: {engine.url.render_as_string(hide_password=True)}: {orders} orders, "
        f"{returns} returns, orders {first:%Y-%m-%d} .. {last:%Y-%m-%d}"
    )
    zone = policy.timezone
    now = max(last, datetime.now(UTC)) if last else datetime.now(UTC)
    periods = {
        "last 30 days": Period.last_days(30, last or now, zone),
        "everything": Period(
            (first or now).astimezone(Period.last_days(1, now, zone).zone).date(),
            Period.last_days(1, last or now, zone).last + timedelta(days=21),
            zone,
        ),
    }
    results: dict[str, Any] = {}
    for label, period in periods.items():
        print(f"\n{label}: {period.first} .. {period.last}   (first run / median of 3 more)")
        for name in REPORTS:
            first_ms, _ = _timed(lambda n=name, p=period: run_report(engine, n, p, policy, now), 1)
            ms, report = _timed(lambda n=name, p=period: run_report(engine, n, p, policy, now))
            results[f"{label}/{name}"] = round(max(first_ms, ms), 1)
            print(f"  {name:<22} {first_ms:8.1f} / {ms:8.1f} ms  ({len(report.rows)} rows)")
    try:
        ms, _ = _timed(
            lambda: day_summary(
                engine,
                FixedClock(last or now),
                store_code="S001",
                counter_code="C1",
                timezone=zone,
                currency=policy.currency,
            )
        )
        results["day_summary"] = round(ms, 1)
        print(f"\nday_summary              {ms:8.1f} ms")
    except Exception as exc:  # e.g. a store built before a schema change
        print(f"\nday_summary: not measured: {str(exc).splitlines()[0]}")
    worst = max(v for k, v in results.items() if "/" in k)
    print(f"slowest report: {worst:.1f} ms (budget 2000 ms)")
    engine.dispose()
    return results


if __name__ == "__main__":
    main()
