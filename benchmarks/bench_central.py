"""Central service push throughput over loopback HTTP (numbers only, no assertions).

1. One store pushes 10,000 messages in batches of 500, one batch after another (the nightly
   sync of a busy store; the design's bar is under 10 s).
2. 50 stores push 2,000 messages each at the same time: throughput and batch latency.

Runs on a throwaway PostgreSQL cluster when the server binaries are installed, else SQLite.
The service runs in its own process (uvicorn, one worker) so client load does not share its
interpreter lock.

    .venv/bin/python benchmarks/bench_central.py [--sqlite] [--stores 50] [--per-store 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from typing import Any

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.db import make_engine
from counter_app.central.master_key import MasterKey
from counter_app.central.testing import (
    SignedClient,
    ThrowawayPostgres,
    create_database,
    find_pg_bin,
    return_message,
    seed_reference,
    serve_in_subprocess,
    stock_message,
)

# Head office seals store keys with a master key; a throwaway one for the benchmark.
os.environ.setdefault("CENTRAL_MASTER_KEY", MasterKey.generate())

BATCH = 500


def orders_for(store: str, count: int) -> list[proto.Order]:
    return [
        proto.Order.model_validate(
            {
                "number": f"O-{store}-{n}",
                "store": store,
                "channel": "store",
                "placed_at": "2026-11-01T10:00:00+00:00",
                "currency": "USD",
                "lines": [
                    {
                        "line_no": 1,
                        "sku": "SKU-1",
                        "quantity": 1,
                        "unit_price_minor": 1999,
                        "paid_minor": 1999,
                    }
                ],
                "payments": [
                    {
                        "tender": "card",
                        "amount_minor": 1999,
                        "card_brand": "VISA",
                        "card_last4": "4242",
                    }
                ],
            }
        )
        for n in range(count)
    ]


def messages_for(store: str, count: int, returns: int) -> list[dict[str, Any]]:
    """`returns` return.committed messages (each against its own order), the rest stock."""
    out = [
        return_message(store, f"R-{store}-C1-{n:06d}", f"O-{store}-{n}", [(1, "SKU-1", 1)])
        for n in range(returns)
    ]
    out += [stock_message(store) for _ in range(count - returns)]
    return out


def push_all(client: SignedClient, messages: list[dict[str, Any]], latencies: list[float]) -> int:
    accepted = 0
    for start in range(0, len(messages), BATCH):
        began = time.perf_counter()
        response = client.push(messages[start : start + BATCH])
        latencies.append(time.perf_counter() - began)
        response.raise_for_status()
        accepted += sum(r["status"] == "accepted" for r in response.json()["results"])
    return accepted


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(db_url: str, stores: int, per_store: int, return_share: float) -> None:
    engine = make_engine(db_url)
    proc, base = serve_in_subprocess(db_url)  # `serve` runs the migrations first
    try:
        # --- 1. one store, 10,000 messages ---------------------------------------------------
        seed_reference(engine)  # the SKU and cashier the messages name
        key = service.add_store(engine, "B000", "Bench single")
        single_returns = 5_000
        service.publish_orders(engine, orders_for("B000", single_returns))
        batch = messages_for("B000", 10_000, single_returns)
        latencies: list[float] = []
        with SignedClient(base, "B000", key, timeout=120) as client:
            began = time.perf_counter()
            accepted = push_all(client, batch, latencies)
            elapsed = time.perf_counter() - began
            again = time.perf_counter()
            push_all(client, batch, [])  # a full re-push: all duplicates
            redo = time.perf_counter() - again
        print("single store: 10,000 messages (50% return.committed) in batches of 500")
        print(f"  total            {elapsed:8.2f} s   ({10_000 / elapsed:,.0f} msg/s)")
        print(
            f"  batch latency    p50 {statistics.median(latencies) * 1000:7.1f} ms"
            f"   p95 {pct(latencies, 0.95) * 1000:7.1f} ms"
        )
        print(f"  accepted         {accepted}")
        print(f"  re-push (dupes)  {redo:8.2f} s")

        # --- 2. many stores at once ----------------------------------------------------------
        keys: dict[str, str] = {}
        payloads: dict[str, list[dict[str, Any]]] = {}
        returns = int(per_store * return_share)
        for n in range(stores):
            code = f"B{n + 1:03d}"
            keys[code] = service.add_store(engine, code, f"Bench {n + 1}")
            service.publish_orders(engine, orders_for(code, returns))
            payloads[code] = messages_for(code, per_store, returns)
        all_latencies: list[float] = []
        counts: list[int] = []
        lock = threading.Lock()
        barrier = threading.Barrier(stores + 1)

        def store_worker(code: str) -> None:
            mine: list[float] = []
            with SignedClient(base, code, keys[code], timeout=300) as client:
                barrier.wait()
                done = push_all(client, payloads[code], mine)
            with lock:
                all_latencies.extend(mine)
                counts.append(done)

        threads = [threading.Thread(target=store_worker, args=(c,)) for c in keys]
        for t in threads:
            t.start()
        barrier.wait()
        began = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        total = stores * per_store
        print(
            f"{stores} stores x {per_store:,} messages concurrently "
            f"({return_share:.0%} return.committed), batches of {BATCH}"
        )
        print(f"  total            {elapsed:8.2f} s   ({total / elapsed:,.0f} msg/s)")
        print(
            f"  batch latency    p50 {statistics.median(all_latencies) * 1000:7.1f} ms"
            f"   p95 {pct(all_latencies, 0.95) * 1000:7.1f} ms"
            f"   max {max(all_latencies) * 1000:7.1f} ms"
        )
        print(f"  accepted         {sum(counts)} of {total}")
        print(f"  stored messages  {service.message_counts(engine)}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PG exists")
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--per-store", type=int, default=2_000)
    parser.add_argument("--return-share", type=float, default=0.2)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if not args.sqlite and find_pg_bin() is not None:
        with ThrowawayPostgres() as server:
            print(f"database: PostgreSQL (throwaway cluster, fsync=off) {server.bin_dir}")
            run(create_database(server.url), args.stores, args.per_store, args.return_share)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            print("database: SQLite (WAL)")
            run(f"sqlite:///{tmp}/central.db", args.stores, args.per_store, args.return_share)


if __name__ == "__main__":
    main()
