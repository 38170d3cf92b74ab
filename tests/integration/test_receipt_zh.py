"""A return receipt and the refund e-mail in Chinese (the store's language): every label,
the condition and reason, how and when the money comes back and the terms are Chinese; only
data (product and store names), codes, SKUs and the card brand stay as they are. The PNG is
saved under artifacts/screenshots/ to look at."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar
from sqlalchemy import Engine

from counter_app.adapters.printing.png_render import render_png
from counter_app.adapters.printing.profile import load_profile
from counter_app.adapters.printing.text_render import render_text
from counter_app.config import Settings
from counter_app.domain.documents import DEFAULT_LABELS, StoreInfo, build_return_receipt
from counter_app.domain.receipt_labels import OVERRIDE_REASONS_ZH, RETURN_LABELS_ZH
from counter_app.services.history import get_return
from counter_app.services.notifications import build_email
from counter_app.services.receipts import receipt_data, receipt_data_from_view
from tests.conftest import NOW
from tests.factories import PRODUCTS, Store, add_order, days_before, make_store
from tests.gui.zh_walk import english_words
from tests.integration.exchange_helpers import inspected

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# data as typed (the header prints the store's name in capitals) and the policy's version
DATA = [p[1] for p in PRODUCTS] + ["TEST STORE", "Test Store", "1 Test Road", "Alice Chen",
                                   "Lin Mei", "2026.11-default"]  # fmt: skip


@pytest.fixture
def store(sqlite_db_url: str) -> Store:
    from counter_app.adapters.db.engine import make_engine

    engine: Engine = make_engine(sqlite_db_url)
    s = make_store(engine, NOW)
    customer = {"code": "C1", "name": "Lin Mei", "email": "lin@example.com", "phone": "+1555",
                "loyalty_tier": None}  # fmt: skip
    add_order(engine, "O-1", days_before(NOW, 3), [("APP-1", 1, 2500), ("HOM-1", 1, 3999)],
              customer=customer)  # fmt: skip
    return s


def _printed(text: str) -> str:
    """The text renderer's words, without its "[barcode ...]", "[QR ...]", "--- cut ---" marks
    (pictures and paper actions, not printed words)."""
    marks = ("[", "--------------------- cut", "x___")  # x___: where the customer signs
    return "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith(marks))


def test_every_receipt_label_has_chinese() -> None:
    assert set(DEFAULT_LABELS) <= set(RETURN_LABELS_ZH)
    from ui.counter.override_dialog import OVERRIDE_REASONS

    assert set(OVERRIDE_REASONS) == set(OVERRIDE_REASONS_ZH)


def test_return_receipt_in_chinese_has_no_english_word(store: Store, tmp_path: Path) -> None:
    desk = store.desk
    card = desk.commit_return(inspected(store, "O-1", [(1, 1)]), "original")
    credit = desk.commit_return(inspected(store, "O-1", [(2, 1)]), "store_credit")
    policy = store.policies.current
    settings = Settings(home=tmp_path, db_url="sqlite://", language="zh_CN")
    for ref, name in ((card.ref, "receipt_zh_card"), (credit.ref, "receipt_zh_credit")):
        data = receipt_data(store.engine, settings, policy, ref)
        for copy in ("customer", "store"):
            doc = build_return_receipt(replace(data, copy=copy))
            text = _printed(render_text(doc, load_profile("default")))
            assert english_words(text, DATA) == [], text
        text = render_text(build_return_receipt(data), load_profile("default"))
        assert "退货收据" in text and "改变主意" in text and "全新未拆封" in text, text
        png = render_png(build_return_receipt(data), load_profile("default"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"{name}.png").write_bytes(png)
        codes = {r.data.decode() for r in pyzbar.decode(Image.open(io.BytesIO(png)).convert("L"))}
        assert ref in codes
    assert "3–10 个工作日" in render_text(
        build_return_receipt(receipt_data(store.engine, settings, policy, card.ref)),
        load_profile("default"),
    )
    # English stays English (the store's language decides)
    view = get_return(store.engine, card.ref)
    en = receipt_data_from_view(view, StoreInfo("Test Store"), "UTC", policy, "s" * 64)
    en_text = render_text(build_return_receipt(en), load_profile("default"))
    assert "RETURN RECEIPT" in en_text and "Changed mind" in en_text


def test_refund_email_in_chinese_has_no_english_word(store: Store) -> None:
    committed = store.desk.commit_return(inspected(store, "O-1", [(1, 1)]), "original")
    view = get_return(store.engine, committed.ref)
    message = build_email(
        view, recipient="lin@example.com", language="zh_CN", sender="returns@shop.example",
        store_name="Test Store", store_phone="555", timezone="America/New_York",
    )  # fmt: skip
    body = message.get_content()
    assert "退款" in body and committed.ref in body
    words = english_words(f"{message['Subject']}\n{body}", DATA)
    assert words == [], body


def test_gift_return_receipt_in_chinese(store: Store, tmp_path: Path) -> None:
    """The recipient's copy: Chinese title and gift-code label, the voucher's value said once
    (the terms drop it: with the bonus it would tell the price)."""
    from counter_app.domain.gift_receipt import build_gift_return_receipt

    credit = store.desk.commit_return(inspected(store, "O-1", [(2, 1)]), "store_credit")
    settings = Settings(home=tmp_path, db_url="sqlite://", language="zh_CN")
    data = receipt_data(store.engine, settings, store.policies.current, credit.ref)
    doc = build_gift_return_receipt(data, {"HOM-1": "G7K3QD9MZ2"})
    text = _printed(render_text(doc, load_profile("default")))
    assert "礼品退货收据" in text and "礼品码: G7K3QD9MZ2" in text
    assert text.count("代金券面值") == 1 and "奖励" not in text
    assert english_words(text, DATA) == [], text
