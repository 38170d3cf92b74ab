"""`counter-app central demo`: head office with the demo catalog, staff and orders.

Stores then start empty and get everything by `counter-app sync` — the way a real store
receives its data. Uses the same generator as the single-store demo.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine

from counter_app import sync_protocol as proto
from counter_app.adapters.product_picture import product_picture_base64
from counter_app.central import service
from counter_app.services.demo import (
    DEMO_STAFF,
    demo_customer,
    demo_order,
    demo_products,
)


def publish_demo(engine: Engine, stores: list[str], orders: int = 600, seed: int = 7) -> int:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    products = demo_products(rng)
    service.publish_catalog(
        engine,
        [
            proto.CatalogItem(
                sku=p["sku"],
                name=p["name"],
                category=p["category"],
                barcodes=[code],
                serialised=p["serialised"],
                price_minor=p["price_minor"],
                currency=p["currency"],
                vendor=p["vendor"],
                # variants, when the demo generator gives them (issue 14)
                style=p.get("style"),
                size=p.get("size"),
                colour=p.get("colour"),
                image_base64=product_picture_base64(p["sku"], p["name"], p["category"]),
            )
            for p, code in products
        ],
    )
    # The demo's well-known PINs (README) are shorter than the PIN policy asks of managers,
    # so they go as ready hashes: demo data only. Demo staff work at every demo store.
    hasher = PasswordHasher()
    service.publish_staff(
        engine,
        [
            service.staff_from_record(
                {
                    "username": u,
                    "display_name": n,
                    "role": r,
                    "pin_hash": hasher.hash(pin),
                    "travelling": True,
                }
            )
            for u, n, r, pin in DEMO_STAFF
        ],
    )
    n_customers = max(50, orders // 4)
    customers = {i: demo_customer(rng, i) for i in range(1, n_customers + 1)}
    product_rows = [p for p, _ in products]
    published: list[proto.Order] = []
    for order_id in range(1, orders + 1):
        order, lines, pays = demo_order(rng, order_id, now, product_rows, n_customers)
        store = stores[order_id % len(stores)] if order["channel"] == "store" else None
        published.append(_to_wire(order, lines, pays, store, customers.get(order["customer_id"])))
    service.publish_orders(engine, published)
    return len(published)


def _to_wire(
    order: dict[str, Any],
    lines: list[dict[str, Any]],
    pays: list[dict[str, Any]],
    store: str | None,
    customer: dict[str, Any] | None,
) -> proto.Order:
    return proto.Order.model_validate(
        {
            "number": order["number"],
            "store": store,
            "channel": order["channel"],
            "placed_at": order["placed_at"].isoformat(),
            "currency": order["currency"],
            "barcode": order["number"],
            "customer": None
            if customer is None
            else {k: customer[k] for k in ("code", "name", "email", "phone", "loyalty_tier")},
            "lines": [
                {
                    k: line[k]
                    for k in (
                        "line_no",
                        "sku",
                        "quantity",
                        "unit_price_minor",
                        "discount_minor",
                        "tax_minor",
                        "paid_minor",
                        "serial",
                        "final_sale",
                    )
                }
                for line in lines
            ],
            "payments": [
                {k: p[k] for k in ("tender", "amount_minor", "card_brand", "card_last4")}
                for p in pays
            ],
        }
    )
