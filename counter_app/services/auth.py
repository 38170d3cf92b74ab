"""Staff sign-in, PINs (argon2id) and lockout, and the admin's user commands."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.model import ROLES, User
from counter_app.domain.pins import pin_problem
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, LockedOut, NotFound, SignInFailed
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_text

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
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
    """The user behind `username` + `pin`, counting failures and locking out repeat guessing.

    The same message for an unknown user and a wrong PIN, so names cannot be probed.
    """
    wrong = SignInFailed("Wrong user name or PIN. Try again.")
    if len(username) > 64 or len(pin) > 64:
        raise wrong
    now = clock.now()
    with UnitOfWork(engine) as uow:
        row = repo.user_row(uow.conn, username)
    # The PIN is checked outside any write transaction: argon2 takes a quarter of a second,
    # and on SQLite a write transaction would hold every other counter's commit that long.
    if row is None or not row["active"]:
        verify_pin(_dummy_hash(), pin)  # same time as a real check
        raise wrong
    if row["locked_until"] is not None and row["locked_until"] > now:
        raise _locked(row["display_name"], row["locked_until"] - now)
    if verify_pin(row["pin_hash"], pin):
        if row["failed_attempts"] or row["locked_until"] is not None:
            with UnitOfWork(engine, write=True) as uow:
                uow.conn.execute(
                    update(t.users)
                    .where(t.users.c.id == row["id"])
                    .values(failed_attempts=0, locked_until=None)
                )
                uow.commit()
        return repo.to_user(row)
    locked = _count_failure(engine, row["id"], username, now)
    if locked:
        raise LockedOut(
            f"Too many wrong PINs. {row['display_name']} is locked for "
            f"{int(LOCKOUT.total_seconds() // 60)} minutes."
        )
    raise wrong


def _count_failure(engine: Engine, user_id: int, username: str, now: datetime) -> bool:
    """Count one wrong PIN atomically (two counters guessing at once both count); True when
    this one locks the account."""
    users = t.users.c
    with UnitOfWork(engine, write=True) as uow:
        uow.conn.execute(
            update(t.users)
            .where(users.id == user_id)
            .values(failed_attempts=users.failed_attempts + 1)
        )
        failed = uow.conn.execute(
            select(users.failed_attempts).where(users.id == user_id)
        ).scalar_one()
        locked = failed >= MAX_FAILED_ATTEMPTS
        if locked:
            uow.conn.execute(
                update(t.users)
                .where(users.id == user_id)
                .values(failed_attempts=0, locked_until=now + LOCKOUT)
            )
        repo.append_audit(
            uow.conn,
            at=now,
            actor=username,
            action="sign_in.failed",
            subject=username,
            data={"locked": locked},
        )
        uow.commit()
    return bool(locked)


def _locked(display_name: str, remaining: timedelta) -> LockedOut:
    minutes = max(1, int(remaining.total_seconds() // 60) + 1)
    return LockedOut(
        f"Too many wrong PINs for {display_name}. Try again in {minutes} min "
        "or ask an administrator."
    )


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
    display_name = clean_text(display_name, "display name", 200) or username
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
