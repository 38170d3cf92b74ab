"""Head-office revision "authorizations" (issue 15): a head office holding orders and returns
upgrades to return authorizations (codes and status tokens unique, status checked), portal
keys, and returns that carry the authorization they consumed and a status token; existing
returns keep theirs empty (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from counter_app.central import db as central_db
from tests.central_old import central_before, insert_store
from tests.store_revisions import BOTH_DATABASES

REVISION = "0004_authorizations"
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


@pytest.fixture(params=BOTH_DATABASES)
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from central_before(REVISION, request, tmp_path)


def _populate(engine: Engine) -> None:
    meta = MetaData()
    t = {name: Table(name, meta, autoload_with=engine) for name in ("orders", "returns")}
    refunds = [{"tender": "card", "amount_minor": 2000}]
    with engine.begin() as conn:
        insert_store(conn, "S001", "One", "k" * 64, NOW, messages_received=0)
        conn.execute(
            insert(t["orders"]).values(
                number="O-1", channel="online", placed_at=NOW, currency="USD", seq=2,
                payments=[],
            )
        )  # fmt: skip
        for n in (1, 2):
            conn.execute(
                insert(t["returns"]).values(
                    ref=f"R-{n}", store="S001", order_number="O-1", currency="USD",
                    refunds=refunds, message_id=f"00000000-0000-4000-8000-00000000000{n}",
                    received_at=NOW,
                )
            )  # fmt: skip


def _authorization(code: str, token: str, status: str = "open") -> dict[str, object]:
    return {
        "code": code, "order_number": "O-1", "refund": "original", "status": status,
        "created_at": NOW, "expires_at": NOW + timedelta(days=14), "created_by": "portal:web",
        "status_token": token, "seq": 3,
    }  # fmt: skip


def test_upgrade_keeps_returns_without_authorization_and_enforces_unique_codes(
    old_central: Engine,
) -> None:
    _populate(old_central)
    central_db.upgrade(old_central)
    meta = MetaData()
    returns = Table("returns", meta, autoload_with=old_central)
    auths = Table("return_authorizations", meta, autoload_with=old_central)
    lines = Table("return_authorization_lines", meta, autoload_with=old_central)
    keys = Table("portal_keys", meta, autoload_with=old_central)
    with old_central.connect() as conn:
        rows = conn.execute(select(returns.c.authorization_code, returns.c.status_token)).all()
        assert [tuple(r) for r in rows] == [(None, None), (None, None)]
    with old_central.begin() as conn:
        new_id = conn.execute(
            insert(auths).values(_authorization("7K3QD9MZ2XF", "t" * 22))
        ).inserted_primary_key[0]
        conn.execute(
            insert(lines).values(
                authorization_id=new_id, line_no=1, sku="SKU-1", quantity=1, reason="damaged"
            )
        )
        conn.execute(insert(keys).values(name="web", key_hash="h" * 64, created_at=NOW))
        conn.execute(
            update(returns)
            .where(returns.c.ref == "R-1")
            .values(authorization_code="7K3QD9MZ2XF", status_token="s" * 22)
        )
    refused = (
        (auths, _authorization("7K3QD9MZ2XF", "u" * 22)),  # the same code twice
        (auths, _authorization("8K3QD9MZ2XF", "t" * 22)),  # the same status token twice
        (auths, _authorization("9K3QD9MZ2XF", "v" * 22, status="expired")),  # computed only
        (keys, {"name": "web2", "key_hash": "h" * 64, "created_at": NOW}),
    )
    for table, values in refused:
        with pytest.raises(IntegrityError), old_central.begin() as conn:
            conn.execute(insert(table).values(values))
    for column, value in (("authorization_code", "7K3QD9MZ2XF"), ("status_token", "s" * 22)):
        with pytest.raises(IntegrityError), old_central.begin() as conn:
            conn.execute(update(returns).where(returns.c.ref == "R-2").values({column: value}))
