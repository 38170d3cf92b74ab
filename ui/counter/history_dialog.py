"""Past returns: search by reference / order, cashier and dates; open one; reprint."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import QCoreApplication, QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from counter_app.services import history
from counter_app.services.history import ReturnSummaryRow, ReturnView
from ui import i18n
from ui.context import CounterContext
from ui.errors import friendly_error
from ui.labels import disposition_name, escape, override_reason_name, tender_name
from ui.labels import to_date as qdate
from ui.table_model import Column, RowModel, make_table_view
from ui.widgets import Label, LiveScreen, icon

_CTX = "HistoryDialog"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def _order_text(kind: str, number: str | None) -> str:
    """The order a return came from; a return without a receipt has none."""
    return tr("No receipt") if kind == "receiptless" else (number or "")


COLUMNS: list[Column[ReturnSummaryRow]] = [
    Column(lambda: tr("Reference"), lambda r: r.ref),
    Column(lambda: tr("Date"), lambda r: i18n.when(r.created_at)),
    Column(lambda: tr("Order"), lambda r: _order_text(r.kind, r.order_number)),
    Column(lambda: tr("Cashier"), lambda r: r.cashier),
    Column(lambda: tr("Refund"), lambda r: i18n.money(r.total), number=True),
]
CASHIER_COLUMN = 3


class HistoryDialog(LiveScreen, QDialog):
    reprint_requested = Signal(str)
    loaded = Signal()
    opened = Signal(str)

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowIcon(icon("history"))
        self.ctx = ctx
        self.rows: list[ReturnSummaryRow] = []
        self.view: ReturnView | None = None
        self._filling = False
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_filters())
        self.message = Label()
        self.message.setObjectName("historyMessage")
        layout.addWidget(self.message)
        layout.addWidget(self._build_split(), 1)
        layout.addLayout(self._build_buttons())
        self.resize(1100, 620)
        self.retranslate()
        self.text.setFocus()
        self.search()

    def _build_filters(self) -> QHBoxLayout:
        """Reference or order, cashier, optional dates, Search."""
        filters = QHBoxLayout()
        self.text = QLineEdit()
        self.text.setObjectName("historyText")
        self.cashier = QLineEdit()
        self.cashier.setObjectName("historyCashier")
        self.cashier.setMaximumWidth(180)
        self.use_dates = QCheckBox()
        self.since = QDateEdit()
        self.until = QDateEdit()
        for d in (self.since, self.until):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
            self.use_dates.toggled.connect(d.setEnabled)
        self.since.setDate(QDate.currentDate().addDays(-7))
        self.until.setDate(QDate.currentDate())
        self.search_button = QPushButton(icon("search"), "")
        self.search_button.setAutoDefault(False)
        self.search_button.clicked.connect(self.search)
        self.text.returnPressed.connect(self.search)
        self.cashier.returnPressed.connect(self.search)
        filters.addWidget(self.text, 2)
        filters.addWidget(self.cashier, 1)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.since)
        filters.addWidget(self.until)
        filters.addWidget(self.search_button)
        return filters

    def _build_split(self) -> QSplitter:
        """The returns found (left) and the one opened (right)."""
        split = QSplitter(Qt.Orientation.Horizontal)
        self.model: RowModel[ReturnSummaryRow] = RowModel(COLUMNS, self)
        # the cashier's name gives way (elided), never the refund: "$65." read as $65
        self.table = make_table_view("historyTable", self.model, fill=CASHIER_COLUMN)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self._current_changed)
        self.detail = QTextBrowser()
        self.detail.setObjectName("historyDetail")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([600, 440])
        return split

    def _build_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.reprint_button = QPushButton(icon("print"), "")
        self.reprint_button.setObjectName("historyReprint")
        self.reprint_button.setEnabled(False)
        self.reprint_button.setAutoDefault(False)
        self.reprint_button.clicked.connect(self.reprint)
        self.close_button = QPushButton()
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        buttons.addStretch(1)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.close_button)
        return buttons

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Returns history"))
        self.text.setPlaceholderText(tr("Return reference or order number"))
        self.cashier.setPlaceholderText(tr("Cashier (user name)"))
        self.use_dates.setText(tr("Dates"))
        self.search_button.setText(tr("Search"))
        self.search_button.setToolTip(tr("Search (Enter)"))
        self.reprint_button.setText(tr("Reprint"))
        self.reprint_button.setToolTip(tr("Print this receipt again (Ctrl+P)"))
        self.reprint_button.setShortcut("Ctrl+P")
        self.close_button.setText(tr("Close"))
        if self.view is not None:
            self._render_view(self.view)

    def first_field(self) -> QWidget:
        return self.text

    def search(self) -> None:
        text = self.text.text().strip() or None
        cashier = self.cashier.text().strip() or None
        since = until = None
        if self.use_dates.isChecked():
            zone = self.ctx.app.policies.current.zone
            since = datetime.combine(qdate(self.since.date()), time.min, tzinfo=zone)
            until = datetime.combine(qdate(self.until.date()), time.min, tzinfo=zone)
            until += timedelta(days=1)
        engine = self.ctx.app.engine
        self.message.setText(tr("Searching…"))
        self.ctx.tasks.run(
            lambda: history.list_returns(
                engine, text=text, cashier=cashier, since=since, until=until
            ),
            self._show,
            self._failed,
        )

    def _failed(self, exc: BaseException) -> None:

        self.message.setText(friendly_error(exc))

    def _show(self, rows: list[ReturnSummaryRow]) -> None:
        self.rows = rows
        self._filling = True  # a row that moves under the cursor is not opened by itself
        try:
            self.model.set_rows(rows)
        finally:
            self._filling = False
        self.message.setText(tr("Returns found: {n}").format(n=len(rows)) if rows
                             else tr("No return matches."))
        self.loaded.emit()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._filling:
            self.open_row(current.row())

    def open_row(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        self.open_ref(self.rows[row].ref)

    def open_ref(self, ref: str) -> None:
        engine = self.ctx.app.engine
        self.ctx.tasks.run(lambda: history.get_return(engine, ref), self._opened, self._failed)

    def _opened(self, view: ReturnView) -> None:
        self.view = view
        self._render_view(view)
        self.reprint_button.setEnabled(True)
        self.opened.emit(view.ref)

    def _render_view(self, v: ReturnView) -> None:

        parts = [
            f"<h2>{escape(v.ref)}</h2>",
            f"<p>{tr('Date')}: {i18n.when(v.created_at)}<br>",
            f"{tr('Order')}: {escape(_order_text(v.kind, v.order_number) or '—')}<br>",
            f"{tr('Customer')}: {escape(v.customer_name or '—')}<br>",
            f"{tr('Cashier')}: {escape(v.cashier_name)}<br>",
            f"{tr('Refund to')}: {tender_name(v.tender)}</p><table width='100%'>",
        ]
        policy = self.ctx.app.policies.current
        labels = {code: i18n.policy_label(label) for code, label in policy.reason_codes}
        conditions = {code: i18n.policy_label(label) for code, label in policy.conditions}
        for ln in v.lines:
            fee = f" ({tr('fee')} {i18n.money(ln.fee)})" if ln.fee else ""
            parts.append(
                f"<tr><td>{ln.line_no}. {escape(ln.name)} × {ln.quantity}{fee}<br>"
                f"<small>{escape(labels.get(ln.reason_code, ln.reason_code))} · "
                f"{escape(conditions.get(ln.condition, ln.condition))} · "
                f"{escape(disposition_name(ln.disposition))}</small></td>"
                f"<td align='right'>{i18n.money(ln.refund)}</td></tr>"
            )
        parts.append(f"</table><p><b>{tr('Total')}: {i18n.money(v.total)}</b></p>")
        for r in v.refunds:
            card = escape(f" {r.card_brand} •••• {r.card_last4}") if r.card_last4 else ""
            parts.append(f"<p>{tender_name(r.tender)}{card}: {i18n.money(r.amount)}</p>")
        for o in v.overrides:
            parts.append(
                "<p>"
                + tr("Line {n} approved by {manager}: {reason}").format(
                    n=o.line_no, manager=escape(o.manager_name),
                    reason=escape(override_reason_name(o.reason)),
                )
                + "</p>"
            )
        if v.store_credit_code:
            parts.append(f"<p>{tr('Store credit')}: {escape(v.store_credit_code)} "
                         f"{i18n.money(v.store_credit_amount)}</p>")
        self.detail.setHtml("".join(parts))

    def reprint(self) -> None:
        if self.view is None:
            return
        self.ctx.request_reprint(self.view.ref)
        self.reprint_requested.emit(self.view.ref)
        self.message.setText(tr("Receipt {ref} sent to the printer.").format(ref=self.view.ref))
