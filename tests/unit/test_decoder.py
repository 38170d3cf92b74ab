"""Decoder tests on codes generated here, degraded the way webcam frames are."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import barcode
import cv2
import numpy as np
import pytest
import segno
from barcode.writer import ImageWriter
from PIL import Image as PILImage

from counter_app.adapters.scanning import (
    FakeDecoder,
    PipelineDecoder,
    ScannerUnavailable,
    UnreadableImage,
    decode_file,
)
from counter_app.domain.scanning import (
    DecodedCode,
    ScanEvent,
    expand_upce,
    gs1_check_digit_ok,
    normalise_code,
    normalise_symbology,
)

Img = np.ndarray


def _pil_to_bgr(im: PILImage.Image) -> Img:
    return np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1])


def linear(kind: str, data: str) -> Img:
    options = {"add_checksum": False} if kind == "code39" else {}
    code = barcode.get(kind, data, writer=ImageWriter(), options=options)
    im = code.render(
        {"write_text": False, "module_width": 0.3, "module_height": 14, "quiet_zone": 6, "dpi": 200}
    )
    return _pil_to_bgr(im)


def qr(data: str) -> Img:
    buf = io.BytesIO()
    segno.make_qr(data, error="m").save(buf, kind="png", scale=6, border=4)
    return _pil_to_bgr(PILImage.open(io.BytesIO(buf.getvalue())))


# (generator, expected text, expected symbology)
CODES: dict[str, tuple[Callable[[], Img], str, str]] = {
    "ean13": (lambda: linear("ean13", "590123412345"), "5901234123457", "EAN13"),
    "ean8": (lambda: linear("ean8", "9638507"), "96385074", "EAN8"),
    "upca": (lambda: linear("upca", "03600029145"), "0036000291452", "UPCA"),
    "code128": (lambda: linear("code128", "R-12-3-000045"), "R-12-3-000045", "CODE128"),
    "code39": (lambda: linear("code39", "ABC-123"), "ABC-123", "CODE39"),
    "itf": (lambda: linear("itf", "12345678901231"), "12345678901231", "ITF"),
    "qr": (lambda: qr("R-0012-03-000045"), "R-0012-03-000045", "QRCODE"),
}


def on_canvas(code: Img, size: tuple[int, int] = (720, 1280), bg: int = 200) -> Img:
    """Place the code in the middle of a camera-sized frame."""
    h, w = size
    frame = np.full((h, w, 3), bg, np.uint8)
    ch, cw = code.shape[:2]
    y, x = (h - ch) // 2, (w - cw) // 2
    frame[y : y + ch, x : x + cw] = code
    return frame


def rotate(img: Img, angle: float) -> Img:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderValue=(255, 255, 255))


DEGRADATIONS: dict[str, Callable[[Img], Img]] = {
    "clean": lambda im: on_canvas(im),
    "blur": lambda im: cv2.GaussianBlur(on_canvas(im), (5, 5), 1.5),
    "low_contrast": lambda im: on_canvas(
        (im.astype(np.float32) * 0.25 + 110).astype(np.uint8), bg=140
    ),
    "inverted": lambda im: 255 - on_canvas(im),
    "rot90": lambda im: cv2.rotate(on_canvas(im, (1280, 1280)), cv2.ROTATE_90_CLOCKWISE),
    "rot180": lambda im: cv2.rotate(on_canvas(im), cv2.ROTATE_180),
    "rot12": lambda im: rotate(on_canvas(im, (1000, 1000)), 12),
    "downscale": lambda im: cv2.resize(im, None, fx=0.55, fy=0.55, interpolation=cv2.INTER_AREA),
    "noise": lambda im: np.clip(
        on_canvas(im).astype(np.int16) + np.random.default_rng(7).normal(0, 25, (720, 1280, 3)),
        0,
        255,
    ).astype(np.uint8),
}


@pytest.fixture(scope="module")
def decoder() -> PipelineDecoder:
    cv2.setNumThreads(1)
    return PipelineDecoder()


@pytest.mark.parametrize("degradation", sorted(DEGRADATIONS))
@pytest.mark.parametrize("kind", sorted(CODES))
def test_reads_degraded_codes(decoder: PipelineDecoder, kind: str, degradation: str) -> None:
    make, text, symbology = CODES[kind]
    image = DEGRADATIONS[degradation](make())
    assert decoder.decode(image) == [DecodedCode(text, symbology)]


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((720, 1280, 3), np.uint8),
        np.full((720, 1280), 255, np.uint8),
        np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8),
        cv2.GaussianBlur(
            np.random.default_rng(2).integers(0, 256, (720, 1280), np.uint8), (9, 9), 3
        ),
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((0, 0), np.uint8),
    ],
    ids=["black", "white", "noise", "blurred-noise", "1x1", "empty"],
)
def test_frames_without_code_give_nothing(decoder: PipelineDecoder, frame: Img) -> None:
    assert decoder.decode(frame) == []


def test_colour_frame_is_converted_to_gray_not_first_channel(decoder: PipelineDecoder) -> None:
    # Code visible only in green and red; the blue channel is flat. Reading channel 0 only
    # (what pyzbar does with a colour array) would see nothing.
    gray = cv2.cvtColor(on_canvas(CODES["ean13"][0]()), cv2.COLOR_BGR2GRAY)
    frame = np.dstack([np.full_like(gray, 128), gray, gray])
    assert decoder.decode(frame) == [DecodedCode("5901234123457", "EAN13")]
    only_pyzbar = PipelineDecoder(engines=("pyzbar",))
    assert only_pyzbar.decode(frame) == [DecodedCode("5901234123457", "EAN13")]


def test_fast_effort_reads_clean_frame() -> None:
    fast = PipelineDecoder(effort="fast")
    assert fast.decode(on_canvas(CODES["qr"][0]())) == [DecodedCode("R-0012-03-000045", "QRCODE")]


def test_two_codes_in_one_frame(decoder: PipelineDecoder) -> None:
    frame = np.full((720, 1280, 3), 255, np.uint8)
    a, b = CODES["ean13"][0](), CODES["qr"][0]()
    frame[50 : 50 + a.shape[0], 50 : 50 + a.shape[1]] = a
    frame[300 : 300 + b.shape[0], 700 : 700 + b.shape[1]] = b
    found = set(decoder.decode(frame))
    assert found == {
        DecodedCode("5901234123457", "EAN13"),
        DecodedCode("R-0012-03-000045", "QRCODE"),
    }


def test_missing_library_is_a_named_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar", None)
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    with pytest.raises(ScannerUnavailable, match="libzbar0"):
        PipelineDecoder(engines=("pyzbar",))
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    with pytest.raises(ScannerUnavailable, match="zxing-cpp"):
        PipelineDecoder(engines=("zxing",))


def test_bad_engine_name() -> None:
    with pytest.raises(ValueError):
        PipelineDecoder(engines=("tesseract",))


def test_decode_file_unicode_path_and_webp(tmp_path: Path, decoder: PipelineDecoder) -> None:
    path = tmp_path / "退货 ÄÖ" / "条码.webp"
    path.parent.mkdir()
    ok, buf = cv2.imencode(".webp", on_canvas(CODES["code128"][0](), (400, 600)))
    assert ok
    path.write_bytes(buf.tobytes())
    assert decode_file(path, decoder) == [DecodedCode("R-12-3-000045", "CODE128")]


@pytest.mark.parametrize("content", [b"", b"hello, not a picture", b"\x89PNG\r\n\x1a\nbroken"])
def test_decode_file_non_image(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.png"
    path.write_bytes(content)
    with pytest.raises(UnreadableImage):
        decode_file(path, FakeDecoder())


def test_decode_file_missing_and_folder(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImage, match="not found"):
        decode_file(tmp_path / "nope.png", FakeDecoder())
    with pytest.raises(UnreadableImage):
        decode_file(tmp_path, FakeDecoder())


def test_fake_decoder_scripts_results() -> None:
    code = DecodedCode("123", "QRCODE")
    fake = FakeDecoder([[code], []], default=[code])
    blank = np.zeros((2, 2), np.uint8)
    assert [fake.decode(blank), fake.decode(blank), fake.decode(blank)] == [[code], [], [code]]
    assert fake.calls == 3


# -- pure rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "engine_name", "expected"),
    [
        ("5901234123457", "EAN-13", DecodedCode("5901234123457", "EAN13")),
        ("5901234123458", "EAN13", None),  # bad check digit
        ("036000291452", "UPC-A", DecodedCode("0036000291452", "UPCA")),
        ("0036000291452", "EAN13", DecodedCode("0036000291452", "UPCA")),
        ("01234565", "UPCE", DecodedCode("0012345000065", "UPCE")),
        ("96385074", "EAN-8", DecodedCode("96385074", "EAN8")),
        ("96385075", "EAN8", None),
        ("A1234567890A", "Codabar", DecodedCode("A1234567890A", "CODABAR")),
        ("1234567890", "CODABAR", None),  # no start/stop characters
        ("1515", "I25", DecodedCode("1515", "ITF")),
        ("151", "ITF", None),
        ("12345678901232", "ITF", None),  # ITF-14 with wrong check digit
        ("AB", "CODE39", None),
        ("ABC-123", "Code 39", DecodedCode("ABC-123", "CODE39")),
        ("x", "QR Code", DecodedCode("x", "QRCODE")),
        ("whatever", "PDF417", None),
        ("", "QRCODE", None),
    ],
)
def test_normalise_code(raw: str, engine_name: str, expected: DecodedCode | None) -> None:
    assert normalise_code(raw, engine_name) == expected


def test_symbology_names_and_check_digits() -> None:
    assert normalise_symbology("EAN-13") == "EAN13"
    assert normalise_symbology("I25") == "ITF"
    assert normalise_symbology("Code 128") == "CODE128"
    assert normalise_symbology("Aztec") == "UNKNOWN"
    assert gs1_check_digit_ok("4006381333931")
    assert not gs1_check_digit_ok("4006381333932")
    assert expand_upce("04965802") == "049000006582"
    assert expand_upce("01234565") == "012345000065"


def test_scan_event_validates() -> None:
    from datetime import UTC, datetime

    ev = ScanEvent("R-1", "QRCODE", "camera", datetime.now(UTC))
    assert ev.source == "camera"
    with pytest.raises(ValueError):
        ScanEvent("R-1", "QRCODE", "telepathy", datetime.now(UTC))
    with pytest.raises(ValueError):
        ScanEvent("R-1", "EAN-13", "wedge", datetime.now(UTC))


@pytest.mark.parametrize("angle", [-27, -15, 15, 21, 33])
@pytest.mark.parametrize("scale", [1.0, 0.6])
def test_tilted_itf_never_reads_a_fragment(
    decoder: PipelineDecoder, angle: int, scale: float
) -> None:
    # A scan line leaving a tilted ITF code half-way reads a shorter valid ITF ("1234").
    code = cv2.resize(CODES["itf"][0](), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found = decoder.decode(rotate(on_canvas(code, (1000, 1000)), angle))
    assert found in ([], [DecodedCode("12345678901231", "ITF")])


def test_fast_effort_accepts_only_itf14() -> None:
    fast = PipelineDecoder(effort="fast")
    assert fast.decode(on_canvas(CODES["itf"][0]())) == [DecodedCode("12345678901231", "ITF")]
    short = on_canvas(linear("itf", "123456"))
    assert fast.decode(short) == []
    assert PipelineDecoder().decode(short) == [DecodedCode("123456", "ITF")]
