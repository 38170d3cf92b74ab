"""Staff records pulled from head office are checked before anything is applied.

A fake head office (whoever answers in its name) plants an admin whose hash costs 8 KiB and
one pass: refused, audited and shown as one sync problem, and the admin does not exist.
A proper change (a new cashier, a manager's new PIN, a role change, a disabled account) is
applied and every change is in the store's audit trail.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from counter_app.adapters.central_client import FakeCentral
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.pins import pin_hash_problem
from counter_app.services import auth
from counter_app.services.audit import verify_audit_trail
from counter_app.services.errors import BadInput
from counter_app.services.sync import list_exceptions, pull_all, resolve_exception, sync_status
from counter_app.services.sync_apply import SYNC_ACTOR
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, make_store
from tests.integration.test_sync_store import no_wait

WEAK = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def store(sqlite_db_url: str) -> Store:
    from counter_app.adapters.db.engine import make_engine

    return make_store(make_engine(sqlite_db_url), NOW)


def _member(username: str, role: str, pin_hash: str, active: bool = True) -> dict[str, object]:
    return {"username": username, "display_name": username.title(), "role": role,
            "pin_hash": pin_hash, "active": active}


def _as_is(store: Store, username: str, **changes: object) -> dict[str, object]:
    """The store's own record of `username`, as head office would send it, with changes."""
    row = _user(store, username)
    assert row is not None
    record = {k: row[k] for k in ("username", "display_name", "role", "pin_hash", "active")}
    return {**record, "active": bool(record["active"]), **changes}


def _synced_audit(store: Store) -> list[tuple[str, str]]:
    with UnitOfWork(store.engine) as uow:
        return [(r.action, r.subject) for r in repo.audit_records(uow.conn)
                if r.actor == SYNC_ACTOR]


def _user(store: Store, username: str) -> dict[str, object] | None:
    with UnitOfWork(store.engine) as uow:
        row = uow.conn.execute(select(t.users).where(t.users.c.username == username))
        found = row.mappings().first()
        return dict(found) if found else None


def test_weak_hash_admin_is_refused_audited_and_reported(store: Store) -> None:
    central = FakeCentral()
    weak = WEAK.hash("1")
    assert "too cheap" in (pin_hash_problem(weak) or "")
    central.pages["staff"] = [
        _member("mallory", "admin", weak),
        _member("boss", "overlord", auth.hash_pin("123456")),
        _member("maria", "manager", weak),  # an existing manager's PIN "replaced"
    ]
    before = _user(store, "maria")
    report = pull_all(store.engine, central, retry=no_wait)
    assert report.pulled["staff"] == 3
    assert _user(store, "mallory") is None and _user(store, "boss") is None
    assert _user(store, "maria") == before
    problems = list_exceptions(store.engine)
    assert len(problems) == 3 and {p.kind for p in problems} == {"staff.refused"}
    assert "m=8 KiB" in problems[0].reason and "mallory" in problems[0].reason
    assert "unknown role" in problems[1].reason
    assert sync_status(store.engine).open_exceptions == 3
    assert _synced_audit(store) == [("staff.refused", "mallory"), ("staff.refused", "boss"),
                                    ("staff.refused", "maria")]
    # The same page again (a crash before its cursor was saved) adds no second problem.
    central_again = FakeCentral()
    central_again.pages["staff"] = central.pages["staff"]
    pull_all(store.engine, central_again, retry=no_wait)
    assert len(list_exceptions(store.engine)) == 3
    # A manager closes one: the store's own problem, nothing to tell head office.
    resolve_exception(store.engine, store.clock, problems[0].id, "maria", "fake head office",
                      store_code="S001")
    assert sync_status(store.engine).waiting == 0
    assert verify_audit_trail(store.engine)[1] == []


def test_valid_staff_changes_are_applied_and_audited(store: Store) -> None:
    central = FakeCentral()
    new_pin = auth.hash_pin("246810")
    central.pages["staff"] = [
        _member("newbie", "cashier", auth.hash_pin("4444")),
        _as_is(store, "maria", pin_hash=new_pin),
        _as_is(store, "alice", role="manager"),
        _as_is(store, "bob", active=False),
    ]
    report = pull_all(store.engine, central, retry=no_wait)
    assert report.pulled["staff"] == 4 and not list_exceptions(store.engine)
    assert auth.authenticate(store.engine, store.clock, "newbie", "4444").role == "cashier"
    assert auth.authenticate(store.engine, store.clock, "maria", "246810").role == "manager"
    assert _user(store, "alice")["role"] == "manager"  # type: ignore[index]
    assert _user(store, "bob")["active"] is False  # type: ignore[index]
    assert _synced_audit(store) == [
        ("user.added", "newbie"),
        ("user.pin_changed", "maria"),
        ("user.role_changed", "alice"),
        ("user.disabled", "bob"),
    ]
    again = FakeCentral()
    again.pages["staff"] = central.pages["staff"]
    pull_all(store.engine, again, retry=no_wait)
    assert len(_synced_audit(store)) == 4  # applying the same records again changes nothing


def test_store_sets_pins_by_the_same_policy(store: Store) -> None:
    with pytest.raises(BadInput, match="manager's PIN is 6 to 12 digits"):
        auth.add_user(store.engine, store.clock, "max", "Max", "manager", "4321")
    with pytest.raises(BadInput, match="manager's PIN is 6 to 12 digits"):
        auth.set_pin(store.engine, store.clock, "maria", "4321")
    auth.set_pin(store.engine, store.clock, "alice", "4321")  # a cashier's 4 digits are fine
    assert auth.authenticate(store.engine, store.clock, "alice", "4321").username == "alice"
