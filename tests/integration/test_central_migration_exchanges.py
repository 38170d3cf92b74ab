"""Head-office revision "exchanges" (issue 14): a head office holding a catalog, orders and
returns upgrades to return kinds (existing returns are "order" returns with their totals), a
price history seeded from the catalog (so a receiptless return right after the upgrade is
priced from it), gift codes unique company-wide (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from counter_app import sync_protocol as proto
from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.testing import message
from tests.central_old import central_before, insert_store
from tests.store_revisions import BOTH_DATABASES

REVISION = "0003_exchanges"
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
POLICY = (Path(__file__).parents[2] / "resources/policy/default.toml").read_text()


@pytest.fixture(params=BOTH_DATABASES)
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from central_before(REVISION, request, tmp_path)


def _populate(engine: Engine) -> None:
    meta = MetaData()
    t = {
        name: Table(name, meta, autoload_with=engine)
        for name in ("catalog", "orders", "order_lines", "order_payments", "returns")
    }
    refunds = [{"tender": "card", "amount_minor": 2000, "card_brand": "VISA", "card_last4": "4242"}]
    with engine.begin() as conn:
        insert_store(conn, "S001", "One", "k" * 64, NOW, messages_received=0)
        conn.execute(
            insert(t["catalog"]).values(
                sku="SKU-1", name="Mug", category="home", barcodes=[], serialised=False,
                price_minor=2500, currency="USD", vendor=None, seq=1,
            )
        )  # fmt: skip
        conn.execute(
            insert(t["orders"]).values(
                number="O-1", channel="online", placed_at=NOW, currency="USD", seq=2,
                payments=[refunds[0] | {"amount_minor": 5000}],
            )
        )  # fmt: skip
        conn.execute(
            insert(t["order_lines"]).values(
                order_number="O-1", line_no=1, sku="SKU-1", quantity=2, unit_price_minor=2500,
                discount_minor=0, tax_minor=0, paid_minor=5000, serial=None, final_sale=False,
                online_returned_quantity=0, store_returned_quantity=1, refunded_minor=2000,
            )
        )  # fmt: skip
        conn.execute(
            insert(t["order_payments"]).values(
                order_number="O-1", payment_no=1, tender="card", amount_minor=5000,
                card_brand="VISA", card_last4="4242", refunded_minor=2000,
            )
        )  # fmt: skip
        conn.execute(
            insert(t["returns"]).values(
                ref="R-1", store="S001", order_number="O-1", currency="USD", refunds=refunds,
                message_id="00000000-0000-4000-8000-000000000001", received_at=NOW,
            )
        )  # fmt: skip


def test_upgrade_keeps_returns_as_order_returns_and_seeds_the_price_history(
    old_central: Engine,
) -> None:
    _populate(old_central)
    central_db.upgrade(old_central)
    meta = MetaData()
    returns = Table("returns", meta, autoload_with=old_central)
    prices = Table("catalog_prices", meta, autoload_with=old_central)
    with old_central.connect() as conn:
        row = conn.execute(select(returns)).mappings().one()
        assert (row["kind"], row["total_minor"], row["order_number"]) == ("order", 2000, "O-1")
        assert row["customer_key"] is None
        [(sku, price)] = conn.execute(select(prices.c.sku, prices.c.price_minor)).all()
        assert (sku, price) == ("SKU-1", 2500)
    with pytest.raises(IntegrityError), old_central.begin() as conn:
        conn.execute(update(returns).values(kind="bogus"))
    # after the upgrade: a receiptless return priced from the seeded history, no order
    service.publish_policy(old_central, "p1", POLICY)
    cashier = {"username": "alice", "display_name": "Alice", "role": "cashier",
               "pin": "246810", "travelling": True}  # fmt: skip
    service.publish_staff(old_central, [service.staff_from_record(cashier)])

    def receiptless(ref: str, amount: int) -> proto.PushResult:
        payload = {
            "ref": ref, "kind": "receiptless", "order_number": None,
            "customer_key": proto.customer_key("a@example.com"), "counter": "C1",
            "cashier": "alice", "currency": "USD",
            "lines": [{"line_no": 1, "sku": "SKU-1", "quantity": 1, "refund_minor": amount,
                       "condition": "new", "reason": "other", "disposition": "restock_new"}],
            "refunds": [{"tender": "store_credit", "amount_minor": amount}],
        }  # fmt: skip
        wire = proto.MESSAGE.validate_python(message("return.committed", "S001", payload))
        return service.push_messages(old_central, "S001", [wire])[0]

    assert (receiptless("R-2", 2600).reason or "").startswith("over_lowest_price")
    assert receiptless("R-3", 2500).status == "accepted"
    # the old return still bounds the old order: one unit and 3000 are left
    order = service.get_order(old_central, "O-1")
    assert order is not None and order.lines[0].returned_quantity == 1
    # gift codes are unique company-wide
    lines = Table("order_lines", MetaData(), autoload_with=old_central)
    with old_central.begin() as conn:
        conn.execute(update(lines).values(gift_code="G-7K3M9QX2PA"))
    with pytest.raises(IntegrityError), old_central.begin() as conn:
        conn.execute(
            insert(Table("orders", MetaData(), autoload_with=conn)).values(
                number="O-2", channel="online", placed_at=NOW, currency="USD", seq=9,
                payments=[],
            )
        )  # fmt: skip
        conn.execute(
            insert(lines).values(
                order_number="O-2", line_no=1, sku="SKU-1", quantity=1, unit_price_minor=1,
                discount_minor=0, tax_minor=0, paid_minor=1, final_sale=False,
                online_returned_quantity=0, store_returned_quantity=0, refunded_minor=0,
                gift_code="G-7K3M9QX2PA",
            )
        )  # fmt: skip
