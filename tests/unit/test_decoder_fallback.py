"""Camera decoding: zxing-cpp first, pyzbar only as a budgeted fallback; Code 39 Full ASCII.

The fallback is observed through a counting fake engine put in pyzbar's place (the real
zxing-cpp stays the primary), never by patching a library's internals.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
import zxingcpp
from PIL import Image as PILImage

from counter_app.adapters.scanning import PipelineDecoder, read_image
from counter_app.adapters.scanning.engines import PyzbarEngine, ZxingEngine, code39_full_ascii
from counter_app.domain.scanning import DecodedCode

Img = np.ndarray
FALLBACK_CODE = DecodedCode("R-FALLBACK-1", "CODE128")


class FakeClock:
    """Time that only moves when a fake engine "works"."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingEngine:
    """An engine that counts calls, returns ``result`` and costs ``cost`` seconds of clock."""

    def __init__(
        self,
        name: str,
        result: list[DecodedCode],
        cost: float = 0.0,
        clock: FakeClock | None = None,
    ) -> None:
        self.name = name
        self.result = result
        self.cost = cost
        self.clock = clock
        self.calls = 0

    def read(self, gray: Img, thorough: bool) -> list[DecodedCode]:
        assert gray.ndim == 2 and gray.dtype == np.uint8
        self.calls += 1
        if self.clock is not None:
            self.clock.now += self.cost
        return list(self.result)


def qr_frame(text: str = "R-0012-03-000045") -> Img:
    buf = io.BytesIO()
    segno.make_qr(text, error="m").save(buf, kind="png", scale=8, border=4)
    code = np.asarray(PILImage.open(io.BytesIO(buf.getvalue())).convert("RGB"))[:, :, ::-1]
    frame = np.full((720, 1280, 3), 170, np.uint8)
    frame[200 : 200 + code.shape[0], 500 : 500 + code.shape[1]] = code
    return frame


def empty_frame() -> Img:
    rng = np.random.default_rng(5)
    frame = np.full((720, 1280, 3), 150, np.uint8)
    cv2.rectangle(frame, (100, 100), (400, 500), (30, 90, 160), -1)
    cv2.putText(frame, "RETURNS", (300, 650), cv2.FONT_HERSHEY_SIMPLEX, 2, (20, 20, 20), 4)
    return np.clip(frame + rng.normal(0, 6, frame.shape), 0, 255).astype(np.uint8)


# -- zxing-cpp first -----------------------------------------------------------------------


def test_camera_frame_read_by_zxing_never_reaches_the_fallback() -> None:
    fallback = CountingEngine("pyzbar", [FALLBACK_CODE])
    decoder = PipelineDecoder(effort="fast", engines=[ZxingEngine(), fallback])
    frame = qr_frame()
    for _ in range(10):
        assert decoder.decode(frame) == [DecodedCode("R-0012-03-000045", "QRCODE")]
    assert fallback.calls == 0


def test_frame_zxing_cannot_read_goes_to_the_fallback() -> None:
    fallback = CountingEngine("pyzbar", [FALLBACK_CODE])
    decoder = PipelineDecoder(effort="fast", engines=[ZxingEngine(), fallback])
    assert decoder.decode(empty_frame()) == [FALLBACK_CODE]
    assert fallback.calls == 1


def test_fallback_spends_at_most_its_budget_on_empty_frames() -> None:
    clock = FakeClock()
    primary = CountingEngine("zxing", [], cost=0.001, clock=clock)
    fallback = CountingEngine("pyzbar", [], cost=0.010, clock=clock)
    decoder = PipelineDecoder(
        effort="fast", engines=[primary, fallback], fallback_budget=0.25, clock=clock
    )
    frames = 400
    blank = np.full((360, 640), 128, np.uint8)
    for _ in range(frames):
        assert decoder.decode(blank) == []
    # the fallback runs pyzbar and zxing-cpp on a contrast-stretched copy: 11 ms a time
    primary_time = frames * 0.001
    fallback_time = clock.now - primary_time - (primary.calls - frames) * 0.001
    assert 1 <= fallback.calls <= 1 + frames * 0.001 * 0.25 / 0.011
    assert clock.now <= primary_time * 1.25 + 0.011 + 1e-9
    assert fallback_time == pytest.approx(fallback.calls * 0.010)


def test_zero_budget_means_zxing_only_and_thorough_mode_uses_both_engines() -> None:
    fallback = CountingEngine("pyzbar", [FALLBACK_CODE])
    fast = PipelineDecoder(effort="fast", engines=[ZxingEngine(), fallback], fallback_budget=0)
    assert fast.decode(empty_frame()) == []
    assert fallback.calls == 0
    # files and photos: both engines on the plain variant, their agreement makes it sure
    other = CountingEngine("pyzbar", [DecodedCode("R-0012-03-000045", "QRCODE")])
    thorough = PipelineDecoder(engines=[ZxingEngine(), other])
    assert thorough.decode(qr_frame()) == [DecodedCode("R-0012-03-000045", "QRCODE")]
    assert other.calls == 1


# -- Code 39 Full ASCII ----------------------------------------------------------------------

FULL_ASCII_TEXT = "Extended-39 ok"


def full_ascii_code39(text: str = FULL_ASCII_TEXT, scale: int = 3) -> Img:
    """A Code 39 Full ASCII symbol written by zxing-cpp (lower case needs the + shift)."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code39Ext)
    gray = np.asarray(symbol.to_image(scale=scale), dtype=np.uint8)
    return cv2.copyMakeBorder(gray, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)


def photos_dir() -> Path:
    env = os.environ.get("COUNTER_APP_BARCODE_PHOTOS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared/data/barcode-photos"


def on_real_photo(code: Img) -> Img:
    """The code pasted, in perspective and slightly blurred, into a real photo with no code."""
    folder = photos_dir() / "falsepositives-1"
    backgrounds = sorted(folder.glob("*.webp")) + sorted(folder.glob("*.png"))
    assert backgrounds, f"no background photos in {folder}"
    photo = read_image(backgrounds[0])
    photo = cv2.resize(photo, (1280, 960), interpolation=cv2.INTER_AREA)
    h, w = code.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[120, 350], [120 + 0.85 * w, 330], [120 + 0.8 * w, 330 + h], [130, 360 + h]])
    warp = cv2.getPerspectiveTransform(src, dst)
    code_bgr = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    pasted = cv2.warpPerspective(code_bgr, warp, (1280, 960), borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), warp, (1280, 960))
    out = np.where(mask[:, :, None] > 0, pasted, photo)
    return cv2.GaussianBlur(out, (3, 3), 0.8)


def test_full_ascii_table() -> None:
    assert code39_full_ascii("+H+E+L+L+O") == "hello"
    assert code39_full_ascii("A/A/Z%V%U$M") == "A!:@\x00\r"
    assert code39_full_ascii("ABC-123") is None  # standard Code 39: no shift characters
    assert code39_full_ascii("A+1") is None  # not a valid pair: standard Code 39 as read


@pytest.mark.parametrize("effort", ["fast", "thorough"])
def test_generated_full_ascii_code39_is_decoded(effort: str) -> None:
    decoder = PipelineDecoder(effort=effort)  # type: ignore[arg-type]
    assert decoder.decode(full_ascii_code39()) == [DecodedCode(FULL_ASCII_TEXT, "CODE39")]


def test_full_ascii_decoded_by_each_engine_alone() -> None:
    image = full_ascii_code39()
    expected = [DecodedCode(FULL_ASCII_TEXT, "CODE39")]
    assert ZxingEngine().read(image, True) == expected
    assert PyzbarEngine().read(image, True) == expected  # zbar returns E+X+T...; decoded here


@pytest.mark.parametrize(("effort", "scale"), [("fast", 4), ("thorough", 2)])
def test_full_ascii_code39_in_a_real_photo(effort: str, scale: int) -> None:
    # the camera path works at 640 px: its code must fill more of the frame
    decoder = PipelineDecoder(effort=effort)  # type: ignore[arg-type]
    image = on_real_photo(full_ascii_code39("Return 42/b", scale=scale))
    assert decoder.decode(image) == [DecodedCode("Return 42/b", "CODE39")]
