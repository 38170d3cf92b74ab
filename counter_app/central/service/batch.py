"""One push batch's working state: what it loads up front and what it writes at the end.

Everything the batch's messages are checked against is loaded (and the rows it will change
locked, in key order so concurrent batches cannot deadlock) in a few queries. Accepted
messages are collected as units (a return with its members, or one lone message) and written
with one executemany per table; if that fails, unit by unit in savepoints, so a unit head
office cannot store is rejected alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import next_seq
from counter_app.central.models import (
    CatalogProduct,
    CentralAuthorization,
    CentralOrder,
    CentralOrderLine,
    CentralReturn,
    GiftRedemption,
    InboundMessage,
    OrderPayment,
    ReturnLineFact,
    ReturnOverride,
    StaffAccount,
    StockMovement,
)
from counter_app.central.service.auth_facts import AuthBatch
from counter_app.central.service.auth_reserve import supersede
from counter_app.central.service.facts import LineFacts, PaymentFacts, base_sku
from counter_app.central.service.kinds import KindFacts
from counter_app.central.service.tx import aware

log = logging.getLogger("counter_app.central")

_LINES = cast(Table, CentralOrderLine.__table__)
_PAYMENTS = cast(Table, OrderPayment.__table__)
_RETURNS = cast(Table, CentralReturn.__table__)
_STOCK = cast(Table, StockMovement.__table__)
_RETURN_LINES = cast(Table, ReturnLineFact.__table__)
_OVERRIDES = cast(Table, ReturnOverride.__table__)
_ADD_TO_LINE = (
    update(_LINES)
    .where(_LINES.c.order_number == bindparam("o"), _LINES.c.line_no == bindparam("n"))
    .values(
        store_returned_quantity=_LINES.c.store_returned_quantity + bindparam("q"),
        refunded_minor=_LINES.c.refunded_minor + bindparam("r"),
    )
)
_ADD_TO_PAYMENT = (
    update(_PAYMENTS)
    .where(_PAYMENTS.c.order_number == bindparam("o"), _PAYMENTS.c.payment_no == bindparam("n"))
    .values(refunded_minor=_PAYMENTS.c.refunded_minor + bindparam("r"))
)
_ORDERS = cast(Table, CentralOrder.__table__)
_GIFT_USES = cast(Table, GiftRedemption.__table__)
_SET_GIFT_CODE = (
    update(_LINES)
    .where(_LINES.c.order_number == bindparam("o"), _LINES.c.line_no == bindparam("n"))
    .values(gift_code=bindparam("g"))
)
# Stock movements that belong to a return's group: goods taken back, replacements given out.
GROUPED_CAUSES = frozenset({"return", "exchange"})
_AUTHS = cast(Table, CentralAuthorization.__table__)
_USE_AUTH = (
    update(_AUTHS)
    .where(_AUTHS.c.id == bindparam("i"))
    .values(
        status="used",
        used_by_store=bindparam("st"),
        used_return_ref=bindparam("rr"),
        used_at=bindparam("at"),
        seq=bindparam("sq"),
    )
)
_RENUMBER = update(_ORDERS).where(_ORDERS.c.number == bindparam("o")).values(seq=bindparam("s"))
_RETRYABLE = {"40001", "40P01"}


@dataclass
class Member:
    """A message of a return's group that waits for (or was checked with) its return."""

    message_id: str
    kind: str
    payload: BaseModel
    stored: bool  # held by an earlier batch (its row says "held")
    created_at: datetime | None = None


@dataclass
class Unit:
    """What one accepted unit writes: a return with its members, or one lone message."""

    ids: list[str]
    returns: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    orders: set[str] = field(default_factory=set)
    # An exchange sale (a new order, its lines and payments), gift codes used and recorded.
    new_orders: list[dict[str, Any]] = field(default_factory=list)
    new_lines: list[dict[str, Any]] = field(default_factory=list)
    new_payments: list[dict[str, Any]] = field(default_factory=list)
    gift_uses: list[dict[str, Any]] = field(default_factory=list)
    gift_codes: list[dict[str, Any]] = field(default_factory=list)
    # The console's facts: the return's lines and its accepted overrides, as rows.
    return_lines: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    auth_uses: list[dict[str, Any]] = field(default_factory=list)  # authorizations consumed


@dataclass
class BatchState:
    store: str
    now: datetime
    audit_head: tuple[int, str] | None = None
    orders: dict[str, str] = field(default_factory=dict)  # number -> currency
    lines: dict[tuple[str, int], LineFacts] = field(default_factory=dict)
    payments: dict[str, list[PaymentFacts]] = field(default_factory=dict)
    known_refs: set[str] = field(default_factory=set)  # returns head office holds (any store)
    returns: dict[str, proto.ReturnCommittedPayload] = field(default_factory=dict)  # accepted
    failed: dict[str, str] = field(default_factory=dict)  # ref -> why its group was rejected
    waiting: dict[str, list[Member]] = field(default_factory=dict)  # ref -> held members
    skus: set[str] = field(default_factory=set)
    staff: dict[str, str] = field(default_factory=dict)  # username -> role, at this store
    held_ids: set[str] = field(default_factory=set)
    released: set[str] = field(default_factory=set)  # held before, accepted now
    rejected: dict[str, str] = field(default_factory=dict)
    # Members rejected with their return: answered as stored, closed with the return.
    with_group: dict[str, str] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    kinds: KindFacts = field(default_factory=KindFacts)
    auths: AuthBatch = field(default_factory=AuthBatch)


_MEMBER_PAYLOADS: dict[str, type[BaseModel]] = {
    "stock.movement": proto.StockMovementPayload,
    "override.granted": proto.OverrideGrantedPayload,
    "store_credit.issued": proto.StoreCreditIssuedPayload,
    "exchange.sale": proto.ExchangeSalePayload,
}


def prefetch(session: Session, state: BatchState, messages: list[proto.BaseMessage]) -> None:
    """Load (and lock) everything the batch's messages are checked against."""
    returns = [p for m in messages if isinstance(p := m.payload, proto.ReturnCommittedPayload)]
    numbers = {n for p in returns if (n := p.order_number)}
    numbers |= {
        p.order_number
        for m in messages
        if isinstance(p := m.payload, proto.GiftReceiptIssuedPayload)
    }
    _load_orders(session, state, sorted(numbers))
    refs = sorted({p.ref for p in returns})
    if refs:
        state.known_refs = set(
            session.execute(select(CentralReturn.ref).where(CentralReturn.ref.in_(refs))).scalars()
        )
    group_refs = sorted({ref for m in messages if (ref := group_of(m)) is not None})
    _load_groups(session, state, group_refs, {m.id for m in messages})
    skus: set[str] = set()
    names: set[str] = {p.cashier for p in returns}
    for m in messages:
        if isinstance(m.payload, proto.StockMovementPayload):
            skus.update({m.payload.sku, base_sku(m.payload.sku)})
        elif isinstance(m.payload, proto.OverrideGrantedPayload):
            names.add(m.payload.manager)
    for waiting in state.waiting.values():
        for member in waiting:
            if isinstance(member.payload, proto.StockMovementPayload):
                skus.update({member.payload.sku, base_sku(member.payload.sku)})
            elif isinstance(member.payload, proto.OverrideGrantedPayload):
                names.add(member.payload.manager)
    _load_reference(session, state, skus, names)


def group_of(message: proto.BaseMessage) -> str | None:
    """The return a message belongs to: its own ref, or the ref a member names."""
    payload = message.payload
    if isinstance(payload, proto.ReturnCommittedPayload):
        return payload.ref
    if isinstance(payload, proto.StockMovementPayload):
        return payload.ref if payload.cause in GROUPED_CAUSES and payload.ref else None
    if isinstance(
        payload,
        proto.OverrideGrantedPayload | proto.StoreCreditIssuedPayload | proto.ExchangeSalePayload,
    ):
        return payload.ref
    return None


def _load_orders(session: Session, state: BatchState, numbers: list[str]) -> None:
    if not numbers:
        return
    state.orders = {
        number: currency
        for number, currency in session.execute(
            select(CentralOrder.number, CentralOrder.currency).where(
                CentralOrder.number.in_(numbers)
            )
        )
    }
    for line in session.execute(
        select(_LINES)
        .where(_LINES.c.order_number.in_(numbers))
        .order_by(_LINES.c.order_number, _LINES.c.line_no)
        .with_for_update()
    ).mappings():
        state.lines[(line["order_number"], line["line_no"])] = LineFacts(
            sku=line["sku"],
            quantity=line["quantity"],
            paid_minor=line["paid_minor"],
            online_returned=line["online_returned_quantity"],
            store_returned=line["store_returned_quantity"],
            refunded_minor=line["refunded_minor"],
            gift_code=line["gift_code"],
        )
    for pay in session.execute(
        select(_PAYMENTS)
        .where(_PAYMENTS.c.order_number.in_(numbers))
        .order_by(_PAYMENTS.c.order_number, _PAYMENTS.c.payment_no)
        .with_for_update()
    ).mappings():
        state.payments.setdefault(pay["order_number"], []).append(
            PaymentFacts(
                payment_no=pay["payment_no"],
                tender=pay["tender"],
                amount_minor=pay["amount_minor"],
                card_brand=pay["card_brand"],
                card_last4=pay["card_last4"],
                refunded_minor=pay["refunded_minor"],
            )
        )


def _load_groups(session: Session, state: BatchState, refs: list[str], fresh: set[str]) -> None:
    """Earlier messages of the batch's return groups: the return's outcome, held members,
    members rejected before their return arrived."""
    if not refs:
        return
    m = InboundMessage
    rows = session.execute(
        select(m.message_id, m.kind, m.status, m.payload, m.group_ref, m.created_at)
        .where(m.store == state.store, m.group_ref.in_(refs))
        .order_by(m.id)
        .with_for_update()
    )
    for message_id, kind, status, payload, ref, created_at in rows:
        if message_id in fresh or ref is None:
            continue
        if kind == "return.committed":
            if status == "accepted":
                state.returns[ref] = proto.ReturnCommittedPayload.model_validate(payload)
            elif ref not in state.returns:
                state.failed.setdefault(ref, f"return {ref} was rejected")
        elif status == "held":
            model = _MEMBER_PAYLOADS[kind].model_validate(payload)
            member = Member(message_id, kind, model, True, aware(created_at))
            state.waiting.setdefault(ref, []).append(member)
        elif status == "rejected" and ref not in state.returns:
            state.failed.setdefault(ref, f"message {message_id} of return {ref} was rejected")


def _load_reference(session: Session, state: BatchState, skus: set[str], names: set[str]) -> None:
    if skus:
        state.skus = set(
            session.execute(
                select(CatalogProduct.sku).where(CatalogProduct.sku.in_(sorted(skus)))
            ).scalars()
        )
    if names:
        for username, role, store in session.execute(
            select(StaffAccount.username, StaffAccount.role, StaffAccount.store).where(
                StaffAccount.username.in_(sorted(names)), StaffAccount.active.is_(True)
            )
        ):
            if store is None or store == state.store:
                state.staff[username] = role


def write_batch(session: Session, state: BatchState) -> None:
    """Write the accepted units in one go; if that fails, unit by unit (each in a savepoint)
    and reject the units that cannot be stored. Then renumber the orders they touched."""
    written = state.units
    if not written:
        return
    try:
        with session.begin_nested():
            _write(session, written)
    except DBAPIError as exc:
        if _retryable(exc):
            raise
        log.warning("store %s: batch write failed (%s); writing unit by unit", state.store, exc)
        written = []
        for unit in state.units:
            try:
                with session.begin_nested():
                    _write(session, [unit])
                written.append(unit)
            except DBAPIError as one:
                if _retryable(one):
                    raise
                why = f"storage_error: head office could not store this ({type(one.orig).__name__})"
                for message_id in unit.ids:
                    state.rejected[message_id] = why
    touched = sorted({number for unit in written for number in unit.orders})
    if touched:
        start = next_seq(session, len(touched))
        session.execute(
            _RENUMBER,
            [{"o": number, "s": start + offset} for offset, number in enumerate(touched)],
        )
        supersede(session, touched, state.now)  # goods back without a code free no more


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return isinstance(exc, OperationalError) and (
        code in _RETRYABLE or "database is locked" in str(exc).lower()
    )


def _write(session: Session, units: list[Unit]) -> None:
    _write_new_orders(session, units)
    returns = [row for unit in units for row in unit.returns]
    stock = [row for unit in units for row in unit.stock]
    lines = [row for unit in units for row in unit.lines]
    payments = [row for unit in units for row in unit.payments]
    # Core inserts without RETURNING: a plain executemany of one cached statement.
    if returns:
        session.execute(insert(_RETURNS), returns)
    if stock:
        session.execute(insert(_STOCK), stock)
    if lines:
        session.execute(_ADD_TO_LINE, lines)
    if payments:
        session.execute(_ADD_TO_PAYMENT, payments)
    if uses := [row for unit in units for row in unit.gift_uses]:
        session.execute(insert(_GIFT_USES), uses)
    if codes := [row for unit in units for row in unit.gift_codes]:
        session.execute(_SET_GIFT_CODE, codes)
    if facts := [row for unit in units for row in unit.return_lines]:
        session.execute(insert(_RETURN_LINES), facts)
    if overrides := [row for unit in units for row in unit.overrides]:
        session.execute(insert(_OVERRIDES), overrides)
    if uses := [row for unit in units for row in unit.auth_uses]:
        start = next_seq(session, len(uses))
        session.execute(_USE_AUTH, [dict(u, sq=start + n) for n, u in enumerate(uses)])


def _write_new_orders(session: Session, units: list[Unit]) -> None:
    """Exchange sales: the order first, then its lines and payments (foreign keys)."""
    for table, rows in (
        (_ORDERS, [row for unit in units for row in unit.new_orders]),
        (_LINES, [row for unit in units for row in unit.new_lines]),
        (_PAYMENTS, [row for unit in units for row in unit.new_payments]),
    ):
        if rows:
            session.execute(insert(table), rows)
