"""The cameras present: the Settings list, and the counter's "No camera" state.

Names come from Qt Multimedia (`QMediaDevices.videoInputs()`); the scanner opens cameras
with OpenCV by index. Both enumerate the same system list (V4L2 /dev/videoN, DirectShow,
AVFoundation) in the same order, so the n-th Qt device is OpenCV index n — the index is
what the settings store ("0", "1", …), as before. Without Qt Multimedia the list comes from
probing OpenCV indices 0..MAX_PROBE-1, each open bounded by a short timeout, and names are
"Camera n" (`how` says which way was used).

Qt Multimedia is imported on first use only (after sign-in, or when Settings open), never at
start-up; its device list is cached and kept current by `QMediaDevices.videoInputsChanged`
(a camera plugged in or out), which `watcher()` re-emits as `changed`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

MAX_PROBE = 4
PROBE_TIMEOUT = 1.0  # seconds per index: a missing device answers at once, a busy one not


@dataclass(frozen=True)
class CameraChoice:
    index: int  # the OpenCV index (the settings' camera_source)
    name: str


class DeviceWatcher(QObject):
    """The cached Qt device list; `changed` when a camera comes or goes."""

    changed = Signal()

    def __init__(self, devices: Any) -> None:
        super().__init__()
        self.devices = devices  # a QMediaDevices, kept alive for its signal
        self.names: list[str] = []
        self.reload()
        devices.videoInputsChanged.connect(self._changed)

    def reload(self) -> None:
        from PySide6.QtMultimedia import QMediaDevices

        self.names = [d.description() for d in QMediaDevices.videoInputs()]

    def _changed(self) -> None:
        self.reload()
        self.changed.emit()


_watcher: DeviceWatcher | None = None
_qt_missing = False


def watcher() -> DeviceWatcher | None:
    """The process-wide device watcher; None without Qt Multimedia (UI thread only)."""
    global _watcher, _qt_missing
    if _watcher is None and not _qt_missing:
        try:
            from PySide6.QtMultimedia import QMediaDevices

            _watcher = DeviceWatcher(QMediaDevices())
        except Exception as exc:  # no QtMultimedia in this PySide6 build: probe OpenCV
            log.info("Qt Multimedia is not available (%s); cameras are probed with OpenCV", exc)
            _qt_missing = True
    return _watcher


def _opens(index: int, timeout: float) -> bool:
    """Does OpenCV open camera `index` within `timeout`? (A thread: a driver may hang.)"""
    result: list[bool] = []

    def probe() -> None:
        try:
            import cv2

            cap = cv2.VideoCapture(index)
            try:
                result.append(bool(cap.isOpened()))
            finally:
                cap.release()
        except Exception:  # no OpenCV, a broken driver: no camera there
            result.append(False)

    th = threading.Thread(target=probe, name=f"camera-probe-{index}", daemon=True)
    th.start()
    th.join(timeout)
    return bool(result and result[0])


def list_cameras(probe_timeout: float = PROBE_TIMEOUT) -> tuple[list[CameraChoice], str]:
    """(the cameras present, "qt" or "opencv": how they were found)."""
    w = watcher()
    if w is not None:
        return [CameraChoice(i, name) for i, name in enumerate(w.names)], "qt"
    found = [i for i in range(MAX_PROBE) if _opens(i, probe_timeout)]
    return [CameraChoice(i, f"Camera {i}") for i in found], "opencv"


def present(index: int) -> bool | None:
    """Is there a camera at OpenCV index `index`? None: cannot tell (no Qt Multimedia), and
    the scanner tries as before."""
    w = watcher()
    if w is None:
        return None
    return 0 <= index < len(w.names)
