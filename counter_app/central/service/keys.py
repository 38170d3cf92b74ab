"""Store signing keys (issue, rotate with a grace period, revoke) and the replay guard.

Keys are sealed with the head-office master key; only this module opens them.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app.central.master_key import MasterKey
from counter_app.central.models import RequestNonce, Store, StoreKey
from counter_app.central.service.tx import utcnow

DEFAULT_GRACE = timedelta(hours=24)


def new_key() -> str:
    return secrets.token_hex(32)


def issue_key(session: Session, store: str, master: MasterKey, now: datetime) -> str:
    """Add a fresh key for `store` inside the caller's transaction; return it (shown once)."""
    key = new_key()
    session.add(StoreKey(store=store, key_enc=master.seal(key), created_at=now))
    return key


def valid_keys(
    engine: Engine, store: str, master: MasterKey, now: datetime | None = None
) -> list[str]:
    """The keys `store` may sign with now, newest first (two during a rotation's grace)."""
    now = now or utcnow()
    with Session(engine) as session:
        sealed = session.execute(
            select(StoreKey.key_enc)
            .where(
                StoreKey.store == store,
                StoreKey.revoked_at.is_(None),
                or_(StoreKey.not_after.is_(None), StoreKey.not_after > now),
            )
            .order_by(StoreKey.created_at.desc(), StoreKey.id.desc())
        ).scalars()
        return [master.open(token) for token in sealed]


def _known(session: Session, store: str) -> None:
    if session.get(Store, store) is None:
        raise LookupError(f"no store {store}")


def rotate_key(
    engine: Engine,
    store: str,
    master: MasterKey,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> str:
    """Issue a new key; the current ones stay valid for `grace`, then stop working."""
    now = now or utcnow()
    ends = now + grace
    with Session(engine) as session, session.begin():
        _known(session, store)
        session.execute(
            update(StoreKey)
            .where(
                StoreKey.store == store,
                StoreKey.revoked_at.is_(None),
                or_(StoreKey.not_after.is_(None), StoreKey.not_after > ends),
            )
            .values(not_after=ends)
        )
        return issue_key(session, store, master, now)


def revoke_keys(engine: Engine, store: str, now: datetime | None = None) -> int:
    """Revoke every key of `store` at once (a stolen or leaked key); returns how many."""
    now = now or utcnow()
    with Session(engine) as session, session.begin():
        _known(session, store)
        result = session.execute(
            update(StoreKey)
            .where(StoreKey.store == store, StoreKey.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def first_use_of_nonce(
    engine: Engine, store: str, nonce: str, expires_at: datetime, now: datetime
) -> bool:
    """Record a nonce; False if it was already recorded (a replay). The primary key decides,
    so two workers racing with the same request cannot both win."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RequestNonce)
        .values(store=store, nonce=nonce, expires_at=expires_at)
        .on_conflict_do_nothing()
        .returning(RequestNonce.nonce)
    )
    with Session(engine) as session, session.begin():
        if random.random() < 0.02:  # keep the table small without a separate job
            session.execute(delete(RequestNonce).where(RequestNonce.expires_at < now))
        inserted = session.execute(statement).scalar_one_or_none()
    return inserted is not None
