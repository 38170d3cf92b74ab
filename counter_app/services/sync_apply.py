"""Applying what head office publishes (catalog, staff, policies, orders, settlements).

Every applier is idempotent: a page applied twice (a crash before its cursor was saved) leaves
the same rows. `APPLIERS` maps a pull resource to its applier; sync.pull_all runs them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from counter_app import sync_protocol as proto
from counter_app.adapters.catalog_image import BadCatalogImage, clean_catalog_image
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.authorizations import save_authorization, save_image
from counter_app.domain.cards import last4
from counter_app.domain.masking import is_masked
from counter_app.domain.model import ROLES
from counter_app.domain.money import Money
from counter_app.domain.pins import pin_hash_problem
from counter_app.domain.refund import split_refund
from counter_app.domain.text import sanitize
from counter_app.services.gift_lines import apply_gift_codes
from counter_app.services.price_history import apply_price_history

NAME_LIMIT = 200  # the protocol's Text


def _name(value: Any) -> str:
    """A name head office sent, scrubbed as typed text is (controls, bidi, card data)."""
    text = str(value or "")[: NAME_LIMIT * 4]  # the protocol bounds it; this bounds the work
    return sanitize(text, limit=len(text) or 1, multiline=False)[:NAME_LIMIT]


def _variant(value: Any, limit: int) -> str | None:
    """A variant attribute (style, size, colour) as its column holds it; None when absent."""
    return (_name(value)[:limit] or None) if value else None


def upsert(conn: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]) -> Any:
    """Insert or update the row with `key`; returns the row as it was (None if inserted)."""
    where = [table.c[k] == v for k, v in key.items()]
    found = conn.execute(select(table).where(*where)).mappings().first()
    if found is None:
        conn.execute(insert(table).values(**key, **values))
    else:
        conn.execute(update(table).where(*where).values(**values))
    return found


def apply_catalog_item(conn: Connection, item: dict[str, Any]) -> None:
    sku = str(item["sku"])
    upsert(
        conn,
        t.products,
        {"sku": sku},
        {
            "name": _name(item["name"]),
            "category": item["category"],
            "serialised": bool(item.get("serialised")),
            "price_minor": int(item["price_minor"]),
            "currency": item["currency"],
            "vendor": _name(item.get("vendor")),
            "style": _variant(item.get("style"), 64),
            "size": _variant(item.get("size"), 32),
            "colour": _variant(item.get("colour"), 64),
        },
    )
    for code in item.get("barcodes") or []:
        upsert(conn, t.product_barcodes, {"barcode": str(code)}, {"sku": sku})
    apply_price_history(conn, sku, item)
    if "image_base64" in item:
        _apply_image(conn, sku, item["image_base64"])


def _apply_image(conn: Connection, sku: str, text: Any) -> None:
    """Keep the product's picture as the store re-encoded it; a picture that does not pass
    is a sync problem for this product only (its old picture, if any, is dropped)."""
    conn.execute(delete(t.catalog_images).where(t.catalog_images.c.sku == sku))
    if text is None:
        return
    try:
        png, digest = clean_catalog_image(text)
    except BadCatalogImage as exc:
        data = {"sku": sku[:64], "problem": str(exc)}
        reason = f"catalog picture of {sku[:64]!r} refused: {exc}"
        refuse_pulled(conn, IMAGE_REFUSED, sku[:64], data, reason, datetime.now(UTC))
        return
    save_image(conn, sku, "image/png", digest, png)


SYNC_ACTOR = "head office (sync)"
STAFF_REFUSED = "staff.refused"
AUTHORIZATION_REFUSED = "authorization.refused"
IMAGE_REFUSED = "catalog_image.refused"
# Problems with what head office sent, recorded here: never sent back as resolved.
LOCAL_PROBLEMS = frozenset({STAFF_REFUSED, AUTHORIZATION_REFUSED, IMAGE_REFUSED})


def apply_staff(conn: Connection, item: dict[str, Any]) -> None:
    """Apply a pulled staff record, or refuse all of it; either way it is audited.

    Head office (or whoever answers in its name) must not be able to plant a weak
    credential: the hash must be argon2id of at least the minimum cost and the role known.
    A refused record becomes a sync problem for a manager and changes nothing."""
    now = datetime.now(UTC)
    username = str(item.get("username", ""))[:64]
    problem = pin_hash_problem(str(item.get("pin_hash", "")))
    if item.get("role") not in ROLES:
        problem = f"unknown role {str(item.get('role'))[:20]!r}"
    if problem is not None:
        _refuse_staff(conn, username, str(item.get("role"))[:20], problem, now)
        return
    values = {
        "display_name": _name(item["display_name"]),
        "role": item["role"],
        "pin_hash": item["pin_hash"],
        "active": bool(item.get("active", True)),
    }
    before = upsert(conn, t.users, {"username": username}, values)
    for action, data in _staff_changes(before, values):
        repo.append_audit(
            conn, at=now, actor=SYNC_ACTOR, action=action, subject=username, data=data
        )


def _staff_changes(before: Any, after: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The audit entries for one applied staff record (none when nothing changed)."""
    if before is None:
        return [("user.added", {"role": after["role"], "active": after["active"]})]
    changes: list[tuple[str, dict[str, Any]]] = []
    if before["role"] != after["role"]:
        changes.append(("user.role_changed", {"from": before["role"], "to": after["role"]}))
    if before["pin_hash"] != after["pin_hash"]:
        changes.append(("user.pin_changed", {}))
    if bool(before["active"]) != after["active"]:
        changes.append(("user.enabled" if after["active"] else "user.disabled", {}))
    if before["display_name"] != after["display_name"]:
        changes.append(("user.renamed", {"to": after["display_name"]}))
    return changes


def _refuse_staff(conn: Connection, username: str, role: str, problem: str, now: datetime) -> None:
    """Audit the refusal and record it as a sync problem (a local, never-sent outbox row)."""
    reason = f"staff record for {username!r} ({role}) refused: {problem}"
    data = {"username": username, "role": role, "problem": problem}
    refuse_pulled(conn, STAFF_REFUSED, username, data, reason, now)


def refuse_pulled(
    conn: Connection, kind: str, subject: str, data: dict[str, Any], reason: str, now: datetime
) -> None:
    """A pulled record refused: audited, and a sync problem for a manager (a local outbox
    row that is never sent). Once: the same page applied again adds nothing."""
    reason = reason[:2000]
    payload_json = json.dumps(data, ensure_ascii=False, sort_keys=True)
    o, e = t.outbox.c, t.sync_exceptions.c
    open_already = conn.execute(
        select(o.id)
        .join(t.sync_exceptions, e.message_id == o.id)
        .where(o.kind == kind, o.payload_json == payload_json, e.resolved_at.is_(None))
    ).first()
    if open_already is not None:
        return  # the same page applied again (a crash before its cursor was saved)
    repo.append_audit(conn, at=now, actor=SYNC_ACTOR, action=kind, subject=subject, data=data)
    message_id = str(uuid.uuid4())
    conn.execute(
        insert(t.outbox).values(
            id=message_id,
            kind=kind,
            created_at=now,
            payload_json=payload_json,
            status="rejected",
            attempts=0,
            last_error=reason,
        )
    )
    conn.execute(
        insert(t.sync_exceptions).values(message_id=message_id, reason=reason, created_at=now)
    )


def apply_policy(conn: Connection, item: dict[str, Any]) -> None:
    published = datetime.fromisoformat(str(item["published_at"]))
    upsert(
        conn,
        t.policy_versions,
        {"version": item["version"]},
        {"published_at": published, "toml": item["toml"]},
    )


def apply_order(conn: Connection, item: dict[str, Any]) -> int:
    """Insert the order (with its customer and payments) once; merge its lines every time."""
    customer_id = _apply_customer(conn, item.get("customer"))
    existing = repo.order_id_by_number(conn, str(item["number"]))
    order_id = _insert_order(conn, item, customer_id) if existing is None else existing
    refunded_elsewhere = sum(_merge_order_line(conn, order_id, line) for line in item["lines"])
    apply_gift_codes(conn, order_id, item)
    _charge_refunded_elsewhere(conn, order_id, str(item["currency"]), refunded_elsewhere)
    return order_id


def _charge_refunded_elsewhere(conn: Connection, order_id: int, currency: str, minor: int) -> None:
    """Units returned online or at another store took `minor` of the lines' paid amounts:
    charge it to the order's payments too, each back to its own tender in proportion to
    what it has left (head office refunds to the original tender), so this counter never
    pays out again money that already went back — above all never that cash."""
    if minor <= 0:
        return
    payments = repo.load_payments(conn, order_id, currency)
    left = sum(p.remaining.minor for p in payments)
    amount = Money(min(minor, left), currency)
    for part in split_refund(amount, payments, "original"):
        repo.charge_payment(conn, part.payment_id, part.amount.minor)


def _apply_customer(conn: Connection, customer: dict[str, Any] | None) -> int | None:
    if not customer:
        return None
    known = conn.execute(
        select(t.customers.c.id).where(t.customers.c.code == customer["code"])
    ).scalar()
    if known is not None and is_masked(customer.get("email") or customer.get("name")):
        return int(known)  # a masked lookup never overwrites what the store knows in full
    upsert(
        conn,
        t.customers,
        {"code": customer["code"]},
        {
            "name": _name(customer["name"]),
            "email": customer.get("email"),
            "phone": customer.get("phone"),
            "loyalty_tier": customer.get("loyalty_tier"),
        },
    )
    customer_id: int = conn.execute(
        select(t.customers.c.id).where(t.customers.c.code == customer["code"])
    ).scalar_one()
    return customer_id


def _insert_order(conn: Connection, item: dict[str, Any], customer_id: int | None) -> int:
    placed = datetime.fromisoformat(str(item["placed_at"]))
    order_id = repo.insert_row(
        conn,
        t.orders,
        {
            "number": str(item["number"]),
            "store_code": item.get("store"),
            "channel": item["channel"],
            "placed_at": placed,
            "customer_id": customer_id,
            "currency": item["currency"],
        },
    )
    for p in item.get("payments") or []:
        repo.insert_row(
            conn,
            t.payments,
            {
                "order_id": order_id,
                "tender": p["tender"],
                "amount_minor": p["amount_minor"],
                "refunded_minor": 0,
                "card_brand": p.get("card_brand"),
                "card_last4": last4(p.get("card_last4")),
            },
        )
    return order_id


def _merge_order_line(conn: Connection, order_id: int, line: dict[str, Any]) -> int:
    """A new line is inserted; a known one only ever raises its returned quantity. Returns
    what units returned elsewhere added to the line's refunded amount (minor units)."""
    key = {"order_id": order_id, "line_no": int(line["line_no"])}
    found = (
        conn.execute(
            select(t.order_lines).where(
                t.order_lines.c.order_id == order_id, t.order_lines.c.line_no == key["line_no"]
            )
        )
        .mappings()
        .first()
    )
    central_returned = int(line.get("returned_quantity") or 0)
    if found is None:
        refunded = repo.refunded_after(line["quantity"], line["paid_minor"], 0, 0, central_returned)
        conn.execute(
            insert(t.order_lines).values(
                **key,
                sku=line["sku"],
                quantity=line["quantity"],
                unit_price_minor=line["unit_price_minor"],
                discount_minor=line.get("discount_minor", 0),
                tax_minor=line.get("tax_minor", 0),
                paid_minor=line["paid_minor"],
                serial=line.get("serial"),
                final_sale=bool(line.get("final_sale")),
                returned_quantity=central_returned,
                refunded_minor=refunded,
            )
        )
        return int(refunded)
    if central_returned > found["returned_quantity"]:
        # Returned elsewhere (online, another store) since: never count fewer than that.
        refunded = repo.refunded_after(
            found["quantity"],
            found["paid_minor"],
            found["returned_quantity"],
            found["refunded_minor"],
            min(central_returned, found["quantity"]) - found["returned_quantity"],
        )
        conn.execute(
            update(t.order_lines)
            .where(t.order_lines.c.id == found["id"])
            .values(
                returned_quantity=min(central_returned, found["quantity"]),
                refunded_minor=refunded,
            )
        )
        return int(refunded - found["refunded_minor"])
    return 0


def apply_settlement(conn: Connection, item: dict[str, Any]) -> None:
    return_id = conn.execute(
        select(t.returns.c.id).where(t.returns.c.ref == item["return_ref"])
    ).scalar()
    if return_id is None:
        return
    conn.execute(
        update(t.refunds)
        .where(
            t.refunds.c.return_id == return_id,
            t.refunds.c.tender == item["tender"],
            t.refunds.c.status == "pending",
        )
        .values(
            status="settled",
            settled_at=datetime.fromisoformat(str(item["settled_at"])),
            gateway_ref=str(item.get("gateway_ref") or "")[:64],
        )
    )


def apply_authorization(conn: Connection, item: dict[str, Any]) -> None:
    """A return authorization as head office has it now (open, used, cancelled ...); one
    that does not read as one is a sync problem and changes nothing."""
    try:
        valid = proto.ReturnAuthorization.model_validate(item).model_dump(mode="json")
    except ValueError as exc:
        code = str(item.get("code", ""))[:16]
        problem = str(exc).splitlines()[0][:300]
        data = {"code": code, "problem": problem}
        reason = f"return authorization {code!r} refused: {problem}"
        refuse_pulled(conn, AUTHORIZATION_REFUSED, code, data, reason, datetime.now(UTC))
        return
    save_authorization(conn, valid)


APPLIERS: dict[str, Callable[[Connection, dict[str, Any]], Any]] = {
    "catalog": apply_catalog_item,
    "staff": apply_staff,
    "policies": apply_policy,
    "orders": apply_order,
    "settlements": apply_settlement,
    "authorizations": apply_authorization,
}
