"""Head office's push path on PostgreSQL against a raw insert of the same rows.

Run: ``python benchmarks/bench_ingest.py`` (prints numbers, asserts nothing).

    (1) 10,000 messages through `service.push_messages` (batches of 500: dedupe insert, the
        batch's orders / lines / payments / catalog / staff loaded in a few queries, every
        fact checked, accepted rows written with one executemany per table) vs a raw psycopg
        ``executemany INSERT ... ON CONFLICT DO NOTHING`` of the same message rows into the
        same table, in the same run and cluster; once with stock movements only, once with
        half of them returns (each against its own order, refunded to its card). Ratio =
        push / raw; each side is the median of COUNTER_APP_INGEST_ROUNDS (default 3) rounds,
        each on a fresh database.
    (2) 100 stores x 1,000 messages (20% returns) pushed at the same moment, one thread per
        store, through the same service calls (in-process, the engine's pool of 40).

Uses a throwaway PostgreSQL cluster (fsync=off); needs the server binaries (initdb).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_central import orders_for  # noqa: E402  (the same demo orders)

from counter_app import sync_protocol as proto  # noqa: E402
from counter_app.central import service  # noqa: E402
from counter_app.central.db import make_engine, upgrade  # noqa: E402
from counter_app.central.testing import (  # noqa: E402
    ThrowawayPostgres,
    create_database,
    find_pg_bin,
    return_message,
    seed_reference,
    stock_message,
)

BATCH = 500
ROUNDS = int(os.environ.get("COUNTER_APP_INGEST_ROUNDS", "3"))
RAW_SQL = (
    "INSERT INTO messages (message_id, store, kind, created_at, received_at, payload, status) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING"
)


def messages_for(store: str, count: int, returns: int) -> list[proto.BaseMessage]:
    raw = [
        return_message(store, f"R-{store}-C1-{n:06d}", f"O-{store}-{n}", [(1, "SKU-1", 1)])
        for n in range(returns)
    ]
    raw += [stock_message(store) for _ in range(count - returns)]
    return [proto.MESSAGE.validate_python(m) for m in raw]


def fresh_db(server_url: str, store: str, orders: int) -> str:
    url = create_database(server_url)
    upgrade(url)
    engine = make_engine(url)
    service.add_store(engine, store, "Bench")
    seed_reference(engine)
    for start in range(0, orders, 1000):
        service.publish_orders(engine, orders_for(store, orders)[start : start + 1000])
    engine.dispose()
    return url


def time_push(url: str, store: str, messages: list[proto.BaseMessage]) -> tuple[float, int]:
    engine = make_engine(url)
    try:
        began = time.perf_counter()
        accepted = 0
        for start in range(0, len(messages), BATCH):
            results = service.push_messages(engine, store, messages[start : start + BATCH])
            accepted += sum(r.status == "accepted" for r in results)
        return time.perf_counter() - began, accepted
    finally:
        engine.dispose()


def time_raw(url: str, store: str, messages: list[proto.BaseMessage]) -> float:
    """The floor: the same message rows, one executemany per batch, nothing checked."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    rows = [
        (
            m.id,
            store,
            m.kind,
            m.created_at,
            m.created_at,
            json.dumps(m.payload.model_dump(mode="json")),
            "accepted",
        )
        for m in messages
    ]
    with psycopg.connect(dsn) as conn:
        began = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            with conn.cursor() as cur:
                cur.executemany(RAW_SQL, rows[start : start + BATCH])
            conn.commit()
        return time.perf_counter() - began


def ratio(server_url: str, returns: int) -> None:
    store = "B000"
    messages = messages_for(store, 10_000, returns)
    pushes, raws, accepted = [], [], 0
    for _ in range(ROUNDS):
        elapsed, accepted = time_push(fresh_db(server_url, store, returns), store, messages)
        pushes.append(elapsed)
        raws.append(time_raw(fresh_db(server_url, store, 0), store, messages))
    push, raw = statistics.median(pushes), statistics.median(raws)
    print(f"10,000 messages, {returns:,} of them returns (accepted {accepted:,}):")
    print(f"  push path {push:7.2f} s ({10_000 / push:,.0f} msg/s)")
    print(f"  raw       {raw:7.2f} s ({10_000 / raw:,.0f} msg/s)")
    print(f"  ratio     {push / raw:7.2f}x")


def many_stores(server_url: str, stores: int, per_store: int) -> None:
    url = create_database(server_url)
    upgrade(url)
    # 100 threads share 40 connections: the rest wait their turn instead of timing out.
    engine = make_engine(url, pool_size=40, max_overflow=0, pool_timeout=600)
    seed_reference(engine)
    returns = per_store // 5
    payloads: dict[str, list[proto.BaseMessage]] = {}
    for n in range(stores):
        code = f"M{n:03d}"
        service.add_store(engine, code, code)
        service.publish_orders(engine, orders_for(code, returns))
        payloads[code] = messages_for(code, per_store, returns)
    latencies: list[float] = []
    accepted: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(stores + 1)

    def worker(code: str) -> None:
        mine, done = [], 0
        barrier.wait()
        for start in range(0, per_store, BATCH):
            began = time.perf_counter()
            results = service.push_messages(engine, code, payloads[code][start : start + BATCH])
            mine.append(time.perf_counter() - began)
            done += sum(r.status == "accepted" for r in results)
        with lock:
            latencies.extend(mine)
            accepted.append(done)

    threads = [threading.Thread(target=worker, args=(c,)) for c in payloads]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    total = stores * per_store
    ordered = sorted(latencies)
    print(f"{stores} stores x {per_store:,} messages at once (20% returns), batches of {BATCH}:")
    print(f"  total     {elapsed:7.2f} s ({total / elapsed:,.0f} msg/s)")
    print(
        f"  batch     p50 {statistics.median(ordered) * 1000:.0f} ms"
        f"  p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} ms"
        f"  max {ordered[-1] * 1000:.0f} ms"
    )
    print(f"  accepted  {sum(accepted):,} of {total:,}")
    engine.dispose()


def main() -> None:
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.processor()}")
    if find_pg_bin() is None:
        print("bench_ingest: PostgreSQL server binaries not found; skipped")
        return
    with ThrowawayPostgres() as server:
        print(f"database: PostgreSQL (throwaway cluster, fsync=off) {server.bin_dir}")
        ratio(server.url, returns=0)
        ratio(server.url, returns=5_000)
        many_stores(server.url, stores=100, per_store=1_000)


if __name__ == "__main__":
    main()
