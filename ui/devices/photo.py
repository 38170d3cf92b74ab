"""Condition photos: the counter's camera takes a still of the selected line's item.

The still is the camera's newest full-size frame, saved as PNG under
``settings.home / "photos" / "<draft id>-<line>.png"``; its SHA-256 goes with the path into
the line's inspection (``desk.record_inspection(..., photo_path=, photo_sha256=)``), so the
committed return line and the ``return.committed`` audit entry carry the digest and any
later change to the file is detectable.

Encoding, writing and hashing run on the task runner's worker; the session then attaches
the file to the line (`ReturnSession.attach_photo`), in order with the other changes of the
draft. The UI thread only grabs the frame (a copy) and shows the thumbnail.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ui.context import CounterContext
from ui.counter.session import ReturnSession
from ui.devices.camera import CameraController
from ui.labels import plain_tip
from ui.widgets import Label, icon

_CTX = "Photo"
THUMB_W, THUMB_H = 96, 64
SHORTCUT = "F7"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def photo_file(home: Path, draft_id: str, line_no: int) -> Path:
    """Where the condition photo of one line of one return in progress is kept."""
    return Path(home) / "photos" / f"{draft_id}-{line_no}.png"


@dataclass(frozen=True)
class StoredPhoto:
    line_no: int
    path: Path
    sha256: str


def store_photo(frame: Any, home: Path, draft_id: str, line_no: int) -> StoredPhoto:
    """Worker side: PNG-encode the frame, write it atomically and hash it."""
    from counter_app import bootstrap

    png, digest = bootstrap.encode_photo(frame)
    path = photo_file(home, draft_id, line_no)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".png.part")
    with open(tmp, "wb", opener=bootstrap.private_opener) as fh:  # 0600: customer's goods
        fh.write(png)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return StoredPhoto(line_no, path, digest)


class PhotoPanel(QWidget):
    """Thumbnail of the selected line's photo and the "Take photo" button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoPanel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.thumb = Label()
        self.thumb.setObjectName("photoThumb")
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setFixedSize(THUMB_W + 8, THUMB_H + 8)
        self.thumb.setStyleSheet("border: 2px dashed #9aa8b6; border-radius: 6px; color: #4a5866;")
        self.button = QPushButton(icon("camera"), "")
        self.button.setObjectName("takePhotoButton")
        self.button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout.addWidget(self.thumb)
        layout.addWidget(self.button, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(tr("Take photo"))
        self.button.setToolTip(
            tr("Photograph the item's condition with the counter camera ({key})").format(
                key=SHORTCUT
            )
        )
        if self.thumb.pixmap() is None or self.thumb.pixmap().isNull():
            self.thumb.setText(tr("No photo"))

    def show_photo(self, path: str | None) -> None:
        from counter_app import bootstrap

        # Over the pixel budget (a swapped file), the header says so before Qt decodes it.
        if path and bootstrap.image_fits(path):
            pixmap = QPixmap.fromImage(QImage(path))  # not QPixmap(path): no stale cache
            if not pixmap.isNull():
                self.thumb.setPixmap(
                    pixmap.scaled(
                        THUMB_W,
                        THUMB_H,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
                self.thumb.setToolTip(plain_tip(path))
                return
        self.thumb.clear()
        self.thumb.setText(tr("No photo"))
        self.thumb.setToolTip("")


class PhotoTaker(QObject):
    """The photo of the selected line: `panel` (for the inspection panel's photo slot), the F7
    shortcut, the save off the UI thread, and `ReturnSession.attach_photo` with the result.
    Banner texts come out of `message(text, kind, timeout_ms)`, failures out of `failed`."""

    message = Signal(str, str, int)
    failed = Signal(object)

    def __init__(
        self,
        ctx: CounterContext,
        session: ReturnSession,
        controller: CameraController,
        ready: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.controller = controller
        self.ready = ready  # someone is signed in and the counter is not locked
        self.panel = PhotoPanel()
        self._shown: str | None = "-"
        self.panel.button.clicked.connect(self.take)
        sc = QShortcut(QKeySequence(SHORTCUT), self.panel)
        sc.setContext(Qt.ShortcutContext.WindowShortcut)
        sc.activated.connect(self.take)
        for signal in (
            session.draft_changed,
            session.order_shown,
            session.line_selected,
            session.cleared,
            session.return_committed,
            controller.state_changed,
        ):
            signal.connect(self.refresh)
        session.photo_attached.connect(self._attached)
        self.refresh()

    @Slot()
    def refresh(self, *_: Any) -> None:
        dl = self.session.current_draft_line()
        # no camera set up or none connected: no button (a lost one may come back any
        # moment; Take photo then says when there is no picture)
        self.panel.button.setEnabled(
            dl is not None
            and self.session.committed is None
            and self.controller.state not in ("off", "absent")
        )
        path = dl.photo_path if dl is not None else None
        if path != self._shown:
            self._shown = path
            self.panel.show_photo(path)
        self.panel.retranslate()

    @Slot()
    def take(self) -> None:
        """Take a still of the selected line now (the worker saves it, the session attaches)."""
        s = self.session
        dl = s.current_draft_line()
        if not self.ready() or dl is None or s.committed is not None or s.draft is None:
            self.message.emit(
                tr("Pick a line of the return first, then take its photo."), "warning", 5000
            )
            return
        if self.controller.state in ("off", "absent"):
            self.message.emit(
                tr("No camera is connected, so no photo can be taken. Note the condition in "
                   "the notes instead."),
                "warning",
                8000,
            )
            return
        frame = self.controller.latest_frame()
        if frame is None:
            self.message.emit(
                tr(
                    "The camera has no picture yet. Check the camera (Settings → Test "
                    "camera), then press Take photo again."
                ),
                "warning",
                8000,
            )
            return
        home, draft_id, n = Path(self.ctx.app.settings.home), s.draft.id, dl.line.line_no
        self.panel.button.setEnabled(False)
        self.ctx.tasks.run(
            lambda: store_photo(frame, home, draft_id, n), self._stored, self._failed
        )

    def _stored(self, photo: StoredPhoto) -> None:
        self.session.attach_photo(photo.line_no, str(photo.path), photo.sha256)

    def _attached(self, line_no: int) -> None:
        self._shown = None  # force a reload: a retake keeps the path, not the picture
        self.refresh()
        self.message.emit(tr("Photo saved for line {n}.").format(n=line_no), "info", 6000)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, OSError):
            self.message.emit(
                tr("The photo could not be saved: {error}").format(error=exc), "error", 0
            )
        else:
            self.failed.emit(exc)
        self.refresh()
