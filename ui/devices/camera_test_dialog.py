"""Settings → "Test camera": a live preview of a camera source, the last code it decoded
and the preview frame rate, so a manager can check a webcam before saving it.

The dialog runs its own `CameraController` on the source typed in the settings (saved or
not); while it is open the counter's own camera steps aside (`hub().exclusive`), because
most webcams can be opened by one program only. Decoded codes are shown, never sent to
the return in progress.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.scanning import ScanEvent
from ui.devices.camera import CameraController, hub
from ui.devices.camera_widget import CameraWidget
from ui.widgets import Label, LiveScreen, icon

_CTX = "CameraTestDialog"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class CameraTestDialog(LiveScreen, QDialog):
    code_read = Signal(str)

    def __init__(
        self, source: str, parent: QWidget | None = None, **controller_options: Any
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cameraTestDialog")
        self.setWindowIcon(icon("camera"))
        self.controller = CameraController(source, self, **controller_options)
        self.view = CameraWidget(self.controller)
        self.view.setMinimumSize(480, 270)
        layout = QVBoxLayout(self)
        self.source_label = Label()
        self.source_label.setObjectName("muted")
        self.source_label.setWordWrap(True)
        layout.addWidget(self.source_label)
        layout.addWidget(self.view, 1)
        form = QFormLayout()
        self.code_name = Label()
        self.code = Label("—")
        self.code.setObjectName("cameraTestCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setStyleSheet("font-size: 20px; font-weight: 700;")
        self.fps_name = Label()
        self.fps = Label("—")
        self.fps.setObjectName("cameraTestFps")
        self.status_name = Label()
        self.status = Label("—")
        self.status.setObjectName("cameraTestStatus")
        self.status.setWordWrap(True)
        form.addRow(self.code_name, self.code)
        form.addRow(self.fps_name, self.fps)
        form.addRow(self.status_name, self.status)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        self.codes: list[ScanEvent] = []
        self.controller.scanned.connect(self._scanned)
        self.controller.status.connect(self._status)
        self.controller.state_changed.connect(self._status)
        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self._update_fps)
        self._holding = False
        self.finished.connect(self._stop)
        self.setMinimumWidth(560)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Camera test"))
        src = self.controller.source_text or "—"
        self.source_label.setText(
            tr(
                "Camera: {source}. Hold a barcode in front of it; the code it reads appears below."
            ).format(source=src)
        )
        self.code_name.setText(tr("Last code"))
        self.fps_name.setText(tr("Preview"))
        self.status_name.setText(tr("Status"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Close"))
        self._status()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._holding:
            self._holding = True
            h = hub()
            h.test_running += 1
            h.exclusive.emit(True)  # the counter's camera lets go of the device
        self.controller.start()
        self._tick.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop()
        super().closeEvent(event)

    def _stop(self, *_: Any) -> None:
        self._tick.stop()
        self.controller.stop()
        if self._holding:
            self._holding = False
            h = hub()
            h.test_running = max(0, h.test_running - 1)
            if not h.test_running:
                h.exclusive.emit(False)

    def _scanned(self, event: ScanEvent) -> None:
        self.codes.append(event)
        self.code.setText(f"{event.text}  ({event.symbology})")
        self.view.flash()
        self.code_read.emit(event.text)

    def _status(self, *_: Any) -> None:
        c = self.controller
        state = c.state
        if state == "live":
            text = tr("Picture OK")
        elif state == "lost":
            text = tr("No picture — retrying. Check the cable or the camera number.")
            if c.last_status:
                text += f"\n{c.last_status}"
        elif state == "starting":
            text = tr("Starting…")
        elif state == "off":
            text = tr("No camera set (type 0 for the first webcam).")
        else:
            text = tr("Stopped")
        self.status.setText(text)

    def _update_fps(self) -> None:
        fps = self.view.fps()
        self.fps.setText(tr("{fps:.1f} frames per second").format(fps=fps) if fps else "—")
