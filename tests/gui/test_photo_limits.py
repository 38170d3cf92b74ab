"""The condition-photo thumbnail checks the pixel budget from the file's header before Qt
decodes it: a photo file swapped for a 20000×20000 PNG shows "No photo", nothing decoded."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.integration.test_image_limits import write_png
from ui.devices import photo


def test_thumbnail_refuses_a_huge_photo_before_decoding(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = photo.PhotoPanel()
    qtbot.addWidget(panel)
    small, huge = tmp_path / "small.png", tmp_path / "huge.png"
    write_png(small, 64, 48)
    write_png(huge, 20_000, 20_000)
    panel.show_photo(str(small))
    assert panel.thumb.pixmap() is not None and not panel.thumb.pixmap().isNull()
    decoded: list[str] = []
    monkeypatch.setattr(photo, "QImage", lambda path: decoded.append(path))
    panel.show_photo(str(huge))
    assert decoded == []
    assert panel.thumb.text() == "No photo" and panel.thumb.pixmap().isNull()
