"""What open return authorizations hold back on an order's lines.

An authorization reserves its lines while it is open and not expired; used, cancelled and
expired ones reserve nothing. Head office keeps the invariant "reserved ≤ sold − returned" on
every line: a new authorization may take only what is left, and when goods come back without
the code (a plain return at a store, an online refund), the open authorizations that no longer
fit are cancelled, the newest first (the customer's items are back; the code is moot).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counter_app.central.db import next_seq
from counter_app.central.models import (
    CentralAuthorization,
    CentralAuthorizationLine,
    CentralOrderLine,
)

SUPERSEDED_BY = "head office: the items came back without this code"


def open_reservations(
    session: Session, numbers: Iterable[str], now: datetime, lock: bool = False
) -> list[tuple[CentralAuthorization, dict[int, int]]]:
    """The open, unexpired authorizations of these orders (oldest first), each with its
    quantity per line; locked for update when `lock`."""
    wanted = sorted(set(numbers))
    if not wanted:
        return []
    a = CentralAuthorization
    query = (
        select(a)
        .where(a.order_number.in_(wanted), a.status == "open", a.expires_at > now)
        .order_by(a.created_at, a.id)
    )
    rows = list(session.execute(query.with_for_update() if lock else query).scalars())
    lines: dict[int, dict[int, int]] = {row.id: {} for row in rows}
    if rows:
        al = CentralAuthorizationLine
        for auth_id, line_no, quantity in session.execute(
            select(al.authorization_id, al.line_no, al.quantity).where(
                al.authorization_id.in_(list(lines))
            )
        ):
            lines[auth_id][line_no] = quantity
    return [(row, lines[row.id]) for row in rows]


def reserved_by_line(
    reservations: Iterable[tuple[CentralAuthorization, dict[int, int]]],
) -> dict[tuple[str, int], int]:
    total: dict[tuple[str, int], int] = {}
    for row, lines in reservations:
        for line_no, quantity in lines.items():
            key = (row.order_number, line_no)
            total[key] = total.get(key, 0) + quantity
    return total


def supersede(session: Session, numbers: Iterable[str], now: datetime) -> list[str]:
    """Cancel the open authorizations of these orders that no longer fit what is left on
    their lines (newest first); returns their codes."""
    reservations = open_reservations(session, numbers, now, lock=True)
    if not reservations:
        return []
    left: dict[tuple[str, int], int] = {}
    ol = CentralOrderLine
    for number, line_no, sold, online, store in session.execute(
        select(
            ol.order_number,
            ol.line_no,
            ol.quantity,
            ol.online_returned_quantity,
            ol.store_returned_quantity,
        ).where(ol.order_number.in_(sorted({row.order_number for row, _ in reservations})))
    ):
        left[(number, line_no)] = sold - online - store
    gone: list[CentralAuthorization] = []
    for row, lines in reservations:  # oldest first keeps the earlier customers' codes
        keys = [((row.order_number, n), q) for n, q in lines.items()]
        if all(left.get(key, 0) >= quantity for key, quantity in keys):
            for key, quantity in keys:
                left[key] -= quantity
        else:
            gone.append(row)
    if gone:
        start = next_seq(session, len(gone))
        for offset, row in enumerate(gone):
            session.execute(
                update(CentralAuthorization)
                .where(CentralAuthorization.id == row.id)
                .values(
                    status="cancelled",
                    cancelled_at=now,
                    cancelled_by=SUPERSEDED_BY,
                    seq=start + offset,
                )
            )
    return [row.code for row in gone]
