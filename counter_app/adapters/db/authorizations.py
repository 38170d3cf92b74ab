"""Return authorizations and catalog images in the store's tables.

An authorization row is head office's word as last heard (pulled or fetched live); the
return that consumed one here carries its code (`returns.authorization_code`, unique)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from counter_app.adapters.db import tables as t
from counter_app.domain.authorization import Authorization, AuthorizedLine


def save_authorization(conn: Connection, item: dict[str, Any]) -> None:
    """Insert or replace one authorization (a validated `ReturnAuthorization` as JSON)."""
    code = str(item["code"])
    values = {
        "order_number": str(item["order_number"])[:64],
        "status": item["status"],
        "refund": item["refund"],
        "created_at": _time(item["created_at"]),
        "expires_at": _time(item["expires_at"]),
        "status_token": str(item["status_token"]),
        "customer_first_name": (item.get("customer_first_name") or None),
        "used_by_store": item.get("used_by_store"),
        "used_return_ref": item.get("used_return_ref"),
        "used_at": _time(item.get("used_at")),
        "cancelled_at": _time(item.get("cancelled_at")),
    }
    a = t.authorizations.c
    if conn.execute(select(a.code).where(a.code == code)).first() is None:
        conn.execute(insert(t.authorizations).values(code=code, **values))
    else:
        conn.execute(update(t.authorizations).where(a.code == code).values(**values))
    conn.execute(delete(t.authorization_lines).where(t.authorization_lines.c.code == code))
    conn.execute(
        insert(t.authorization_lines),
        [
            {
                "code": code,
                "line_no": int(line["line_no"]),
                "sku": str(line["sku"]),
                "quantity": int(line["quantity"]),
                "reason": str(line["reason"]),
            }
            for line in item["lines"]
        ],
    )


def load_authorization(conn: Connection, code: str) -> Authorization | None:
    row = (
        conn.execute(select(t.authorizations).where(t.authorizations.c.code == code))
        .mappings()
        .first()
    )
    if row is None:
        return None
    ln = t.authorization_lines.c
    lines = conn.execute(
        select(ln.line_no, ln.sku, ln.quantity, ln.reason)
        .where(ln.code == code)
        .order_by(ln.line_no)
    ).all()
    return Authorization(
        code=row["code"],
        order_number=row["order_number"],
        status=row["status"],
        refund=row["refund"],
        lines=tuple(AuthorizedLine(int(n), s, int(q), r) for n, s, q, r in lines),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        status_token=row["status_token"],
        used_by_store=row["used_by_store"],
        used_at=row["used_at"],
        cancelled_at=row["cancelled_at"],
    )


def mark_used_here(
    conn: Connection, code: str, store: str, return_ref: str, at: datetime
) -> None:
    """This store's return consumed the code: the local copy says so until the next pull."""
    conn.execute(
        update(t.authorizations)
        .where(t.authorizations.c.code == code)
        .values(status="used", used_by_store=store, used_return_ref=return_ref, used_at=at)
    )


def return_using(conn: Connection, code: str) -> tuple[str, datetime] | None:
    """(ref, time) of this store's return that consumed `code`, if one did."""
    r = t.returns.c
    row = conn.execute(select(r.ref, r.created_at).where(r.authorization_code == code)).first()
    return (str(row[0]), row[1]) if row else None


def save_image(conn: Connection, sku: str, mime: str, sha256: str, data: bytes) -> None:
    c = t.catalog_images.c
    values = {"mime": mime, "sha256": sha256, "data": data}
    if conn.execute(select(c.sku).where(c.sku == sku)).first() is None:
        conn.execute(insert(t.catalog_images).values(sku=sku, **values))
    else:
        conn.execute(update(t.catalog_images).where(c.sku == sku).values(**values))


def load_image(conn: Connection, sku: str) -> bytes | None:
    c = t.catalog_images.c
    data = conn.execute(select(c.data).where(c.sku == sku)).scalar()
    return bytes(data) if data is not None else None


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
