"""Head-office revision 0002_hofacts: a head office holding returns from before the checks
upgrades to refunded totals per line and per payment backfilled from them (within what was
paid), returns that never fit marked not validated (never settled), and message groups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from counter_app.central import db as central_db
from counter_app.central import service
from tests.central_old import insert_store
from tests.pg import PostgresServer

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)


def _previous() -> str:
    """The revision before 0002_hofacts, read from the script (the lead re-chains them)."""
    scripts = ScriptDirectory(str(central_db.MIGRATIONS_DIR))
    script = scripts.get_revision("0002_hofacts")
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    engine = central_db.make_engine(url)
    central_db.upgrade(engine, _previous())
    yield engine
    engine.dispose()


def _line(number: str, line_no: int, paid: int) -> dict[str, Any]:
    return {
        "order_number": number,
        "line_no": line_no,
        "sku": f"SKU-{line_no}",
        "quantity": 1,
        "unit_price_minor": paid,
        "discount_minor": 0,
        "tax_minor": 0,
        "paid_minor": paid,
        "serial": None,
        "final_sale": False,
        "online_returned_quantity": 0,
        "store_returned_quantity": 1,
    }


def _return(
    engine: Engine,
    tables: dict[str, Table],
    ref: str,
    line_no: int,
    refund: int,
    last4: str,
    when: int,
) -> None:
    """An accepted return as the old head office stored it: its message and its row."""
    refunds = [
        {"tender": "card", "amount_minor": refund, "card_brand": "VISA", "card_last4": last4}
    ]
    payload = {
        "ref": ref,
        "order_number": "O-1",
        "lines": [
            {"line_no": line_no, "sku": f"SKU-{line_no}", "quantity": 1, "refund_minor": refund}
        ],
        "refunds": refunds,
    }
    at = NOW.replace(minute=when)
    with engine.begin() as conn:
        conn.execute(
            insert(tables["messages"]).values(
                message_id=f"00000000-0000-4000-8000-00000000000{when}",
                store="S001",
                kind="return.committed",
                created_at=at,
                received_at=at,
                payload=payload,
                status="accepted",
            )
        )
        conn.execute(
            insert(tables["returns"]).values(
                ref=ref,
                store="S001",
                order_number="O-1",
                message_id=f"00000000-0000-4000-8000-00000000000{when}",
                currency="USD",
                refunds=refunds,
                received_at=at,
            )
        )


def _populate(engine: Engine) -> None:
    meta = MetaData()
    tables = {
        name: Table(name, meta, autoload_with=engine)
        for name in ("orders", "order_lines", "messages", "returns")
    }
    with engine.begin() as conn:
        insert_store(conn, "S001", "One", "k" * 64, NOW, messages_received=0)
        conn.execute(
            insert(tables["orders"]).values(
                number="O-1",
                channel="online",
                placed_at=NOW,
                currency="USD",
                seq=1,
                payments=[
                    {
                        "tender": "card",
                        "amount_minor": 6000,
                        "card_brand": "VISA",
                        "card_last4": "4242",
                    },
                    {"tender": "cash", "amount_minor": 4000},
                ],
            )
        )
        conn.execute(
            insert(tables["order_lines"]),
            [_line("O-1", 1, 5000), _line("O-1", 2, 3000), _line("O-1", 3, 2000)],
        )
    _return(engine, tables, "R-1", 1, 5000, "4242", 1)  # fits: card 6000 -> 1000 left
    _return(engine, tables, "R-2", 2, 99_999_999, "4242", 2)  # over what line 2 was paid
    _return(engine, tables, "R-3", 3, 2000, "1111", 3)  # a card the order never saw
    _return(engine, tables, "R-4", 2, 3000, "4242", 4)  # fits the line, but the card has 1000 left


def test_upgrade_backfills_refunded_totals_and_flags_what_never_fit(
    old_central: Engine,
) -> None:
    _populate(old_central)
    central_db.upgrade(old_central)
    meta = MetaData()
    lines = Table("order_lines", meta, autoload_with=old_central)
    payments = Table("order_payments", meta, autoload_with=old_central)
    returns = Table("returns", meta, autoload_with=old_central)
    messages = Table("messages", meta, autoload_with=old_central)
    with old_central.connect() as conn:
        refunded = dict(conn.execute(select(lines.c.line_no, lines.c.refunded_minor)).all())
        pays = conn.execute(
            select(
                payments.c.payment_no,
                payments.c.tender,
                payments.c.amount_minor,
                payments.c.card_last4,
                payments.c.refunded_minor,
            ).order_by(payments.c.payment_no)
        ).all()
        valid = dict(conn.execute(select(returns.c.ref, returns.c.validated)).all())
        groups = set(conn.execute(select(messages.c.group_ref)).scalars())
    assert refunded == {1: 5000, 2: 0, 3: 0}
    assert [tuple(p) for p in pays] == [(1, "card", 6000, "4242", 5000), (2, "cash", 4000, None, 0)]
    assert valid == {"R-1": True, "R-2": False, "R-3": False, "R-4": False}
    assert groups == {"R-1", "R-2", "R-3", "R-4"}
    with pytest.raises(LookupError, match="not validated"):
        service.settle(old_central, "R-2")
    assert [s.amount_minor for s in service.settle(old_central, "R-1")] == [5000]
    with pytest.raises(IntegrityError), old_central.begin() as conn:
        conn.execute(update(lines).where(lines.c.line_no == 1).values(refunded_minor=5001))
    with pytest.raises(IntegrityError), old_central.begin() as conn:
        conn.execute(update(payments).where(payments.c.payment_no == 2).values(refunded_minor=4001))
