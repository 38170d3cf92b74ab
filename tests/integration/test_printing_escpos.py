"""ESC/POS bytes and PNG rendering of every document, checked by reading them back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.inspect import Op, parse_escpos, text_lines
from counter_app.adapters.printing.layout import display_width
from counter_app.adapters.printing.png_render import render_image, render_png
from counter_app.adapters.printing.profile import load_profile
from counter_app.adapters.printing.samples import sample_receipt_data
from counter_app.adapters.printing.text_render import render_text
from counter_app.domain.documents import (
    Document,
    LabelData,
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
)
from counter_app.domain.money import Money

REF = "R-0042-02-000123"
PAN = "4111111111111111"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "receipts"
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
STORE = StoreInfo("Shop 商店", ("1 Road",), "555")


def _docs() -> dict[str, Document]:
    return {
        "receipt": build_return_receipt(sample_receipt_data()),
        "store_copy": build_return_receipt(sample_receipt_data(copy="store", tenders=("cash",))),
        "voucher": build_voucher(
            VoucherData(STORE, "AB12-USD2500-0123ABCD", Money(2500), NOW, "UTC")
        ),
        "label": build_shelf_label(
            LabelData("OB-100234", "耳机 Headphones", "Open box", Money(7999))
        ),
        "z_report": build_z_report(
            ZReportData(
                STORE,
                date(2026, 11, 26),
                NOW,
                "UTC",
                "02",
                3,
                (("card", Money(1000)),),
                Money(0),
                messages_waiting=2,
            )
        ),
        "test_page": build_test_page(TestPageData("TM-T88V", 80, 42)),
    }


def _kinds(ops: list[Op]) -> list[str]:
    return [o.kind for o in ops]


def _decode(img: Image.Image) -> set[str]:
    return {r.data.decode() for r in pyzbar.decode(img.convert("L"))}


@pytest.mark.parametrize("name", list(_docs()))
def test_each_document_has_the_expected_commands(name: str) -> None:
    prof = load_profile("TM-T88V")
    data = render_escpos_bytes(_docs()[name], prof)
    assert data.startswith(b"\x1b@")
    ops = parse_escpos(data, prof)  # raises on any unknown command or undecodable text
    kinds = _kinds(ops)
    assert "cut" in kinds and b"\x1dV" in data
    assert "align" in kinds and b"\x1ba\x01" in data  # centred header / codes
    if name != "z_report":
        assert b"\x1dk" in data or b"\x1d(k" in data  # barcode or QR command


def test_receipt_bytes_carry_reference_in_barcode_and_qr() -> None:
    prof = load_profile("TM-T88V")
    ops = parse_escpos(render_escpos_bytes(build_return_receipt(sample_receipt_data()), prof), prof)
    assert Op("barcode", "{B" + REF, {"type": 73}) in ops
    assert any(o.kind == "qr_data" and o.value == REF for o in ops)
    assert any(REF in line for line in text_lines(ops))


def test_receipt_png_decodes_back_to_reference() -> None:
    for spec in ("TM-T88V", "ZJ-5870"):
        img = render_image(build_return_receipt(sample_receipt_data()), spec)
        assert REF in _decode(img), spec


def test_raster_codes_on_a_printer_without_native_codes_decode() -> None:
    # ZJ-5870: no hardware barcode/QR; codes must go as raster images that still scan.
    prof = load_profile("ZJ-5870")
    doc = build_shelf_label(LabelData("OB-12345", "Kettle", "Open box", Money(1999)))
    ops = parse_escpos(render_escpos_bytes(doc, prof), prof)
    assert "barcode" not in _kinds(ops)
    found: set[str] = set()
    for op in ops:
        if op.kind == "image":
            assert isinstance(op.value, Image.Image) and op.value.width <= prof.width_px
            found |= _decode(op.value)
    assert "OB-12345" in found
    receipt = parse_escpos(
        render_escpos_bytes(build_return_receipt(sample_receipt_data()), prof), prof
    )
    qr = set().union(*(_decode(o.value) for o in receipt if o.kind == "image"))  # type: ignore[arg-type]
    assert REF in qr


MIXED = [
    "退货收据 测试",
    "Crème brûlée",
    "Привет, мир",
    "退货 Crème brûlée Привет",
    "Emoji 🙂 📦",
    "Größe 5 ½",
]


@pytest.mark.parametrize("spec", ["TM-T88V", "default+58mm", "ZJ-5870+cjk", "POS-5890+cjk"])
def test_any_script_is_text_in_a_real_code_page_or_an_image(spec: str) -> None:
    prof = load_profile(spec)
    doc = Document("t", "t", tuple(Text(s) for s in MIXED))
    data = render_escpos_bytes(doc, prof)
    ops = parse_escpos(data, prof)  # strict decoding: mojibake would raise here
    printed = text_lines(ops)
    images = [o for o in ops if o.kind == "image"]
    for s in MIXED:
        if s in printed:
            continue  # went as text and decodes back exactly
        assert not any("?" in p for p in printed), printed
    # Every line is either decoded text equal to the original or one raster image.
    as_text = [s for s in MIXED if s in printed]
    assert len(as_text) + len(images) == len(MIXED), (as_text, len(images))
    assert "Crème brûlée" in as_text and "Привет, мир" in as_text and "Größe 5 ½" in as_text
    assert "Emoji 🙂 📦" not in as_text  # no printer font has emoji: image
    if prof.cjk:
        assert "退货收据 测试" in as_text
        gb = [o for o in ops if o.kind == "text" and o.extra.get("encoding") == "GB18030"]
        assert gb and all(bytes(o.extra["raw"]).decode("gb18030") == o.value for o in gb)  # type: ignore[call-overload]
    else:
        assert "退货收据 测试" not in as_text and "退货 Crème brûlée Привет" not in as_text
        assert b"\xcd\xcb" not in data  # "退" in GB18030 must not be sent to a Western printer
    text_bytes = b"".join(bytes(o.extra["raw"]) for o in ops if o.kind == "text")  # type: ignore[call-overload]
    assert b"?" not in text_bytes  # no replacement characters (none of the lines has one)


def test_columns_align_by_display_width() -> None:
    prof = load_profile("TM-T88V")
    doc = build_return_receipt(sample_receipt_data())
    for line in render_text(doc, prof).splitlines():
        assert display_width(line) <= prof.columns, line
    text = render_text(doc, prof)
    amounts = [ln for ln in text.splitlines() if ln.endswith(" USD") and "SKU" in ln]
    assert amounts and all(display_width(ln) == prof.columns for ln in amounts)


def test_full_card_number_is_in_no_rendering() -> None:
    data = sample_receipt_data(card_last4=PAN)
    data = replace(
        data,
        tenders=(TenderLine("card", Money(9995, "USD"), "VISA", PAN),),
        terms_text=f"note {PAN}",
    )
    doc = build_return_receipt(data)
    for spec in ("TM-T88V", "ZJ-5870+cjk"):
        prof = load_profile(spec)
        raw = render_escpos_bytes(doc, prof)
        assert PAN.encode() not in raw
        joined = "".join(text_lines(parse_escpos(raw, prof))).replace(" ", "")
        assert PAN not in joined and "****1111" in joined
    assert PAN not in render_text(doc).replace(" ", "")
    img = render_image(doc, "TM-T88V")
    assert all(PAN not in d for d in _decode(img))


def test_write_sample_receipts_for_review() -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = sample_receipt_data(lines=6, tenders=("card", "store_credit"))
    data = replace(data, voucher_code="7K3M9Q-USD2500-8H4KQ2ZT")
    doc = build_return_receipt(data)
    for spec, name in (
        ("default+80mm", "receipt-80mm.png"),
        ("default+58mm", "receipt-58mm.png"),
        ("ZJ-5870+cjk", "receipt-58mm-cjk.png"),
    ):
        png = render_png(doc, spec)
        (ARTIFACTS / name).write_bytes(png)
        img = Image.open(ARTIFACTS / name)
        assert img.width == (576 if "80" in spec else 384)
        assert REF in _decode(img)
    (ARTIFACTS / "receipt-80mm.txt").write_text(render_text(doc, "default+80mm"), encoding="utf-8")
    (ARTIFACTS / "receipt-80mm.escpos").write_bytes(render_escpos_bytes(doc, "TM-T88V"))


def test_hostile_text_cannot_inject_printer_commands() -> None:
    prof = load_profile("TM-T88V")
    evil = "Cable\x1b@\x1dV\x00\x1bp\x00\x19\x19 end"
    data = replace(sample_receipt_data(lines=1), cashier_name=evil)
    doc = build_return_receipt(data)
    ops = parse_escpos(render_escpos_bytes(doc, prof), prof)
    assert _kinds(ops).count("init") == 1
    assert _kinds(ops).count("cut") == 1
    assert "drawer" not in _kinds(ops)
    assert any("Cable" in ln and "end" in ln for ln in text_lines(ops))
