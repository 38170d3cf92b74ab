"""A real head office for the end-to-end tests of issues 14 and 15: PostgreSQL seeded with
two stores, a small apparel/home catalog with barcodes, the default policy and a travelling
cashier, served over HTTPS on 127.0.0.1 with a CA made at test time (trustme).

Not a fixture module: each test module wraps `serve_head_office` in its own fixture with its
own orders and settings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from counter_app import sync_protocol as proto
from counter_app.bootstrap import App
from counter_app.central import db as central_db
from counter_app.central import service as central
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.testing import ServerThread, TlsFiles, free_port, seed_reference
from counter_app.domain.model import User
from counter_app.services import auth
from tests.e2e import test_sync_e2e as base
from tests.e2e.test_sync_e2e import NOW, Central

POLICY = (Path(__file__).parents[2] / "resources/policy/default.toml").read_text()
# sku, name, category, style, size, price now, barcode
PRODUCTS = [
    ("TEE-M", "Tee M", "apparel", "TEE", "M", 5000, "2100000000011"),
    ("TEE-L", "Tee L", "apparel", "TEE", "L", 5000, "2100000000028"),
    ("TEE-XL", "Tee XL", "apparel", "TEE", "XL", 5500, "2100000000035"),
    ("SCARF", "围巾", "apparel", None, None, 2000, "2100000000042"),
    ("MUG", "Mug", "home", None, None, 3000, "2100000000059"),
]
BARCODE = {sku: code for sku, *_, code in PRODUCTS}
STORES = ("S001", "S002")


def at(days: float) -> str:
    """`days` before NOW, as an ISO timestamp."""
    return (NOW - timedelta(days=days)).isoformat()


def order(
    number: str,
    lines: list[tuple[str, int]],
    gift: dict[int, str] | None = None,
    store: str | None = "S001",
    email: str | None = None,
) -> proto.Order:
    """A card-paid order placed three days ago at `store` (None: the web shop), one unit per
    (sku, paid) line."""
    total = sum(paid for _, paid in lines)
    return proto.Order.model_validate({
        "number": number, "store": store, "channel": "store" if store else "online",
        "placed_at": at(3), "currency": "USD", "barcode": number,
        "customer": {"code": f"C-{number}", "name": "Lin 林",
                     "email": email or f"{number}@example.com"},
        "lines": [{"line_no": n, "sku": sku, "quantity": 1, "unit_price_minor": paid,
                   "paid_minor": paid, "gift_code": (gift or {}).get(n)}
                  for n, (sku, paid) in enumerate(lines, start=1)],
        "payments": [{"tender": "card", "amount_minor": total, "card_brand": "VISA",
                      "card_last4": "4242"}],
    })  # fmt: skip


def alice(app: App) -> User:
    """The travelling cashier, signed in at `app`'s counter."""
    return auth.authenticate(app.engine, app.clock, "alice", "1234")


def seed_head_office(engine: Any, orders: Sequence[proto.Order]) -> dict[str, str]:
    """Stores S001 and S002 (their keys), catalog, policy, staff and `orders`."""
    keys = {code: central.add_store(engine, code, f"Store {code}") for code in STORES}
    seed_reference(engine)
    items = []
    for sku, name, category, style, size, price, barcode in PRODUCTS:
        prices = None
        if sku == "MUG":  # 30.00, on sale at 25.00 inside the receiptless window, 30.00 again
            prices = [
                proto.PricePoint.model_validate({"effective_from": f, "price_minor": p})
                for f, p in ((at(400), 3000), (at(20), 2500), (at(5), 3000))
            ]
        items.append(proto.CatalogItem(
            sku=sku, name=name, category=category, barcodes=[barcode], price_minor=price,
            currency="USD", vendor="Acme", style=style, size=size,
            colour="Grey" if style else None, **({"prices": prices} if prices else {}),
        ))  # fmt: skip
    central.publish_catalog(engine, items)
    central.publish_policy(engine, "p1", POLICY)
    central.publish_staff(engine, [central.staff_from_record(
        {"username": "alice", "display_name": "Alice", "role": "cashier", "pin": "1234",
         "travelling": True})])  # fmt: skip
    central.publish_orders(engine, list(orders))
    return keys


@contextmanager
def serve_head_office(
    pg_server: Any,
    tls_dir: Path,
    orders: Sequence[proto.Order],
    public: bool = False,
    **settings: Any,
) -> Iterator[Central]:
    """A seeded head office on a fresh database, served over HTTPS; `settings` go to
    CentralSettings (`public`: its own address is its public URL, for the links it e-mails).
    The stores made with test_sync_e2e._store trust its CA."""
    db_url = pg_server.create_database()
    central_db.upgrade(db_url)
    engine = central_db.make_engine(db_url)
    keys = seed_head_office(engine, orders)
    tls = TlsFiles.make(tls_dir)
    port = free_port()
    if public:
        settings["public_url"] = f"https://127.0.0.1:{port}"
    app = create_app(CentralSettings(db_url=db_url, **settings))
    server = ServerThread(app, port=port, tls=tls)
    server.start()
    base.CA[0] = str(tls.ca_file)
    try:
        yield Central(server.base_url, db_url, keys, str(tls.ca_file))
    finally:
        server.stop()
        engine.dispose()
