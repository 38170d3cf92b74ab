"""Step 1 of the counter: the scan / type field, the search button and the camera preview slot."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.counter.step import StepPanel
from ui.widgets import Label, icon

_CTX = "MainWindow"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class ScanPanel(StepPanel):
    """Typed or scanned codes come out of `typed`; `set_preview()` puts a live camera view
    where the "Camera preview" placeholder was."""

    typed = Signal(str)  # Enter in the field
    search_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hint: str | None = None  # the hint for this return (a return code's), if any
        layout = self.box
        row = QHBoxLayout()
        col = QVBoxLayout()
        inputs = QHBoxLayout()
        self.scan_input = QLineEdit()
        self.scan_input.setObjectName("scanInput")
        self.scan_input.setClearButtonEnabled(True)
        self.scan_input.setMaxLength(200)
        self.scan_input.returnPressed.connect(lambda: self.typed.emit(self.scan_input.text()))
        self.scan_icon = Label()
        self.scan_icon.setPixmap(icon("scan").pixmap(36, 36))
        self.search_button = QPushButton(icon("search"), "")
        self.search_button.setObjectName("searchButton")
        self.search_button.clicked.connect(self.search_requested)
        inputs.addWidget(self.scan_icon)
        inputs.addWidget(self.scan_input, 1)
        inputs.addWidget(self.search_button)
        self.hint = Label()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        col.addLayout(inputs)
        col.addWidget(self.hint)
        row.addLayout(col, 1)
        row.addWidget(self._build_preview())
        layout.addLayout(row)

    def _build_preview(self) -> QFrame:
        self.camera_preview = QFrame()
        self.camera_preview.setObjectName("cameraPreview")
        self.camera_preview.setMinimumSize(150, 84)
        self.camera_preview.setMaximumHeight(130)
        self.camera_preview.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred
        )
        self._preview_layout = QVBoxLayout(self.camera_preview)
        self._preview_layout.setContentsMargins(4, 4, 4, 4)
        self.camera_placeholder = Label()
        self.camera_placeholder.setObjectName("cameraPlaceholder")
        self.camera_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.camera_placeholder.setWordWrap(True)
        self._preview_layout.addWidget(self.camera_placeholder)
        return self.camera_preview

    def set_preview(self, widget: QWidget) -> None:
        """Show `widget` (the live camera view) in the preview frame instead of the placeholder."""
        self.camera_placeholder.hide()
        self._preview_layout.addWidget(widget)

    def retranslate(self) -> None:
        self.title.setText(tr("1  Scan the order, then each item"))
        self.scan_input.setPlaceholderText(tr("Scan or type the order number, then press Enter"))
        self.scan_input.setToolTip(tr("Scan or type here (F3). Scanning works anywhere."))
        self.search_button.setText(tr("Search"))
        self.search_button.setToolTip(tr("Find the order by phone, e-mail, card or date (F2)"))
        self.hint.setText(
            self._hint or tr("With an order open, scanning a product checks it against the order.")
        )
        self.camera_placeholder.setText(tr("Camera preview"))

    def set_hint(self, text: str | None) -> None:
        """The hint under the field for the return on screen (None: the usual one)."""
        self._hint = text
        self.retranslate()

    def focus(self) -> None:
        self.scan_input.setFocus()
        self.scan_input.selectAll()

    def show_code(self, code: str) -> None:
        """Put a rejected code back in the field (short ones only) and select it."""
        self.scan_input.setText(code if len(code) <= 64 else "")
        self.focus()
