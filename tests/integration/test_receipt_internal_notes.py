"""The manager's override note is internal: the store copy may print it, the customer's copy
never does (checked on the document's texts, the printed text and the ESC/POS bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.inspect import parse_escpos, text_lines
from counter_app.adapters.printing.profile import load_profile
from counter_app.adapters.printing.text_render import render_text
from counter_app.config import Settings
from counter_app.services.receipts import receipt_document
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store

NOTE = "InternalNoteXYZ serial complainer"
REASON = "Customer goodwill"


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


def _overridden_return(store: Store) -> str:
    """A final-sale line the manager lets through, with a reason and an internal note."""
    add_order(store.engine, "O-N", days_before(NOW, 3), [("FIN-1", 1, 4999)])
    desk = store.desk
    draft = desk.start_return(desk.find_order("O-N"), store.user("alice"))
    desk.verify_item(draft, "FIN-1")
    desk.record_inspection(draft, 1, reason_code="changed_mind", condition="new")
    desk.evaluate(draft)
    desk.authorize_override(
        draft, 1, manager_username="maria", pin="987654", reason=REASON, note=NOTE
    )
    return desk.commit_return(draft, "original").ref


def test_the_override_note_is_on_the_store_copy_only(store: Store, tmp_path: Path) -> None:
    ref = _overridden_return(store)
    settings = Settings(home=tmp_path, db_url=str(store.engine.url), counter_code="C1")
    profile = load_profile("TM-T88V")
    printed: dict[str, tuple[str, str, bytes]] = {}
    for copy in ("customer", "store"):
        doc = receipt_document(
            store.engine, settings, store.policies.current, ref, copy  # type: ignore[arg-type]
        )
        data = render_escpos_bytes(doc, profile)
        escpos_text = "\n".join(text_lines(parse_escpos(data, profile)))  # as printed
        both = escpos_text.encode("utf-8") + b"\n" + data  # decoded text and the raw bytes
        printed[copy] = ("\n".join(doc.texts()), render_text(doc, profile), both)
    customer_texts, customer_text, customer_bytes = printed["customer"]
    store_texts, store_text, store_bytes = printed["store"]
    # the override itself (who and why) is on both; the note only on the store's
    for texts in (customer_texts, store_texts):
        assert "Manager override" in texts and REASON in texts
    assert "InternalNoteXYZ" not in customer_texts
    assert "InternalNoteXYZ" not in customer_text
    assert b"InternalNoteXYZ" not in customer_bytes
    assert "InternalNoteXYZ" in store_texts and "InternalNoteXYZ" in store_text
    assert b"InternalNoteXYZ" in store_bytes
