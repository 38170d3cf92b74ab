"""Find an order without its number: by customer name, phone, e-mail, card last 4 or purchase
date (F2)."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.model import Order
from ui import i18n
from ui.context import CounterContext
from ui.errors import friendly_error
from ui.labels import payment_label
from ui.labels import to_date as qdate
from ui.table_model import Column, RowModel, make_table_view
from ui.widgets import Label, LiveScreen, form_row, icon

_CTX = "SearchDialog"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


COLUMNS: list[Column[Order]] = [
    Column(lambda: tr("Order"), lambda o: o.number),
    Column(lambda: tr("Bought"), lambda o: i18n.when(o.placed_at)),
    Column(lambda: tr("Customer"), lambda o: o.customer.name if o.customer else ""),
    Column(lambda: tr("Items"), lambda o: ", ".join(line.name for line in o.lines)),
    Column(lambda: tr("Paid with"), lambda o: ", ".join(payment_label(p) for p in o.payments)),
]


class SearchDialog(LiveScreen, QDialog):
    chosen = Signal(str)  # order number

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchDialog")
        self.setWindowIcon(icon("search"))
        self.ctx = ctx
        self.orders: list[Order] = []
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_form())
        self.search_button = QPushButton(icon("search"), "")
        self.search_button.setDefault(False)
        self.search_button.setAutoDefault(False)
        self.search_button.clicked.connect(self.search)
        layout.addWidget(self.search_button)
        self.message = Label()
        self.message.setWordWrap(True)
        self.message.setObjectName("searchMessage")
        layout.addWidget(self.message)
        self.model: RowModel[Order] = RowModel(COLUMNS, self)
        self.results = make_table_view("searchResults", self.model, fill="all", single=False)
        self.results.activated.connect(lambda index: self.choose(index.row()))
        self.results.doubleClicked.connect(lambda index: self.choose(index.row()))
        layout.addWidget(self.results, 1)
        self.resize(820, 560)
        self.retranslate()
        self.name.setFocus()

    def _build_form(self) -> QFormLayout:
        form = QFormLayout()
        self.phone_label, self.email_label = Label(), Label()
        self.card_label, self.date_label = Label(), Label()
        self.name_label = Label()
        self.name = QLineEdit()
        self.name.setObjectName("searchName")
        self.name.setMaxLength(100)
        self.phone = QLineEdit()
        self.phone.setObjectName("searchPhone")
        self.email = QLineEdit()
        self.email.setObjectName("searchEmail")
        self.card = QLineEdit()
        self.card.setObjectName("searchCard")
        self.card.setMaxLength(4)
        self.card.setInputMask("")
        date_row = QHBoxLayout()
        self.use_date = QCheckBox()
        self.date = QDateEdit()
        self.date.setObjectName("searchDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        self.date.setEnabled(False)
        self.use_date.toggled.connect(self.date.setEnabled)
        date_row.addWidget(self.use_date)
        date_row.addWidget(self.date, 1)
        for label, field in (
            (self.name_label, self.name),
            (self.phone_label, self.phone),
            (self.email_label, self.email),
            (self.card_label, self.card),
        ):
            form_row(form, label, field)
            field.returnPressed.connect(self.search)
        self.date_label.setBuddy(self.date)
        form_row(form, self.date_label, date_row)
        return form

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Find an order"))
        self.name_label.setText(tr("Customer &name"))
        self.name.setPlaceholderText(tr("any part of the name"))
        self.phone_label.setText(tr("&Phone"))
        self.email_label.setText(tr("&E-mail"))
        self.card_label.setText(tr("&Card last 4"))
        self.date_label.setText(tr("Bought &on"))
        self.use_date.setText(tr("by date"))
        self.search_button.setText(tr("Search"))
        self.search_button.setToolTip(tr("Search (Enter in any field)"))
        self.results.setToolTip(tr("Enter opens the order"))

    def first_field(self) -> QWidget:
        return self.name

    def search(self) -> None:
        name = self.name.text().strip() or None
        phone = self.phone.text().strip() or None
        email = self.email.text().strip() or None
        card = self.card.text().strip() or None
        on_date = None
        if self.use_date.isChecked():
            d = qdate(self.date.date())
            on_date = datetime.combine(d, time.min, tzinfo=self.ctx.app.policies.current.zone)
        desk = self.ctx.desk
        self.message.setText(tr("Searching…"))
        self.ctx.tasks.run(
            lambda: desk.search_orders(
                name=name, phone=phone, email=email, card_last4=card, on_date=on_date
            ),
            self._show,
            self._failed,
        )

    def _failed(self, exc: BaseException) -> None:

        self.message.setText(friendly_error(exc))

    def _show(self, orders: list[Order]) -> None:
        self.orders = orders
        self.model.set_rows(orders)
        if orders:
            self.message.setText(tr("Orders found: {n}. Pick one and press Enter.").format(
                n=len(orders)))
            self.results.setCurrentIndex(self.model.index(0, 0))
            self.results.setFocus()
        else:
            self.message.setText(tr("No order matches. Check the details and try again."))

    def choose(self, row: int) -> None:
        if 0 <= row < len(self.orders):
            self.chosen.emit(self.orders[row].number)
            self.accept()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.hasFocus():
            self.choose(self.results.currentIndex().row())
            return
        super().keyPressEvent(event)
