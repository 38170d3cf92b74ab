"""Gift-receipt codes in the store's tables: which line a code names, whether it was used."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from counter_app.adapters.db import tables as t


def line_for_gift_code(conn: Connection, code: str) -> tuple[int, int] | None:
    """(order id, line no.) of the order line whose gift receipt carries `code`."""
    ln = t.order_lines.c
    row = conn.execute(select(ln.order_id, ln.line_no).where(ln.gift_code == code)).first()
    return (int(row[0]), int(row[1])) if row else None


def gift_code_used_by(conn: Connection, code: str) -> str | None:
    """The ref of the return that already used gift code `code` (None: not used)."""
    rl, r = t.return_lines.c, t.returns.c
    return conn.execute(
        select(r.ref).join(t.returns, r.id == rl.return_id).where(rl.gift_code == code)
    ).scalar()


def gift_code_taken(conn: Connection, code: str) -> bool:
    ln = t.order_lines.c
    return conn.execute(select(ln.id).where(ln.gift_code == code)).first() is not None


def set_line_gift_code(conn: Connection, order_line_id: int, code: str) -> bool:
    """Give a line its gift code unless it has one (a conditional update: two counters
    printing the same gift receipt keep the first code)."""
    ln = t.order_lines.c
    done = conn.execute(
        update(t.order_lines)
        .where(ln.id == order_line_id, ln.gift_code.is_(None))
        .values(gift_code=code)
    )
    return done.rowcount == 1


def gift_code_owner(conn: Connection, code: str) -> tuple[str, int] | None:
    """(order number, line no.) of the line that carries gift code `code`."""
    ln, o = t.order_lines.c, t.orders.c
    row = conn.execute(
        select(o.number, ln.line_no)
        .join(t.orders, o.id == ln.order_id)
        .where(ln.gift_code == code)
    ).first()
    return (str(row[0]), int(row[1])) if row else None


def order_line_id(conn: Connection, order_id: int, line_no: int) -> tuple[int, str | None] | None:
    """(id, gift code) of the order's line `line_no`."""
    ln = t.order_lines.c
    row = conn.execute(
        select(ln.id, ln.gift_code).where(ln.order_id == order_id, ln.line_no == line_no)
    ).first()
    return (int(row[0]), row[1]) if row else None


def line_gift_code(conn: Connection, order_line_id: int) -> str | None:
    ln = t.order_lines.c
    return conn.execute(select(ln.gift_code).where(ln.id == order_line_id)).scalar()


def return_gift_codes(conn: Connection, ref: str) -> dict[str, str]:
    """SKU -> gift code of the lines of return `ref` that came back on a gift receipt."""
    rl, r = t.return_lines.c, t.returns.c
    rows = conn.execute(
        select(rl.sku, rl.gift_code)
        .join(t.returns, r.id == rl.return_id)
        .where(r.ref == ref, rl.gift_code.is_not(None))
    )
    return {str(sku): str(code) for sku, code in rows}
