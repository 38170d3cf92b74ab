"""Store revision 0005_authorizations upgrades a store with data: existing returns have no
return code and no status token; the new tables take pulled authorizations and catalog
images; a code is consumed once (unique on returns) and a token is unique."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import authorizations as store_auth
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.migrate import upgrade
from tests.authorization_helpers import auth_item
from tests.conftest import NOW
from tests.store_revisions import BOTH_DATABASES, store_before

REVISION = "0005_authorizations"


@pytest.fixture(params=BOTH_DATABASES)
def previous_revision_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from store_before(REVISION, request, tmp_path)


def _old(engine: Engine, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=engine)


def test_upgrade_keeps_returns_and_adds_codes(previous_revision_store: Engine) -> None:
    engine = previous_revision_store
    returns = _old(engine, "returns")
    assert "authorization_code" not in returns.c and "status_token" not in returns.c
    with engine.begin() as conn:
        conn.execute(insert(_old(engine, "users")).values(
            id=1, username="alice", display_name="Alice", role="cashier", pin_hash="x",
            active=True, failed_attempts=0, lockouts=0))
        conn.execute(insert(_old(engine, "products")).values(
            sku="APP-1", name="纯棉T恤", category="apparel", serialised=False, price_minor=1999,
            currency="USD", vendor=""))
        conn.execute(insert(returns), [
            {"id": n, "ref": f"R-S001-C1-00000{n}", "order_id": None, "customer_id": None,
             "store_code": "S001", "counter_code": "C1", "cashier_id": 1, "created_at": NOW,
             "currency": "USD", "total_refund_minor": 1999, "tender_choice": "original",
             "policy_version": "1", "draft_id": f"d-{n}", "kind": "order"}
            for n in (1, 2)
        ])  # fmt: skip
    upgrade(engine, REVISION)
    item = auth_item("O-1", [(1, "APP-1", 1, "wrong_size")], NOW)
    with engine.begin() as conn:
        rows = conn.execute(
            select(t.returns.c.ref, t.returns.c.authorization_code, t.returns.c.status_token)
        ).all()
        assert sorted(rows) == [("R-S001-C1-000001", None, None), ("R-S001-C1-000002", None, None)]
        store_auth.save_authorization(conn, item)
        store_auth.save_image(conn, "APP-1", "image/png", "a" * 64, b"\x89PNG\r\n")
        conn.execute(
            update(t.returns)
            .where(t.returns.c.id == 1)
            .values(authorization_code=item["code"], status_token="t" * 22)
        )
        found = store_auth.load_authorization(conn, item["code"])
        assert found is not None and found.lines[0].sku == "APP-1"
        assert store_auth.load_image(conn, "APP-1") == b"\x89PNG\r\n"
    for values in ({"authorization_code": item["code"]}, {"status_token": "t" * 22}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(update(t.returns).where(t.returns.c.id == 2).values(**values))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the status CHECK
        conn.execute(update(t.authorizations).values(status="lost"))
