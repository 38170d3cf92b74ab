"""Condition photos: the counter's camera takes a still of the selected line's item.

The still is the camera's newest full-size frame, saved as PNG under
``settings.home / "photos" / "<draft id>-<line>.png"``; its SHA-256 goes with the path into
the line's inspection (``desk.record_inspection(..., photo_path=, photo_sha256=)``), so the
committed return line and the ``return.committed`` audit entry carry the digest and any
later change to the file is detectable.

Encoding, writing and hashing run on the task manager's worker, in order with the other
changes of the draft; the UI thread only grabs the frame (a copy) and shows the thumbnail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Slot
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QVBoxLayout, QWidget

from counter_app.services.errors import BadInput
from counter_app.services.returns import ReturnDesk, ReturnDraft
from ui.counter import return_flow
from ui.devices.camera import CameraController
from ui.widgets import icon

_CTX = "Photo"
THUMB_W, THUMB_H = 96, 64
SHORTCUT = "F7"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def photo_file(home: Path, draft_id: str, line_no: int) -> Path:
    """Where the condition photo of one line of one return in progress is kept."""
    return Path(home) / "photos" / f"{draft_id}-{line_no}.png"


@dataclass(frozen=True)
class PhotoTaken:
    state: return_flow.DraftState
    line_no: int
    path: Path
    sha256: str


def attach_photo(
    desk: ReturnDesk, draft: ReturnDraft, line_no: int, path: str, sha256: str
) -> None:
    """Give the line its photo; a recorded inspection is recorded again with it."""
    dl = draft.lines.get(line_no)
    if dl is None:
        raise BadInput("Add the item to the return before taking its photo.")
    insp = dl.inspection
    if insp is None:
        # no reason/condition yet: the photo waits on the line; return_flow.inspect passes
        # it on to record_inspection once they are picked
        dl.photo_path, dl.photo_sha256 = path, sha256
        return
    desk.record_inspection(
        draft,
        line_no,
        reason_code=insp.reason_code,
        condition=insp.condition,
        notes=insp.notes,
        feedback=dl.feedback,
        photo_path=path,
        photo_sha256=sha256,
    )


def save_photo(
    desk: ReturnDesk, draft: ReturnDraft, line_no: int, frame: Any, home: Path
) -> PhotoTaken:
    """Worker side: PNG-encode the frame, write it atomically, hash it, attach it."""
    from counter_app.adapters.private_files import private_opener
    from counter_app.adapters.scanning.camera import encode_png, photo_digest

    if line_no not in draft.lines:
        raise BadInput("Add the item to the return before taking its photo.")
    png = encode_png(frame)
    path = photo_file(home, draft.id, line_no)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".png.part")
    with open(tmp, "wb", opener=private_opener) as fh:  # 0600: customer's goods
        fh.write(png)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    digest = photo_digest(png)
    attach_photo(desk, draft, line_no, str(path), digest)
    return PhotoTaken(return_flow.state(desk, draft, line_no), line_no, path, digest)


class PhotoPanel(QWidget):
    """Thumbnail of the selected line's photo and the "Take photo" button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoPanel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.thumb = QLabel()
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
        if path:
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
                self.thumb.setToolTip(path)
                return
        self.thumb.clear()
        self.thumb.setText(tr("No photo"))
        self.thumb.setToolTip("")


def _find_layout(root: QLayout | None, widget: QWidget) -> QLayout | None:
    """The layout (nested anywhere under ``root``) that holds ``widget`` directly."""
    if root is None:
        return None
    for i in range(root.count()):
        item = root.itemAt(i)
        if item is None:
            continue
        if item.widget() is widget:
            return root
        child = item.layout()
        if child is not None:
            found = _find_layout(child, widget)
            if found is not None:
                return found
    return None


class _WindowPhoto(QObject):
    """Glue: the panel in the inspection form, the shortcut, the job, the thumbnail."""

    def __init__(self, win: Any, controller: CameraController, panel: PhotoPanel) -> None:
        super().__init__(win)
        self.win = win
        self.controller = controller
        self.panel = panel
        self._shown: str | None = "-"
        panel.button.clicked.connect(self.take)
        sc = QShortcut(QKeySequence(SHORTCUT), win.work)
        sc.setContext(Qt.ShortcutContext.WindowShortcut)
        sc.activated.connect(self.take)
        win.draft_changed.connect(self.refresh)
        win.order_shown.connect(self.refresh)
        win.signed_in.connect(self.refresh)
        win.lines.currentCellChanged.connect(self.refresh)
        controller.state_changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self, *_: Any) -> None:
        win = self.win
        dl = win._current_draft_line()
        self.panel.button.setEnabled(
            dl is not None and win.committed is None and self.controller.state != "off"
        )
        path = dl.photo_path if dl is not None else None
        if path != self._shown:
            self._shown = path
            self.panel.show_photo(path)
        self.panel.retranslate()

    @Slot()
    def take(self) -> None:
        """Take a still of the selected line now (the worker saves and attaches it)."""
        win = self.win
        dl = win._current_draft_line()
        if win.locked or dl is None or win.committed is not None or win.draft is None:
            win.banner.show_message(
                tr("Pick a line of the return first, then take its photo."), "warning", 5000
            )
            return
        frame = self.controller.latest_frame()
        if frame is None:
            win.banner.show_message(
                tr(
                    "The camera has no picture yet. Check the camera (Settings → Test "
                    "camera), then press Take photo again."
                ),
                "warning",
                8000,
            )
            return
        desk, draft, n = win.ctx.desk, win.draft, dl.line.line_no
        home = Path(win.ctx.app.settings.home)
        self.panel.button.setEnabled(False)
        win._run_draft(
            lambda: save_photo(desk, draft, n, frame, home),
            self._taken,
            self._failed,
        )

    def _taken(self, taken: PhotoTaken) -> None:
        self._shown = None  # force a reload: a retake keeps the path, not the picture
        self.win._apply_state(taken.state)
        self.refresh()
        self.win.show_info(tr("Photo saved for line {n}.").format(n=taken.line_no))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, OSError):
            self.win.banner.show_message(
                tr("The photo could not be saved: {error}").format(error=exc), "error"
            )
        else:
            self.win.show_error(exc)
        self.refresh()


def install_photo(win: Any, controller: CameraController) -> PhotoPanel:
    """Replace the window's photo slot with the thumbnail + "Take photo" button."""
    panel = PhotoPanel()
    slot = win.photo_slot
    layout = _find_layout(win.inspect_title.parentWidget().layout(), slot)
    if layout is not None:
        layout.replaceWidget(slot, panel)
        slot.hide()
    else:  # the form changed shape: keep the button reachable anyway
        holder = slot.parentWidget()
        box = holder.layout() if holder is not None else None
        if isinstance(box, QVBoxLayout | QHBoxLayout):
            box.addWidget(panel)
    win.photo_panel = panel
    win._photo_glue = _WindowPhoto(win, controller, panel)
    return panel
