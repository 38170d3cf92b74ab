"""The pixel budget guards every decode, not only `scan-image`: `read_image` (and so
`decode_file`) refuses a 20000×20000 PNG from its header before OpenCV or Pillow sees the
pixels, and a camera frame over the budget is not encoded as a photo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from counter_app.adapters.image_limits import (
    ImageTooLarge,
    check_image_data,
    check_pixels,
    image_fits,
)
from counter_app.adapters.scanning import camera, decoder
from tests.integration.test_image_limits import write_png


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "big.png"
    write_png(path, 20_000, 20_000)
    assert path.stat().st_size < 2_000_000  # small on disk, 400 Mpx decoded
    return path


def test_read_image_refuses_before_decoding(bomb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoder, "_read_with_pillow", lambda data: pytest.fail("decoded"))
    calls: list[str] = []

    class Cv2:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            raise AssertionError(f"cv2.{name} was reached")

    monkeypatch.setattr(decoder, "load_cv2", Cv2)
    with pytest.raises(ImageTooLarge, match="20000×20000"):
        decoder.read_image(bomb)
    with pytest.raises(ImageTooLarge):
        decoder.decode_file(bomb, decoder=object())  # type: ignore[arg-type]
    assert calls == []


def test_read_image_still_reads_a_normal_image(tmp_path: Path) -> None:
    small = tmp_path / "small.png"
    write_png(small, 640, 480)
    assert decoder.read_image(small).shape[:2] == (480, 640)
    assert image_fits(small) and image_fits(tmp_path / "missing.png")  # missing: not ours


def test_a_frame_over_the_budget_is_not_encoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera, "load_cv2", lambda: pytest.fail("encoded"))
    # 20000×20000×3 as a view of one pixel: the size of a huge frame, none of its memory.
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (20_000, 20_000, 3))
    with pytest.raises(ImageTooLarge):
        camera.encode_png(huge)
    monkeypatch.undo()
    assert camera.encode_png(np.zeros((48, 64, 3), np.uint8)).startswith(b"\x89PNG")


def test_bytes_and_pixels_checks(bomb: Path) -> None:
    with pytest.raises(ImageTooLarge):
        check_image_data(bomb.read_bytes()[:4096])  # the header is enough
    check_image_data(b"not an image")  # left to the decoder's "not an image"
    check_pixels(8000, 5000)
    with pytest.raises(ImageTooLarge):
        check_pixels(8000, 5001)
    assert not image_fits(bomb)
