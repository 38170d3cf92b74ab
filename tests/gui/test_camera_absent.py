"""No camera as a real state: a device number with no camera behind it is "absent" (a clear
line, Take photo disabled, no retry loop) until one is plugged in; Settings list the cameras
present (Qt Multimedia names mapped to OpenCV indices) and "No camera"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtTest import QTest

from tests.gui.conftest import SCARF, GuiStore, qtbot_app, shot, sign_in
from tests.gui.test_return_workflow import settle

pytestmark = pytest.mark.timeout(60)


class FakeDevices(QObject):
    """Stands in for the Qt device list (this machine's real cameras are not the test's)."""

    changed = Signal()

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def plug(self, names: list[str]) -> None:
        self.names = names
        self.changed.emit()


@pytest.fixture
def devices(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDevices]:
    from ui.devices import camera_list

    fake = FakeDevices([])
    monkeypatch.setattr(camera_list, "_watcher", fake)
    yield fake


def _window(qtbot: Any, gui_store: GuiStore, source: str) -> Any:
    from ui.app import apply_style, make_window

    gui_store.core.settings = replace(gui_store.core.settings, camera_source=source)
    apply_style(qtbot_app())
    win = make_window(gui_store.core, services=False)
    win.wedge.detector.max_gap = 0.15
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    return win


def test_no_camera_connected_is_a_state_not_a_retry_loop(
    qtbot: Any, gui_store: GuiStore, devices: FakeDevices
) -> None:
    from ui import i18n

    win = _window(qtbot, gui_store, "0")
    try:
        statuses: list[str] = []
        win.camera.controller.status.connect(statuses.append)
        sign_in(qtbot, win)
        qtbot.waitUntil(lambda: win.camera.controller.state == "absent", timeout=5_000)
        assert not win.camera.controller.running and win.camera.controller.scanner is None
        assert win.camera.view.overlay == (
            "No camera is connected. Type the number or use the handheld scanner."
        )
        with qtbot.waitSignal(win.order_shown, timeout=10_000):
            win.handle_scan("O-1001")
        with qtbot.waitSignal(win.draft_changed, timeout=10_000):
            win.handle_scan(SCARF)
        settle(win)
        assert win.session.current_line == 1
        assert not win.photo.panel.button.isEnabled(), "no camera, no Take photo"
        QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_F7)
        assert "No camera is connected" in win.banner.text()
        qtbot.wait(1_500)
        assert statuses == [] and win.camera.controller.state == "absent", "nothing retries"
        shot(win, "camera_absent")
        assert i18n.set_language("zh_CN")
        assert win.camera.view.overlay.startswith("未连接摄像头")
        qtbot.wait(50)
        shot(win, "camera_absent_zh")
        assert i18n.set_language("en")
        # a camera is plugged in: the counter tries it at once
        devices.plug(["USB Camera"])
        qtbot.waitUntil(lambda: win.camera.controller.state != "absent", timeout=5_000)
        assert win.camera.controller.state in ("starting", "live", "lost")
    finally:
        win.close()
        i18n.set_language("en")


def test_settings_list_the_cameras_present_and_no_camera(
    qtbot: Any, gui_store: GuiStore, devices: FakeDevices, tmp_path: Any
) -> None:
    from ui.manager.settings_dialog import SettingsDialog

    devices.names = ["USB Camera", "Integrated Webcam"]
    win = _window(qtbot, gui_store, "1")
    try:
        sign_in(qtbot, win, "maria", "987654")
        win.open_settings()
        dialog = win.findChild(SettingsDialog)
        combo = dialog.camera.combo
        items = [combo.itemText(i) for i in range(combo.count())]
        assert items == [
            "No camera", "USB Camera (camera 0)", "Integrated Webcam (camera 1)",
            "Video file or stream URL…",
        ]  # fmt: skip
        assert combo.currentText() == "Integrated Webcam (camera 1)"
        assert not dialog.camera.other.isVisible()
        shot(dialog, "settings_camera_list")
        combo.setCurrentIndex(combo.findData("other"))
        assert dialog.camera.other.isVisible()
        dialog.camera.other.setText(str(tmp_path / "counter.avi"))
        assert dialog.camera.text() == str(tmp_path / "counter.avi")
        combo.setCurrentIndex(combo.findData("off"))
        with qtbot.waitSignal(dialog.saved, timeout=5_000):
            dialog.save()
        assert gui_store.core.settings.camera_source == "off"
        qtbot.waitUntil(lambda: win.camera.controller.state == "off", timeout=5_000)
        assert "No camera set up" in win.camera.view.overlay
        assert not win.photo.panel.button.isEnabled()
    finally:
        win.close()


def test_a_saved_camera_that_is_unplugged_stays_a_choice(
    qtbot: Any, gui_store: GuiStore, devices: FakeDevices
) -> None:
    from ui.manager.camera_choice import CameraChoice

    devices.names = ["USB Camera"]
    field = CameraChoice("2")
    qtbot.addWidget(field)
    assert field.combo.currentText() == "Camera 2 (not connected)"
    assert field.text() == "2"
    field.set_text("rtsp://cam.local/stream")
    assert field.combo.currentData() == "other" and field.text() == "rtsp://cam.local/stream"
    field.set_text("off")
    assert field.text() == "off"


def test_qt_multimedia_names_the_cameras(qtbot: Any) -> None:
    """The real device list: Qt Multimedia is importable here, so names come from it (this
    machine may have no camera at all; the list is then empty, never an error)."""
    from ui.devices import camera_list

    watcher = camera_list.watcher()
    assert watcher is not None, "PySide6.QtMultimedia is importable in this environment"
    cameras, how = camera_list.list_cameras()
    assert how == "qt"
    assert [c.index for c in cameras] == list(range(len(cameras)))
    assert camera_list.present(len(cameras)) is False
