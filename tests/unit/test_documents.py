"""Receipt documents are pure data: content, copies, card hygiene, serialisation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from counter_app.adapters.printing.samples import sample_receipt_data
from counter_app.adapters.printing.text_render import render_text
from counter_app.domain.documents import (
    QR,
    Barcode,
    CashDrawer,
    Cut,
    Document,
    LabelData,
    Signature,
    StoreInfo,
    TenderLine,
    TestPageData,
    Text,
    VoucherData,
    ZReportData,
    build_return_receipt,
    build_shelf_label,
    build_test_page,
    build_voucher,
    build_z_report,
    card_last4,
    scrub_pan,
)
from counter_app.domain.money import Money

PAN = "4111111111111111"


def test_receipt_has_reference_as_text_barcode_and_qr() -> None:
    doc = build_return_receipt(sample_receipt_data())
    ref = "R-0042-02-000123"
    assert Barcode(ref) in doc.blocks
    assert QR(ref) in doc.blocks
    assert any(isinstance(b, Text) and b.text == ref for b in doc.blocks)
    assert isinstance(doc.blocks[-1], Cut | CashDrawer)


def test_receipt_shows_tender_arrival_terms_and_override() -> None:
    text = render_text(build_return_receipt(sample_receipt_data(tenders=("card", "store_credit"))))
    assert "VISA **** 4242" in text
    assert "Arrives: 3–10 business days" in text
    assert "Arrives: now" in text
    assert "Manager override: Maria Lopez" in text
    assert "proof of" in text
    assert "STORE COPY" not in text


def test_store_copy_has_banner_and_signature_line_and_no_drawer_kick() -> None:
    doc = build_return_receipt(sample_receipt_data(copy="store", tenders=("cash",)))
    assert any(isinstance(b, Text) and b.text == "STORE COPY" for b in doc.blocks)
    assert any(isinstance(b, Signature) for b in doc.blocks)
    assert not any(isinstance(b, CashDrawer) for b in doc.blocks)


def test_cash_refund_kicks_drawer_on_customer_copy_only() -> None:
    cash = build_return_receipt(sample_receipt_data(tenders=("cash",)))
    card = build_return_receipt(sample_receipt_data(tenders=("card",)))
    assert any(isinstance(b, CashDrawer) for b in cash.blocks)
    assert not any(isinstance(b, CashDrawer) for b in card.blocks)


@pytest.mark.parametrize("given", [PAN, "4111 1111 1111 1111", "card 4111-1111-1111-1111"])
def test_full_card_number_never_reaches_the_document(given: str) -> None:
    data = sample_receipt_data(card_last4=given)
    data = replace(
        data,
        cashier_name=f"Alex {PAN}",
        terms_text=f"customer said {given}",
        tenders=(TenderLine("card", Money(1000, "USD"), f"VISA {PAN}", given),),
    )
    doc = build_return_receipt(data)
    joined = "\n".join(doc.texts()).replace(" ", "").replace("-", "")
    assert PAN not in joined
    assert "**** 1111" in render_text(doc)


def test_card_last4_and_scrub() -> None:
    assert card_last4(PAN) == "1111"
    assert card_last4("12") == "12"
    assert scrub_pan(f"x {PAN} y") == "x ****1111 y"
    assert scrub_pan("order 1234567890123") == "order 1234567890123"  # not Luhn-valid


def test_naive_timestamp_is_refused() -> None:
    data = replace(sample_receipt_data(), created_at=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        build_return_receipt(data)


def test_receipt_time_is_in_store_time_zone() -> None:
    text = render_text(build_return_receipt(sample_receipt_data()))
    assert "2026-11-26 07:05" in text  # 13:05 UTC in America/Chicago


def test_json_round_trip_is_identical() -> None:
    doc = build_return_receipt(sample_receipt_data(copy="store"))
    again = Document.from_json(doc.to_json())
    assert again == doc
    with pytest.raises(ValueError):
        Document.from_json('{"v": 2}')


def test_other_builders() -> None:
    store = StoreInfo("Shop", ("1 Road",), "555")
    now = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    v = build_voucher(VoucherData(store, "ABC123-USD2500-0123ABCD", Money(2500), now, "UTC"))
    assert Barcode("ABC123-USD2500-0123ABCD") in v.blocks
    label = build_shelf_label(LabelData("OB-100234", "Headphones", "Open box", Money(7999)))
    assert Barcode("OB-100234") in label.blocks
    z = build_z_report(
        ZReportData(
            store,
            date(2026, 11, 26),
            now,
            "UTC",
            "02",
            7,
            (("card", Money(10000)), ("cash", Money(2500))),
            Money(2500),
            messages_waiting=3,
            failed_print_jobs=1,
        )
    )
    zt = render_text(z)
    assert "Returns" in zt and "25.00 USD" in zt and "Failed print jobs" in zt
    t = build_test_page(TestPageData("TM-T88V", 80, 42))
    assert any(isinstance(b, QR) for b in t.blocks)
