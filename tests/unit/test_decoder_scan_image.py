"""`counter-app scan-image`: one JSON line per file, errors per file, exit code."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import segno
from PIL import Image as PILImage

from counter_app.scan_image import scan_image_main


def _write_qr(path: Path, text: str) -> None:
    buf = io.BytesIO()
    segno.make_qr(text, error="m").save(buf, kind="png", scale=5, border=4)
    PILImage.open(io.BytesIO(buf.getvalue())).convert("RGB").save(path)


def test_scan_image_lines_and_exit_code(tmp_path: Path) -> None:
    good = tmp_path / "order ü.png"
    _write_qr(good, "R-0007-01-000123")
    blank = tmp_path / "blank.jpg"
    cv2.imwrite(str(blank), np.full((120, 160, 3), 230, np.uint8))
    text_file = tmp_path / "notes.png"
    text_file.write_text("this is not a picture\n", encoding="utf-8")
    missing = tmp_path / "missing.webp"

    out = io.StringIO()
    code = scan_image_main([str(good), str(blank), str(text_file), str(missing)], out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]

    assert code == 1
    assert len(lines) == 4
    assert lines[0]["file"] == str(good)
    assert lines[0]["codes"] == [{"text": "R-0007-01-000123", "symbology": "QRCODE"}]
    assert isinstance(lines[0]["ms"], float | int) and lines[0]["ms"] >= 0
    assert lines[1]["codes"] == [] and "error" not in lines[1]
    assert set(lines[2]) == {"file", "error"} and "not an image" in lines[2]["error"]
    assert set(lines[3]) == {"file", "error"} and "not found" in lines[3]["error"]


def test_scan_image_all_readable_is_exit_zero(tmp_path: Path) -> None:
    good = tmp_path / "a.png"
    _write_qr(good, "hello")
    blank = tmp_path / "b.png"
    cv2.imwrite(str(blank), np.zeros((50, 50), np.uint8))
    out = io.StringIO()
    assert scan_image_main([str(good), str(blank)], out) == 0
    assert [json.loads(x)["codes"] for x in out.getvalue().splitlines()] == [
        [{"text": "hello", "symbology": "QRCODE"}],
        [],
    ]


def test_scan_image_no_files() -> None:
    out = io.StringIO()
    assert scan_image_main([], out) == 0
    assert out.getvalue() == ""
