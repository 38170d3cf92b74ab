"""Small shared widgets: the message banner, eligibility badges, icons, panels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.labels import plain_tip

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
_CTX = "Widgets"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def panel(title_label: QLabel | None = None) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(8)
    if title_label is not None:
        title_label.setObjectName("sectionTitle")
        layout.addWidget(title_label)
    return frame, layout


def form_row(form: QFormLayout, label: QLabel, field: QWidget | QLayout) -> None:
    """A form row whose label sits level with the middle of its (tall, styled) field."""
    if isinstance(field, QWidget):
        label.setBuddy(field)
        label.setMinimumHeight(field.sizeHint().height())
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.addRow(label, field)


def restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)



class Label(QLabel):
    """The app's label: plain text, so a name or note holding markup shows as the characters
    typed, never as HTML (a QLabel's default, AutoText, guesses and renders it). A label that
    wants rich text sets it explicitly and escapes the data it puts in (ui/labels.escape)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

class Banner(QFrame):
    """One line of news where the cashier looks: errors stay until dismissed or replaced."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.icon = Label()
        self.icon.setPixmap(icon("warning").pixmap(28, 28))
        self.label = Label()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setObjectName("bannerClose")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.clear)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "error", timeout_ms: int = 0) -> None:
        self.kind = kind
        self.setProperty("kind", kind)
        self.icon.setVisible(kind != "info")
        self.label.setText(text)
        self.close_button.setToolTip(tr("Dismiss (Esc)"))
        for w in (self, self.label, self.icon, self.close_button):
            restyle(w)
        self.show()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def clear(self) -> None:
        self._timer.stop()
        self.kind = ""
        self.label.clear()
        self.hide()
        self.dismissed.emit()


BADGE_COLOURS = {  # kind -> (background, text): calm, high contrast
    "ok": ("#d8f0de", "#0b5d1e"),
    "fee": ("#fff1cc", "#6b4600"),
    "manager": ("#ffe0b8", "#7a3d00"),
    "approved": ("#d6e6fb", "#0d3c78"),
    "denied": ("#f9d6d3", "#8a1c1c"),
    "final": ("#e6dcf2", "#4a2377"),
    "done": ("#e2e7ec", "#4a5866"),
}
BADGE_KIND_ROLE = int(Qt.ItemDataRole.UserRole) + 1


def badge_item(text: str, kind: str, tooltip: str, line_no: int) -> QTableWidgetItem:
    """An eligibility badge as a table cell (cheaper than a widget per row)."""
    item = QTableWidgetItem(text)
    background, foreground = BADGE_COLOURS.get(kind, BADGE_COLOURS["done"])
    item.setBackground(QColor(background))
    item.setForeground(QColor(foreground))
    font = item.font()
    font.setBold(True)
    item.setFont(font)
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    item.setToolTip(plain_tip(tooltip))
    item.setData(Qt.ItemDataRole.UserRole, line_no)
    item.setData(BADGE_KIND_ROLE, kind)
    return item


class BusyBar(QWidget):
    """A thin busy indicator shown when work takes longer than 200 ms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QProgressBar

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setObjectName("busy")
        layout.addWidget(self.bar)
        self.setVisible(False)


class StatusButton(QPushButton):
    """A compact, coloured state in the status bar that opens its one detail dialog on click
    (the printer queue, head-office sync)."""

    def __init__(
        self, object_name: str, colours: dict[str, tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.colours = colours
        self.state = ""
        self.dialog: QDialog | None = None

    def show_state(self, text: str, state: str, tips: list[str]) -> None:
        self.state = state
        self.setText(text)
        self.setToolTip(plain_tip("\n".join(tips)))
        background, colour = self.colours[state]
        self.setStyleSheet(
            f"QPushButton#{self.objectName()} {{ background: {background}; color: {colour}; "
            "border-radius: 6px; padding: 4px 8px; }"
        )

    def open_single(self, make_dialog: Callable[[], QDialog]) -> QDialog:
        """The detail dialog: raised if already open, else made and opened (not modal)."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        dialog = make_dialog()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.destroyed.connect(self._dialog_gone)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_gone(self, *_: object) -> None:
        self.dialog = None


class _WindowWatcher(QObject):
    def __init__(
        self, window: QWidget, on_show: Callable[[], None], on_close: Callable[[], None]
    ) -> None:
        super().__init__(window)
        self._on_show, self._on_close = on_show, on_close
        window.installEventFilter(self)
        if window.isVisible():  # installed after the window was shown
            QTimer.singleShot(0, on_show)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            QTimer.singleShot(0, self._on_show)
        elif event.type() == QEvent.Type.Close:
            self._on_close()
        return False


def follow_window(
    window: QWidget, on_show: Callable[[], None], on_close: Callable[[], None]
) -> None:
    """Run `on_show` once the window is on screen (now, if it already is) and `on_close` when
    it closes: background services live exactly as long as the counter's window."""
    _WindowWatcher(window, on_show, on_close)


if TYPE_CHECKING:
    _WidgetBase = QWidget
else:
    _WidgetBase = object


class LiveScreen(_WidgetBase):
    """Mixin for every screen and dialog: re-reads its texts when the language changes, and
    puts the cursor in its first field whenever it is shown (the cashier types at once).

    Put it first: `class HistoryDialog(LiveScreen, QDialog)`; override `retranslate()` and,
    where a field should take the keyboard, `first_field()`."""

    def retranslate(self) -> None:
        """Set every visible text again in the current language."""

    def first_field(self) -> QWidget | None:
        return None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        target = self.first_field()
        if target is not None:
            self.activateWindow()
            target.setFocus()


class VScroll(QScrollArea):
    """A frameless area that scrolls `part` vertically only, as tall as room allows: the part
    keeps its full width (its minimum width is the area's), only its height gives way. The
    counter scrolls its detail areas this way, never the header or the action buttons."""

    def __init__(self, part: QWidget, min_height: int = 100) -> None:
        super().__init__()
        self.setObjectName("stepScroll")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self._min_height = min_height
        self.setWidget(part)
        part.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the part's width changed (a language, a longer text)
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:
        part = self.widget()
        width = part.minimumSizeHint().width() if part is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width(), self._min_height)

    def sizeHint(self) -> QSize:
        part = self.widget()
        hint = part.sizeHint() if part is not None else QSize(0, 0)
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())


class PageStack(QStackedWidget):
    """A stack as large as the page on show, not as its largest page: a tall page that is
    not showing never pushes the buttons of the one that is off the screen."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()
