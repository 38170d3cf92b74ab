"""Sign-in and lock screen: user name + PIN, checked off the UI thread (argon2 is slow)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.model import User
from counter_app.services import auth
from counter_app.services.errors import CounterError, SignInFailed
from ui.context import CounterContext
from ui.widgets import Label, LiveScreen, form_row, icon, panel

_CTX = "LoginPage"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def _panel() -> tuple[QFrame, QVBoxLayout]:
    """The sign-in box. No vertical cap and no alignment flag around it (see `_centred`):
    either makes the layout give it its one-line height, and a message that wraps is then
    drawn over the User and PIN fields."""
    box, layout = panel()
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    policy.setHeightForWidth(True)
    box.setSizePolicy(policy)
    box.setMinimumWidth(420)
    box.setMaximumWidth(620)
    return box, layout


def _centred(box: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(box, 2)
    row.addStretch(1)
    return row


class LoginPage(LiveScreen, QWidget):
    """Shown at start (sign in) and when the counter is locked (unlock)."""

    signed_in = Signal(object)  # User

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginPage")
        self.ctx = ctx
        self.locked_by: User | None = None
        self.check: Callable[[User], str | None] | None = None  # refuses some users (lock)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box, layout = _panel()
        self.logo = Label()
        self.logo.setPixmap(icon("app").pixmap(56, 56))
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = Label()
        self.title.setObjectName("lockTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = Label()
        self.subtitle.setObjectName("muted")
        self.subtitle.setWordWrap(True)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.user_label = Label()
        self.pin_label = Label()
        self.username = QLineEdit()
        self.username.setObjectName("loginUser")
        self.pin = QLineEdit()
        self.pin.setObjectName("loginPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        form_row(form, self.user_label, self.username)
        form_row(form, self.pin_label, self.pin)
        self.message = Label()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #8a1c1c; font-weight: 600;")
        self.button = QPushButton()
        self.button.setObjectName("primary")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.username.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self.submit)
        for w in (self.logo, self.title, self.subtitle):
            layout.addWidget(w)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.button)
        outer.addLayout(_centred(box))
        outer.addStretch(2)
        self.setTabOrder(self.username, self.pin)
        self.setTabOrder(self.pin, self.button)
        self.retranslate()

    def retranslate(self) -> None:
        if self.locked_by is not None:
            self.title.setText(tr("Counter locked"))
            self.subtitle.setText(
                tr("{name} is signed in. Enter the PIN to continue where you left off.").format(
                    name=self.locked_by.display_name
                )
            )
        else:
            self.title.setText(tr("Returns Counter"))
            self.subtitle.setText(tr("Sign in with your user name and PIN."))
        self.user_label.setText(tr("&User"))
        self.pin_label.setText(tr("&PIN"))
        self.button.setText(tr("Sign in"))
        self.button.setToolTip(tr("Sign in (Enter)"))

    def first_field(self) -> QWidget | None:
        return self.pin if self.locked_by is not None else self.username

    def prepare(self, locked_by: User | None) -> None:
        self.locked_by = locked_by
        self.pin.clear()
        self.message.clear()
        self.button.setEnabled(True)
        if locked_by is not None:
            self.username.setText(locked_by.username)
            self.pin.setFocus()
        else:
            self.username.clear()
            self.username.setFocus()
        self.retranslate()

    def submit(self) -> None:
        username = self.username.text().strip()
        pin = self.pin.text()
        if not username or not pin:
            self.message.setText(tr("Enter your user name and PIN."))
            return
        self.button.setEnabled(False)
        self.message.setText(tr("Checking…"))
        app = self.ctx.app
        self.ctx.tasks.run(
            lambda: auth.authenticate(app.engine, app.clock, username, pin),
            self._accepted,
            self._refused,
        )

    def _accepted(self, user: User) -> None:
        self.button.setEnabled(True)
        refusal = self.check(user) if self.check else None
        if refusal:
            self.message.setText(refusal)
            self.pin.clear()
            return
        self.pin.clear()
        self.message.clear()
        self.signed_in.emit(user)

    def _refused(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()
        if isinstance(exc, SignInFailed):  # one message for unknown, wrong and locked
            self.message.setText(tr(
                "Wrong user name or PIN, or too many wrong PINs. Try again later or ask an "
                "administrator."
            ))  # fmt: skip
        elif isinstance(exc, CounterError):
            self.message.setText(tr("Wrong user name or PIN. Try again."))
        else:
            self.message.setText(tr("The database cannot be reached. Check the connection "
                                    "and try again; if it persists, call support."))
