"""The live camera preview and how the camera plugs into the main window.

`CameraWidget` paints the newest preview frame (already scaled on the camera's thread, so
painting is a plain blit), a status band over it when there is no picture ("Camera lost —
retrying…"), and a green flash with a beep when the camera accepts a code.

`CounterCamera` is the camera of the counter window: the window puts its `view` into the
scan panel (`set_preview`), calls `resume()` / `pause()` on sign-in and lock (the camera
starts after the window is shown, so it adds nothing to start-up) and sends every code of
its `scanned` signal to `handle_scan` — the same method the handheld scanner and typed
entry use.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from counter_app.domain.scanning import ScanEvent
from ui.devices.camera import CameraController, hub

_CTX = "CameraWidget"
FLASH_MS = 350


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class CameraWidget(QWidget):
    """Preview + status overlay + acceptance flash for one `CameraController`."""

    def __init__(
        self, controller: CameraController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cameraView")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(140, 76)
        self.controller: CameraController | None = None
        self.image: QImage | None = None
        self.overlay = ""
        self.frames_painted = 0
        self._fresh = False
        self._paint_times: deque[float] = deque(maxlen=120)
        self._flash = QTimer(self)
        self._flash.setSingleShot(True)
        self._flash.timeout.connect(self.update)
        if controller is not None:
            self.set_controller(controller)

    # ------------------------------------------------------------------ wiring
    def set_controller(self, controller: CameraController) -> None:
        self.controller = controller
        controller.frame.connect(self.show_frame)
        controller.state_changed.connect(self._refresh_overlay)
        controller.status.connect(self._refresh_overlay)
        self._push_size()
        self._refresh_overlay()

    @Slot(QImage)
    def show_frame(self, image: QImage) -> None:
        self.image = image
        self._fresh = True
        if self.overlay and self.controller is not None and self.controller.state == "live":
            self.overlay = ""
        self.update()

    def flash(self, beep: bool = True) -> None:
        """Green flash (and a beep): a code was accepted."""
        self._flash.start(FLASH_MS)
        if beep:
            QApplication.beep()
        self.update()

    @property
    def flashing(self) -> bool:
        return self._flash.isActive()

    def fps(self) -> float:
        """Frames painted per second over the last second or so."""
        times = self._paint_times
        if len(times) < 2:
            return 0.0
        now = time.perf_counter()
        recent = [t for t in times if now - t <= 1.0]
        if len(recent) < 2:
            return 0.0
        span = recent[-1] - recent[0]
        return (len(recent) - 1) / span if span > 0 else 0.0

    def retranslate(self) -> None:
        self._refresh_overlay()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _refresh_overlay(self, *_: Any) -> None:
        c = self.controller
        state = c.state if c is not None else "off"
        last = c.last_status if c is not None else ""
        if state == "off":
            text = tr("No camera set up. Type the number or use the handheld scanner.")
        elif state == "absent":
            text = tr("No camera is connected. Type the number or use the handheld scanner.")
        elif state == "stopped":
            text = tr("Camera off")
            self.image = None
        elif state == "starting":
            text = tr("Starting the camera…")
        elif state == "lost":
            if "giving up" in last:
                text = tr("No camera picture. Type the number or use the handheld scanner.")
            else:
                text = tr(
                    "Camera lost — retrying… Type the number or use the handheld scanner meanwhile."
                )
        else:
            text = ""
        self.overlay = text
        self.setToolTip(text or tr("Hold the barcode in front of the camera"))
        self.update()

    # ------------------------------------------------------------------ painting
    def sizeHint(self) -> QSize:
        return QSize(200, 112)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._push_size()

    def _push_size(self) -> None:
        if self.controller is not None:
            ratio = self.devicePixelRatioF()
            self.controller.set_preview_size(
                QSize(int(self.width() * ratio), int(self.height() * ratio))
            )

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = self.rect()
        p.fillRect(rect, QColor("#1d2630"))
        image = self.image
        if image is not None and not image.isNull():
            size = image.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(rect.center())
            p.drawImage(target, image)
            if self._fresh:  # a new camera frame reached the screen (not a mere repaint)
                self._fresh = False
                self.frames_painted += 1
                self._paint_times.append(time.perf_counter())
        if self.overlay:
            font = QFont(self.font())
            font.setPointSizeF(max(8.0, font.pointSizeF() * 0.9))
            font.setBold(True)
            p.setFont(font)
            band = rect.adjusted(4, 4, -4, -4)
            flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
            needed = p.boundingRect(band, flags, self.overlay)
            band.setTop(max(band.top(), rect.center().y() - needed.height() // 2 - 4))
            band.setHeight(min(rect.height() - 8, needed.height() + 8))
            p.fillRect(band, QColor(0, 0, 0, 170))
            p.setPen(QColor("#ffd27a") if self._lost() else QColor("#ffffff"))
            p.drawText(band, flags, self.overlay)
        if self.flashing:
            p.fillRect(rect, QColor(40, 200, 90, 70))
            pen = QPen(QColor("#1fbf5a"))
            pen.setWidth(6)
            p.setPen(pen)
            p.drawRect(rect.adjusted(3, 3, -3, -3))
        p.end()

    def _lost(self) -> bool:
        return self.controller is not None and self.controller.state in ("lost", "off", "absent")


class CounterCamera(QObject):
    """The counter's camera: its controller, the preview widget (`view`, for the scan panel's
    `set_preview`) and its life. It starts once `resume()` is called (after sign-in, once the
    window is drawn) and `ready()` allows it, stops on `pause()` (lock) and `shutdown()`
    (close), follows the settings' camera source, steps aside while the camera test holds
    the device, and emits every accepted code as `scanned` (with a flash of the preview)."""

    scanned = Signal(str)

    def __init__(self, source: str, ready: Callable[[], bool], window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.ready = ready  # someone is signed in and the counter is not locked
        self.controller = CameraController(source, window)
        self.view = CameraWidget(self.controller)
        self.controller.scanned.connect(self.on_scan)
        self.controller.state_changed.connect(self._watch_devices)
        self._watching = False
        h = hub()
        h.source_changed.connect(self.on_source_changed)
        h.exclusive.connect(self.on_exclusive)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def may_run(self) -> bool:
        return self.window.isVisible() and self.ready() and not hub().test_running

    @Slot()
    def resume(self, *_: object) -> None:
        # after this event: the window is shown and drawn first, then the camera starts
        QTimer.singleShot(0, self.start_if_allowed)

    def start_if_allowed(self) -> None:
        if self.may_run():
            self.controller.start()

    @Slot()
    def pause(self) -> None:
        self.controller.stop()

    @Slot(bool)
    def follow_lock(self, locked: bool) -> None:
        if locked:
            self.pause()
        else:
            self.resume()

    @Slot(str)
    def on_source_changed(self, text: str) -> None:
        self.controller.set_source(text)
        self.start_if_allowed()

    @Slot(str)
    def _watch_devices(self, state: str) -> None:
        """Once a camera is found missing, a camera plugged in later starts by itself."""
        if state != "absent" or self._watching:
            return
        from ui.devices import camera_list

        devices = camera_list.watcher()
        if devices is not None:
            devices.changed.connect(self.on_devices_changed)
            self._watching = True

    @Slot()
    def on_devices_changed(self) -> None:
        """A camera came or went: an absent or lost camera is tried again."""
        if self.controller.state in ("absent", "lost"):
            self.controller.stop()
            self.start_if_allowed()

    @Slot(bool)
    def on_exclusive(self, held: bool) -> None:
        if held:
            self.controller.stop()
        else:
            self.start_if_allowed()

    @Slot(object)
    def on_scan(self, event: ScanEvent) -> None:
        if not self.ready():
            return
        if QApplication.activeModalWidget() is not None:
            return  # a dialog (override PIN, settings) has the counter's attention
        self.view.flash()
        self.scanned.emit(event.text)

    @Slot()
    def shutdown(self) -> None:
        self.controller.stop()
