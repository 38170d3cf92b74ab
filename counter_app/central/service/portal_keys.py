"""Keys of the web shop's returns portal, the one caller that creates authorizations.

A key is 32 random bytes (urlsafe base64), shown once when made; head office keeps only its
SHA-256 (a key is random, so a fast hash cannot be brute-forced back). Checking a key hashes
what was presented and compares in constant time; a revoked key is never valid again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app.central.models import PortalKey
from counter_app.central.service.tx import retrying

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
KEY_BYTES = 32
MAX_KEY_LENGTH = 200


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"portal key name {name!r}: 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )


def add_portal_key(engine: Engine, name: str, now: datetime) -> str:
    """Make a key for `name` and return it (the only time it is seen). A name whose key was
    revoked gets a new one; a name with a live key is refused (revoke it first)."""
    _check_name(name)
    key = secrets.token_urlsafe(KEY_BYTES)

    def work(session: Session) -> None:
        row = session.get(PortalKey, name, with_for_update=True)
        if row is not None and row.revoked_at is None:
            raise ValueError(f"portal key {name} exists; revoke it first to issue a new one")
        if row is None:
            session.add(PortalKey(name=name, key_hash=key_hash(key), created_at=now))
        else:
            row.key_hash, row.created_at, row.revoked_at = key_hash(key), now, None

    retrying(engine, work)
    return key


def revoke_portal_key(engine: Engine, name: str, now: datetime) -> None:
    def work(session: Session) -> None:
        row = session.get(PortalKey, name, with_for_update=True)
        if row is None:
            raise LookupError(f"no portal key named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = now

    retrying(engine, work)


def portal_caller(engine: Engine, key: str) -> str | None:
    """The name of the live portal key `key` is, or None."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    wanted = key_hash(key)
    with Session(engine) as session:
        row = session.execute(
            select(PortalKey.name, PortalKey.key_hash).where(
                PortalKey.key_hash == wanted, PortalKey.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.key_hash, wanted):
        return None
    return str(row.name)
