"""A `return.committed` that names a return authorization consumes it, once company-wide.

Accepted only if the code exists, is for the return's order, was not cancelled, had not
expired when the store committed the return (the message's `created_at`), and was not used by
another return: a claim by this store for this very return (`claim_authorization` at commit,
when online), or no claim at all, is fine. It is then marked used by that return. Otherwise
the return is rejected (`authorization_used: used at store S002 on 2026-12-03 ...`) and the
store sees a sync exception with the reason.

The return's `status_token` (its public status page) is kept with it: a token another return
or an authorization holds already is refused. The rows are locked after the order lines (the
order every writer takes them in).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import CentralAuthorization, CentralReturn
from counter_app.central.service.auth_facts import AuthFacts
from counter_app.central.service.batch import BatchState, Unit
from counter_app.central.service.facts import Reject
from counter_app.central.service.tx import aware, utc


def prefetch_authorizations(
    session: Session, state: BatchState, messages: Sequence[proto.BaseMessage]
) -> None:
    returns = [p for m in messages if isinstance(p := m.payload, proto.ReturnCommittedPayload)]
    codes = sorted({c for p in returns if (c := p.authorization_code)})
    facts = state.auths
    if codes:
        a = CentralAuthorization
        query = select(a).where(a.code.in_(codes)).order_by(a.id).with_for_update()
        for row in session.execute(query).scalars():
            facts.authorizations[row.code] = AuthFacts(
                id=row.id,
                code=row.code,
                order_number=row.order_number,
                status=row.status,
                expires_at=utc(row.expires_at),
                used_by_store=row.used_by_store,
                used_return_ref=row.used_return_ref,
                used_at=aware(row.used_at),
                cancelled_at=aware(row.cancelled_at),
            )
    tokens = sorted({t for p in returns if (t := p.status_token)})
    if tokens:
        for model in (CentralReturn, CentralAuthorization):
            facts.tokens_taken |= {
                t
                for t in session.execute(
                    select(model.status_token).where(model.status_token.in_(tokens))
                ).scalars()
                if t is not None
            }


def _day(value: datetime) -> str:
    return value.date().isoformat()


def check_authorization(
    payload: proto.ReturnCommittedPayload, at: datetime, state: BatchState
) -> AuthFacts | None:
    """The authorization the return consumes (None: it names none); raises Reject."""
    token = payload.status_token
    if token is not None and token in state.auths.tokens_taken:
        raise Reject("duplicate_status_token", f"return {payload.ref}: status token in use")
    code = payload.authorization_code
    if code is None:
        return None
    found = state.auths.authorizations.get(code)
    if found is None:
        raise Reject("unknown_authorization", f"no return authorization {code}")
    if found.order_number != payload.order_number:
        raise Reject(
            "authorization_mismatch",
            f"authorization {code} is for order {found.order_number}, "
            f"not {payload.order_number or 'a return without an order'}",
        )
    mine = (found.used_by_store, found.used_return_ref) == (state.store, payload.ref)
    if found.status == "used" and not mine:
        when = _day(found.used_at) if found.used_at else "an earlier day"
        raise Reject(
            "authorization_used",
            f"authorization {code} was used at store {found.used_by_store} on {when} "
            f"({found.used_return_ref})",
        )
    if found.status == "cancelled":
        when = _day(found.cancelled_at) if found.cancelled_at else "an earlier day"
        raise Reject("authorization_cancelled", f"authorization {code} was cancelled on {when}")
    if found.status == "open" and at >= found.expires_at:
        raise Reject(
            "authorization_expired",
            f"authorization {code} expired on {_day(found.expires_at)}, before the return",
        )
    return found


def use_authorization(
    unit: Unit,
    payload: proto.ReturnCommittedPayload,
    found: AuthFacts | None,
    at: datetime,
    state: BatchState,
) -> None:
    """Mark the authorization used by this return (already so after this store's claim)."""
    if payload.status_token is not None:
        state.auths.tokens_taken.add(payload.status_token)
    if found is None or found.status == "used":
        return
    found.status, found.used_by_store, found.used_return_ref = "used", state.store, payload.ref
    found.used_at = at
    unit.auth_uses.append({"i": found.id, "st": state.store, "rr": payload.ref, "at": at})
