"""Head-office revision "console_facts" (issue 15): a head office holding accepted returns
and overrides upgrades to flat `return_lines` / `return_overrides` rows backfilled from the
accepted messages' payloads (held and rejected ones left out), and after the upgrade a pushed
return with its override fills them as it is accepted (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select

from counter_app import sync_protocol as proto
from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.testing import message, return_message, seed_reference
from tests.central_old import central_before, insert_store
from tests.store_revisions import BOTH_DATABASES

REVISION = "0007_console_facts"
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
EARLIER = datetime(2026, 11, 18, 9, tzinfo=UTC)


@pytest.fixture(params=BOTH_DATABASES)
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from central_before(REVISION, request, tmp_path)


def _line(line_no: int, sku: str, qty: int, reason: str) -> dict[str, Any]:
    return {"line_no": line_no, "sku": sku, "quantity": qty, "refund_minor": 1000 * qty,
            "condition": "opened", "reason": reason, "disposition": "restock_open_box"}  # fmt: skip


def _msg(mid: str, kind: str, status: str, ref: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": mid, "store": "S001", "kind": kind, "created_at": EARLIER,
            "received_at": NOW, "payload": payload, "status": status, "group_ref": ref}  # fmt: skip


def _populate(engine: Engine) -> None:
    meta = MetaData()
    t = {
        name: Table(name, meta, autoload_with=engine)
        for name in ("catalog", "orders", "returns", "messages")
    }
    ret1 = {"ref": "R-1", "order_number": "O-1", "counter": "C1", "cashier": "alice",
            "currency": "USD", "lines": [_line(1, "SKU-1", 2, "wrong_size"),
                                         _line(2, "SKU-2-OB", 1, "defective")]}  # fmt: skip
    ret2 = ret1 | {"ref": "R-2", "lines": [_line(3, "GONE-9", 1, "changed_mind")]}
    override = {"ref": "R-1", "line_no": 2, "manager": "mia", "reason": "outside window",
                "rule_codes": ["window"]}  # fmt: skip
    with engine.begin() as conn:
        insert_store(conn, "S001", "One", "k" * 64, NOW, messages_received=0)
        for seq, (sku, category) in enumerate((("SKU-1", "home"), ("SKU-2", "toys")), start=1):
            conn.execute(
                insert(t["catalog"]).values(
                    sku=sku, name=sku, category=category, barcodes=[], serialised=False,
                    price_minor=2500, currency="USD", vendor=None, seq=seq,
                )
            )  # fmt: skip
        conn.execute(
            insert(t["orders"]).values(
                number="O-1", channel="store", store="S001", placed_at=EARLIER, currency="USD",
                seq=3, payments=[],
            )
        )  # fmt: skip
        conn.execute(
            insert(t["messages"]),
            [
                _msg("00000000-0000-4000-8000-000000000001", "return.committed", "accepted",
                     "R-1", ret1),
                _msg("00000000-0000-4000-8000-000000000002", "return.committed", "accepted",
                     "R-2", ret2),
                _msg("00000000-0000-4000-8000-000000000003", "override.granted", "accepted",
                     "R-1", override),
                _msg("00000000-0000-4000-8000-000000000004", "override.granted", "held",
                     "R-3", override | {"ref": "R-3"}),
                _msg("00000000-0000-4000-8000-000000000005", "override.granted", "rejected",
                     "R-2", override | {"ref": "R-2"}),
                _msg("00000000-0000-4000-8000-000000000006", "return.committed", "rejected",
                     "R-9", ret1 | {"ref": "R-9"}),
            ],
        )  # fmt: skip
        for n, (ref, committed) in enumerate((("R-1", NOW), ("R-2", None)), start=1):
            conn.execute(
                insert(t["returns"]).values(
                    ref=ref, store="S001", order_number="O-1", currency="USD", refunds=[],
                    message_id=f"00000000-0000-4000-8000-00000000000{n}", received_at=NOW,
                    committed_at=committed, kind="order", total_minor=0,
                )
            )  # fmt: skip


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_upgrade_backfills_line_and_override_facts_from_accepted_messages(
    old_central: Engine,
) -> None:
    _populate(old_central)
    central_db.upgrade(old_central)
    meta = MetaData()
    lines = Table("return_lines", meta, autoload_with=old_central)
    overrides = Table("return_overrides", meta, autoload_with=old_central)
    with old_central.connect() as conn:
        rows = conn.execute(select(lines).order_by(lines.c.return_ref, lines.c.position))
        got = [
            (r.return_ref, r.position, r.line_no, r.sku, r.category, r.quantity, r.reason,
             r.condition, r.disposition, r.refund_minor, _aware(r.committed_at))
            for r in rows
        ]  # fmt: skip
        assert got == [
            ("R-1", 1, 1, "SKU-1", "home", 2, "wrong_size", "opened", "restock_open_box", 2000,
             NOW),
            ("R-1", 2, 2, "SKU-2-OB", "toys", 1, "defective", "opened", "restock_open_box",
             1000, NOW),
            # accepted before committed_at existed: dated by its message; unknown SKU, no category
            ("R-2", 1, 3, "GONE-9", None, 1, "changed_mind", "opened", "restock_open_box",
             1000, EARLIER),
        ]  # fmt: skip
        [override] = conn.execute(select(overrides)).all()
        assert (override.return_ref, override.store, override.manager, override.line_no) == (
            "R-1", "S001", "mia", 2,
        )  # fmt: skip
        assert override.reason == "outside window"
        assert _aware(override.committed_at) == EARLIER


def test_after_the_upgrade_an_accepted_return_and_override_fill_the_facts(
    old_central: Engine,
) -> None:
    central_db.upgrade(old_central)
    seed_reference(old_central, skus=("SKU-1", "SKU-2"))
    service.add_store(old_central, "S002", "Two")
    order = proto.Order.model_validate(
        {"number": "O-7", "store": "S002", "channel": "store", "placed_at": EARLIER,
         "currency": "USD",
         "lines": [{"line_no": n, "sku": sku, "quantity": 2, "unit_price_minor": 1999,
                    "paid_minor": 3998} for n, sku in ((1, "SKU-1"), (2, "SKU-2"))],
         "payments": [{"tender": "card", "amount_minor": 7996, "card_brand": "VISA",
                       "card_last4": "4242"}]}
    )  # fmt: skip
    service.publish_orders(old_central, [order])
    given = message("override.granted", "S002",
                    {"ref": "R-7", "line_no": 2, "manager": "mia", "reason": "late"})  # fmt: skip
    ret = return_message("S002", "R-7", "O-7", [(1, "SKU-1", 1), (2, "SKU-2", 2)])
    bad = return_message("S002", "R-8", "O-404", [(1, "SKU-1", 1)])
    wire = [proto.MESSAGE.validate_python(m) for m in (given, ret, bad)]
    results = service.push_messages(old_central, "S002", wire, now=NOW)
    assert [r.status for r in results] == ["accepted", "accepted", "rejected"]
    # an override arriving in a later batch than its return is kept too
    later = message("override.granted", "S002",
                    {"ref": "R-7", "line_no": 1, "manager": "mia", "reason": "later"})  # fmt: skip
    [after] = service.push_messages(old_central, "S002", [proto.MESSAGE.validate_python(later)])
    assert after.status == "accepted"
    meta = MetaData()
    lines = Table("return_lines", meta, autoload_with=old_central)
    overrides = Table("return_overrides", meta, autoload_with=old_central)
    with old_central.connect() as conn:
        got = conn.execute(
            select(lines.c.return_ref, lines.c.store, lines.c.sku, lines.c.category,
                   lines.c.quantity).order_by(lines.c.position)
        ).all()  # fmt: skip
        assert [tuple(r) for r in got] == [
            ("R-7", "S002", "SKU-1", "test", 1),
            ("R-7", "S002", "SKU-2", "test", 2),
        ]
        rows = conn.execute(select(overrides).order_by(overrides.c.line_no.desc())).all()
        assert [(r.message_id, r.return_ref, r.line_no, r.reason) for r in rows] == [
            (given["id"], "R-7", 2, "late"),
            (later["id"], "R-7", 1, "later"),
        ]
