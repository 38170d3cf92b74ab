"""The receipt of an exchange (PNG and ESC/POS, English and Chinese labels): what came back,
what went out, the balance and how it was settled, and the exchange sale's number as a
barcode that scans."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar
from sqlalchemy import Engine

from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.inspect import parse_escpos, text_lines
from counter_app.adapters.printing.png_render import render_png
from counter_app.adapters.printing.profile import load_profile
from counter_app.adapters.printing.text_render import render_text
from counter_app.domain.documents import CashDrawer, ReceiptData, StoreInfo, build_return_receipt
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.exchange_receipt import EXCHANGE_LABELS_ZH
from counter_app.services.exchange_history import exchange_receipt
from counter_app.services.history import get_return
from counter_app.services.receipts import receipt_data_from_view
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.exchange_helpers import add_variants, inspected

RED_SCARF, SCARF_L = "2000000000091", "2000000000084"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "exchange"


@pytest.fixture
def store(sqlite_db_url: str) -> Store:
    from counter_app.adapters.db.engine import make_engine

    engine: Engine = make_engine(sqlite_db_url)
    s = make_store(engine, NOW)
    add_variants(s, NOW)
    add_order(engine, "O-1", days_before(NOW, 3), [("APP-2", 1, 1999), ("APP-1", 1, 2500)])
    return s


def _receipt(store: Store, ref: str, labels: dict[str, str] | None = None) -> ReceiptData:
    view = get_return(store.engine, ref)
    data = receipt_data_from_view(
        view, StoreInfo("Test Store"), "America/New_York", store.policies.current, "s" * 64,
        exchange=exchange_receipt(store.engine, ref),
    )  # fmt: skip
    return replace(data, labels=labels or {})


def _codes(png: bytes) -> set[str]:
    return {r.data.decode() for r in pyzbar.decode(Image.open(io.BytesIO(png)).convert("L"))}


def test_card_balance_receipt_in_english_and_chinese(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(1, 1)])  # the T-shirt (19.99) back
    desk.add_replacement(draft, RED_SCARF)  # 羊毛围巾 红色 25.00 out: 5.01 by card
    committed = desk.commit_return(draft, "original", BalancePayment.card("Visa", "4242", "AB12"))
    assert committed.exchange_number == "X-S001-C1-000001"
    data = _receipt(store, committed.ref)
    text = render_text(build_return_receipt(data), load_profile("default"))
    for expected in ("纯棉T恤 白色", "EXCHANGE", "羊毛围巾 红色", "Customer paid (Card)",
                     "5.01 USD", "Visa •••• 4242", "AB12", "X-S001-C1-000001",
                     "Paid by the return", "19.99 USD"):  # fmt: skip
        assert expected in text, expected
    assert "4242424242" not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang, labels in (("en", None), ("zh", EXCHANGE_LABELS_ZH)):
        doc = build_return_receipt(replace(data, labels=labels or {}))
        png = render_png(doc, load_profile("default"))
        (SHOTS / f"exchange-card-{lang}.png").write_bytes(png)
        assert {"X-S001-C1-000001", committed.ref} <= _codes(png)
    zh = build_return_receipt(replace(data, labels=EXCHANGE_LABELS_ZH))
    zh_text = render_text(zh, load_profile("default"))
    assert "换货" in zh_text and "顾客补差 (银行卡)" in zh_text and "授权码" in zh_text
    prof = load_profile("ZJ-5870+cjk")
    ops = parse_escpos(render_escpos_bytes(zh, prof), prof)
    printed = " ".join(text_lines(ops))
    assert "羊毛围巾 红色" in printed and "换货单号" in printed
    western = load_profile("TM-T88V")  # prints barcodes natively
    en_ops = parse_escpos(render_escpos_bytes(build_return_receipt(data), western), western)
    assert "{BX-S001-C1-000001" in [o.value for o in en_ops if o.kind == "barcode"]  # CODE128 B
    assert "Visa •••• 4242" in " ".join(text_lines(en_ops))
    assert not any(isinstance(b, CashDrawer) for b in zh.blocks)  # a card balance: no drawer


def test_cash_balance_opens_the_drawer_and_refundable_shows_the_difference(store: Store) -> None:
    desk = store.desk
    draft = inspected(store, "O-1", [(1, 1)])
    desk.add_replacement(draft, SCARF_L)  # 27.00 for 19.99: 7.01 in cash
    cash = desk.commit_return(draft, "original", BalancePayment.cash())
    doc = build_return_receipt(_receipt(store, cash.ref))
    assert any(isinstance(b, CashDrawer) for b in doc.blocks)
    lines = render_text(doc, load_profile("default")).splitlines()
    assert any(ln.startswith("Customer paid (Cash)") and ln.endswith(" 7.01 USD") for ln in lines)
    draft = inspected(store, "O-1", [(2, 1)])  # the scarf M (25.00) for ...
    desk.add_replacement(draft, "2000000000022")  # ... a T-shirt (19.99): 5.01 back
    back = desk.commit_return(draft, "store_credit")
    data = _receipt(store, back.ref)
    text = render_text(build_return_receipt(data), load_profile("default"))
    assert "Difference refunded" in text and "5.01 USD" in text and "X-S001-C1-000002" in text
    png = render_png(build_return_receipt(data), load_profile("default"))
    (SHOTS / "exchange-refundable-en.png").write_bytes(png)
    assert "X-S001-C1-000002" in _codes(png)
