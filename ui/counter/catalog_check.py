"""The catalog photo beside a line of a return started online whose item was not scanned (its
barcode is missing or unreadable): the cashier compares the item on the counter with the
picture and answers *Matches* (Alt+M) or *Doesn't match* (Alt+D) — both buttons are in the
tab order too. The picture comes from the desk (`catalog_image(sku)`) off the UI thread and
is decoded there; each SKU is asked once per counter session."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.tasks import TaskManager
from ui.widgets import Label

_CTX = "AuthorizedReturn"
SIZE = 72  # the picture's box, px: as tall as the photo slot it stands in for


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def _decode(data: bytes | None) -> QImage:
    """On a worker: the picture fitted to its box (a null image when there is none)."""
    image = QImage.fromData(data) if data else QImage()
    if image.isNull():
        return QImage()
    image = image.scaled(
        SIZE, SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class CatalogCheck(QFrame):
    """`answered(matches)` when a button is pressed; `show_for()` shows a line's picture."""

    answered = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogCheck")
        self.setStyleSheet(  # compact: the two buttons stack in the height of the photo slot
            "#catalogCheck { border: 1px solid #9aa8b6; border-radius: 6px; }"
            "#catalogCheck QPushButton { padding: 1px 10px; min-height: 1.2em; }"
        )
        self._images: dict[str, QImage] = {}
        self._sku: str | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(3, 3, 3, 3)
        row.setSpacing(6)
        self.picture = Label()
        self.picture.setObjectName("catalogPicture")
        self.picture.setFixedSize(SIZE, SIZE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setWordWrap(True)
        self.picture.setStyleSheet("font-size: 11px;")
        row.addWidget(self.picture)
        col = QVBoxLayout()
        col.setSpacing(4)
        self.matches = QPushButton()
        self.matches.setObjectName("photoMatches")
        self.matches.clicked.connect(lambda: self.answered.emit(True))
        self.no_match = QPushButton()
        self.no_match.setObjectName("photoNoMatch")
        self.no_match.clicked.connect(lambda: self.answered.emit(False))
        for button in (self.matches, self.no_match):
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setAutoDefault(True)  # Enter on a focused button presses it
            col.addWidget(button)
        row.addLayout(col, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setToolTip(tr("No barcode? Compare the item with the catalog photo."))
        self.matches.setText(tr("&Matches"))
        self.matches.setToolTip(
            tr("The item is the one in the photo: it counts as checked (Alt+M)")
        )
        self.no_match.setText(tr("&Doesn't match"))
        self.no_match.setToolTip(tr("Not the item in the photo: it leaves this return (Alt+D)"))
        if self._sku is not None and self._sku in self._images:
            self._paint(self._images[self._sku])

    def show_for(self, sku: str, tasks: TaskManager, load: Callable[[str], bytes | None]) -> None:
        """Show the picture of `sku`, asking `load` for it (on the task runner) the first time."""
        self._sku = sku
        if sku in self._images:
            self._paint(self._images[sku])
            return
        self.picture.setPixmap(QPixmap())
        self.picture.setText(tr("Loading photo…"))
        self._set_answerable(False)

        def done(image: QImage) -> None:
            self._images[sku] = image
            if self._sku == sku:
                self._paint(image)

        tasks.run(lambda: _decode(load(sku)), done, lambda _exc: done(QImage()))

    def _paint(self, image: QImage) -> None:
        if image.isNull():
            self.picture.setPixmap(QPixmap())
            self.picture.setText(tr("No catalog photo for this item"))
        else:
            self.picture.setText("")
            self.picture.setPixmap(QPixmap.fromImage(image))
        self._set_answerable(not image.isNull())

    def _set_answerable(self, ok: bool) -> None:
        """Without a picture there is nothing to compare: the buttons wait for one."""
        self.matches.setEnabled(ok)
        self.no_match.setEnabled(ok)

    def has_picture(self) -> bool:
        return self._sku is not None and not self._images.get(self._sku, QImage()).isNull()
