"""Head-office console pages with 10,000 returns across 20 stores: ms per page, and the ratio
to the raw database running the same SQL.

Run: ``python benchmarks/bench_console.py`` (prints numbers, asserts nothing; not a test).

- Seeds a fresh head office by bulk insert (SQLAlchemy Core executemany, no ingest):
  20 stores, 60 products in 6 categories, 40,000 store orders over 12 weeks, 10,000 returns
  (85% with an order, 10% receiptless, 5% gift; card, cash or store credit) with their
  `return.committed` messages, chart facts (`return_lines`) and ~8% manager overrides, half
  the card refunds settled, 2,000 authorizations (open, used by a return, cancelled), a few
  open sync exceptions.
- Renders every console page (URLs from PLAN15.md) through the app in-process (httpx's ASGI
  transport, a signed-in session cookie): returns search and filters, a return's detail,
  sync health, settlements (+ CSV), authorizations, charts and each chart's SVG, and the
  public status page of a return and of an authorization. A page this branch does not
  serve is listed and skipped.
- "raw": the SQL statements the page ran (captured from the engine during one render, the
  session check included) replayed on a bare DBAPI connection and fetched — the database
  doing the same work, without the app, the ORM or the template. Ratio = page / raw. Each
  side is the median of COUNTER_APP_BENCH_ROUNDS (default 5) runs after one warm-up.

``COUNTER_APP_BENCH_DB``: ``sqlite``, ``postgresql`` or ``both`` (default: both when the
PostgreSQL server binaries are installed, else sqlite). PostgreSQL is a throwaway cluster.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import Engine, Table, event, insert  # noqa: E402

from counter_app.central import charts  # noqa: E402
from counter_app.central import models as m  # noqa: E402
from counter_app.central.app import CentralSettings, create_app  # noqa: E402
from counter_app.central.db import make_engine, upgrade  # noqa: E402
from counter_app.central.master_key import MasterKey  # noqa: E402
from counter_app.central.service import admins  # noqa: E402
from counter_app.central.testing import ThrowawayPostgres, find_pg_bin  # noqa: E402

os.environ.setdefault("CENTRAL_MASTER_KEY", MasterKey.generate())

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
STORES = [f"S{n:03d}" for n in range(1, 21)]
CATEGORIES = ["home", "toys", "apparel", "shoes", "electronics", "beauty"]
REASONS = ["wrong_size", "defective", "changed_mind", "not_as_described", "damaged_in_transit"]
CONDITIONS = ["new", "like_new", "opened", "defective"]
RETURNS = 10_000
ORDERS = 40_000
AUTHORIZATIONS = 2_000
CHUNK = 2_000
ROUNDS = int(os.environ.get("COUNTER_APP_BENCH_ROUNDS", "5"))


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _bulk(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(_table(model)), rows[start : start + CHUNK])


def _token(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(22))


def _orders(rng: random.Random) -> tuple[list[dict[str, Any]], ...]:
    orders, lines, payments = [], [], []
    for n in range(ORDERS):
        store = STORES[n % len(STORES)]
        number = f"O-{store}-{n:06d}"
        placed = NOW - timedelta(days=84 * rng.random())
        count = 1 + (n % 3 == 0)
        skus = [f"SKU-{rng.randrange(60):02d}" for _ in range(count)]
        total = 0
        for line_no, sku in enumerate(skus, start=1):
            lines.append({"order_number": number, "line_no": line_no, "sku": sku, "quantity": 2,
                          "unit_price_minor": 1999, "discount_minor": 0, "tax_minor": 0,
                          "paid_minor": 3998, "serial": None, "final_sale": False,
                          "online_returned_quantity": 0, "store_returned_quantity": 0,
                          "refunded_minor": 0})  # fmt: skip
            total += 3998
        pay = {"tender": "card", "amount_minor": total, "card_brand": "VISA", "card_last4": "4242"}
        orders.append({"number": number, "store": store, "channel": "store", "placed_at": placed,
                       "currency": "USD", "barcode": None, "seq": n + 1, "return_ref": None,
                       "customer": {"code": f"C{n}", "name": f"Customer {n} Example",
                                    "email": f"c{n}@example.com"},
                       "payments": [pay]})  # fmt: skip
        payments.append({"order_number": number, "payment_no": 1, **pay, "refunded_minor": 0})
    return orders, lines, payments


def _returns(rng: random.Random, orders: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("returns", "messages", "lines", "overrides", "settlements")
    }
    picked = rng.sample(range(ORDERS), RETURNS)
    for n, index in enumerate(picked):
        order = orders[index]
        store = order["store"]
        ref = f"R-{store}-C1-{n:06d}"
        kind = "receiptless" if n % 10 == 0 else "gift" if n % 20 == 1 else "order"
        when = order["placed_at"] + timedelta(days=rng.random() * 10)
        when = min(when, NOW - timedelta(minutes=5))
        lines = [{"line_no": 1, "sku": f"SKU-{rng.randrange(60):02d}", "quantity": 1,
                  "refund_minor": 1999, "fee_minor": 0, "condition": rng.choice(CONDITIONS),
                  "reason": rng.choice(REASONS), "disposition": "restock_new"}]  # fmt: skip
        tender = "store_credit" if kind != "order" else rng.choice(["card", "card", "cash"])
        refunds = [{"tender": tender, "amount_minor": 1999}]
        if tender == "card":
            refunds[0] |= {"card_brand": "VISA", "card_last4": "4242"}
        message_id = f"00000000-0000-4000-8000-{n:012d}"
        payload = {"ref": ref, "kind": kind, "order_number": None if kind == "receiptless"
                   else order["number"], "counter": "C1", "cashier": "alice", "currency": "USD",
                   "lines": lines, "refunds": refunds}  # fmt: skip
        out["messages"].append({"message_id": message_id, "store": store,
                                "kind": "return.committed", "created_at": when,
                                "received_at": when, "payload": payload, "status": "accepted",
                                "group_ref": ref})  # fmt: skip
        out["returns"].append({"ref": ref, "store": store, "order_number": payload["order_number"],
                               "kind": kind, "customer_key": f"{n:064x}" if kind == "receiptless"
                               else None, "committed_at": when, "total_minor": 1999,
                               "message_id": message_id, "currency": "USD", "refunds": refunds,
                               "received_at": when, "validated": True,
                               "status_token": _token(rng),
                               "authorization_code": None})  # fmt: skip
        out["lines"] += [{"return_ref": ref, "position": 1, "store": store,
                          "category": CATEGORIES[int(line["sku"][-2:]) % 6], "committed_at": when,
                          **{k: line[k] for k in ("line_no", "sku", "quantity", "refund_minor",
                                                  "condition", "reason", "disposition")}}
                         for line in lines]  # fmt: skip
        if n % 12 == 0:
            oid = f"00000000-0000-4000-9000-{n:012d}"
            manager = f"mgr-{store.lower()}-{n % 3}"
            override = {"ref": ref, "line_no": 1, "manager": manager, "reason": "outside window"}
            out["messages"].append({"message_id": oid, "store": store, "kind": "override.granted",
                                    "created_at": when, "received_at": when, "payload": override,
                                    "status": "accepted", "group_ref": ref})  # fmt: skip
            out["overrides"].append({"message_id": oid, "return_ref": ref, "store": store,
                                     "line_no": 1, "manager": manager, "reason": "outside window",
                                     "committed_at": when})  # fmt: skip
        if tender == "card" and n % 2 == 0:
            out["settlements"].append({"store": store, "return_ref": ref, "refund_index": 0,
                                       "tender": "card", "amount_minor": 1999,
                                       "settled_at": when + timedelta(days=1),
                                       "gateway_ref": f"GW-{n:08d}",
                                       "seq": ORDERS + n + 1})  # fmt: skip
    return out


def _authorizations(
    rng: random.Random, orders: list[dict[str, Any]], returns: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, lines = [], []
    used = [r for r in returns if r["kind"] == "order"][: AUTHORIZATIONS * 2 // 5]
    for n in range(AUTHORIZATIONS):
        created = NOW - timedelta(days=rng.random() * 20)
        row: dict[str, Any] = {"id": n + 1, "code": f"{n:011d}", "refund": "original",
                               "email": None, "customer_first_name": "Customer", "status": "open",
                               "created_at": created, "expires_at": created + timedelta(days=14),
                               "created_by": "portal", "status_token": _token(rng),
                               "used_by_store": None, "used_return_ref": None, "used_at": None,
                               "cancelled_at": None, "cancelled_by": None,
                               "seq": ORDERS + RETURNS + n + 1}  # fmt: skip
        if n < len(used):
            ret = used[n]
            row |= {"order_number": ret["order_number"], "status": "used",
                    "used_by_store": ret["store"], "used_return_ref": ret["ref"],
                    "used_at": ret["committed_at"]}  # fmt: skip
            ret["authorization_code"] = row["code"]
        else:
            row["order_number"] = orders[rng.randrange(ORDERS)]["number"]
            if n % 10 == 0:
                row |= {"status": "cancelled", "cancelled_at": NOW, "cancelled_by": "hq"}
        rows.append(row)
        lines.append({"authorization_id": n + 1, "line_no": 1, "sku": "SKU-01", "quantity": 1,
                      "reason": "wrong_size"})  # fmt: skip
    return rows, lines


def seed(engine: Engine) -> dict[str, str]:
    """Bulk-insert the head office; returns sample refs and tokens for the URLs."""
    rng = random.Random(15)
    _bulk(engine, m.Store, [{"code": s, "name": f"Store {s}", "created_at": NOW,
                             "last_contact_at": NOW - timedelta(hours=n), "last_push_at": NOW,
                             "messages_received": 500} for n, s in enumerate(STORES)])  # fmt: skip
    _bulk(engine, m.CatalogProduct, [{"sku": f"SKU-{n:02d}", "name": f"Product {n}",
                                      "category": CATEGORIES[n % 6], "barcodes": [],
                                      "serialised": False, "price_minor": 1999, "currency": "USD",
                                      "seq": n + 1} for n in range(60)])  # fmt: skip
    orders, lines, payments = _orders(rng)
    _bulk(engine, m.CentralOrder, orders)
    _bulk(engine, m.CentralOrderLine, lines)
    _bulk(engine, m.OrderPayment, payments)
    out = _returns(rng, orders)
    auths, auth_lines = _authorizations(rng, orders, out["returns"])
    _bulk(engine, m.InboundMessage, out["messages"] + _exceptions())
    _bulk(engine, m.CentralReturn, out["returns"])
    _bulk(engine, m.ReturnLineFact, out["lines"])
    _bulk(engine, m.ReturnOverride, out["overrides"])
    _bulk(engine, m.SettlementRecord, out["settlements"])
    _bulk(engine, m.CentralAuthorization, auths)
    _bulk(engine, m.CentralAuthorizationLine, auth_lines)
    card = next(r for r in out["returns"] if r["refunds"][0]["tender"] == "card")
    open_auth = next(a for a in auths if a["status"] == "open")
    return {"ref": card["ref"], "return_token": card["status_token"],
            "auth_token": open_auth["status_token"]}  # fmt: skip


def _exceptions() -> list[dict[str, Any]]:
    return [{"message_id": f"00000000-0000-4000-a000-{n:012d}", "store": STORES[n % 20],
             "kind": "stock.movement", "created_at": NOW, "received_at": NOW,
             "payload": {"sku": "SKU-X", "quantity": 1, "cause": "count"},
             "status": "rejected", "reason": "unknown_sku: SKU-X", "group_ref": None}
            for n in range(40)]  # fmt: skip


DATES = "/console/returns?store=S003&kind=receiptless&from=2026-10-01&to=2026-11-30"


def pages(sample: dict[str, str]) -> list[tuple[str, str]]:
    """(name, URL) of every page PLAN15.md lists for the console and the status page."""
    listed = [
        ("returns", "/console/returns"),
        ("returns search ref", "/console/returns?q=R-S007-C1-0001"),
        ("returns search customer", "/console/returns?customer=c123%40example.com"),
        ("returns store+kind+dates", DATES),
        ("returns page 40", "/console/returns?page=40"),
        ("return detail", f"/console/returns/{sample['ref']}"),
        ("sync", "/console/sync"),
        ("settlements pending", "/console/settlements?state=pending"),
        ("settlements settled", "/console/settlements?state=settled"),
        ("settlements.csv", "/console/settlements.csv?state=pending"),
        ("authorizations", "/console/authorizations"),
        ("authorizations open", "/console/authorizations?status=open"),
        ("charts", "/console/charts"),
    ]
    listed += [(f"chart {name}", f"/console/charts/{name}.svg") for name in charts.CHARTS]
    listed += [("status page (return)", f"/r/{sample['return_token']}"),
               ("status page (authorization)", f"/r/{sample['auth_token']}")]  # fmt: skip
    return listed


class Capture:
    """The SQL statements an engine runs while `on`."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(
        self, conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool
    ) -> None:
        if self.on and not sql.lstrip().upper().startswith(_TX):
            self.statements.append((sql, params))


_TX = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def replay(engine: Engine, statements: list[tuple[str, Any]]) -> float:
    """Seconds to run and fetch the statements on a bare DBAPI connection."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()
        elapsed = time.perf_counter() - started
        raw.rollback()
        return elapsed
    finally:
        raw.close()


def _median_ms(fn: Callable[[], float]) -> float:
    fn()  # warm-up
    return statistics.median(fn() for _ in range(ROUNDS)) * 1000


async def measure(engine: Engine, sample: dict[str, str]) -> list[tuple[str, str, Any]]:
    app = create_app(CentralSettings(db_url="", engine=engine, clock=lambda: NOW.timestamp()))
    served = {getattr(r, "path", "") for r in app.routes}
    served |= {c.path for r in app.routes if hasattr(r, "effective_route_contexts")
               for c in r.effective_route_contexts()}  # fmt: skip
    admins.add_admin(engine, "bench", "a long enough password")
    token = admins.start_session(engine, "bench", NOW)
    capture = Capture(engine)
    transport = httpx.ASGITransport(app=app)
    rows: list[tuple[str, str, Any]] = []
    async with httpx.AsyncClient(transport=transport, base_url="https://console.test") as client:
        client.cookies.set("central_session", token)
        for name, url in pages(sample):
            if not _served(url, served):
                rows.append((name, url, None))
                continue
            times = []
            for _ in range(ROUNDS + 1):
                started = time.perf_counter()
                answer = await client.get(url)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
            capture.statements, capture.on = [], True
            await client.get(url)
            capture.on = False
            statements = list(capture.statements)
            raw_ms = _median_ms(lambda s=statements: replay(engine, s))
            page_ms = statistics.median(times[1:]) * 1000
            rows.append((name, url, (page_ms, raw_ms, len(statements), len(answer.content))))
    return rows


def _served(url: str, served: set[str]) -> bool:
    path = url.split("?", 1)[0]
    for pattern in served:
        head = pattern.split("{", 1)[0]
        if pattern == path or ("{" in pattern and path.startswith(head) and len(path) > len(head)):
            if pattern.endswith(".svg") and not path.endswith(".svg"):
                continue
            return True
    return False


def run(label: str, url: str) -> dict[str, str]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    sample = seed(engine)
    seeded = time.perf_counter() - started
    print(f"\n[{label}] seeded {RETURNS:,} returns / {ORDERS:,} orders / 20 stores in "
          f"{seeded:.1f} s (bulk insert)")  # fmt: skip
    rows = asyncio.run(measure(engine, sample))
    engine.dispose()
    print(f"{'page':<38} {'ms':>8} {'raw SQL ms':>11} {'ratio':>7} {'queries':>8} {'KiB':>6}")
    summary: dict[str, str] = {}
    for name, page_url, result in rows:
        if result is None:
            print(f"{name:<38} skipped: {page_url} is not served on this branch (not merged yet)")
            continue
        page_ms, raw_ms, queries, size = result
        ratio = page_ms / raw_ms if raw_ms else float("inf")
        print(f"{name:<38} {page_ms:8.1f} {raw_ms:11.2f} {ratio:7.1f} {queries:8d} "
              f"{size / 1024:6.1f}")  # fmt: skip
        summary[f"{label} {name}"] = f"{page_ms:.1f} ms ({ratio:.1f}x raw)"
    slowest = max((r[2][0], r[0]) for r in rows if r[2] is not None)
    print(f"slowest page: {slowest[1]} {slowest[0]:.1f} ms (bar: under 1,000 ms)")
    return summary


def main() -> dict[str, str]:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.2f}, {ROUNDS} rounds per page")  # fmt: skip
    which = os.environ.get("COUNTER_APP_BENCH_DB") or ("both" if find_pg_bin() else "sqlite")
    summary: dict[str, str] = {}
    if which in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
        summary |= run("sqlite", f"sqlite:///{folder / 'central.db'}")
    if which in ("postgresql", "both"):
        with ThrowawayPostgres() as server:
            from counter_app.central.testing import create_database

            summary |= run("postgresql", create_database(server.url))
    return summary


if __name__ == "__main__":
    main()
