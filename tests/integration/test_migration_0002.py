"""Store revision 0002 (order_lines.refunded_minor): a store at 0001 with returns already
written upgrades to a ledger backfilled from its return lines, within what each line was paid,
and the returns that follow price the units left from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.adapters.db.migrate import upgrade
from counter_app.domain.draft import units_refund
from counter_app.domain.money import Money
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import days_before, make_store
from tests.pg import PostgresServer

# line_no: (units sold, paid, [(units, refund, fee) of each return line], ledger after upgrade)
LINES: dict[int, tuple[int, int, list[tuple[int, int, int]], int]] = {
    # two counters at once took the extra cent twice: fully returned, so all it was paid
    1: (2, 12093, [(1, 6047, 0), (1, 6047, 0)], 12093),
    2: (3, 10000, [(1, 3334, 0)], 3334),
    3: (3, 9000, [(1, 2500, 500)], 3000),  # the fee was taken from what the unit paid
    4: (2, 1000, [(1, 0, 1000)], 500),  # a fee above the unit's price: never counted above it
    5: (4, 4000, [], 0),
    6: (3, 100, [(1, 34, 0), (1, 34, 0)], 68),  # over-refunded by a race, one unit left
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store database at revision 0001."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    engine = make_engine(url)
    upgrade(engine, "0001")
    yield engine
    engine.dispose()


def _populate_at_0001(engine: Engine) -> dict[int, int]:
    """An order with the lines above and their returns, written as 0001 knew the tables."""
    make_store(engine, NOW, with_staff=False)  # stores and products: unchanged by 0002
    old_lines = Table("order_lines", MetaData(), autoload_with=engine)
    old_users = Table("users", MetaData(), autoload_with=engine)  # as 0001 knew it
    old_returns = Table("returns", MetaData(), autoload_with=engine)
    ids: dict[int, int] = {}
    with UnitOfWork(engine, write=True) as uow:
        c = uow.conn
        cashier_id = c.execute(
            insert(old_users).values(
                username="alice", display_name="Alice Chen", role="cashier", pin_hash="x",
                active=True, failed_attempts=0,
            )
        ).inserted_primary_key[0]  # fmt: skip
        order_id = repo.insert_row(
            c,
            t.orders,
            {
                "number": "O-OLD",
                "store_code": "S001",
                "channel": "store",
                "placed_at": days_before(NOW, 3),
                "customer_id": None,
                "currency": "USD",
            },
        )
        for no, (sold, paid, returned, _) in LINES.items():
            row: dict[str, Any] = {
                "order_id": order_id,
                "line_no": no,
                "sku": "HOM-1",
                "quantity": sold,
                "unit_price_minor": paid // sold,
                "discount_minor": 0,
                "tax_minor": 0,
                "paid_minor": paid,
                "serial": None,
                "final_sale": False,
                "returned_quantity": sum(q for q, _, _ in returned),
            }
            ids[no] = int(c.execute(insert(old_lines).values(row)).inserted_primary_key[0])
        total = sum(paid for _, paid, _, _ in LINES.values())
        refunded = sum(r for *_, rl, _ in LINES.values() for _, r, _ in rl)
        repo.insert_row(
            c,
            t.payments,
            {
                "order_id": order_id,
                "tender": "card",
                "amount_minor": total,
                "refunded_minor": refunded,
                "card_brand": "VISA",
                "card_last4": "4242",
            },
        )
        n = 0
        for no, (_, _, returned, _) in LINES.items():
            for qty, refund, fee in returned:
                n += 1
                return_id = repo.insert_row(
                    c,
                    old_returns,
                    {
                        "ref": f"R-S001-C1-{n:06d}",
                        "order_id": order_id,
                        "customer_id": None,
                        "store_code": "S001",
                        "counter_code": "C1",
                        "cashier_id": cashier_id,
                        "created_at": NOW,
                        "currency": "USD",
                        "total_refund_minor": refund,
                        "tender_choice": "original",
                        "policy_version": "old",
                        "draft_id": f"draft-{n}",
                    },
                )
                repo.insert_row(
                    c,
                    t.return_lines,
                    {
                        "return_id": return_id,
                        "order_line_id": ids[no],
                        "line_no": no,
                        "sku": "HOM-1",
                        "quantity": qty,
                        "refund_minor": refund,
                        "fee_minor": fee,
                        "reason_code": "wrong_size",
                        "condition": "new",
                        "outcome": "approve",
                        "disposition": "restock",
                        "reasons_json": "[]",
                    },
                )
        uow.commit()
    return ids


def test_upgrade_backfills_each_line_ledger_from_its_return_lines(old_store: Engine) -> None:
    ids = _populate_at_0001(old_store)
    upgrade(old_store)
    ol = t.order_lines.c
    with UnitOfWork(old_store) as uow:
        ledger = dict(uow.conn.execute(select(ol.line_no, ol.refunded_minor)).all())
    assert ledger == {no: expected for no, (*_, expected) in LINES.items()}

    # The database now refuses a line refunded beyond what it was paid ...
    with UnitOfWork(old_store, write=True) as uow, pytest.raises(IntegrityError):
        uow.conn.execute(update(t.order_lines).where(ol.id == ids[5]).values(refunded_minor=4001))
    # ... and the units left are priced from the ledger: the over-refunded line's last unit
    # takes only what is left of it, so the line ends at exactly what it was paid.
    with UnitOfWork(old_store, write=True) as uow:
        for no, qty, expected in [(2, 2, 6666), (6, 1, 32), (5, 3, 3000)]:
            line = repo.reserve_line(uow.conn, ids[no], qty)
            assert line is not None
            got = units_refund(
                Money(line.paid_minor), Money(line.refunded_minor), line.units_left, qty
            )
            assert got.minor == expected, no
            assert repo.charge_line(uow.conn, ids[no], got.minor)
        uow.commit()
    with UnitOfWork(old_store) as uow:
        ledger = dict(uow.conn.execute(select(ol.line_no, ol.refunded_minor)).all())
    assert (ledger[2], ledger[6], ledger[5]) == (10000, 100, 3000)
