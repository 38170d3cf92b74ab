"""PIN attempts are reserved atomically before the hash is checked, lockouts escalate (5 min,
15 min, 1 h, then an admin unlocks), every refusal reads the same and takes the dummy-hash path,
and locks and unlocks are audited — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.migrate import upgrade
from counter_app.services import auth
from counter_app.services.errors import LockedOut, SignInFailed
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, make_store
from tests.store_revisions import BOTH_DATABASES, store_before

RIGHT, WRONG = "987654", "1111"


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


class CountingHasher:
    """Stands in for argon2 (fast, and counts which hashes were checked)."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    def hash(self, pin: str) -> str:
        return f"plain${pin}"

    def verify(self, pin_hash: str, pin: str) -> bool:
        with self._lock:
            self.checked.append(pin_hash)
        time.sleep(self.delay)
        if pin_hash == f"plain${pin}":
            return True
        from argon2.exceptions import VerifyMismatchError

        raise VerifyMismatchError


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch, store: Store) -> Iterator[CountingHasher]:
    fake = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", fake)
    auth._dummy_hash.cache_clear()
    for name, pin in {"maria": RIGHT, "alice": "1234"}.items():
        auth.set_pin(store.engine, store.clock, name, pin)
    yield fake
    auth._dummy_hash.cache_clear()


def _refusal(store: Store, username: str, pin: str) -> str:
    with pytest.raises(SignInFailed) as caught:
        auth.authenticate(store.engine, store.clock, username, pin)
    assert not isinstance(caught.value, LockedOut)
    return str(caught.value)


def _lock_once(store: Store) -> None:
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        _refusal(store, "maria", WRONG)


def _audit(store: Store, action: str) -> list[Any]:
    a = t.audit_entries.c
    with UnitOfWork(store.engine) as uow:
        return list(
            uow.conn.execute(
                select(a.actor, a.subject, a.data_json).where(a.action == action).order_by(a.seq)
            )
        )


def test_concurrent_guesses_check_at_most_the_allowed_number(
    store: Store, hasher: CountingHasher
) -> None:
    """24 guesses at once: only MAX_FAILED_ATTEMPTS reach the real hash, and then the right
    PIN (the 24th guess) is refused."""
    hasher.delay = 0.02  # the checks overlap, as argon2's quarter second would make them
    guesses = [f"{n:04d}" for n in range(23)]
    results: list[str] = []
    start = threading.Barrier(len(guesses))

    def guess(pin: str) -> None:
        start.wait()
        try:
            auth.authenticate(store.engine, store.clock, "maria", pin)
            results.append("in")
        except SignInFailed:
            results.append("refused")

    threads = [threading.Thread(target=guess, args=(pin,)) for pin in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    real = [h for h in hasher.checked if h != auth._dummy_hash()]
    assert len(real) == auth.MAX_FAILED_ATTEMPTS
    assert len(hasher.checked) == len(guesses)  # the others went through the dummy hash
    assert results == ["refused"] * len(guesses)
    _refusal(store, "maria", RIGHT)
    assert hasher.checked[-1] == auth._dummy_hash()
    assert len(_audit(store, "user.locked")) == 1
    assert len(_audit(store, "sign_in.failed")) == auth.MAX_FAILED_ATTEMPTS


def test_right_pin_after_lockout_is_refused_until_the_lock_ends(
    store: Store, hasher: CountingHasher
) -> None:
    _lock_once(store)
    checked = len(hasher.checked)
    _refusal(store, "maria", RIGHT)
    assert hasher.checked[checked:] == [auth._dummy_hash()]
    store.clock.advance(minutes=5, seconds=1)
    assert auth.authenticate(store.engine, store.clock, "maria", RIGHT).username == "maria"


def test_lockouts_escalate_then_wait_for_an_admin(store: Store, hasher: CountingHasher) -> None:
    for step in auth.LOCKOUT_STEPS:
        _lock_once(store)
        store.clock.advance(seconds=step.total_seconds() - 1)
        _refusal(store, "maria", RIGHT)  # still locked one second before the end
        store.clock.advance(seconds=2)
    assert [s.total_seconds() for s in auth.LOCKOUT_STEPS] == [300, 900, 3600]
    _lock_once(store)  # the fourth lockout has no end
    store.clock.advance(days=30)
    _refusal(store, "maria", RIGHT)
    locks = _audit(store, "user.locked")
    assert len(locks) == 4 and json.loads(locks[-1].data_json)["admin_unlock"] is True
    auth.unlock_user(store.engine, store.clock, "maria", actor="root")
    assert _audit(store, "user.unlocked")[0][:2] == ("root", "maria")
    assert auth.authenticate(store.engine, store.clock, "maria", RIGHT).username == "maria"


def test_a_successful_sign_in_resets_the_escalation(store: Store, hasher: CountingHasher) -> None:
    _lock_once(store)
    store.clock.advance(minutes=6)
    auth.authenticate(store.engine, store.clock, "maria", RIGHT)
    _lock_once(store)
    store.clock.advance(minutes=5, seconds=1)  # the first step again, not 15 minutes
    auth.authenticate(store.engine, store.clock, "maria", RIGHT)


def test_unknown_wrong_and_locked_read_the_same_and_check_a_hash(
    store: Store, hasher: CountingHasher
) -> None:
    auth.disable_user(store.engine, store.clock, "bob")
    before = len(hasher.checked)
    unknown = _refusal(store, "nobody", RIGHT)
    disabled = _refusal(store, "bob", "2345")
    too_long = _refusal(store, "x" * 65, RIGHT)
    assert hasher.checked[before:] == [auth._dummy_hash()] * 3
    wrong = _refusal(store, "alice", WRONG)
    assert hasher.checked[-1] == "plain$1234"
    _lock_once(store)
    locked = _refusal(store, "maria", RIGHT)
    assert hasher.checked[-1] == auth._dummy_hash()
    assert unknown == disabled == too_long == wrong == locked == auth.SIGN_IN_REFUSED
    assert "Maria" not in locked and "maria" not in locked


def test_lock_and_failures_are_audited(store: Store, hasher: CountingHasher) -> None:
    _lock_once(store)
    failed = _audit(store, "sign_in.failed")
    assert len(failed) == auth.MAX_FAILED_ATTEMPTS
    assert [json.loads(f.data_json)["locked"] for f in failed] == [False] * 4 + [True]
    (lock,) = _audit(store, "user.locked")
    data = json.loads(lock.data_json)
    assert lock.subject == "maria" and data["lockouts"] == 1
    assert data["until"] == (NOW + auth.LOCKOUT_STEPS[0]).isoformat()


def test_set_pin_also_lifts_the_lock(store: Store, hasher: CountingHasher) -> None:
    for _ in range(auth.ADMIN_LOCK):
        _lock_once(store)
        store.clock.advance(hours=2)
    _refusal(store, "maria", RIGHT)
    auth.set_pin(store.engine, store.clock, "maria", "555555")
    assert auth.authenticate(store.engine, store.clock, "maria", "555555").username == "maria"


# ------------------------------------------------------------------ revision upgrade


@pytest.fixture(params=BOTH_DATABASES)
def previous_revision_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store at the revision before this one."""
    yield from store_before("0003_pin_lockout", request, tmp_path)


def test_upgrade_keeps_users_and_their_locks(previous_revision_store: Engine) -> None:
    from sqlalchemy import MetaData, Table, insert

    engine = previous_revision_store
    old_users = Table("users", MetaData(), autoload_with=engine)
    assert "lockouts" not in old_users.c
    locked_until = NOW.replace(hour=16)
    with engine.begin() as conn:
        conn.execute(
            insert(old_users),
            [
                {"username": "maria", "display_name": "Maria", "role": "manager",
                 "pin_hash": "x", "active": True, "failed_attempts": 0,
                 "locked_until": locked_until},
                {"username": "alice", "display_name": "Alice", "role": "cashier",
                 "pin_hash": "y", "active": True, "failed_attempts": 3,
                 "locked_until": None},
            ],
        )  # fmt: skip
    upgrade(engine)
    u = t.users.c
    with UnitOfWork(engine) as uow:
        rows = {
            r.username: r
            for r in uow.conn.execute(
                select(u.username, u.failed_attempts, u.locked_until, u.lockouts)
            )
        }
    assert rows["maria"].locked_until == locked_until and rows["maria"].lockouts == 0
    assert rows["alice"].failed_attempts == 3 and rows["alice"].lockouts == 0
