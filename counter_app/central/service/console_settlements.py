"""Card refunds waiting for the (stand-in) payment gateway, and those it settled.

Pending: each card refund of a validated return with no settlement record. Candidates come
from SQL (validated, a card refund in the JSON, fewer settlements than refunds), so returns
already settled in full are never loaded; the rest is read in Python in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app.central.models import CentralReturn, SettlementRecord, Store
from counter_app.central.service.tx import aware

STATES = ("pending", "settled")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SettlementRow:
    ref: str
    index: int  # the refund's position in the return's refunds
    store: str
    store_name: str
    committed_at: datetime | None
    card: str  # "VISA ·4242"
    amount_minor: int
    currency: str
    settled_at: datetime | None
    gateway_ref: str | None


def _card(brand: object, last4: object) -> str:
    return f"{brand or 'card'} ·{last4}" if last4 else str(brand or "card")


def _pending(session: Session) -> list[SettlementRow]:
    r = CentralReturn
    settled_count = (
        select(func.count())
        .where(SettlementRecord.return_ref == r.ref)
        .correlate(r)
        .scalar_subquery()
    )
    candidates = session.execute(
        select(r.ref, r.store, Store.name, r.committed_at, r.currency, r.refunds)
        .join(Store, Store.code == r.store)
        .where(
            r.validated.is_(True),
            cast(r.refunds, String).like('%"card"%'),
            settled_count < func.json_array_length(r.refunds),
        )
    ).all()
    refs = [c.ref for c in candidates]
    done: set[tuple[str, int]] = set()
    for start in range(0, len(refs), 500):  # bounded IN lists
        query = select(SettlementRecord.return_ref, SettlementRecord.refund_index).where(
            SettlementRecord.return_ref.in_(refs[start : start + 500])
        )
        done.update((ref, index) for ref, index in session.execute(query))
    rows = [
        SettlementRow(
            ref=c.ref,
            index=i,
            store=c.store,
            store_name=c.name,
            committed_at=aware(c.committed_at),
            card=_card(f.get("card_brand"), f.get("card_last4")),
            amount_minor=int(f.get("amount_minor", 0)),
            currency=c.currency,
            settled_at=None,
            gateway_ref=None,
        )
        for c in candidates
        for i, f in enumerate(c.refunds or [])
        if f.get("tender") == "card" and (c.ref, i) not in done
    ]
    rows.sort(key=lambda s: (s.committed_at or EPOCH, s.ref, s.index))
    return rows


def _settled(session: Session, limit: int | None, offset: int) -> tuple[list[SettlementRow], int]:
    s, r = SettlementRecord, CentralReturn
    total = session.execute(select(func.count()).select_from(s)).scalar_one()
    query = (
        select(s, r.committed_at, r.currency, r.refunds, Store.name)
        .join(r, r.ref == s.return_ref)
        .join(Store, Store.code == s.store)
        .order_by(s.settled_at.desc(), s.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = []
    for rec, committed_at, currency, refunds, store_name in session.execute(query):
        refund = refunds[rec.refund_index] if rec.refund_index < len(refunds or []) else {}
        row = SettlementRow(
            ref=rec.return_ref, index=rec.refund_index, store=rec.store,
            store_name=store_name, committed_at=aware(committed_at),
            card=_card(refund.get("card_brand"), refund.get("card_last4")),
            amount_minor=rec.amount_minor, currency=currency,
            settled_at=aware(rec.settled_at), gateway_ref=rec.gateway_ref,
        )  # fmt: skip
        rows.append(row)
    return rows, total


def settlements(
    engine: Engine, state: str, limit: int | None = 50, offset: int = 0
) -> tuple[list[SettlementRow], int]:
    """(rows, total) of card refunds in `state`: pending oldest first, settled newest first.
    `limit=None`: every row (the CSV export)."""
    with Session(engine) as session:
        if state == "settled":
            return _settled(session, limit, offset)
        pending = _pending(session)
        end = None if limit is None else offset + limit
        return pending[offset:end], len(pending)


HEADERS = ("Return", "Refund #", "Store", "Committed", "Card", "Amount", "Currency", "Settled",
           "Gateway ref")  # fmt: skip


def headers(state: str) -> tuple[str, ...]:
    """The columns of a state's page and CSV (pending ones have no settlement yet)."""
    return HEADERS if state == "settled" else HEADERS[:-2]


def cells(row: SettlementRow, when: Callable[[datetime | None], str]) -> tuple[str, ...]:
    """The row as the page and the CSV show it: the same text in the same columns (cut to
    `headers(state)`)."""
    digits = 0 if row.currency.upper() in ("JPY", "KRW") else 2
    whole, part = divmod(row.amount_minor, 10**digits)
    amount = f"{whole}.{part:0{digits}d}" if digits else str(whole)
    return (
        row.ref, str(row.index + 1), f"{row.store} {row.store_name}", when(row.committed_at),
        row.card, amount, row.currency, when(row.settled_at) if row.settled_at else "",
        row.gateway_ref or "",
    )  # fmt: skip
