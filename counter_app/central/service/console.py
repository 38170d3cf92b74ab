"""Read-only queries behind the head-office console pages.

Each page is a handful of set-based queries (no query per row), so a page stays fast with
ten thousand returns in twenty stores; lists are paged or capped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import CentralOrder, CentralReturn, InboundMessage, Store
from counter_app.central.service.stores import store_statuses
from counter_app.central.service.tx import aware, utc
from counter_app.sync_payloads import customer_key

EXCEPTIONS_SHOWN = 500
RESOLVED_SHOWN = 50


@dataclass(frozen=True)
class ExceptionRow:
    """A rejected message: open (no resolution yet) or resolved by a manager at the store."""

    message_id: str
    store: str
    kind: str
    group_ref: str | None
    reason: str | None
    received_at: datetime
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True)
class SyncOverview:
    statuses: list[proto.StoreStatus]
    last_success: dict[str, datetime | None]  # store -> last accepted push
    exceptions: list[ExceptionRow]  # open, oldest first
    resolved: list[ExceptionRow]  # most recently resolved first

    @property
    def open_total(self) -> int:
        return sum(s.open_exceptions for s in self.statuses)


def _exception_rows(session: Session, resolved: bool, limit: int) -> list[ExceptionRow]:
    m = InboundMessage
    query = select(
        m.message_id, m.store, m.kind, m.group_ref, m.reason, m.received_at, m.resolved_at,
        m.resolution,
    ).where(m.status == "rejected")  # fmt: skip
    if resolved:
        query = query.where(m.resolved_at.is_not(None)).order_by(m.resolved_at.desc(), m.id)
    else:
        query = query.where(m.resolved_at.is_(None)).order_by(m.received_at, m.id)
    return [
        ExceptionRow(
            message_id=row.message_id,
            store=row.store,
            kind=row.kind,
            group_ref=row.group_ref,
            reason=row.reason,
            received_at=utc(row.received_at),
            resolved_at=aware(row.resolved_at),
            resolution=row.resolution,
        )
        for row in session.execute(query.limit(limit))
    ]


def sync_overview(engine: Engine) -> SyncOverview:
    """Every store's sync state with the open (and recently resolved) sync exceptions."""
    statuses = store_statuses(engine, None, False)
    with Session(engine) as session:
        last_success = {
            code: aware(at) for code, at in session.execute(select(Store.code, Store.last_push_at))
        }
        exceptions = _exception_rows(session, False, EXCEPTIONS_SHOWN)
        resolved = _exception_rows(session, True, RESOLVED_SHOWN)
    return SyncOverview(statuses, last_success, exceptions, resolved)


# ---------------------------------------------------------------- returns across stores

PAGE_SIZE = 50
KINDS = ("order", "receiptless", "gift")


@dataclass(frozen=True)
class ReturnFilter:
    """What the returns search was asked for (every part optional)."""

    q: str = ""  # a return reference or an order number (prefix)
    customer: str = ""  # the order customer's name or e-mail; receiptless: phone or e-mail
    store: str = ""
    kind: str = ""
    start: date | None = None  # committed on or after (UTC day)
    end: date | None = None  # committed on or before (UTC day)
    page: int = 1


@dataclass(frozen=True)
class ReturnRow:
    ref: str
    store: str
    store_name: str
    kind: str
    order_number: str | None
    customer_name: str | None
    committed_at: datetime | None
    total_minor: int
    currency: str
    tenders: str  # "card, store_credit"
    validated: bool


@dataclass(frozen=True)
class ReturnPage:
    rows: list[ReturnRow]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    """`text` for a LIKE pattern, its wildcards taken literally (escape character `\\`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(f: ReturnFilter) -> list[ColumnElement[bool]]:
    r = CentralReturn
    where: list[ColumnElement[bool]] = []
    if f.q:
        prefix = _like(f.q) + "%"
        where.append(or_(r.ref.like(prefix, escape="\\"), r.order_number.like(prefix, escape="\\")))
    if f.customer:
        # JSON text holds non-ASCII as \\u escapes (json.dumps): match either spelling.
        spellings = {f.customer.lower(), json.dumps(f.customer.lower())[1:-1]}
        customer_text = func.lower(cast(CentralOrder.customer, String))
        matching_orders = select(CentralOrder.number).where(
            or_(*(customer_text.like("%" + _like(s) + "%", escape="\\") for s in spellings))
        )
        where.append(
            or_(
                r.order_number.in_(matching_orders),
                r.customer_key == customer_key(f.customer),
            )
        )
    if f.store:
        where.append(r.store == f.store)
    if f.kind:
        where.append(r.kind == f.kind)
    if f.start is not None:
        where.append(r.committed_at >= datetime.combine(f.start, time.min, UTC))
    if f.end is not None:
        where.append(r.committed_at < datetime.combine(f.end + timedelta(days=1), time.min, UTC))
    return where


def _tenders(refunds: list[dict[str, Any]]) -> str:
    seen: list[str] = []
    for refund in refunds or []:
        tender = str(refund.get("tender", "?"))
        if tender not in seen:
            seen.append(tender)
    return ", ".join(seen)


def search_returns(engine: Engine, f: ReturnFilter) -> ReturnPage:
    """One page (50) of returns, newest first, with the total that matched."""
    r = CentralReturn
    where = _conditions(f)
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(r).where(*where)).scalar_one()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, f.page), pages)
        query = (
            select(r, Store.name, CentralOrder.customer)
            .join(Store, Store.code == r.store)
            .outerjoin(CentralOrder, CentralOrder.number == r.order_number)
            .where(*where)
            .order_by(r.committed_at.desc(), r.ref)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        rows = [
            ReturnRow(
                ref=ret.ref,
                store=ret.store,
                store_name=store_name,
                kind=ret.kind,
                order_number=ret.order_number,
                customer_name=(customer or {}).get("name"),
                committed_at=aware(ret.committed_at),
                total_minor=ret.total_minor,
                currency=ret.currency,
                tenders=_tenders(ret.refunds),
                validated=ret.validated,
            )
            for ret, store_name, customer in session.execute(query)
        ]
    return ReturnPage(rows, total, page, pages)


def store_names(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        query = select(Store.code, Store.name).order_by(Store.code)
        return [(code, name) for code, name in session.execute(query)]
