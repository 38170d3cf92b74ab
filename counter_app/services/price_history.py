"""A product's price history from the catalog pull and `catalog import` (`CatalogItem.prices`):
what a receiptless return's lowest-price-of-the-last-N-days rule reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from counter_app.adapters.db import receiptless as rows


def price_points(item: dict[str, Any]) -> list[tuple[datetime, int]]:
    """The item's price points as (aware time, price), oldest first."""
    points = []
    for point in item.get("prices") or []:
        at = point["effective_from"]
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        if moment.tzinfo is None:
            raise ValueError("a price point's effective_from must carry its time zone")
        points.append((moment.astimezone(UTC), int(point["price_minor"])))
    return sorted(points)


def apply_price_history(conn: Connection, sku: str, item: dict[str, Any]) -> None:
    """Head office's history replaces the product's (idempotent); an item without one adds
    today's price when it changed, so a store on files alone still builds a history."""
    points = price_points(item)
    if points:
        rows.replace_price_history(conn, sku, points)
    else:
        rows.note_current_price(conn, sku, int(item["price_minor"]), datetime.now(UTC))


def history_differs(conn: Connection, sku: str, item: dict[str, Any]) -> bool:
    """Would applying `item` change the product's stored price history?"""
    points = price_points(item)
    return bool(points) and rows.price_history(conn, sku) != points
