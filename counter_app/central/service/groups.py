"""A return is one unit at head office: the message group keyed by the return's ref.

A store commits a return's stock movements, manager override, store credit and exchange
sale (what the customer took instead, with the replacement stock leaving) in the same
transaction as the return and pushes them in outbox order — the members first, then the
`return.committed`, possibly in different batches. Head office holds each member ("held",
answered `accepted`: it is stored and will count with its return) until the return arrives,
then checks the return and every member together: all are accepted, or all are rejected with
the return's reason. Members rejected with their return are closed with it (the return's
exception stands for the unit) and keep their `accepted` answer, so the store shows one
exception per return. A member arriving after its return is checked against it alone; one
arriving after its return was rejected goes with it. A member failing its own check (say an
unknown manager) is rejected itself and rejects the return that follows. Replays are
answered from the stored rows, so nothing is applied twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import InboundMessage
from counter_app.central.service.auth_ingest import check_authorization, use_authorization
from counter_app.central.service.batch import BatchState, Member, Unit, group_of
from counter_app.central.service.exchanges import (
    add_sale,
    apply_gift_receipt,
    check_exchange_members,
    use_gift_codes,
)
from counter_app.central.service.facts import (
    Reject,
    ReturnClaim,
    base_sku,
    check_member,
    check_return,
    check_staff,
    check_stock,
)
from counter_app.central.service.kinds import check_gift, check_receiptless

__all__ = ["apply_gift_receipt", "group_of"]

_MESSAGES = cast(Table, InboundMessage.__table__)
# A member rejected with its return: closed at once, the return's exception stands for both.
_SET_WITH_GROUP = (
    update(_MESSAGES)
    .where(_MESSAGES.c.message_id == bindparam("mid"))
    .values(
        status="rejected",
        reason=bindparam("reason"),
        resolved_at=bindparam("at"),
        resolution="rejected with its return",
    )
)
_SET_STATUS = (
    update(_MESSAGES)
    .where(_MESSAGES.c.message_id == bindparam("mid"))
    .values(status=bindparam("status"), reason=bindparam("reason"))
)


def reject(state: BatchState, message: proto.BaseMessage, why: str) -> None:
    """Reject one message; a member rejected before its return rejects the group."""
    state.rejected[message.id] = why
    ref = group_of(message)
    if ref is not None and ref not in state.returns:
        state.failed.setdefault(ref, f"message {message.id} of return {ref} was rejected ({why})")


def set_statuses(session: Session, changes: list[dict[str, Any]]) -> None:
    session.execute(_SET_STATUS, changes)


def close_with_group(session: Session, state: BatchState) -> None:
    rows = [
        {"mid": mid, "reason": why, "at": state.now}
        for mid, why in state.with_group.items()
        if mid not in state.rejected
    ]
    if rows:
        session.execute(_SET_WITH_GROUP, rows)


def apply_stock(
    message: proto.BaseMessage, payload: proto.StockMovementPayload, state: BatchState
) -> None:
    """A stock movement of no return (a transfer, a count): checked and counted alone."""
    check_stock(payload, state.skus)
    state.units.append(Unit(ids=[message.id], stock=[_stock_row(message.id, payload, state)]))


def apply_member(message: proto.BaseMessage, state: BatchState) -> None:
    ref = group_of(message)
    assert ref is not None
    payload = message.payload
    ret = state.returns.get(ref)
    member = Member(message.id, message.kind, payload, False, message.created_at)
    if ret is not None:  # its return came first: checked against it, counted now
        check_member(message.kind, payload, ret, state.skus, state.staff)
        check_exchange_members(ret, [member], message.created_at, state)
        unit = Unit(ids=[message.id])
        _add_member(unit, member, state)
        state.units.append(unit)
        return
    if ref in state.failed:  # goes with its return: one exception, the return's
        state.with_group[message.id] = f"group_rejected: {state.failed[ref]}"
        return
    if isinstance(payload, proto.StockMovementPayload):
        check_stock(payload, state.skus)
    elif isinstance(payload, proto.OverrideGrantedPayload):
        check_staff(payload.manager, state.staff, manager=True)
    state.waiting.setdefault(ref, []).append(member)
    state.held_ids.add(message.id)


def apply_return(
    message: proto.BaseMessage, payload: proto.ReturnCommittedPayload, state: BatchState
) -> None:
    """Check the return and its waiting members together; accept or reject them as one."""
    members = state.waiting.pop(payload.ref, [])
    try:
        unit = _check_group(message, payload, members, state)
    except Reject as exc:
        why = str(exc)
        state.rejected[message.id] = why
        state.failed[payload.ref] = f"return {payload.ref} was rejected ({why})"
        for member in members:
            state.with_group[member.message_id] = f"group_rejected: {state.failed[payload.ref]}"
        return
    state.units.append(unit)
    state.returns[payload.ref] = payload
    state.known_refs.add(payload.ref)
    for member in members:
        if member.stored:
            state.released.add(member.message_id)
        state.held_ids.discard(member.message_id)


def _check_group(
    message: proto.BaseMessage,
    payload: proto.ReturnCommittedPayload,
    members: list[Member],
    state: BatchState,
) -> Unit:
    """Every check first (the return by its kind, then each member), then the writes."""
    if payload.kind != "receiptless" and payload.order_number not in state.orders:
        raise Reject("unknown_order", f"order {payload.order_number} is not known to head office")
    if payload.ref in state.known_refs:
        raise Reject("duplicate_reference", f"return {payload.ref} was already received")
    if payload.ref in state.failed:
        raise Reject("group_rejected", state.failed[payload.ref])
    check_staff(payload.cashier, state.staff)
    at = min(message.created_at, state.now)  # a message dated in the future counts as now
    authorization = check_authorization(payload, at, state)
    unit = Unit(ids=[message.id] + [m.message_id for m in members])
    if payload.kind == "receiptless":
        total = check_receiptless(payload, at, state.kinds)
        claim = None
    else:
        codes = check_gift(payload, state.lines, state.kinds) if payload.kind == "gift" else set()
        number = payload.order_number or ""
        claim = check_return(
            payload, state.orders[number], state.lines, state.payments.get(number, [])
        )
        total = sum(refund for _, refund in claim.lines.values())
    for member in members:
        check_member(member.kind, member.payload, payload, state.skus, state.staff)
    check_exchange_members(payload, members, at, state)
    use_authorization(unit, payload, authorization, at, state)
    if claim is not None:
        _take(unit, payload.order_number or "", claim, state)
        use_gift_codes(unit, payload.ref, codes, state)
    elif payload.customer_key:
        state.kinds.customers.setdefault(payload.customer_key, []).append((at, total))
    unit.returns.append(
        {
            "ref": payload.ref,
            "store": state.store,
            "order_number": payload.order_number,
            "kind": payload.kind,
            "customer_key": payload.customer_key if payload.kind == "receiptless" else None,
            "committed_at": at,
            "total_minor": total,
            "message_id": message.id,
            "currency": payload.currency,
            "refunds": [r.model_dump(mode="json") for r in payload.refunds],
            "received_at": state.now,
            "validated": True,
            "authorization_code": payload.authorization_code,
            "status_token": payload.status_token,
        }
    )
    unit.return_lines.extend(_line_facts(payload, at, state))
    for member in members:
        _add_member(unit, member, state)
    return unit


def _line_facts(
    payload: proto.ReturnCommittedPayload, at: datetime, state: BatchState
) -> list[dict[str, Any]]:
    """The return's lines as the console's chart facts (`return_lines`)."""
    return [
        {
            "return_ref": payload.ref,
            "position": position,
            "store": state.store,
            "line_no": line.line_no,
            "sku": line.sku,
            "category": state.kinds.categories.get(base_sku(line.sku)),
            "quantity": line.quantity,
            "refund_minor": line.refund_minor,
            "condition": line.condition,
            "reason": line.reason,
            "disposition": line.disposition,
            "committed_at": at,
        }
        for position, line in enumerate(payload.lines, start=1)
    ]


def _take(unit: Unit, number: str, claim: ReturnClaim, state: BatchState) -> None:
    """What an accepted order or gift return takes from the order's lines and payments."""
    unit.orders.add(number)
    for line_no, (quantity, refund) in claim.lines.items():
        line = state.lines[(number, line_no)]
        line.store_returned += quantity
        line.refunded_minor += refund
        unit.lines.append({"o": number, "n": line_no, "q": quantity, "r": refund})
    for pay in state.payments.get(number, []):
        if taken := claim.payments.get(pay.payment_no, 0):
            pay.refunded_minor += taken
            unit.payments.append({"o": number, "n": pay.payment_no, "r": taken})


def _add_member(unit: Unit, member: Member, state: BatchState) -> None:
    if isinstance(member.payload, proto.StockMovementPayload):
        unit.stock.append(_stock_row(member.message_id, member.payload, state))
    elif isinstance(member.payload, proto.ExchangeSalePayload):
        add_sale(unit, member.payload, member.created_at or state.now, state)
    elif isinstance(member.payload, proto.OverrideGrantedPayload):
        given = member.payload
        unit.overrides.append(
            {
                "message_id": member.message_id,
                "return_ref": given.ref,
                "store": state.store,
                "line_no": given.line_no,
                "manager": given.manager,
                "reason": given.reason,
                "committed_at": min(member.created_at or state.now, state.now),
            }
        )


def _stock_row(
    message_id: str, payload: proto.StockMovementPayload, state: BatchState
) -> dict[str, Any]:
    return {
        "store": state.store,
        "sku": payload.sku,
        "quantity": payload.quantity,
        "cause": payload.cause,
        "ref": payload.ref,
        "message_id": message_id,
    }
