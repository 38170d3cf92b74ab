"""How the money of an exchange is settled, below its outcome: the tender a refundable
difference goes back to, or how the customer paid a balance owed — cash into the drawer, or a
card on the store's standalone terminal (brand, last 4, the terminal's approval code).

A full card number never stays on screen: the moment a field holds more digits than a last 4
or an approval code can have, it is emptied and the cashier reads why (`refused`). Nothing
here keeps, logs or shows what was typed.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from counter_app.domain.exchange import (
    CARD_BRANDS,
    BalancePayment,
    ExchangeOutcome,
    balance_problem,
)
from ui.labels import tender_name
from ui.widgets import Label

_CTX = "ExchangePanel"
_APPROVAL = re.compile(r"^[A-Za-z0-9]{4,12}$")
_MAX_APPROVAL_DIGITS = 12


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def card_number_refused() -> str:
    return tr(
        "Never type the full card number: enter only its last 4 digits. What was typed "
        "has been cleared and is not kept."
    )


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


class BalanceForm(QWidget):
    """Rows shown as the outcome needs them; `settlement()` reads what the cashier entered."""

    refused = Signal(str)  # a full card number was typed and cleared: the message to show
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.refund_label, self.refund_tender = Label(), QComboBox()
        self.refund_tender.setObjectName("exchangeRefundTender")
        self.method_label, self.method = Label(), QComboBox()
        self.method.setObjectName("balanceMethod")
        self.method.addItem("", "cash")
        self.method.addItem("", "card")
        self.method.currentIndexChanged.connect(self._method_changed)
        self.brand_label, self.brand = Label(), QComboBox()
        self.brand.setObjectName("cardBrand")
        for brand in CARD_BRANDS:
            self.brand.addItem(brand, brand)
        self.last4_label, self.last4 = Label(), QLineEdit()
        self.last4.setObjectName("cardLast4")
        self.last4.setMaxLength(24)  # room to notice a full number, which is then refused
        self.last4.textEdited.connect(self._last4_edited)
        self.approval_label, self.approval = Label(), QLineEdit()
        self.approval.setObjectName("approvalCode")
        self.approval.setMaxLength(24)
        self.approval.textEdited.connect(self._approval_edited)
        for row, (name, combo) in enumerate(
            ((self.refund_label, self.refund_tender), (self.method_label, self.method))
        ):
            name.setBuddy(combo)
            grid.addWidget(name, row, 0)
            grid.addWidget(combo, row, 1)
        card = QHBoxLayout()  # the terminal's slip, in the order it is read
        card.setSpacing(6)
        slip: tuple[tuple[QLabel, QWidget], ...] = (
            (self.brand_label, self.brand),
            (self.last4_label, self.last4),
            (self.approval_label, self.approval),
        )
        for label, field in slip:
            label.setBuddy(field)
            if card.count():
                card.addSpacing(10)
            card.addWidget(label)
            card.addWidget(field, 1 if field is self.approval else 0)
        self.brand.setMinimumWidth(130)
        self.last4.setFixedWidth(80)
        self.approval.setMinimumWidth(110)
        grid.addLayout(card, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self._kind = "none"
        self.show_for(None, ())

    def retranslate(self) -> None:
        self.refund_label.setText(tr("Refund the &difference to"))
        self.method_label.setText(tr("Customer &pays by"))
        self.method.setItemText(0, tr("Cash, into the drawer"))
        self.method.setItemText(1, tr("Card, on the store's terminal"))
        self.brand_label.setText(tr("&Brand"))
        self.brand.setItemText(self.brand.findData("Other"), tr("Other"))
        self.last4_label.setText(tr("&Last 4"))
        self.last4.setPlaceholderText(tr("4 digits"))
        self.approval_label.setText(tr("&Approval code"))
        self.approval.setPlaceholderText(tr("On the slip"))
        for code in range(self.refund_tender.count()):
            self.refund_tender.setItemText(code, tender_name(self.refund_tender.itemData(code)))

    # ------------------------------------------------------------------ showing
    def show_for(self, outcome: ExchangeOutcome | None, tenders: tuple[str, ...]) -> None:
        """The rows this outcome needs: a refund tender, or the balance's payment."""
        self._kind = outcome.kind if outcome is not None else "none"
        self._fill_tenders(tuple(x for x in tenders if x != "exchange"))
        refund = self._kind == "refundable"
        owed = self._kind == "balance_owed"
        for w in (self.refund_label, self.refund_tender):
            w.setVisible(refund)
        for w in (self.method_label, self.method):
            w.setVisible(owed)
        self.show_for_kind()

    def _fill_tenders(self, allowed: tuple[str, ...]) -> None:
        keep = self.refund_tender.currentData()
        self.refund_tender.blockSignals(True)
        self.refund_tender.clear()
        for code in allowed:
            self.refund_tender.addItem(tender_name(code), code)
        if keep in allowed:
            self.refund_tender.setCurrentIndex(self.refund_tender.findData(keep))
        self.refund_tender.blockSignals(False)

    def _method_changed(self) -> None:
        self.show_for_kind()
        self.changed.emit()

    def show_for_kind(self) -> None:
        card = self._kind == "balance_owed" and self.method.currentData() == "card"
        for w in (self.brand_label, self.brand, self.last4_label, self.last4):
            w.setVisible(card)
        for w in (self.approval_label, self.approval):
            w.setVisible(card)

    def first_field(self) -> QWidget | None:
        if self._kind == "refundable":
            return self.refund_tender
        if self._kind == "balance_owed":
            return self.method
        return None

    def clear(self) -> None:
        self.method.setCurrentIndex(0)
        self.brand.setCurrentIndex(0)
        self.last4.clear()
        self.approval.clear()

    # ------------------------------------------------------------------ card fields
    def _last4_edited(self, text: str) -> None:
        if _digits(text) > 4:
            self._refuse(self.last4)
        self.changed.emit()

    def _approval_edited(self, text: str) -> None:
        if _digits(text) > _MAX_APPROVAL_DIGITS:
            self._refuse(self.approval)
        self.changed.emit()

    def _refuse(self, field: QLineEdit) -> None:
        field.clear()
        field.setFocus()
        self.refused.emit(card_number_refused())

    # ------------------------------------------------------------------ reading
    def refund_tender_code(self) -> str | None:
        data = self.refund_tender.currentData()
        return str(data) if data else None

    def settlement(self) -> BalancePayment | str:
        """How the balance was paid, or (a str) what is missing, in the cashier's words."""
        if self.method.currentData() == "cash":
            return BalancePayment.cash()
        last4 = self.last4.text().strip()
        approval = self.approval.text().strip()
        if not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
            return tr("Enter exactly the last 4 digits of the card.")
        if not _APPROVAL.match(approval):
            return tr("Enter the terminal's approval code (4 to 12 letters or digits).")
        payment = BalancePayment.card(str(self.brand.currentData()), last4, approval.upper())
        problem = balance_problem(payment)
        return problem if problem is not None else payment
