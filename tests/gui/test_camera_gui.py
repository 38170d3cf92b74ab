"""The camera in the counter window: a video file as the webcam, real OpenCV + decoders.

Codes from the camera take the same path as typed / handheld codes (`handle_scan`); a
missing or ended camera shows "camera lost", retries, and typing keeps working; a still of
a line is stored with the return (file + SHA-256); the camera test dialog in settings.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import barcode
import cv2
import numpy as np
import pytest
import segno
from barcode.writer import ImageWriter
from PIL import Image as PILImage
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.gui.conftest import SCARF, GuiStore, qtbot_app, shot, sign_in
from ui.tasks import TaskManager

pytestmark = pytest.mark.timeout(60)

W, H = 640, 480


# ---------------------------------------------------------------------------- video
def _frame(code_bgr: np.ndarray | None, i: int = 0) -> np.ndarray:
    frame = np.full((H, W, 3), 185, np.uint8)
    cv2.rectangle(frame, (0, 0), (W, 56), (90, 60, 30), -1)
    cv2.putText(
        frame, f"counter cam {i:03d}", (16, 38), cv2.FONT_HERSHEY_SIMPLEX, 1, (240, 240, 240), 2
    )
    cv2.circle(frame, (40 + (i * 9) % (W - 80), H - 40), 18, (40, 120, 200), -1)
    if code_bgr is not None:
        ch, cw = code_bgr.shape[:2]
        y, x = (H - ch) // 2 + 20, (W - cw) // 2
        frame[y : y + ch, x : x + cw] = code_bgr
    return frame


def _qr(text: str) -> np.ndarray:
    buf = io.BytesIO()
    segno.make_qr(text, error="m").save(buf, kind="png", scale=7, border=4)
    return np.asarray(PILImage.open(io.BytesIO(buf.getvalue())).convert("RGB"))[:, :, ::-1].copy()


def _ean13(digits: str) -> np.ndarray:
    im = barcode.get("ean13", digits[:12], writer=ImageWriter()).render(
        {"write_text": False, "module_width": 0.33, "module_height": 15, "quiet_zone": 6}
    )
    return np.asarray(im.convert("RGB"))[:, :, ::-1].copy()


def write_video(path: Path, plan: list[tuple[np.ndarray | None, int]]) -> Path:
    """An MJPG .avi at 30 fps: (code image or None, number of frames) after another."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (W, H))
    assert writer.isOpened(), "OpenCV cannot write MJPG video on this machine"
    i = 0
    for code, count in plan:
        for _ in range(count):
            writer.write(_frame(code, i))
            i += 1
    writer.release()
    return path


ORDER = "O-1001"


@pytest.fixture(scope="module")
def order_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The customer's order QR (1 s), nothing (0.7 s), the scarf's EAN-13 (1 s), nothing."""
    path = tmp_path_factory.mktemp("cam") / "order_then_item.avi"
    return write_video(
        path, [(None, 8), (_qr(ORDER), 30), (None, 20), (_ean13(SCARF), 30), (None, 12)]
    )


@pytest.fixture(scope="module")
def plain_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An item on the counter, no barcode: 4 s."""
    return write_video(tmp_path_factory.mktemp("cam") / "plain.avi", [(None, 120)])


# ---------------------------------------------------------------------------- window
def camera_threads() -> list[str]:
    return [
        th.name for th in threading.enumerate() if th.name.startswith("camera-") and th.is_alive()
    ]


def make_camera_window(qtbot: Any, gui_store: GuiStore, source: str, **options: Any) -> Any:
    from ui.app import apply_style, make_window

    gui_store.core.settings = replace(gui_store.core.settings, camera_source=source)
    apply_style(qtbot_app())
    win = make_window(gui_store.core)
    win.wedge.detector.max_gap = 0.15
    win.camera.controller.options.update(options)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    return win


@pytest.fixture
def tasks() -> Iterator[TaskManager]:
    """The task runner a camera without a window starts on (a window's is its ctx.tasks)."""
    runner = TaskManager()
    yield runner
    runner.shutdown()


@pytest.fixture
def close_after() -> Iterator[list[Any]]:
    windows: list[Any] = []
    yield windows
    for win in windows:
        win.close()
        assert win.ctx.tasks.running == 0
    assert not camera_threads(), f"camera threads left running: {camera_threads()}"
    from ui import i18n

    i18n.set_language("en")


def settle(win: Any) -> None:
    win.ctx.tasks.wait(10_000)
    QCoreApplication.processEvents()
    QCoreApplication.processEvents()


# ---------------------------------------------------------------------------- tests
def test_camera_is_not_started_before_sign_in(
    qtbot: Any, gui_store: GuiStore, order_video: Path, close_after: list[Any]
) -> None:
    win = make_camera_window(qtbot, gui_store, str(order_video))
    close_after.append(win)
    qtbot.wait(50)
    assert win.camera.controller.state == "stopped"
    assert not camera_threads()
    assert win.findChild(type(win.camera.view), "cameraView") is win.camera.view
    assert win.camera.view.parentWidget() is win.work.scan_panel.camera_preview


def test_camera_codes_take_the_same_path_as_typed_codes(
    qtbot: Any, gui_store: GuiStore, order_video: Path, close_after: list[Any]
) -> None:
    # play the file once (no replay after the end) so every accept can be counted
    win = make_camera_window(qtbot, gui_store, str(order_video), max_retries=0)
    close_after.append(win)
    handled: list[str] = []
    real_handle = win.handle_scan
    win.handle_scan = lambda text: (handled.append(text), real_handle(text))  # type: ignore[method-assign]
    flashes: list[bool] = []
    real_flash = win.camera.view.flash
    win.camera.view.flash = lambda beep=True: (flashes.append(beep), real_flash(beep))  # type: ignore[method-assign]
    shown: list[str] = []
    win.order_shown.connect(shown.append)
    win.activateWindow()
    sign_in(qtbot, win)

    s = win.session
    qtbot.waitUntil(lambda: s.order is not None and s.order.number == ORDER, timeout=15_000)
    qtbot.waitUntil(
        lambda: win.camera.view.frames_painted > 0 or win.camera.view.image is not None,
        timeout=5_000,
    )
    shot(win, "camera_order_from_camera")
    qtbot.waitUntil(
        lambda: s.draft is not None and 1 in s.draft.lines and s.draft.lines[1].verified,
        timeout=15_000,
    )
    settle(win)
    assert win.session.current_line == 1
    assert win.session.draft.lines[1].quantity == 1
    assert win.work.inspection.line_state.text() == "Item scanned and matches the order ✓"
    assert win.work.inspection.reason.hasFocus(), (
        "after the item, the reason is next — as with the handheld"
    )
    shot(win, "camera_item_verified")

    # the video ends; wait until the scanner has given up, then count the accepts
    qtbot.waitUntil(lambda: "giving up" in win.camera.controller.last_status, timeout=15_000)
    settle(win)
    texts = [e.text for e in win.camera.controller.scans]
    assert texts == [ORDER, SCARF], texts
    assert {e.source for e in win.camera.controller.scans} == {"camera"}
    assert [e.symbology for e in win.camera.controller.scans] == ["QRCODE", "EAN13"]
    assert handled == [ORDER, SCARF]
    assert shown == [ORDER], "the order opened once"
    assert len(flashes) == 2
    assert win.session.draft.lines[1].quantity == 1, "no duplicate accept of the item"
    assert list(win.session.draft.lines) == [1]
    assert "No camera picture" in win.camera.view.overlay


def test_camera_missing_shows_lost_retries_and_typing_still_works(
    qtbot: Any, gui_store: GuiStore, tmp_path: Path, close_after: list[Any]
) -> None:
    missing = tmp_path / "no-such-camera.avi"
    win = make_camera_window(qtbot, gui_store, str(missing), retry_initial=0.05, retry_max=0.2)
    close_after.append(win)
    statuses: list[str] = []
    win.camera.controller.status.connect(statuses.append)
    win.activateWindow()
    sign_in(qtbot, win)
    qtbot.waitUntil(lambda: win.camera.controller.state == "lost", timeout=10_000)
    qtbot.waitUntil(
        lambda: len([s for s in statuses if "camera lost" in s]) >= 3, timeout=10_000
    )  # it keeps retrying
    assert "Camera lost" in win.camera.view.overlay
    assert "retrying" in win.camera.view.overlay
    QCoreApplication.processEvents()
    shot(win, "camera_lost")

    # manual entry is untouched by the missing camera
    assert win.work.scan_panel.scan_input.hasFocus()
    QTest.keyClicks(win.work.scan_panel.scan_input, ORDER, delay=60)  # a person typing
    with qtbot.waitSignal(win.order_shown, timeout=10_000) as got:
        QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_Return)
    assert got.args == [ORDER]
    # and the handheld scanner too (a fast burst anywhere)
    win.work.scan_panel.scan_input.setFocus()
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        QTest.keyClicks(win.work.scan_panel.scan_input, SCARF)
        QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_Return)
    assert win.session.draft is not None and win.session.draft.lines[1].verified
    assert win.camera.controller.state == "lost"


def test_video_that_ends_is_lost_then_reopened(
    qtbot: Any, gui_store: GuiStore, tmp_path: Path, close_after: list[Any]
) -> None:
    short = write_video(tmp_path / "short.avi", [(None, 15)])  # half a second
    win = make_camera_window(qtbot, gui_store, str(short), retry_initial=0.3, retry_max=0.3)
    close_after.append(win)
    states: list[str] = []
    win.camera.controller.state_changed.connect(states.append)
    sign_in(qtbot, win)
    qtbot.waitUntil(lambda: "lost" in states, timeout=10_000)
    assert "Camera lost" in win.camera.view.overlay
    # the retry reopens the file: the picture comes back and the message goes
    qtbot.waitUntil(lambda: states.count("live") >= 2, timeout=10_000)
    assert states[:3] == ["starting", "live", "lost"]
    assert win.camera.view.overlay == "" or win.camera.controller.state == "lost"


def test_lock_stops_the_camera_and_unlock_restarts_it(
    qtbot: Any, gui_store: GuiStore, plain_video: Path, close_after: list[Any]
) -> None:
    win = make_camera_window(qtbot, gui_store, str(plain_video))
    close_after.append(win)
    sign_in(qtbot, win)
    qtbot.waitUntil(lambda: win.camera.controller.state == "live", timeout=10_000)
    win.lock()
    assert win.camera.controller.state == "stopped"
    assert not camera_threads()
    sign_in(qtbot, win)
    qtbot.waitUntil(lambda: win.camera.controller.state == "live", timeout=10_000)


def _pick(combo: Any, code: str) -> None:
    combo.setCurrentIndex(combo.findData(code))


def test_condition_photo_is_stored_with_the_return(
    qtbot: Any, gui_store: GuiStore, plain_video: Path, close_after: list[Any]
) -> None:
    win = make_camera_window(qtbot, gui_store, str(plain_video))
    close_after.append(win)
    win.activateWindow()
    sign_in(qtbot, win)
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        win.handle_scan(ORDER)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.handle_scan(SCARF)
    settle(win)
    assert win.session.current_line == 1
    qtbot.waitUntil(lambda: win.camera.controller.latest_frame() is not None, timeout=10_000)
    button = win.photo.panel.button
    assert button.isEnabled()

    # a photo before the inspection waits on the line ...
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_F7)
    dl = win.session.draft.lines[1]
    assert dl.photo_path and dl.photo_sha256
    first_sha = dl.photo_sha256
    # ... and goes into the inspection once reason and condition are picked
    _pick(win.work.inspection.reason, "defective")
    _pick(win.work.inspection.condition, "defective")
    settle(win)
    dl = win.session.draft.lines[1]  # each change hands back a new draft (never changed in place)
    assert dl.inspection is not None and dl.photo_path is not None
    # a retake with the inspection recorded replaces it (same file, new digest)
    qtbot.wait(400)  # the video moves on: another picture
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        button.click()
    settle(win)
    dl = win.session.draft.lines[1]
    assert dl.inspection is not None and dl.inspection.reason_code == "defective"
    assert dl.photo_sha256 != first_sha
    path = Path(dl.photo_path)
    assert path.parent == Path(gui_store.core.settings.home) / "photos"
    assert path.name == f"{win.session.draft.id}-1.png"
    assert not win.photo.panel.thumb.pixmap().isNull()
    shot(win, "camera_photo_taken")

    if win.session.summary is not None and win.session.summary.blocked:
        pytest.fail(f"return blocked: {win.session.summary.blocked}")
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        win.confirm()
    ref = done.args[0]
    with UnitOfWork(gui_store.engine) as uow:
        row = uow.conn.execute(
            select(t.return_lines.c.photo_path, t.return_lines.c.photo_sha256)
            .join(t.returns, t.returns.c.id == t.return_lines.c.return_id)
            .where(t.returns.c.ref == ref)
        ).one()
        audit = uow.conn.execute(
            select(t.audit_entries.c.data_json).where(
                t.audit_entries.c.action == "return.committed",
                t.audit_entries.c.subject == ref,
            )
        ).scalar_one()
    assert row.photo_path == str(path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert row.photo_sha256 == hashlib.sha256(data).hexdigest()
    lines = json.loads(audit)["lines"]
    assert [ln["photo_sha256"] for ln in lines] == [row.photo_sha256]
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (H, W, 3), "the photo is the full camera frame, not the preview"


def test_take_photo_without_a_picture_says_so(
    qtbot: Any, gui_store: GuiStore, tmp_path: Path, close_after: list[Any]
) -> None:
    win = make_camera_window(qtbot, gui_store, str(tmp_path / "missing.avi"))
    close_after.append(win)
    sign_in(qtbot, win)
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        win.handle_scan(ORDER)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.handle_scan(SCARF)
    win.photo.panel.button.click()
    assert "no picture" in win.banner.text()
    assert win.banner.kind == "warning"
    assert win.session.draft.lines[1].photo_path is None


def test_camera_test_dialog_shows_frames_code_and_fps(
    qtbot: Any, order_video: Path, tasks: TaskManager
) -> None:
    from ui.devices.camera_test_dialog import CameraTestDialog

    dialog = CameraTestDialog(str(order_video), tasks=tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.controller.state == "live", timeout=10_000)
    qtbot.waitUntil(lambda: bool(dialog.codes), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.fps.text() != "—", timeout=5_000)
    assert dialog.code.text().startswith(ORDER)
    assert dialog.view.frames_painted > 0
    assert "frames per second" in dialog.fps.text()
    assert dialog.status.text() == "Picture OK"
    shot(dialog, "camera_test_dialog")
    dialog.close()
    assert dialog.controller.state == "stopped"
    assert not camera_threads()


def test_settings_test_camera_pauses_the_counter_camera(
    qtbot: Any,
    gui_store: GuiStore,
    plain_video: Path,
    order_video: Path,
    close_after: list[Any],
) -> None:
    win = make_camera_window(qtbot, gui_store, str(plain_video))
    close_after.append(win)
    sign_in(qtbot, win, "maria", "987654")
    qtbot.waitUntil(lambda: win.camera.controller.state == "live", timeout=10_000)
    win.open_settings()
    from ui.manager.settings_dialog import SettingsDialog

    dialogs = [d for d in win._open_dialogs if isinstance(d, SettingsDialog)]
    assert dialogs
    settings = dialogs[0]
    settings.camera.set_text(str(order_video))
    settings.camera_test_button.click()
    test = settings.camera_test
    qtbot.waitUntil(lambda: test.controller.state == "live", timeout=10_000)
    assert win.camera.controller.state == "stopped", "one program at a time on the device"
    qtbot.waitUntil(lambda: bool(test.codes), timeout=10_000)
    test.reject()
    qtbot.waitUntil(lambda: win.camera.controller.state in ("starting", "live"), timeout=5_000)
    # saving another source restarts the counter's camera on it
    settings.save()
    qtbot.waitUntil(lambda: win.camera.controller.source_text == str(order_video), timeout=5_000)
    assert gui_store.core.settings.camera_source == str(order_video)
    qtbot.waitUntil(lambda: win.camera.controller.state == "live", timeout=10_000)


def test_camera_signals_do_not_drain_the_reference_count_of_true(
    qtbot: Any, plain_video: Path, tasks: TaskManager
) -> None:
    """PySide6 6.12.0's emit() drops a reference to True per call; 60 emits a second from
    the camera would abort Python within minutes (pyproject keeps PySide6 below 6.12)."""
    import sys

    from ui.devices.camera import CameraController
    from ui.devices.camera_widget import CameraWidget

    controller = CameraController(str(plain_video), tasks=tasks)
    view = CameraWidget(controller)
    qtbot.addWidget(view)
    view.show()
    before = sys.getrefcount(True)
    for _ in range(500):
        controller.status.emit("probe")
    assert abs(sys.getrefcount(True) - before) < 50
    controller.start()
    try:
        qtbot.waitUntil(lambda: controller.frames_shown > 5, timeout=10_000)
        start_refs, start_frames = sys.getrefcount(True), controller.frames_shown
        qtbot.wait(1000)
        frames = controller.frames_shown - start_frames
        assert frames >= 20
        assert sys.getrefcount(True) - start_refs > -frames  # was -2 per frame
    finally:
        assert controller.stop()


def test_camera_lost_in_chinese(
    qtbot: Any, gui_store: GuiStore, tmp_path: Path, close_after: list[Any]
) -> None:
    from ui import i18n

    win = make_camera_window(qtbot, gui_store, str(tmp_path / "none.avi"), retry_initial=0.05)
    close_after.append(win)
    assert i18n.set_language("zh_CN")
    sign_in(qtbot, win)
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        win.handle_scan(ORDER)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.handle_scan(SCARF)
    qtbot.waitUntil(lambda: win.camera.controller.state == "lost", timeout=10_000)
    QCoreApplication.processEvents()
    assert "摄像头断开" in win.camera.view.overlay
    assert win.photo.panel.button.text() == "拍照"
    shot(win, "camera_lost_zh")
