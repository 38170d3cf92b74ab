"""Store revision 0004_exchange upgrades a store with data: products keep their rows (no
style yet), payments keep theirs and may now be tender "exchange", orders and returns gain the
exchange sale's window and link."""

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

REVISION = "0004_exchange"


@pytest.fixture(params=BOTH_DATABASES)
def previous_revision_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store at the revision before this one."""
    yield from store_before(REVISION, request, tmp_path)


def test_upgrade_keeps_products_orders_and_payments(previous_revision_store: Engine) -> None:
    engine = previous_revision_store
    meta = MetaData()
    old = {n: Table(n, meta, autoload_with=engine) for n in ("products", "orders", "payments")}
    assert "style" not in old["products"].c and "approval_code" not in old["payments"].c
    with engine.begin() as conn:
        conn.execute(
            insert(old["products"]),
            [
                {
                    "sku": "APP-1",
                    "name": "纯棉T恤",
                    "category": "apparel",
                    "serialised": False,
                    "price_minor": 1999,
                    "currency": "USD",
                    "vendor": "Acme",
                }
            ],
        )
        conn.execute(
            insert(old["orders"]),
            [
                {
                    "id": 1,
                    "number": "O-1",
                    "store_code": "S001",
                    "channel": "store",
                    "placed_at": NOW,
                    "currency": "USD",
                }
            ],
        )
        conn.execute(
            insert(old["payments"]),
            [
                {
                    "order_id": 1,
                    "tender": "card",
                    "amount_minor": 1999,
                    "refunded_minor": 0,
                    "card_brand": "VISA",
                    "card_last4": "4242",
                }
            ],
        )
        # the old CHECK: no exchange tender yet
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(
                insert(old["payments"]),
                [{"order_id": 1, "tender": "exchange", "amount_minor": 1, "refunded_minor": 0}],
            )
    upgrade(engine, REVISION)
    with engine.begin() as conn:
        product = conn.execute(select(t.products)).one()
        assert (product.name, product.style, product.size, product.colour) == (
            "纯棉T恤", None, None, None)  # fmt: skip
        order = conn.execute(select(t.orders)).one()
        assert order.window_from is None and order.placed_at == NOW
        pay = conn.execute(select(t.payments)).one()
        assert (pay.tender, pay.amount_minor, pay.card_last4, pay.approval_code) == (
            "card", 1999, "4242", None)  # fmt: skip
        conn.execute(
            insert(t.payments),
            [{"order_id": 1, "tender": "exchange", "amount_minor": 500, "refunded_minor": 0}],
        )
        # the new CHECK still refuses unknown tenders
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(
                insert(t.payments),
                [{"order_id": 1, "tender": "cheque", "amount_minor": 1, "refunded_minor": 0}],
            )
    with engine.connect() as conn:
        assert conn.execute(select(t.returns.c.exchange_order_id)).all() == []
