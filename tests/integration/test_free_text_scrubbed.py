"""Every free-text field of every service and command, and every outbox message kind, is
scrubbed before it is stored, audited, queued for head office or printed: a full card number
(with spaces or dashes), a security code ("CVV 737"), a bidi override and a control character
typed into reasons, notes, feedback, names and resolutions never reach any of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, insert, select

from counter_app.adapters.db import tables as t
from counter_app.config import Settings
from counter_app.domain.cards import contains_card_number
from counter_app.services import auth
from counter_app.services.receipts import receipt_data
from counter_app.services.stock import move_stock
from counter_app.services.sync import resolve_exception
from counter_app.services.sync_apply import APPLIERS
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store

CARD_DASHES, CARD_SPACES = "4111-1111-1111-1111", "5555 5555 5555 4444"
# One line with everything at once: a card twice, a CVV, a bidi override, a bell.
HOSTILE = f"pay {CARD_DASHES} / {CARD_SPACES} CVV 737 \u202eedis\u202c\x07 ok"
SHORT = f"{CARD_SPACES} cvv 737\u202e\x07"  # fits a 64-character override reason
BAD_CHARS = ("\u202e", "\u202c", "\x07")


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


def _hostile_return(store: Store) -> str:
    """A return that carries hostile text in every field the counter lets staff type."""
    add_order(store.engine, "O-H", days_before(NOW, 3), [("FIN-1", 1, 4999)])
    desk = store.desk
    draft = desk.start_return(desk.find_order("O-H"), store.user("alice"))
    desk.verify_item(draft, "FIN-1")
    desk.record_inspection(
        draft, 1, reason_code="changed_mind", condition="new", notes=HOSTILE, feedback=HOSTILE
    )
    desk.evaluate(draft)
    desk.authorize_override(
        draft, 1, manager_username="maria", pin="987654", reason=SHORT, note=HOSTILE
    )
    return desk.commit_return(draft, "original").ref


def _every_text(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text cell of every table (audit and outbox too)."""
    meta = MetaData()
    meta.reflect(engine)
    found = []
    with UnitOfWork(engine) as uow:
        for table in meta.sorted_tables:
            if table.name in ("alembic_version", "policy_versions"):
                continue
            for row in uow.conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if isinstance(value, str):
                        found.append((table.name, column, value))
    return found


def _assert_clean(where: str, text: str) -> None:
    assert not contains_card_number(text), (where, text)
    assert not re.search(r"(?i)cvv\s*737", text), (where, text)
    for ch in BAD_CHARS:
        assert ch not in text and ch.encode("unicode_escape").decode() not in text, (where, text)


def test_every_free_text_field_is_scrubbed_everywhere(store: Store, tmp_path: Path) -> None:
    engine, clock = store.engine, store.clock
    auth.add_user(engine, clock, "hostile", HOSTILE, "manager", "432198")  # display name
    ref = _hostile_return(store)
    maria = store.user("maria")
    common = {"store_code": "S001", "counter_code": "C1"}
    move_stock(
        engine, clock, manager=maria, sku="FIN-1", from_location="sellable",
        to_location="vendor", quantity=1, reason=HOSTILE, **common,
    )  # fmt: skip
    with UnitOfWork(engine, write=True) as uow:  # head office refused one message
        message_id = uow.conn.execute(select(t.outbox.c.id).limit(1)).scalar_one()
        exception_id = uow.conn.execute(
            insert(t.sync_exceptions)
            .values(message_id=message_id, reason="line refunded online", created_at=NOW)
            .returning(t.sync_exceptions.c.id)
        ).scalar_one()
        uow.commit()
    resolve_exception(engine, clock, exception_id, "maria", HOSTILE, store_code="S001")
    # What head office publishes: names of products, staff, customers (and their addresses).
    with UnitOfWork(engine, write=True) as uow:
        APPLIERS["catalog"](
            uow.conn,
            {"sku": "HOS-1", "name": HOSTILE, "category": "home", "price_minor": 100,
             "currency": "USD", "vendor": HOSTILE, "barcodes": []},
        )  # fmt: skip
        APPLIERS["staff"](
            uow.conn,
            {"username": "hq", "display_name": HOSTILE, "role": "cashier",
             "pin_hash": auth._dummy_hash(), "active": True},
        )  # fmt: skip
        APPLIERS["orders"](
            uow.conn,
            {"number": "O-HQ", "store": "S001", "channel": "store", "placed_at": NOW.isoformat(),
             "currency": "USD", "payments": [], "lines": [],
             "customer": {"code": "CU-H", "name": HOSTILE, "email": None, "phone": None,
                          "loyalty_tier": None}},
        )  # fmt: skip
        uow.commit()

    cells = _every_text(engine)
    kinds = {v for table, column, v in cells if (table, column) == ("outbox", "kind")}
    assert {
        "return.committed", "stock.movement", "override.granted", "sync_exception.resolved",
    } <= kinds  # fmt: skip
    seen = {(table, column) for table, column, v in cells if "[" in v and "removed]" in v}
    for table, column, value in cells:
        _assert_clean(f"{table}.{column}", value)
    # The scrubbed text is where it was typed (so nothing was dropped on the way).
    assert ("audit_entries", "data_json") in seen and ("outbox", "payload_json") in seen
    settings = Settings(home=tmp_path, db_url=str(engine.url), counter_code="C1")
    for copy in ("customer", "store"):
        _assert_clean("receipt", repr(receipt_data(engine, settings, store.policies.current, ref,
                                                   copy)))  # type: ignore[arg-type]  # fmt: skip


def test_one_line_fields_stay_one_line(store: Store) -> None:
    """A newline in a name or a stock-move reason would make head office refuse the message
    (its one-line Text); it becomes a space."""
    auth.add_user(store.engine, store.clock, "two", "Two\nLines", "cashier", "4321")
    assert {u.username: u.display_name for u in auth.list_users(store.engine)}["two"] == (
        "Two Lines"
    )


@pytest.mark.parametrize("field", ["display name", "reason", "note"])
def test_redaction_keeps_the_rest_of_the_text(field: str) -> None:
    from counter_app.services.validation import clean_text

    cleaned = clean_text(HOSTILE, field)
    assert cleaned.startswith("pay ") and cleaned.endswith("edis ok")
    _assert_clean(field, cleaned)
