"""The rows `audit verify` holds against the trail: returns, overrides, stock, day closes,
and the chain heads the outbox published (sent or not)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import aliased

from counter_app.adapters.db import tables as t
from counter_app.domain.audit_facts import (
    DayCloseFacts,
    LineFact,
    MoveFact,
    OverrideFacts,
    ReturnFacts,
    StoreFacts,
    utc_text,
)

ANCHOR_KINDS = ("audit.head", "audit.anchor")
MOVE_CAUSE = "disposition_change"  # services.stock.MOVE_CAUSE (not imported: no cycle)
RECEIVE_CAUSE = "received"  # stock received onto the shelf, audited as stock.received
RETURN_CAUSES = ("return", "exchange")  # a return's units in; its exchange's units out


def load_facts(conn: Connection) -> StoreFacts:
    moves, manager_moves, unexplained = _stock(conn)
    return StoreFacts(
        returns=_returns(conn, moves),
        overrides=_overrides(conn),
        day_closes=_day_closes(conn),
        manager_moves=manager_moves,
        unexplained_moves=unexplained,
        published=published_heads(conn),
    )


def _returns(conn: Connection, moves: dict[int, list[tuple[str, str, int]]]) -> list[ReturnFacts]:
    r, u, o = t.returns.c, t.users.c, t.orders.c
    lines: dict[int, list[LineFact]] = defaultdict(list)
    rl = t.return_lines.c
    for row in conn.execute(
        select(rl.return_id, rl.line_no, rl.sku, rl.quantity, rl.refund_minor, rl.fee_minor)
    ):
        lines[row[0]].append((row[1], row[2], row[3], row[4], row[5]))
    refunds: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rf = t.refunds.c
    for return_id, tender, amount in conn.execute(select(rf.return_id, rf.tender, rf.amount_minor)):
        refunds[return_id].append((tender, amount))
    query = (
        select(r.id, r.ref, u.username, o.number, r.currency, r.total_refund_minor, r.tender_choice)
        .outerjoin(t.users, u.id == r.cashier_id)
        .outerjoin(t.orders, o.id == r.order_id)
        .order_by(r.id)
    )
    return [
        ReturnFacts(
            ref=row.ref,
            cashier=row.username or "?",
            order_number=row.number,
            currency=row.currency,
            total_minor=row.total_refund_minor,
            tender=row.tender_choice,
            lines=tuple(sorted(lines[row.id])),
            refunds=tuple(sorted(refunds[row.id])),
            moves=tuple(sorted(moves.get(row.id, []))),
        )
        for row in conn.execute(query)
    ]


def _stock(
    conn: Connection,
) -> tuple[dict[int, list[tuple[str, str, int]]], list[MoveFact], list[str]]:
    """Movements of returns by return id (open-box SKUs as their original), manager moves,
    and the movements nothing explains."""
    m, p = t.stock_movements.c, t.products.c
    query = (
        select(
            m.id,
            m.return_id,
            m.cause,
            m.sku,
            func.coalesce(p.open_box_of, m.sku).label("base_sku"),
            m.location,
            m.quantity,
            m.note,
            m.created_at,
        )
        .outerjoin(t.products, p.sku == m.sku)
        .order_by(m.id)
    )
    by_return: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    manager: list[MoveFact] = []
    unexplained: list[str] = []
    for row in conn.execute(query):
        if row.return_id is not None and row.cause in RETURN_CAUSES:
            by_return[row.return_id].append((row.base_sku, row.location, row.quantity))
        elif row.return_id is None and row.cause in (MOVE_CAUSE, RECEIVE_CAUSE):
            manager.append(
                (row.sku, row.location, row.quantity, row.note, utc_text(row.created_at))
            )
        else:
            unexplained.append(f"#{row.id} {row.cause} {row.sku}")
    return by_return, manager, unexplained


def _overrides(conn: Connection) -> list[OverrideFacts]:
    ov, r = t.overrides.c, t.returns.c
    manager = aliased(t.users)
    query = (
        select(r.ref, ov.line_no, manager.c.username, ov.reason, ov.rule_codes)
        .join(t.returns, r.id == ov.return_id)
        .outerjoin(manager, manager.c.id == ov.manager_id)
        .order_by(ov.id)
    )
    return [
        OverrideFacts(
            ref, line_no, username or "?", reason, tuple(c for c in codes.split(",") if c)
        )
        for ref, line_no, username, reason, codes in conn.execute(query)
    ]


def _day_closes(conn: Connection) -> list[DayCloseFacts]:
    dc, u = t.day_closes.c, t.users.c
    query = (
        select(dc.store_code, dc.counter_code, dc.business_date, u.username, dc.summary_json)
        .outerjoin(t.users, u.id == dc.closed_by)
        .order_by(dc.id)
    )
    closes = []
    for store, counter, day, username, summary_json in conn.execute(query):
        try:
            summary: dict[str, Any] = json.loads(summary_json)
        except ValueError:
            summary = {}
        closes.append(
            DayCloseFacts(
                subject=f"Z-{store}-{counter}-{day}",
                manager=username or "?",
                returns=summary.get("returns_count", -1),
                refund_total_minor=summary.get("refund_total_minor", -1),
                refunds_by_tender=summary.get("refunds_by_tender") or {},
            )
        )
    return closes


def published_heads(conn: Connection) -> dict[int, str]:
    """seq -> hash of every entry the outbox told head office about, whatever its status."""
    heads: dict[int, str] = {}
    query = select(t.outbox.c.payload_json).where(t.outbox.c.kind.in_(ANCHOR_KINDS))
    for (payload_json,) in conn.execute(query):
        try:
            payload = json.loads(payload_json).get("payload") or {}
        except (ValueError, AttributeError):
            continue
        seq, digest = payload.get("seq"), payload.get("hash")
        if isinstance(seq, int) and isinstance(digest, str) and seq > 0:
            heads[seq] = digest
        start = payload.get("from_seq")
        hashes = payload.get("hashes")
        if isinstance(start, int) and isinstance(hashes, list):
            for offset, entry_hash in enumerate(hashes, start + 1):
                if isinstance(entry_hash, str):
                    heads[offset] = entry_hash
    return heads
