"""Head-office accounts for the status page: argon2id passwords and browser sessions.

Sessions live in the database (not in a worker's memory) so any worker process honours them;
only the SHA-256 of a session cookie is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app.central.models import Admin, AdminSession
from counter_app.central.service.tx import aware, utcnow

SESSION_TTL = timedelta(hours=8)
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HASHER = PasswordHasher()  # argon2id, 64 MiB, 3 passes
# Verified when the user name is unknown, so both failures take the same time.
_DUMMY = _HASHER.hash(secrets.token_hex(16))


def add_admin(engine: Engine, username: str, password: str) -> None:
    """Create a head-office account, or set a new password for an existing one."""
    if not USERNAME.match(username):
        raise ValueError("a user name is 1-64 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    hashed = _HASHER.hash(password)
    with Session(engine) as session, session.begin():
        admin = session.get(Admin, username)
        if admin is None:
            session.add(Admin(username=username, password_hash=hashed, created_at=utcnow()))
        else:
            admin.password_hash = hashed
            session.execute(delete(AdminSession).where(AdminSession.username == username))


def check_password(engine: Engine, username: str, password: str) -> bool:
    with Session(engine) as session:
        stored = session.execute(
            select(Admin.password_hash).where(Admin.username == username[:64])
        ).scalar_one_or_none()
    try:
        return bool(_HASHER.verify(stored or _DUMMY, password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(engine: Engine, username: str, now: datetime | None = None) -> str:
    """A new session cookie value for `username` (expired sessions are swept here)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with Session(engine) as session, session.begin():
        session.execute(delete(AdminSession).where(AdminSession.expires_at < now))
        session.add(
            AdminSession(
                token_hash=_digest(token),
                username=username,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
    return token


def session_user(engine: Engine, token: str | None, now: datetime | None = None) -> str | None:
    """Who this cookie signs in, or None (no cookie, unknown, or expired)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    with Session(engine) as session:
        row = session.get(AdminSession, _digest(token))
        if row is None or (aware(row.expires_at) or now) <= now:
            return None
        return row.username


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with Session(engine) as session, session.begin():
            session.execute(delete(AdminSession).where(AdminSession.token_hash == _digest(token)))
