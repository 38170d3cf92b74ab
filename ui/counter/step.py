"""The frame every step panel of the counter is (scan, order, check, refund, confirmed).

It looks like `ui.widgets.panel()` — a "panel" frame with a "sectionTitle" heading — but is
a base class: each step panel *is* the frame in the page's layout, one widget as before the
window was split, so the page lays out (and looks) exactly as it did.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from ui.widgets import Label


class StepPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.box = QVBoxLayout(self)  # the panel's contents, below its title
        self.box.setContentsMargins(12, 10, 12, 10)  # as ui.widgets.panel()
        self.box.setSpacing(8)
        self.title = Label()
        self.title.setObjectName("sectionTitle")
        self.box.addWidget(self.title)
