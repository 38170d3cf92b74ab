"""The lock screen's way out of a stranded return: a manager who signs in there while
another cashier's return is in progress may take it over (kept, and finished in the
manager's name) or discard it — both audited (counter_app.services.takeover).

The manager's PIN is checked by the lock screen as any sign-in (services.auth); this box
then offers the two choices under its message, keyboard first: the focus lands on
*Take over the return*, Tab reaches *Discard* and *Cancel*.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from counter_app.domain.model import User
from counter_app.services import takeover
from ui.errors import friendly_error
from ui.widgets import Label, LiveScreen

_CTX = "LoginPage"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class TakeoverBox(LiveScreen, QFrame):
    """Shown on the lock screen once a manager's PIN was accepted over a return in progress."""

    def __init__(self, window: Any) -> None:
        super().__init__(window.login)
        self.setObjectName("takeoverBox")
        self.main = window  # the MainWindow: its session, login page and banner
        self.manager: User | None = None
        self.holder: User | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note = Label()
        self.note.setObjectName("takeoverNote")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        self.take_button = QPushButton()
        self.take_button.setObjectName("takeoverTake")
        self.take_button.clicked.connect(self.take_over)
        self.discard_button = QPushButton()
        self.discard_button.setObjectName("takeoverDiscard")
        self.discard_button.clicked.connect(self.discard)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("takeoverCancel")
        self.cancel_button.clicked.connect(self.cancel)
        for b in (self.take_button, self.discard_button, self.cancel_button):
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            b.setAutoDefault(True)  # Enter presses the focused choice
            row.addWidget(b)
        layout.addLayout(row)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.take_button.setText(tr("&Take over the return"))
        self.take_button.setToolTip(tr("Keep the return and finish it in your name"))
        self.discard_button.setText(tr("&Discard the return"))
        self.discard_button.setToolTip(tr("Drop the unsaved return; the counter starts empty"))
        self.cancel_button.setText(tr("Cancel"))
        if self.manager is not None and self.holder is not None:
            self.note.setText(self._note_text())

    def _note_text(self) -> str:
        assert self.manager is not None and self.holder is not None
        text = tr(
            "As a manager you can take over the return {cashier} started (it is finished in "
            "your name) or discard it. Either is recorded in the audit trail."
        ).format(cashier=self.holder.display_name)
        if takeover.own_approvals(self.main.session.draft, self.manager):
            text += " " + tr(
                "Your own approval on this return is dropped if you take it over: another "
                "manager approves that item again."
            )
        return text

    def offer(self, manager: User, holder: User) -> str:
        """Show the choices; the lock screen's message line for it."""
        self.manager, self.holder = manager, holder
        self.note.setText(self._note_text())
        self._enable(True)
        self.show()
        self.take_button.setFocus()
        return tr("{name} has a return in progress.").format(name=holder.display_name)

    def cancel(self) -> None:
        was_open = self.isVisible()
        self.manager = self.holder = None
        self.hide()
        if was_open:
            login = self.main.login
            login.message.clear()
            if self.main.locked:
                login.pin.setFocus()

    def _enable(self, on: bool) -> None:
        for b in (self.take_button, self.discard_button, self.cancel_button):
            b.setEnabled(on)

    def take_over(self) -> None:
        manager, holder = self.manager, self.holder
        if manager is None or holder is None:
            return
        self._enable(False)

        def done() -> None:
            self._signed_in(manager)
            self.main.show_info(
                tr("{manager} took over the return {cashier} started.").format(
                    manager=manager.display_name, cashier=holder.display_name
                )
            )

        self.main.session.hand_over(manager, done, self._failed)

    def discard(self) -> None:
        manager, holder = self.manager, self.holder
        draft = self.main.session.draft
        if manager is None or holder is None or draft is None:
            return
        self._enable(False)
        app = self.main.ctx.app
        store = app.settings.store_code

        def done(_: object) -> None:
            self._signed_in(manager)  # another cashier's draft: the window clears it
            self.main.show_info(
                tr("{manager} discarded the return {cashier} started.").format(
                    manager=manager.display_name, cashier=holder.display_name
                )
            )

        self.main.ctx.tasks.run(
            lambda: takeover.discard(app.engine, app.clock, store, draft, manager),
            done,
            self._failed,
        )

    def _signed_in(self, manager: User) -> None:
        self.cancel()
        self.main.login.signed_in.emit(manager)

    def _failed(self, exc: BaseException) -> None:
        self._enable(True)
        self.main.login.message.setText(friendly_error(exc))


def install_takeover(window: Any) -> TakeoverBox:
    """Under the lock screen's message; gone when someone else types a name, or on lock."""
    box = TakeoverBox(window)
    login = window.login
    layout = login.message.parentWidget().layout()
    layout.insertWidget(layout.indexOf(login.message) + 1, box)
    login.username.textEdited.connect(lambda _t: box.cancel())
    login.pin.textEdited.connect(lambda _t: box.cancel())
    window.lock_changed.connect(lambda locked: box.cancel() if locked else None)
    return box
