"""Return authorizations: returns started online, consumed exactly once company-wide.

Created by the returns portal (`POST /v1/return-authorizations`) or `central authorize`,
checked by `auth_rules` against head office's own order, returns and policy; reserved lines
(`auth_reserve`) until a store claims it at commit (online) or its `return.committed` names it
(`auth_ingest`), head office cancels it, or it expires. Codes: 50 random bits
(`secrets.token_bytes`) with a check symbol (`domain.auth_code`), unique (a collision takes a
fresh code). Every change takes a change number (`seq`): stores pull every authorization of
the company by cursor, like orders. "expired" is never stored: it is read from `expires_at`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import next_seq
from counter_app.central.models import (
    CentralAuthorization,
    CentralAuthorizationLine,
    CentralOrder,
)
from counter_app.central.qr import qr_png_base64, qr_svg
from counter_app.central.service.auth_policy import latest_policy, order_facts
from counter_app.central.service.auth_rules import (
    AUTHORIZATION_DAYS,
    AuthorizationRefused,
    check_request,
)
from counter_app.central.service.pulls import _page
from counter_app.central.service.tx import retrying, utc, utcnow
from counter_app.domain.auth_code import RANDOM_BYTES, display_code, new_code, parse_code

__all__ = [
    "AUTHORIZATION_DAYS",
    "AuthorizationRefused",
    "authorization_out",
    "cancel_authorization",
    "claim_authorization",
    "create_authorization",
    "created_answer",
    "get_authorization",
    "list_authorizations",
    "pull_authorizations",
    "status_of",
]

RandomBytes = Callable[[int], bytes]
CODE_ATTEMPTS = 8
STATUSES = ("open", "used", "cancelled", "expired")


def status_of(row: CentralAuthorization, now: datetime) -> str:
    """The stored status, or "expired" for an open one past its expiry."""
    if row.status == "open" and utc(row.expires_at) <= now:
        return "expired"
    return row.status


def lines_of(session: Session, ids: list[int]) -> dict[int, list[CentralAuthorizationLine]]:
    out: dict[int, list[CentralAuthorizationLine]] = {i: [] for i in ids}
    if ids:
        al = CentralAuthorizationLine
        query = select(al).where(al.authorization_id.in_(ids)).order_by(al.line_no)
        for line in session.execute(query).scalars():
            out[line.authorization_id].append(line)
    return out


def authorization_out(
    row: CentralAuthorization, lines: list[CentralAuthorizationLine], now: datetime
) -> proto.ReturnAuthorization:
    def when(value: datetime | None) -> str | None:
        return utc(value).isoformat() if value is not None else None

    return proto.ReturnAuthorization.model_validate(
        {
            "code": row.code,
            "order_number": row.order_number,
            "status": status_of(row, now),
            "refund": row.refund,
            "lines": [
                {"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity, "reason": x.reason}
                for x in lines
            ],
            "created_at": when(row.created_at),
            "expires_at": when(row.expires_at),
            "status_token": row.status_token,
            "customer_first_name": row.customer_first_name,
            "used_by_store": row.used_by_store,
            "used_return_ref": row.used_return_ref,
            "used_at": when(row.used_at),
            "cancelled_at": when(row.cancelled_at),
        }
    )


def _out_all(
    session: Session, rows: list[CentralAuthorization], now: datetime
) -> list[proto.ReturnAuthorization]:
    lines = lines_of(session, [r.id for r in rows])
    return [authorization_out(r, lines[r.id], now) for r in rows]


def created_answer(authorization: proto.ReturnAuthorization) -> proto.AuthorizationCreated:
    """The portal's answer: the printed code, its QR (PNG, SVG), the status page's path."""
    shown = display_code(authorization.code)
    return proto.AuthorizationCreated(
        authorization=authorization,
        display_code=shown,
        qr_png_base64=qr_png_base64(shown),
        qr_svg=qr_svg(shown),
        status_path=f"/r/{authorization.status_token}",
    )


def create_authorization(
    engine: Engine,
    request: proto.AuthorizationRequest,
    now: datetime,
    created_by: str,
    *,
    days: int = AUTHORIZATION_DAYS,
    random_bytes: RandomBytes = secrets.token_bytes,
) -> proto.AuthorizationCreated:
    """Check, reserve and store one authorization; raises `AuthorizationRefused`."""

    def work(session: Session) -> proto.ReturnAuthorization:
        order = session.get(CentralOrder, request.order_number)
        if order is None:
            raise AuthorizationRefused(
                "unknown_order", f"order {request.order_number} is not known to head office"
            )
        facts = order_facts(session, order, now)
        expires = check_request(request, facts, latest_policy(session), now, days)
        row = _insert(session, request, order, now, expires, created_by, random_bytes)
        skus = {n: line.sku for n, line in facts.lines.items()}
        lines = [
            CentralAuthorizationLine(
                authorization_id=row.id, line_no=item.line_no, sku=skus[item.line_no],
                quantity=item.quantity, reason=item.reason,
            )
            for item in request.lines
        ]  # fmt: skip
        session.add_all(lines)
        session.flush()
        return authorization_out(row, lines, now)

    return created_answer(retrying(engine, work))


def _first_name(order: CentralOrder) -> str | None:
    name = str((order.customer or {}).get("name") or "").strip()
    return name.split()[0] if name else None


def _insert(
    session: Session,
    request: proto.AuthorizationRequest,
    order: CentralOrder,
    now: datetime,
    expires: datetime,
    created_by: str,
    random_bytes: RandomBytes,
) -> CentralAuthorization:
    """Insert with a fresh random code; a code (or token) taken already draws again."""
    seq = next_seq(session)
    for _ in range(CODE_ATTEMPTS):
        row = CentralAuthorization(
            code=new_code(random_bytes(RANDOM_BYTES)),
            order_number=order.number,
            refund=request.refund,
            email=request.email,
            customer_first_name=_first_name(order),
            status="open",
            created_at=now,
            expires_at=expires,
            created_by=created_by,
            status_token=secrets.token_urlsafe(16),
            seq=seq,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            continue
    raise RuntimeError("could not draw an unused authorization code")


def _find(session: Session, code: str, lock: bool = False) -> CentralAuthorization | None:
    canonical = parse_code(code)
    if canonical is None:
        return None
    query = select(CentralAuthorization).where(CentralAuthorization.code == canonical)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def get_authorization(engine: Engine, code: str, now: datetime) -> proto.ReturnAuthorization | None:
    """One authorization by its code (as typed or printed); None if unknown or malformed."""
    with Session(engine) as session:
        row = _find(session, code)
        return None if row is None else _out_all(session, [row], now)[0]


def list_authorizations(
    engine: Engine, status: str | None, now: datetime, limit: int = 100, offset: int = 0
) -> list[proto.ReturnAuthorization]:
    """Newest first; `status` open / used / cancelled / expired, or None for all."""
    a = CentralAuthorization
    query = select(a).order_by(a.created_at.desc(), a.id.desc())
    if status == "open":
        query = query.where(a.status == "open", a.expires_at > now)
    elif status == "expired":
        query = query.where(a.status == "open", a.expires_at <= now)
    elif status in ("used", "cancelled"):
        query = query.where(a.status == status)
    elif status is not None:
        raise ValueError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    with Session(engine) as session:
        rows = list(session.execute(query.limit(limit).offset(offset)).scalars())
        return _out_all(session, rows, now)


def pull_authorizations(
    engine: Engine, store: str, cursor: int, limit: int, now: datetime | None = None
) -> proto.Page[proto.ReturnAuthorization]:
    """Every authorization of the company, in change order (a code is good at any store)."""
    a = CentralAuthorization
    with Session(engine) as session:
        query = select(a).where(a.seq > cursor).order_by(a.seq).limit(limit + 1)
        rows = list(session.execute(query).scalars())
        items = _out_all(session, rows, now or utcnow())
        return _page(items, [r.seq for r in rows], cursor, limit)


def _day(value: datetime) -> str:
    return utc(value).date().isoformat()


def refusal(row: CentralAuthorization, now: datetime) -> AuthorizationRefused | None:
    """Why this authorization cannot be used now (None: it can)."""
    status = status_of(row, now)
    if status == "used" and row.used_at is not None:
        return AuthorizationRefused(
            "authorization_used",
            f"used at store {row.used_by_store} on {_day(row.used_at)} ({row.used_return_ref})",
        )
    if status == "cancelled" and row.cancelled_at is not None:
        return AuthorizationRefused(
            "authorization_cancelled", f"cancelled on {_day(row.cancelled_at)}"
        )
    if status == "expired":
        return AuthorizationRefused("authorization_expired", f"expired on {_day(row.expires_at)}")
    return None


def _unknown(code: str) -> AuthorizationRefused:
    return AuthorizationRefused("unknown_authorization", f"no return authorization {code!r}")


def claim_authorization(
    engine: Engine, store: str, code: str, return_ref: str, now: datetime
) -> proto.ReturnAuthorization:
    """A store's return consumes the authorization; the same claim again is answered the
    same. Raises `AuthorizationRefused` (unknown, used elsewhere, cancelled, expired)."""

    def work(session: Session) -> proto.ReturnAuthorization:
        row = _find(session, code, lock=True)
        if row is None:
            raise _unknown(code)
        mine = row.status == "used" and (row.used_by_store, row.used_return_ref) == (
            store,
            return_ref,
        )
        if not mine:
            if (why := refusal(row, now)) is not None:
                raise why
            row.status, row.used_by_store, row.used_return_ref = "used", store, return_ref
            row.used_at, row.seq = now, next_seq(session)
            session.flush()
        return _out_all(session, [row], now)[0]

    return retrying(engine, work)


def cancel_authorization(
    engine: Engine, code: str, now: datetime, by: str
) -> proto.ReturnAuthorization:
    """Head office withdraws an authorization (its lines are free again); cancelling twice
    is answered the same; a used one cannot be cancelled."""

    def work(session: Session) -> proto.ReturnAuthorization:
        row = _find(session, code, lock=True)
        if row is None:
            raise _unknown(code)
        if row.status == "used":
            raise refusal(row, now) or _unknown(code)
        if row.status != "cancelled":
            row.status, row.cancelled_at, row.cancelled_by = "cancelled", now, by
            row.seq = next_seq(session)
            session.flush()
        return _out_all(session, [row], now)[0]

    return retrying(engine, work)
