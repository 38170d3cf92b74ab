"""Step 4 of the counter when the customer exchanges: what they take instead of what came back.

A scan field (the handheld scanner works anywhere on the page), the returned product's
variants with their sellable stock (arrows and Enter add one), the replacements taken
(Delete takes one out), the running outcome — even, refund to the customer, or the customer
pays — and how that money is settled (ui.counter.balance_form), then Confirm. The panel only
renders and asks: ui.counter.exchange runs the actions through the session.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QWidget,
)

from counter_app.domain.exchange import ExchangeOutcome, Replacement, Variant
from ui import i18n
from ui.counter.balance_form import BalanceForm
from ui.counter.exchange_model import replacements_model, variants_model
from ui.counter.step import StepPanel
from ui.table_model import RowModel, make_table_view
from ui.widgets import Label, icon

_CTX = "ExchangePanel"
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Insert)


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def outcome_text(outcome: ExchangeOutcome | None) -> str:
    """The outcome as the cashier says it to the customer."""
    if outcome is None or outcome.kind == "none":
        return tr("Scan what the customer takes instead.")
    if outcome.kind == "even":
        return tr("Even exchange: nothing changes hands.")
    if outcome.kind == "refundable":
        return tr("Refund to customer {amount}").format(amount=i18n.money(outcome.refundable))
    return tr("Customer pays {amount}").format(amount=i18n.money(outcome.balance_owed))


_OUTCOME_COLOURS = {"even": "#0b5d1e", "refundable": "#0d3c78", "balance_owed": "#7a3d00"}


class ExchangePanel(StepPanel):
    typed = Signal(str)  # Enter in the panel's own scan field
    variant_chosen = Signal(object)  # a Variant
    remove_requested = Signal(int)  # index of the replacement
    back_requested = Signal()
    confirm_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = self.box
        self.scan_input = QLineEdit()
        self.scan_input.setObjectName("exchangeScan")
        self.scan_input.setClearButtonEnabled(True)
        self.scan_input.setMaxLength(200)
        self.scan_input.returnPressed.connect(lambda: self.typed.emit(self.scan_input.text()))
        layout.addWidget(self.scan_input)
        self.variants_title = Label()
        self.variants_title.setObjectName("muted")
        self.variants_title.setWordWrap(True)
        layout.addWidget(self.variants_title)
        self.variants: RowModel[Variant] = variants_model()
        self.variants_view = self._table("exchangeVariants", self.variants, 110)
        self.variants_view.doubleClicked.connect(lambda *_: self._table_enter(self.variants_view))
        layout.addWidget(self.variants_view, 3)
        self.taken: RowModel[Replacement] = replacements_model()
        self.taken_view = self._table("exchangeReplacements", self.taken, 70)
        layout.addWidget(self.taken_view, 2)
        layout.addLayout(self._build_totals())
        self.balance = BalanceForm()
        layout.addWidget(self.balance)
        self.hint = Label()
        self.hint.setObjectName("blockedText")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #7a3d00;")
        layout.addWidget(self.hint)
        layout.addLayout(self._build_buttons())
        b = self.balance
        chain: list[QWidget] = [
            self.scan_input, self.variants_view, self.taken_view, b.refund_tender, b.method,
            b.brand, b.last4, b.approval, self.confirm_button, self.back_button,
        ]  # fmt: skip
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _table(self, name: str, model: RowModel[Any], height: int) -> QTableView:
        view = make_table_view(name, model, fill=0)
        view.setMinimumHeight(height)
        view.setTabKeyNavigation(False)  # Tab goes on to the next field, arrows pick a row
        # tall only as room allows: on a 768-px screen the money and Confirm stay in sight
        view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        view.setAlternatingRowColors(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.installEventFilter(self)
        return view

    def _build_totals(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        grid.setHorizontalSpacing(8)
        self.returned_label, self.returned = Label(), Label()
        self.taken_label, self.taken_total = Label(), Label()
        for col, w in enumerate(
            (self.returned_label, self.returned, self.taken_label, self.taken_total)
        ):
            if col % 2:
                w.setStyleSheet("font-weight: 600;")
            grid.addWidget(w, 0, col)
        self.outcome = Label()
        self.outcome.setObjectName("total")
        self.outcome.setWordWrap(True)
        grid.addWidget(self.outcome, 1, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return grid

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.back_button = QPushButton()
        self.back_button.setObjectName("exchangeBack")
        self.back_button.clicked.connect(self.back_requested)
        self.confirm_button = QPushButton(icon("confirm"), "")
        self.confirm_button.setObjectName("primary")
        self.confirm_button.clicked.connect(self.confirm_requested)
        row.addWidget(self.back_button)
        row.addWidget(self.confirm_button, 1)
        return row

    def retranslate(self) -> None:
        self.title.setText(tr("4  Exchange: what the customer takes"))
        self.scan_input.setPlaceholderText(tr("Scan or type the barcode, then press Enter"))
        self.scan_input.setToolTip(
            tr(
                "The handheld scanner works anywhere on this page. The camera is not used "
                "here: it sees the returned item."
            )
        )
        self.variants_title.setText(
            tr("Other sizes and colours of the returned items (arrows, then Enter to take one):")
        )
        self.variants_view.setToolTip(tr("Enter takes the selected variant"))
        self.taken_view.setToolTip(tr("Delete takes the selected item out of the exchange"))
        self.returned_label.setText(tr("Returned"))
        self.taken_label.setText(tr("Taken instead"))
        self.back_button.setText(tr("Bac&k to the return"))
        self.confirm_button.setText(tr("Confirm exchange"))
        self.confirm_button.setToolTip(tr("Confirm and print the receipt (F9 or Ctrl+Enter)"))
        self.balance.retranslate()
        self.variants.retranslate()
        self.taken.retranslate()

    # ------------------------------------------------------------------ rendering
    def show_variants(self, variants: Sequence[Variant]) -> None:
        self.variants.reset_rows(variants)
        if variants:
            self.variants_view.setCurrentIndex(self.variants.index(0, 0))

    def show_state(
        self,
        outcome: ExchangeOutcome | None,
        replacements: Sequence[Replacement],
        tenders: tuple[str, ...],
        can_confirm: bool,
    ) -> None:
        self.taken.set_rows(replacements)
        self.returned.setText(i18n.money(outcome.refund_total) if outcome else "—")
        self.taken_total.setText(i18n.money(outcome.replacements_total) if outcome else "—")
        self.outcome.setText(outcome_text(outcome))
        colour = _OUTCOME_COLOURS.get(outcome.kind if outcome else "", "#14202b")
        if self.outcome.property("colour") != colour:  # a style sheet change re-polishes
            self.outcome.setProperty("colour", colour)
            self.outcome.setStyleSheet(f"color: {colour};")
        self.balance.show_for(outcome, tenders)
        self.confirm_button.setEnabled(can_confirm)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)

    def focus_scan(self) -> None:
        self.scan_input.setFocus()
        self.scan_input.selectAll()

    # ------------------------------------------------------------------ keys on the tables
    def _table_enter(self, view: QTableView) -> None:
        row = view.currentIndex().row()
        if view is self.variants_view:
            variant = self.variants.row_at(view.currentIndex())
            if variant is not None:
                self.variant_chosen.emit(variant)
        elif row >= 0:
            self.remove_requested.emit(row)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and watched in (
            self.variants_view,
            self.taken_view,
        ):
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.variants_view and key in _ENTER:
                self._table_enter(self.variants_view)
                return True
            if watched is self.taken_view and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._table_enter(self.taken_view)
                return True
        return super().eventFilter(watched, event)
