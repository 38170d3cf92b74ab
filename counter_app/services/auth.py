"""Staff sign-in, PINs (argon2id) and lockout, and the admin's user commands."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, or_, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.model import ROLES, User
from counter_app.domain.pins import pin_problem
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, NotFound, SignInFailed
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_text

MAX_FAILED_ATTEMPTS = 5
# Each lockout lasts longer; after the last step the account waits for an admin (unlock_user).
LOCKOUT_STEPS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
LOCKOUT = LOCKOUT_STEPS[0]
ADMIN_LOCK = len(LOCKOUT_STEPS) + 1  # `lockouts` at which only an admin can unlock
SIGN_IN_REFUSED = (
    "Wrong user name or PIN, or too many wrong PINs. Try again later or ask an administrator."
)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_pin(pin: str, role: str = "cashier") -> str:
    check_pin_format(pin, role)
    return _hasher.hash(pin)


def check_pin_format(pin: str, role: str = "cashier") -> None:
    """The company's one PIN policy (domain/pins.py), as head office applies it too."""
    problem = pin_problem(pin, role)
    if problem is not None:
        raise BadInput(problem)


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(engine: Engine, clock: Clock, username: str, pin: str) -> User:
    """The user behind `username` + `pin`; every refusal is the same SignInFailed.

    An attempt is reserved atomically (a conditional UPDATE ... RETURNING) before the PIN is
    checked, so concurrent guesses cannot check more than MAX_FAILED_ATTEMPTS PINs. Unknown,
    disabled and locked users are checked against a dummy hash: same message, same time.
    """
    now = clock.now()
    row = _reserve_attempt(engine, username, now) if len(username) <= 64 else None
    # The PIN is checked outside any write transaction: argon2 takes a quarter of a second,
    # and on SQLite a write transaction would hold every other counter's commit that long.
    if row is None:
        verify_pin(_dummy_hash(), pin[:64])
        raise SignInFailed(SIGN_IN_REFUSED)
    if len(pin) <= 64 and verify_pin(row["pin_hash"], pin):
        with UnitOfWork(engine, write=True) as uow:
            uow.conn.execute(
                update(t.users)
                .where(t.users.c.id == row["id"])
                .values(failed_attempts=0, lockouts=0, locked_until=None)
            )
            uow.commit()
        return repo.to_user(row)
    _count_failure(engine, row["id"], username, now)
    raise SignInFailed(SIGN_IN_REFUSED)


def _reserve_attempt(engine: Engine, username: str, now: datetime) -> Any:
    """Take one of the user's attempts, or None (unknown, disabled, locked, none left)."""
    users = t.users.c
    with UnitOfWork(engine, write=True) as uow:
        row = (
            uow.conn.execute(
                update(t.users)
                .where(
                    users.username == username,
                    users.active.is_(True),
                    users.failed_attempts < MAX_FAILED_ATTEMPTS,
                    users.lockouts < ADMIN_LOCK,
                    or_(users.locked_until.is_(None), users.locked_until <= now),
                )
                .values(failed_attempts=users.failed_attempts + 1, locked_until=None)
                .returning(*t.users.c)
            )
            .mappings()
            .first()
        )
        uow.commit()
    return row


def _count_failure(engine: Engine, user_id: int, username: str, now: datetime) -> None:
    """Audit one wrong PIN; the failure that finds all attempts used locks the account (once,
    however many checks were in flight), for the next step of LOCKOUT_STEPS."""
    users = t.users.c
    with UnitOfWork(engine, write=True) as uow:
        lockouts = uow.conn.execute(
            update(t.users)
            .where(users.id == user_id, users.failed_attempts >= MAX_FAILED_ATTEMPTS)
            .values(failed_attempts=0, lockouts=users.lockouts + 1)
            .returning(users.lockouts)
        ).scalar_one_or_none()
        repo.append_audit(
            uow.conn,
            at=now,
            actor=username,
            action="sign_in.failed",
            subject=username,
            data={"locked": lockouts is not None},
        )
        if lockouts is not None:
            until = now + LOCKOUT_STEPS[lockouts - 1] if lockouts < ADMIN_LOCK else None
            uow.conn.execute(update(t.users).where(users.id == user_id).values(locked_until=until))
            repo.append_audit(
                uow.conn,
                at=now,
                actor="system",
                action="user.locked",
                subject=username,
                data={
                    "lockouts": lockouts,
                    "until": until.isoformat() if until else None,
                    "admin_unlock": until is None,
                },
            )
        uow.commit()


@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: hashing costs start-up time."""
    return _hasher.hash("000000")


def add_user(
    engine: Engine,
    clock: Clock,
    username: str,
    display_name: str,
    role: str,
    pin: str,
    actor: str = "admin",
) -> User:
    username = username.strip()
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("_", "").isalnum()
    ):
        raise BadInput("A user name is 1 to 64 letters, digits, dots or underscores.")
    if role not in ROLES:
        raise BadInput(f"Role must be one of: {', '.join(ROLES)}.")
    display_name = clean_text(display_name, "display name", 200, multiline=False) or username
    pin_hash = hash_pin(pin, role)
    with UnitOfWork(engine, write=True) as uow:
        if repo.user_row(uow.conn, username) is not None:
            raise BadInput(f"There is already a user called {username}.")
        user_id = repo.insert_row(
            uow.conn,
            t.users,
            {
                "username": username,
                "display_name": display_name,
                "role": role,
                "pin_hash": pin_hash,
                "active": True,
                "failed_attempts": 0,
            },
        )
        repo.append_audit(
            uow.conn,
            at=clock.now(),
            actor=actor,
            action="user.added",
            subject=username,
            data={"role": role},
        )
        uow.commit()
    return User(user_id, username, display_name, role, True)


def set_pin(engine: Engine, clock: Clock, username: str, pin: str, actor: str = "admin") -> None:
    with UnitOfWork(engine) as uow:
        row = repo.user_row(uow.conn, username)
    if row is None:
        raise NotFound(f"There is no user called {username}.")
    pin_hash = hash_pin(pin, str(row["role"]))
    _update_user(
        engine,
        clock,
        username,
        actor,
        "user.pin_changed",
        pin_hash=pin_hash,
        failed_attempts=0,
        lockouts=0,
        locked_until=None,
    )


def unlock_user(engine: Engine, clock: Clock, username: str, actor: str = "admin") -> None:
    """An admin lifts a lockout (the only way out of the last step); audited."""
    _update_user(
        engine,
        clock,
        username,
        actor,
        "user.unlocked",
        failed_attempts=0,
        lockouts=0,
        locked_until=None,
    )


def disable_user(engine: Engine, clock: Clock, username: str, actor: str = "admin") -> None:
    _update_user(engine, clock, username, actor, "user.disabled", active=False)


def _update_user(
    engine: Engine, clock: Clock, username: str, actor: str, action: str, **values: object
) -> None:
    with UnitOfWork(engine, write=True) as uow:
        changed = uow.conn.execute(
            update(t.users).where(t.users.c.username == username).values(**values)
        )
        if changed.rowcount != 1:
            raise NotFound(f"There is no user called {username}.")
        repo.append_audit(
            uow.conn, at=clock.now(), actor=actor, action=action, subject=username, data={}
        )
        uow.commit()


def list_users(engine: Engine) -> list[User]:
    with UnitOfWork(engine) as uow:
        return repo.list_users(uow.conn)
