"""Live lookup of another store's order, end to end over HTTP: the store gets it masked,
keeps what it got, and can still take the return; past the budget it says so clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.adapters.db import tables as t
from counter_app.services.errors import BadInput
from counter_app.services.unit_of_work import UnitOfWork
from tests.e2e.test_sync_e2e import (  # noqa: F401 (central_server is a fixture)
    Central,
    _return,
    _store,
    _sync,
    central_server,
)


def test_other_stores_order_comes_masked_and_can_be_returned(
    request: pytest.FixtureRequest, pg_server: Any, tmp_path: Path
) -> None:
    head: Central = request.getfixturevalue("central_server")
    store_b = _store(
        tmp_path, "S002", f"sqlite:///{tmp_path / 'b.db'}", head.url, head.keys["S002"]
    )
    assert _sync(store_b, head.url, head.keys["S002"]).ok  # staff, catalog, own orders
    with UnitOfWork(store_b.engine) as uow:
        assert (
            uow.conn.execute(select(t.orders.c.id).where(t.orders.c.number == "O-S1")).first()
            is None
        )
    order = store_b.desk.find_order("O-S1")  # S001's sale: asked of head office live
    assert order.customer is not None
    assert order.customer.email == "O•••@example.com" and order.customer.name == "L•••"
    assert order.payments[0].card_last4 == "4242" and order.lines[0].paid.minor == 5000
    ref = _return(store_b, "O-S1")  # the store kept what it got: the return runs
    with UnitOfWork(store_b.engine) as uow:
        emails = uow.conn.execute(select(t.customers.c.email)).scalars().all()
        assert "O-S1@example.com" not in emails
        assert uow.conn.execute(select(t.notifications)).first() is None  # no masked address
    report = _sync(store_b, head.url, head.keys["S002"])
    assert report.ok and report.rejected == 0, (ref, report)


def test_lookups_past_the_budget_get_one_clear_message(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from counter_app.central.service.lookups import LOOKUPS_PER_MINUTE

    head: Central = request.getfixturevalue("central_server")
    store = _store(tmp_path, "S002", f"sqlite:///{tmp_path / 'b.db'}", head.url, head.keys["S002"])
    assert _sync(store, head.url, head.keys["S002"]).ok
    for n in range(LOOKUPS_PER_MINUTE):
        with pytest.raises(Exception, match="No order"):
            store.desk.find_order(f"O-NOPE-{n}")
    with pytest.raises(BadInput, match="too many order lookups from this store"):
        store.desk.find_order("O-S1")
