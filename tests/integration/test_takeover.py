"""services.takeover: who may take over or discard another cashier's return, what the
audit trail and the committed return then say (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.services import takeover
from counter_app.services.audit import verify_audit_trail
from counter_app.services.errors import OverrideRefused
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import add_order, days_before, make_store


def _entries(engine: Engine, action: str) -> list[dict[str, object]]:
    c = t.audit_entries.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(select(c.actor, c.data_json).where(c.action == action)).all()
    return [{"actor": r.actor, **json.loads(r.data_json)} for r in rows]


def test_take_over_is_for_managers_and_the_return_is_finished_in_their_name(
    store_engine: Engine,
) -> None:
    store = make_store(store_engine, NOW)
    add_order(store_engine, "O-7", days_before(NOW, 2), [("APP-1", 1, 2500)])
    desk = store.desk
    draft = desk.start_return(desk.find_order("O-7"), store.user("alice"))
    desk.select_line(draft, 1, 1)
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    args = (store_engine, store.clock, "S001")
    with pytest.raises(OverrideRefused, match="not a manager"):
        takeover.take_over(*args, draft, store.user("bob"))
    own = desk.start_return(desk.find_order("O-7"), store.user("maria"))
    with pytest.raises(OverrideRefused, match="already your return"):
        takeover.discard(*args, own, store.user("maria"))
    assert _entries(store_engine, "return.taken_over") == []

    mine = takeover.take_over(*args, draft, store.user("maria"))
    assert draft.cashier.username == "alice", "the original draft is not changed"
    assert mine.cashier.username == "maria" and mine.id == draft.id
    desk.evaluate(mine)
    committed = desk.commit_return(mine, "original")
    with UnitOfWork(store_engine) as uow:
        cashier = uow.conn.execute(
            select(t.users.c.username)
            .join(t.returns, t.returns.c.cashier_id == t.users.c.id)
            .where(t.returns.c.ref == committed.ref)
        ).scalar_one()
    assert cashier == "maria"
    [entry] = _entries(store_engine, "return.taken_over")
    assert entry["actor"] == "maria" and entry["cashier"] == "alice"
    assert entry["order_number"] == "O-7" and entry["dropped_approvals"] == []
    assert verify_audit_trail(store_engine)[1] == []
