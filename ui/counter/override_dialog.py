"""A manager approves one referred or denied line with their own user name and PIN."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.draft import OverrideGrant, ReturnDraft
from counter_app.services.errors import CounterError, OverrideRefused, SignInFailed
from ui import i18n
from ui.context import CounterContext
from ui.labels import override_reason_name
from ui.widgets import Label, LiveScreen, form_row, icon

_CTX = "OverrideDialog"

# Stable codes saved with the override; the label is what the manager reads.
OVERRIDE_REASONS = (
    "customer_goodwill",
    "store_error",
    "policy_exception",
    "manager_discretion",
)


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


reason_label = override_reason_name  # ui/labels.py: the history and day close use it too


class OverrideDialog(LiveScreen, QDialog):
    granted = Signal(object)  # OverrideGrant

    def __init__(
        self, ctx: CounterContext, draft: ReturnDraft, line_no: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("overrideDialog")
        self.setWindowIcon(icon("override"))
        self.setModal(True)
        self.ctx = ctx
        self.draft = draft
        self.line_no = line_no
        self.grant: OverrideGrant | None = None
        layout = QVBoxLayout(self)
        self.heading = Label()
        self.heading.setObjectName("sectionTitle")
        self.heading.setWordWrap(True)
        self.why = Label()
        self.why.setWordWrap(True)
        self.why.setObjectName("overrideWhy")
        layout.addWidget(self.heading)
        layout.addWidget(self.why)
        layout.addLayout(self._build_form())
        self.message = Label()
        self.message.setObjectName("overrideMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #8a1c1c; font-weight: 600;")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("primary")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ok.setAutoDefault(False)
        self.ok.setDefault(False)
        self.setMinimumWidth(520)
        self.retranslate()
        self.username.setFocus()

    def _build_form(self) -> QFormLayout:
        """The manager's name and PIN, the reason code and a note."""
        form = QFormLayout()
        self.user_label, self.pin_label = Label(), Label()
        self.reason_label, self.note_label = Label(), Label()
        self.username = QLineEdit()
        self.username.setObjectName("managerUser")
        self.pin = QLineEdit()
        self.pin.setObjectName("managerPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.reason = QComboBox()
        self.reason.setObjectName("overrideReason")
        self.note = QLineEdit()
        self.note.setObjectName("overrideNote")
        self.note.setMaxLength(500)
        for label, field in (
            (self.user_label, self.username),
            (self.pin_label, self.pin),
            (self.reason_label, self.reason),
            (self.note_label, self.note),
        ):
            form_row(form, label, field)
        return form

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Manager override"))
        dl = self.draft.lines.get(self.line_no)
        name = dl.line.name if dl else str(self.line_no)
        self.heading.setText(tr("Manager approval for: {item}").format(item=name))
        reasons = []
        if dl is not None and dl.decision is not None:
            reasons = [i18n.reason_text(r) for r in dl.decision.reasons]
        cashier = self.draft.cashier.display_name
        self.why.setText(
            "\n".join(f"• {r}" for r in reasons)
            + "\n"
            + tr("A manager other than {cashier} signs in here.").format(cashier=cashier)
        )
        self.user_label.setText(tr("&Manager"))
        self.pin_label.setText(tr("&PIN"))
        self.reason_label.setText(tr("&Reason"))
        self.note_label.setText(tr("&Note"))
        self.note.setPlaceholderText(tr("Optional, e.g. what the customer told you"))
        keep = self.reason.currentData()
        self.reason.clear()
        for code in OVERRIDE_REASONS:
            self.reason.addItem(reason_label(code), code)
        if keep is not None:
            self.reason.setCurrentIndex(self.reason.findData(keep))
        self.ok.setText(tr("Approve"))
        self.ok.setToolTip(tr("Approve this line (Enter in the note field)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))

    def first_field(self) -> QWidget:
        return self.username

    def submit(self) -> None:
        username = self.username.text().strip()
        pin = self.pin.text()
        if not username or not pin:
            self.message.setText(tr("The manager enters their user name and PIN."))
            return
        reason = self.reason.currentData() or OVERRIDE_REASONS[0]
        note = self.note.text()
        self.ok.setEnabled(False)
        self.message.setText(tr("Checking…"))
        desk, draft, n = self.ctx.desk, self.draft, self.line_no
        self.ctx.tasks.run(
            lambda: desk.authorize_override(
                draft, n, manager_username=username, pin=pin, reason=reason, note=note
            ),
            self._granted,
            self._refused,
        )

    def _granted(self, grant: OverrideGrant) -> None:
        self.grant = grant
        self.pin.clear()
        self.granted.emit(grant)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        self.pin.clear()
        english = i18n.current_language() == "en"
        if isinstance(exc, SignInFailed):  # one message for unknown, wrong and locked
            text = tr("Wrong user name or PIN, or too many wrong PINs. Try again later or ask "
                      "an administrator.")
        elif isinstance(exc, OverrideRefused):
            if "own return" in str(exc):
                text = tr("You cannot approve your own return. Ask another manager to sign "
                          "in here.")
            elif english:
                text = str(exc)
            else:
                text = tr("This approval was refused:") + " " + str(exc)
        elif isinstance(exc, CounterError):
            text = str(exc)
        else:
            text = tr("The database cannot be reached. Nothing was approved; try again.")
        self.message.setText(text)
        if isinstance(exc, SignInFailed):
            self.pin.setFocus()
        else:
            self.username.setFocus()
            self.username.selectAll()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Enter moves on: manager → PIN → reason → note → approve."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            steps = [self.username, self.pin, self.reason, self.note]
            for i, widget in enumerate(steps[:-1]):
                if widget.hasFocus():
                    steps[i + 1].setFocus()
                    return
            self.submit()
            return
        super().keyPressEvent(event)
