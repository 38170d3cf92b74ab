"""Store revision 0004_receiptless on a store holding the previous revision's data: every
return already written started from an order, customers keep their rows, and the new
columns and table work (with the CHECK on the kind)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.migrate import upgrade
from tests.conftest import NOW
from tests.store_revisions import BOTH_DATABASES, store_before

REVISION = "0004_receiptless"


@pytest.fixture(params=BOTH_DATABASES)
def previous_revision_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store at the revision before this one."""
    yield from store_before(REVISION, request, tmp_path)


def _old(engine: Engine, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=engine)


def test_upgrade_marks_every_old_return_as_an_order_return(previous_revision_store: Engine) -> None:
    engine = previous_revision_store
    returns, customers = _old(engine, "returns"), _old(engine, "customers")
    assert "kind" not in returns.c and "id_document_hash" not in customers.c
    with engine.begin() as conn:
        conn.execute(insert(_old(engine, "users")).values(
            id=1, username="alice", display_name="Alice", role="cashier", pin_hash="x",
            active=True, failed_attempts=0, lockouts=0))
        conn.execute(insert(customers).values(id=7, code="C7", name="李娜", email="li@example.com"))
        conn.execute(insert(_old(engine, "products")).values(
            sku="APP-1", name="纯棉T恤", category="apparel", serialised=False, price_minor=1999,
            currency="USD", vendor=""))
        conn.execute(insert(returns), [
            {"id": n, "ref": f"R-S001-C1-00000{n}", "order_id": None, "customer_id": 7,
             "store_code": "S001", "counter_code": "C1", "cashier_id": 1, "created_at": NOW,
             "currency": "USD", "total_refund_minor": 1999, "tender_choice": "original",
             "policy_version": "1", "draft_id": f"d-{n}"}
            for n in (1, 2)
        ])  # fmt: skip
    upgrade(engine)
    with engine.begin() as conn:
        kinds = conn.execute(select(t.returns.c.ref, t.returns.c.kind)).all()
        customer = conn.execute(select(t.customers)).mappings().one()
        conn.execute(
            insert(t.product_prices).values(sku="APP-1", effective_from=NOW, price_minor=1500)
        )
        prices = conn.execute(select(t.product_prices.c.price_minor)).scalars().all()
    assert sorted(kinds) == [("R-S001-C1-000001", "order"), ("R-S001-C1-000002", "order")]
    assert customer["name"] == "李娜" and customer["id_document_hash"] is None
    assert prices == [1500]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            t.returns.update().where(t.returns.c.id == 1).values(kind="lost_receipt")
        )
