"""What the public return-status page `/r/<token>` shows: a return's or an authorization's
timeline, with nothing about the customer but their first name and the items' names.

A token is a return's `status_token` (made by the store at commit) or an authorization's
(made at head office). Either way the page follows the whole story: authorized (if it
started online) -> received at a store -> refunded, by tender -> card refund settled (only
when a card refund was made). An authorization not used yet shows the later steps as still
to come, or that it was cancelled or expired. Amounts and tenders are shown; card digits,
e-mail, order numbers and the return code are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app.central.models import (
    CatalogProduct,
    CentralAuthorization,
    CentralAuthorizationLine,
    CentralOrder,
    CentralReturn,
    ReturnLineFact,
    SettlementRecord,
    Store,
)
from counter_app.central.service.facts import base_sku

TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
StepKey = Literal["authorized", "received", "refunded", "settled", "cancelled", "expired"]


@dataclass(frozen=True)
class Step:
    key: StepKey
    done: bool
    at: datetime | None = None
    store: str | None = None  # the store's name, for "received"
    refunds: tuple[tuple[str, int], ...] = ()  # (tender, amount_minor), for "refunded"


@dataclass(frozen=True)
class PublicStatus:
    first_name: str | None
    items: list[tuple[str, int]]  # (product name, quantity)
    steps: list[Step]
    currency: str
    reference: str | None = None  # the return's reference once it is received
    expires_at: datetime | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def public_status(engine: Engine, token: str, now: datetime) -> PublicStatus | None:
    """The page for `token`, or None (unknown or malformed: the caller answers one 404)."""
    # A malformed token takes the same queries as an unknown one: one shape of answer.
    probe = token if TOKEN.fullmatch(token) else "-" * 22
    with Session(engine) as session:
        ret = session.execute(
            select(CentralReturn).where(CentralReturn.status_token == probe)
        ).scalar_one_or_none()
        auth: CentralAuthorization | None = None
        if ret is not None and ret.authorization_code:
            auth = session.execute(
                select(CentralAuthorization).where(
                    CentralAuthorization.code == ret.authorization_code
                )
            ).scalar_one_or_none()
        elif ret is None:
            auth = session.execute(
                select(CentralAuthorization).where(CentralAuthorization.status_token == probe)
            ).scalar_one_or_none()
            if auth is not None and auth.used_return_ref:
                ret = session.get(CentralReturn, auth.used_return_ref)
        if ret is None and auth is None:
            return None
        return _status(session, ret, auth, now)


def _status(
    session: Session, ret: CentralReturn | None, auth: CentralAuthorization | None, now: datetime
) -> PublicStatus:
    steps: list[Step] = []
    if auth is not None:
        steps.append(Step("authorized", True, _aware(auth.created_at)))
    if ret is not None:
        steps += _return_steps(session, ret)
        items = _return_items(session, ret.ref)
        currency = ret.currency
    else:
        assert auth is not None
        steps += _waiting_steps(auth, now)
        items = _authorized_items(session, auth.id)
        order = session.get(CentralOrder, auth.order_number)
        currency = order.currency if order else ""
    return PublicStatus(
        first_name=_first_name(session, ret, auth),
        items=items,
        steps=steps,
        currency=currency,
        reference=ret.ref if ret is not None else None,
        expires_at=_aware(auth.expires_at) if auth is not None and ret is None else None,
    )


def _return_steps(session: Session, ret: CentralReturn) -> list[Step]:
    when = _aware(ret.committed_at or ret.received_at)
    store = session.get(Store, ret.store)
    refunds = tuple((str(r.get("tender")), int(r.get("amount_minor", 0))) for r in ret.refunds)
    steps = [
        Step("received", True, when, store=store.name if store else ret.store),
        Step("refunded", True, when, refunds=refunds),
    ]
    cards = {i for i, r in enumerate(ret.refunds) if r.get("tender") == "card"}
    if cards:
        settled = dict(
            session.execute(
                select(SettlementRecord.refund_index, SettlementRecord.settled_at).where(
                    SettlementRecord.return_ref == ret.ref
                )
            ).all()
        )
        done = cards <= settled.keys()
        last = max((settled[i] for i in cards if i in settled), default=None)
        steps.append(Step("settled", done, _aware(last) if done else None))
    return steps


def _waiting_steps(auth: CentralAuthorization, now: datetime) -> list[Step]:
    if auth.status == "cancelled":
        return [Step("cancelled", True, _aware(auth.cancelled_at))]
    expires = _aware(auth.expires_at)
    if auth.status == "open" and expires is not None and expires <= now:
        return [Step("expired", True, expires)]
    return [Step("received", False), Step("refunded", False)]


def _names(session: Session, skus: set[str]) -> dict[str, str]:
    wanted = sorted(skus | {base_sku(s) for s in skus})
    rows = session.execute(
        select(CatalogProduct.sku, CatalogProduct.name).where(CatalogProduct.sku.in_(wanted))
    )
    return {sku: name for sku, name in rows}


def _return_items(session: Session, ref: str) -> list[tuple[str, int]]:
    lines = session.execute(
        select(ReturnLineFact.sku, ReturnLineFact.quantity)
        .where(ReturnLineFact.return_ref == ref)
        .order_by(ReturnLineFact.position)
    ).all()
    names = _names(session, {sku for sku, _ in lines})
    return [(names.get(sku) or names.get(base_sku(sku)) or sku, qty) for sku, qty in lines]


def _authorized_items(session: Session, authorization_id: int) -> list[tuple[str, int]]:
    lines = session.execute(
        select(CentralAuthorizationLine.sku, CentralAuthorizationLine.quantity)
        .where(CentralAuthorizationLine.authorization_id == authorization_id)
        .order_by(CentralAuthorizationLine.line_no)
    ).all()
    names = _names(session, {sku for sku, _ in lines})
    return [(names.get(sku, sku), qty) for sku, qty in lines]


def _first_name(
    session: Session, ret: CentralReturn | None, auth: CentralAuthorization | None
) -> str | None:
    if auth is not None and auth.customer_first_name:
        return auth.customer_first_name
    if ret is None or not ret.order_number:
        return None
    order = session.get(CentralOrder, ret.order_number)
    name = str(((order.customer if order else None) or {}).get("name") or "").strip()
    return name.split()[0] if name else None
