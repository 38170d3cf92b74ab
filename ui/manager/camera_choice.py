"""The Settings' camera field: a list of the cameras present, "No camera", and a video file
or stream URL for the unusual set-up — instead of a free-text field nobody knows to fill.

The value stays the settings' `camera_source` text: "off", an OpenCV index ("0", "1", …;
see ui/devices/camera_list for how names map to indices), or a path / URL.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from ui.devices.camera import parse_source
from ui.devices.camera_list import list_cameras

_CTX = "SettingsDialog"
OFF, OTHER = "off", "other"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class CameraChoice(QWidget):
    """A combo box of choices and, for "other", a line for the file or URL."""

    def __init__(self, source: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setObjectName("settingsCamera")
        self.other = QLineEdit()
        self.other.setObjectName("settingsCameraOther")
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.other, 1)
        self.setFocusProxy(self.combo)  # the form label's mnemonic lands on the list
        self.cameras, self.how = list_cameras()
        self.combo.currentIndexChanged.connect(self._chosen)
        self._fill()
        self.set_text(source)

    def _fill(self) -> None:
        current = self.combo.currentData()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(tr("No camera"), OFF)
        for cam in self.cameras:
            self.combo.addItem(
                tr("{name} (camera {n})").format(name=cam.name, n=cam.index), str(cam.index)
            )
        self.combo.addItem(tr("Video file or stream URL…"), OTHER)
        self.combo.blockSignals(False)
        if current is not None:
            self._select(str(current))

    def _select(self, data: str) -> None:
        at = self.combo.findData(data)
        if at < 0 and data.isdigit():  # saved, but not connected now: still a choice
            self.combo.insertItem(
                self.combo.count() - 1, tr("Camera {n} (not connected)").format(n=data), data
            )
            at = self.combo.findData(data)
        self.combo.setCurrentIndex(max(0, at))
        self._chosen()

    def set_text(self, source: str) -> None:
        """Show a saved (or typed) camera_source."""
        value = parse_source(source)
        if value is None:
            self._select(OFF)
        elif isinstance(value, int):
            self._select(str(value))
        else:
            self.other.setText(str(value))
            self._select(OTHER)

    def text(self) -> str:
        """The camera_source to save or test."""
        data = str(self.combo.currentData())
        if data == OTHER:
            return self.other.text().strip() or OFF
        return data

    def _chosen(self, *_: object) -> None:
        self.other.setVisible(self.combo.currentData() == OTHER)

    def retranslate(self) -> None:
        self._fill()
        self.other.setPlaceholderText(tr("video file or stream URL"))
        self.combo.setToolTip(
            tr("The cameras connected to this computer")
            if self.how == "qt"
            else tr("Cameras found by trying device numbers 0–3 (Qt Multimedia is missing)")
        )
