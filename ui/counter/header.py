"""The counter window's header: store and counter, who is signed in, and the buttons for
history, the manager's tools, settings and lock."""

from __future__ import annotations

import functools

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QWidget

from counter_app.config import Settings
from counter_app.domain.model import User
from ui.labels import plain_tip
from ui.widgets import Label, icon

_CTX = "MainWindow"
MANAGER_TOOLS = ("reports", "day_close", "stock", "mail")


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class HeaderBar(QWidget):
    """Buttons only ask (`history_requested`, `tool_requested(name)`, …); the window opens."""

    history_requested = Signal()
    settings_requested = Signal()
    lock_requested = Signal()
    tool_requested = Signal(str)  # one of MANAGER_TOOLS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        top = QHBoxLayout(self)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(8)  # as the work page's own rows
        self.title = Label()
        self.title.setObjectName("title")
        self.user_badge = Label()
        self.user_badge.setObjectName("userBadge")
        self.history_button = QPushButton(icon("history"), "")
        self.history_button.setObjectName("historyButton")
        self.history_button.clicked.connect(self.history_requested)
        self.settings_button = QPushButton(icon("settings"), "")
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.clicked.connect(self.settings_requested)
        self.manager_button = QPushButton(icon("override"), "")
        self.manager_button.setObjectName("managerButton")
        self.manager_menu = QMenu(self.manager_button)
        self.manager_actions: dict[str, QAction] = {}
        for tool in MANAGER_TOOLS:
            action = QAction(self.manager_menu)
            action.triggered.connect(functools.partial(self.tool_requested.emit, tool))
            self.manager_menu.addAction(action)
            self.manager_actions[tool] = action
        self.manager_button.setMenu(self.manager_menu)
        self.lock_button = QPushButton(icon("lock"), "")
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock_requested)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.user_badge)
        for b in (self.history_button, self.manager_button, self.settings_button, self.lock_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            top.addWidget(b)

    def show_user(self, user: User) -> None:
        """Signed in: the settings for managers only, the manager's menu only for them."""
        self.settings_button.setEnabled(user.can_approve)
        self.manager_button.setVisible(user.can_approve)

    def open_manager_menu(self) -> None:
        """Ctrl+M: the manager's menu under its button, its first entry active, so the
        arrow keys and Enter pick a tool (a popup: the window's event loop goes on)."""
        if not self.manager_button.isVisible():
            return
        button, menu = self.manager_button, self.manager_menu
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        actions = menu.actions()
        if actions:
            menu.setActiveAction(actions[0])

    def retranslate(self, settings: Settings, user: User | None) -> None:
        self.title.setText(
            tr("Store {store} · counter {counter}").format(
                store=settings.store_code, counter=settings.counter_code
            )
        )
        self.user_badge.setText(user.display_name if user else "")
        self.user_badge.setToolTip(
            plain_tip(tr("Signed in: {name}").format(name=user.display_name)) if user else ""
        )
        # The name never gets squeezed away by the header's indicators.
        self.user_badge.setMinimumWidth(self.user_badge.sizeHint().width())
        self.history_button.setText(tr("History"))
        self.history_button.setToolTip(tr("Past returns, search and reprint (F6)"))
        self.manager_button.setText(tr("Manager"))
        self.manager_button.setToolTip(
            tr("Reports, day close, returned stock, customer e-mails (Ctrl+M)")
        )
        labels = (
            tr("Reports"), tr("Close the day (Z-report)"), tr("Returned stock"),
            tr("Customer e-mails"),
        )  # fmt: skip
        for tool, label in zip(MANAGER_TOOLS, labels, strict=True):
            self.manager_actions[tool].setText(label)
        self.settings_button.setText(tr("Settings"))
        self.settings_button.setToolTip(tr("Store, counter, language, printer (Ctrl+,)"))
        self.lock_button.setText(tr("Lock"))
        self.lock_button.setToolTip(tr("Lock the counter; the return in progress is kept (Ctrl+L)"))
