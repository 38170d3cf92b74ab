"""The store-credit screen (F8): scan or type a voucher and see its value, what was spent,
what is left, and whether its check value is genuine (`services.credit`)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.services.credit import NOT_HERE, CreditStatus, credit_status
from ui import i18n
from ui.context import CounterContext
from ui.errors import friendly_error
from ui.widgets import Label, LiveScreen, form_row, icon

_CTX = "CreditDialog"
SHORTCUT = "F8"
_OK, _BAD, _PLAIN = "color: #1b5e20;", "color: #b00020; font-weight: bold;", ""


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def check_text(st: CreditStatus) -> tuple[str, str]:
    """(words, style) of the check-value verdict, in the current language."""
    if st.genuine is None:
        return tr("A store-credit number has no check value: scan the voucher's barcode to "
                  "check it."), _PLAIN  # fmt: skip
    if st.genuine and st.check_text == NOT_HERE:
        return tr("Genuine, but not in this store's records (issued at another store, or not "
                  "synced yet)."), _OK  # fmt: skip
    if st.genuine:
        return tr("Genuine: the check value matches this company's voucher."), _OK
    english = i18n.current_language() == "en"
    detail = "" if english else " " + st.check_text
    return tr("NOT genuine: do not accept this voucher; call a manager.") + detail, _BAD


class CreditDialog(LiveScreen, QDialog):
    """One voucher at a time; Enter in the code field (a scanner sends it) checks it."""

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("creditDialog")
        self.setWindowIcon(icon("search"))
        self.ctx = ctx
        self.status: CreditStatus | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code_label = Label()
        self.code = QLineEdit()
        self.code.setObjectName("creditCode")
        self.code.setMaxLength(80)
        self.code.returnPressed.connect(self.check)
        form_row(form, self.code_label, self.code)
        self.names = {k: Label() for k in ("credit", "value", "spent", "left", "check")}
        self.values = {k: Label() for k in self.names}
        for key, name in self.names.items():
            self.values[key].setObjectName(f"credit_{key}")
            self.values[key].setWordWrap(True)
            form.addRow(name, self.values[key])
        layout.addLayout(form)
        self.check_button = QPushButton(icon("search"), "")
        self.check_button.setAutoDefault(False)
        self.check_button.clicked.connect(self.check)
        layout.addWidget(self.check_button)
        self.message = Label()
        self.message.setObjectName("creditMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.resize(620, 380)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Store credit"))
        self.code_label.setText(tr("&Voucher code"))
        self.code.setPlaceholderText(tr("Scan the voucher's barcode or type its code"))
        for key, text in (("credit", tr("Store credit")), ("value", tr("Value")),
                          ("spent", tr("Spent")), ("left", tr("Left")),
                          ("check", tr("Check value"))):  # fmt: skip
            self.names[key].setText(text)
        self.check_button.setText(tr("Check"))
        self.check_button.setToolTip(tr("Check the voucher (Enter)"))
        if self.status is not None:
            self._show(self.status)

    def first_field(self) -> QWidget:
        return self.code

    def check(self) -> None:
        text = self.code.text()
        if not text.strip():
            self.message.setText(tr("Scan the voucher's barcode or type its code."))
            return
        engine, settings = self.ctx.app.engine, self.ctx.app.settings
        self.message.setText(tr("Checking…"))
        self.ctx.tasks.run(lambda: credit_status(engine, settings, text), self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status = None
        for value in self.values.values():
            value.clear()
        self.message.setText(friendly_error(exc))
        self.code.selectAll()

    def _show(self, st: CreditStatus) -> None:
        self.status = st
        self.values["credit"].setText(st.store_credit_code or "—")
        for key, amount in (("value", st.value), ("spent", st.spent), ("left", st.left)):
            self.values[key].setText(i18n.money(amount) if amount is not None else "—")
        words, style = check_text(st)
        self.values["check"].setText(words)
        self.values["check"].setStyleSheet(style)
        self.message.setText("")
        self.code.selectAll()  # the next scan replaces the code



