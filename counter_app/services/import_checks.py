"""What the database would refuse in an imported order, and how it differs from the one here.

Checked before anything is written, so the person importing reads "line 3, field
'lines.0.sku': unknown product" instead of a foreign-key error, and a re-imported sale that
was changed since is refused with what changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, select

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.cards import last4
from counter_app.services.gift_lines import gift_code_problems

STORED_TENDERS = ("card", "cash", "gift_card", "store_credit")  # the payments CHECK
_LINE_FACTS = (
    "sku",
    "quantity",
    "unit_price_minor",
    "discount_minor",
    "tax_minor",
    "paid_minor",
    "serial",
    "final_sale",
)


def _too_long(value: Any, column: Column[Any]) -> str | None:
    limit = getattr(column.type, "length", None)
    if isinstance(value, str) and limit is not None and len(value) > limit:
        return f"is too long for this store (at most {limit} characters)"
    return None


def order_problems(conn: Connection, item: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for everything in `item` the store's tables cannot hold."""
    found: list[tuple[str, str]] = []
    o, c, ln, p = t.orders.c, t.customers.c, t.order_lines.c, t.payments.c
    checks: list[tuple[str, Any, Column[Any]]] = [
        ("number", item["number"], o.number),
        ("store", item.get("store"), o.store_code),
    ]
    for key, column in (("code", c.code), ("phone", c.phone), ("loyalty_tier", c.loyalty_tier)):
        checks.append((f"customer.{key}", (item.get("customer") or {}).get(key), column))
    for i, line in enumerate(item["lines"]):
        checks.append((f"lines.{i}.serial", line.get("serial"), ln.serial))
        known = conn.execute(select(t.products.c.sku).where(t.products.c.sku == line["sku"]))
        if known.scalar() is None:
            reason = f"unknown product {line['sku']!r} (import the catalog first)"
            found.append((f"lines.{i}.sku", reason))
    for i, pay in enumerate(item.get("payments") or []):
        checks.append((f"payments.{i}.card_brand", pay.get("card_brand"), p.card_brand))
        if pay["tender"] not in STORED_TENDERS:
            found.append((f"payments.{i}.tender", f"must be one of {', '.join(STORED_TENDERS)}"))
    for field, value, column in checks:
        too_long = _too_long(value, column)
        if too_long:
            found.append((field, too_long))
    return found + gift_code_problems(conn, item)


def _facts(item: dict[str, Any]) -> dict[str, Any]:
    """The sale in `item` (an Order as JSON) in one comparable shape."""
    return {
        "store": item.get("store"),
        "channel": item["channel"],
        "placed_at": datetime.fromisoformat(str(item["placed_at"])).astimezone(UTC),
        "currency": item["currency"],
        "customer": (item.get("customer") or {}).get("code"),
        "lines": {
            int(line["line_no"]): {
                **{k: line.get(k) for k in _LINE_FACTS},
                "discount_minor": int(line.get("discount_minor") or 0),
                "tax_minor": int(line.get("tax_minor") or 0),
                "final_sale": bool(line.get("final_sale")),
                "returned_quantity": int(line.get("returned_quantity") or 0),
            }
            for line in item["lines"]
        },
        "payments": sorted(
            (p["tender"], int(p["amount_minor"]), p.get("card_brand"), last4(p.get("card_last4")))
            for p in item.get("payments") or []
        ),
    }


def _stored(conn: Connection, order_id: int) -> dict[str, Any]:
    o, ln, p = t.orders.c, t.order_lines.c, t.payments.c
    head = conn.execute(
        select(o.store_code, o.channel, o.placed_at, o.currency, t.customers.c.code)
        .select_from(t.orders.outerjoin(t.customers, t.customers.c.id == o.customer_id))
        .where(o.id == order_id)
    ).one()
    lines = conn.execute(select(t.order_lines).where(ln.order_id == order_id)).mappings().all()
    pays = conn.execute(
        select(p.tender, p.amount_minor, p.card_brand, p.card_last4).where(p.order_id == order_id)
    ).all()
    return {
        "store": head[0],
        "channel": head[1],
        "placed_at": head[2],
        "currency": head[3],
        "customer": head[4],
        "lines": {
            int(r["line_no"]): {
                **{k: r[k] for k in _LINE_FACTS},
                "final_sale": bool(r["final_sale"]),
                "returned_quantity": int(r["returned_quantity"]),
            }
            for r in lines
        },
        "payments": sorted((r[0], int(r[1]), r[2], r[3]) for r in pays),
    }


def _line_changes(here: dict[int, Any], there: dict[int, Any]) -> list[str]:
    changes: list[str] = []
    for no in sorted(set(here) | set(there)):
        if no not in there:
            changes.append(f"line {no} is not in the file")
            continue
        if no not in here:
            changes.append(f"line {no} is new in the file")
            continue
        for key in (*_LINE_FACTS, "returned_quantity"):
            a, b = here[no][key], there[no][key]
            if key == "returned_quantity" and b <= a:
                continue  # returned here since the export: the file is older, not different
            if a != b:
                changes.append(f"line {no} {key} {a!r} here, {b!r} in the file")
    return changes


def order_changes(
    conn: Connection, item: dict[str, Any], earlier: dict[str, Any] | None = None
) -> list[str] | None:
    """None: a new order. []: the same sale as the one here (or earlier in the same file).
    Otherwise what differs, one phrase each."""
    if earlier is not None:
        here = _facts(earlier)
    else:
        order_id = repo.order_id_by_number(conn, str(item["number"]))
        if order_id is None:
            return None
        here = _stored(conn, order_id)
    there = _facts(item)
    changes = [
        f"{key} {here[key]!s} here, {there[key]!s} in the file"
        for key in ("store", "channel", "placed_at", "currency", "customer")
        if here[key] != there[key]
    ]
    changes += _line_changes(here["lines"], there["lines"])
    if here["payments"] != there["payments"]:
        changes.append("the payments differ")
    return changes
