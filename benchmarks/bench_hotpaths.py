"""Hot paths against raw sqlite3: what the service layer costs on top of the SQL it runs.

Run: ``python benchmarks/bench_hotpaths.py`` (prints numbers, asserts nothing).

    (1) commit of a 3-line return: ``ReturnDesk.commit_return`` vs raw ``sqlite3`` running the
        same writes (reserve the three lines, read and charge the payment, the sequence, the
        return, its lines, refund, stock movements and levels, outbox messages, the audit entry
        and head, the print job) in one ``BEGIN IMMEDIATE`` transaction;
    (2) order lookup: ``ReturnDesk.find_order`` vs raw ``sqlite3`` running the SELECTs that
        fetch the same data (order with customer, lines with products, barcodes, payments)
        in one read transaction.

Both sides use one database file with the same settings (WAL, synchronous=FULL, foreign
keys). Each figure is the median of COUNTER_APP_HOT_ROUNDS (default 150) interleaved rounds;
the ratio is service / raw.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from counter_app.adapters.db import repository as repo  # noqa: E402
from counter_app.adapters.db import tables as t  # noqa: E402
from counter_app.adapters.db.engine import make_engine  # noqa: E402
from counter_app.adapters.db.migrate import upgrade  # noqa: E402
from counter_app.domain.audit import GENESIS, next_record  # noqa: E402
from counter_app.domain.policy import (  # noqa: E402
    PolicyHolder,
    default_policy_path,
    load_policy_file,
)
from counter_app.services import auth  # noqa: E402
from counter_app.services.clock import FixedClock  # noqa: E402
from counter_app.services.returns import ReturnDesk  # noqa: E402
from counter_app.services.unit_of_work import UnitOfWork  # noqa: E402

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SKUS = [("APP-1", 2500), ("APP-2", 1999), ("HOM-1", 3999)]
ROUNDS = int(os.environ.get("COUNTER_APP_HOT_ROUNDS", "150"))


def _stamp(at: datetime) -> str:
    """How SQLAlchemy stores a UTC time on SQLite."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build_store(path: Path, orders: int) -> tuple[Any, ReturnDesk, Any]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    clock = FixedClock(NOW)
    with UnitOfWork(engine, write=True) as uow:
        c = uow.conn
        repo.insert_many(
            c,
            t.stores,
            [{"code": "S001", "name": "Bench", "timezone": "UTC", "currency": "USD"}],
        )
        repo.insert_many(
            c,
            t.products,
            [
                {
                    "sku": sku,
                    "name": sku,
                    "category": "apparel" if sku.startswith("APP") else "home",
                    "serialised": False,
                    "price_minor": price,
                    "currency": "USD",
                    "vendor": "Acme",
                }
                for sku, price in SKUS
            ],
        )
        repo.insert_many(
            c,
            t.product_barcodes,
            [{"barcode": f"20{n:011d}", "sku": s} for n, (s, _) in enumerate(SKUS)],
        )
        for n in range(orders):
            _add_order(c, n)
        uow.commit()
    auth.add_user(engine, clock, "alice", "Alice", "cashier", "1234")
    policies = PolicyHolder(load_policy_file(default_policy_path()))
    desk = ReturnDesk(engine, clock, policies, store_code="S001", counter_code="C1")
    cashier = auth.authenticate(engine, clock, "alice", "1234")
    return engine, desk, cashier


def _add_order(c: Any, n: int) -> None:
    """Order B000000n: the three SKUs, one unit each, paid by card; a customer of its own."""
    customer_id = repo.insert_row(
        c,
        t.customers,
        {
            "code": f"C{n:06d}",
            "name": f"Customer {n}",
            "email": f"c{n}@example.com",
            "phone": f"555{n:07d}",
            "loyalty_tier": None,
        },
    )
    order_id = repo.insert_row(
        c,
        t.orders,
        {
            "number": f"B{n:07d}",
            "store_code": "S001",
            "channel": "store",
            "placed_at": NOW - timedelta(days=2),
            "customer_id": customer_id,
            "currency": "USD",
        },
    )
    repo.insert_many(
        c,
        t.order_lines,
        [
            {
                "order_id": order_id,
                "line_no": i,
                "sku": sku,
                "quantity": 1,
                "unit_price_minor": price,
                "discount_minor": 0,
                "tax_minor": 0,
                "paid_minor": price,
                "serial": None,
                "final_sale": False,
                "returned_quantity": 0,
            }
            for i, (sku, price) in enumerate(SKUS, 1)
        ],
    )
    repo.insert_many(
        c,
        t.payments,
        [
            {
                "order_id": order_id,
                "tender": "card",
                "amount_minor": sum(p for _, p in SKUS),
                "refunded_minor": 0,
                "card_brand": "VISA",
                "card_last4": "4242",
            }
        ],
    )


def raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=15, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def ready_draft(desk: ReturnDesk, cashier: Any, number: str) -> Any:
    order = desk.find_order(number)
    draft = desk.start_return(order, cashier)
    for line in order.lines:
        desk.select_line(draft, line.line_no, 1)
        desk.record_inspection(draft, line.line_no, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    return draft


def raw_commit(conn: sqlite3.Connection, order_number: str, cashier_id: int) -> None:
    """The writes of a 3-line card return, as a hand-written sqlite3 program would do them."""
    conn.execute("BEGIN IMMEDIATE")
    order_id, customer_id, lines, pay_id, total, seq = _raw_reserve_and_charge(conn, order_number)
    ref = f"R-S001-RAW-{seq:06d}"
    return_id, messages = _raw_rows(conn, ref, order_id, customer_id, cashier_id, lines, pay_id)
    payload = {
        "ref": ref,
        "order_number": order_number,
        "total_minor": total,
        "lines": [list(r) for r in lines],
    }
    messages.append(("return.committed", payload))
    _raw_audit_and_outbox(conn, ref, return_id, payload, messages)
    conn.execute("COMMIT")


def _raw_reserve_and_charge(conn: sqlite3.Connection, order_number: str) -> Any:
    order_id, customer_id = conn.execute(
        "SELECT id, customer_id FROM orders WHERE number = ?", (order_number,)
    ).fetchone()
    lines = conn.execute(
        "SELECT id, line_no, sku, quantity, paid_minor FROM order_lines WHERE order_id = ? "
        "ORDER BY line_no",
        (order_id,),
    ).fetchall()
    for line_id, *_ in lines:
        cur = conn.execute(
            "UPDATE order_lines SET returned_quantity = returned_quantity + ? "
            "WHERE id = ? AND returned_quantity + ? <= quantity",
            (1, line_id, 1),
        )
        assert cur.rowcount == 1
    pay_id, _amount, _refunded = conn.execute(
        "SELECT id, amount_minor, refunded_minor FROM payments WHERE order_id = ? ORDER BY id",
        (order_id,),
    ).fetchone()
    total = sum(r[4] for r in lines)
    conn.execute(
        "UPDATE payments SET refunded_minor = refunded_minor + ? "
        "WHERE id = ? AND refunded_minor + ? <= amount_minor",
        (total, pay_id, total),
    )
    seq = conn.execute(
        "INSERT INTO counter_sequences (counter_key, value) VALUES (?, 1) "
        "ON CONFLICT (counter_key) DO UPDATE SET value = value + 1 RETURNING value",
        ("S001-RAW",),
    ).fetchone()[0]
    return order_id, customer_id, lines, pay_id, total, seq


def _raw_rows(
    conn: sqlite3.Connection,
    ref: str,
    order_id: int,
    customer_id: int,
    cashier_id: int,
    lines: list[Any],
    pay_id: int,
) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
    now = _stamp(NOW)
    total = sum(r[4] for r in lines)
    return_id = conn.execute(
        "INSERT INTO returns (ref, order_id, customer_id, store_code, counter_code, cashier_id,"
        " created_at, currency, total_refund_minor, tender_choice, policy_version, draft_id)"
        " VALUES (?, ?, ?, 'S001', 'RAW', ?, ?, 'USD', ?, 'original', 'v1', ?)",
        (ref, order_id, customer_id, cashier_id, now, total, str(uuid.uuid4())),
    ).lastrowid
    reasons = json.dumps([], ensure_ascii=False)
    conn.executemany(
        "INSERT INTO return_lines (return_id, order_line_id, line_no, sku, quantity,"
        " refund_minor, fee_minor, reason_code, condition, notes, feedback, serial, photo_path,"
        " photo_sha256, outcome, disposition, reasons_json)"
        " VALUES (?, ?, ?, ?, 1, ?, 0, 'changed_mind', 'new', '', '', NULL, NULL, NULL,"
        " 'approve', 'restock_new', ?)",
        [(return_id, lid, no, sku, paid, reasons) for lid, no, sku, _, paid in lines],
    )
    conn.executemany(
        "INSERT INTO stock_movements (sku, location, quantity, cause, return_id, note,"
        " created_at) VALUES (?, 'sellable', 1, 'return', ?, ?, ?)",
        [(sku, return_id, ref, now) for _, _, sku, _, _ in lines],
    )
    conn.executemany(
        "INSERT INTO stock_levels (sku, location, on_hand) VALUES (?, 'sellable', 1) "
        "ON CONFLICT (sku, location) DO UPDATE SET on_hand = on_hand + excluded.on_hand",
        [(sku,) for _, _, sku, _, _ in lines],
    )
    messages = [
        (
            "stock.movement",
            {"sku": sku, "location": "sellable", "quantity": 1, "cause": "return", "ref": ref},
        )
        for _, _, sku, _, _ in lines
    ]
    conn.execute(
        "INSERT INTO refunds (return_id, tender, payment_id, amount_minor, status)"
        " VALUES (?, 'card', ?, ?, 'pending')",
        (return_id, pay_id, total),
    )
    return return_id, messages


def _raw_audit_and_outbox(
    conn: sqlite3.Connection,
    ref: str,
    return_id: int,
    payload: dict[str, Any],
    messages: list[tuple[str, dict[str, Any]]],
) -> None:
    now = _stamp(NOW)
    conn.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING",
        (GENESIS,),
    )
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    record = next_record(head if head[0] else None, NOW, "alice", "return.committed", ref, payload)
    conn.execute(
        "INSERT INTO audit_entries (seq, at, actor, action, subject, data_json, prev_hash,"
        " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.seq,
            now,
            record.actor,
            record.action,
            record.subject,
            record.data_json,
            record.prev_hash,
            record.hash,
        ),
    )
    conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (record.seq, record.hash))
    messages.append(("audit.head", {"seq": record.seq, "hash": record.hash}))
    rows = []
    for kind, body in messages:
        message_id = str(uuid.uuid4())
        text = json.dumps(
            {
                "id": message_id,
                "store": "S001",
                "kind": kind,
                "created_at": NOW.isoformat(),
                "payload": body,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        rows.append((message_id, kind, now, text, return_id))
    conn.executemany(
        "INSERT INTO outbox (id, kind, created_at, payload_json, status, attempts, return_id)"
        " VALUES (?, ?, ?, ?, 'pending', 0, ?)",
        rows,
    )
    conn.execute(
        "INSERT INTO print_jobs (kind, subject, counter_code, copy, status, attempts,"
        " created_at) VALUES ('return_receipt', ?, 'RAW', 'customer', 'pending', 0, ?)",
        (ref, now),
    )


def raw_lookup(conn: sqlite3.Connection, number: str) -> Any:
    """The SELECTs that fetch one order with everything the counter shows of it."""
    conn.execute("BEGIN")
    order = conn.execute(
        "SELECT o.id, o.number, o.channel, o.placed_at, o.currency, o.store_code,"
        " c.id, c.code, c.name, c.email, c.phone, c.loyalty_tier"
        " FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.number = ?",
        (number,),
    ).fetchone()
    lines = conn.execute(
        "SELECT l.*, p.name, p.category, p.serialised, p.vendor FROM order_lines l"
        " JOIN products p ON p.sku = l.sku WHERE l.order_id = ? ORDER BY l.line_no",
        (order[0],),
    ).fetchall()
    skus = sorted({r[3] for r in lines})
    marks = ", ".join("?" * len(skus))
    barcodes = conn.execute(
        f"SELECT barcode, sku FROM product_barcodes WHERE sku IN ({marks})", skus
    ).fetchall()
    payments = conn.execute(
        "SELECT * FROM payments WHERE order_id = ? ORDER BY id", (order[0],)
    ).fetchall()
    conn.execute("COMMIT")
    return order, lines, barcodes, payments


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench_commit(desk: ReturnDesk, cashier: Any, raw: sqlite3.Connection) -> float:
    service_ms, raw_ms = [], []
    for n in range(ROUNDS):
        draft = ready_draft(desk, cashier, f"B{2 * n:07d}")
        service_ms.append(_timed(lambda d=draft: desk.commit_return(d, "original")))
        raw_ms.append(_timed(lambda k=n: raw_commit(raw, f"B{2 * k + 1:07d}", cashier.id)))
    service, direct = statistics.median(service_ms), statistics.median(raw_ms)
    print(
        f"(1) commit, 3-line return: service {service:.2f} ms, raw sqlite3 {direct:.2f} ms "
        f"(medians of {ROUNDS}) -> {service / direct:.1f}x"
    )
    return service / direct


def bench_lookup(desk: ReturnDesk, raw: sqlite3.Connection, orders: int) -> float:
    rng = random.Random(7)
    service_ms, raw_ms = [], []
    for _ in range(ROUNDS * 4):
        number = f"B{rng.randrange(orders):07d}"
        service_ms.append(_timed(lambda x=number: desk.find_order(x)))
        raw_ms.append(_timed(lambda x=number: raw_lookup(raw, x)))
    service, direct = statistics.median(service_ms), statistics.median(raw_ms)
    print(
        f"(2) order lookup: service {service:.3f} ms, raw sqlite3 {direct:.3f} ms "
        f"(medians of {ROUNDS * 4}) -> {service / direct:.1f}x"
    )
    return service / direct


def main() -> dict[str, str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    print(f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs ({model})")
    orders = 2 * ROUNDS + 10
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "store.db"
        engine, desk, cashier = build_store(path, orders)
        raw = raw_connection(path)
        try:
            for n in range(3):  # warm both sides up (pool, statement caches, page cache)
                desk.find_order(f"B{orders - 1 - n:07d}")
                raw_lookup(raw, f"B{orders - 1 - n:07d}")
            commit_ratio = bench_commit(desk, cashier, raw)
            lookup_ratio = bench_lookup(desk, raw, orders)
        finally:
            raw.close()
            engine.dispose()
    return {"commit_ratio": f"{commit_ratio:.1f}x", "lookup_ratio": f"{lookup_ratio:.1f}x"}


if __name__ == "__main__":
    main()
