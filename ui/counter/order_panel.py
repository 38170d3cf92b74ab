"""Step 2 of the counter: the order's header and its lines with the eligibility badges."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from counter_app.domain.model import Order
from ui import i18n
from ui.counter import authorized_view as authorized
from ui.counter import gift_view
from ui.counter.lines_model import (
    COL_ITEM,
    COL_NO,
    COL_PAID,
    COL_QTY,
    COL_STATUS,
    COL_WHY,
    LinesModel,
)
from ui.counter.session import ReturnSession
from ui.counter.step import StepPanel
from ui.labels import channel_name, payment_label
from ui.widgets import Label

_CTX = "MainWindow"
_KEYS = ("number", "date", "customer", "channel", "tenders")


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class OrderPanel(StepPanel):
    """Shows the session's order; picking a row selects that line in the session. Enter (or a
    double click) on a line asks to add it, Delete to take it out."""

    add_requested = Signal()
    remove_requested = Signal()

    def __init__(self, session: ReturnSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._syncing = False  # the table follows the session: no echo back to it
        layout = self.box
        layout.addLayout(self._build_header())
        self.model = LinesModel(self)
        self.lines = QTableView()
        self.lines.setObjectName("orderLines")
        self.lines.setModel(self.model)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setAlternatingRowColors(True)
        self.lines.verticalHeader().setVisible(False)
        self.lines.setWordWrap(True)
        header = self.lines.horizontalHeader()
        for c in (COL_NO, COL_QTY, COL_PAID, COL_STATUS):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_ITEM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_WHY, QHeaderView.ResizeMode.Stretch)
        self.lines.selectionModel().currentRowChanged.connect(self._row_changed)
        self.lines.doubleClicked.connect(lambda *_: self.add_requested.emit())
        self.lines.installEventFilter(self)
        layout.addWidget(self.lines, 1)
        session.line_selected.connect(self._line_selected)

    def _build_header(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.order_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for i, key in enumerate(_KEYS):
            name, value = Label(), Label()
            name.setObjectName("muted")
            value.setObjectName(f"order_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            r, c = (i // 2, (i % 2) * 2) if key != "tenders" else (2, 0)
            grid.addWidget(name, r, c)
            grid.addWidget(value, r, c + 1, 1, 3 if key == "tenders" else 1)
            self.order_labels[key] = (name, value)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return grid

    def retranslate(self) -> None:
        self.title.setText(tr("2  Order"))
        names = {
            "number": tr("Order"),
            "date": tr("Bought"),
            "customer": tr("Customer"),
            "channel": tr("Channel"),
            "tenders": tr("Paid with"),
        }
        for key, (name, _value) in self.order_labels.items():
            name.setText(names[key])
        self.model.retranslate()
        self.lines.setToolTip(
            tr("Arrows pick a line; Enter adds it to the return without scanning (Ctrl+Ins)")
        )

    # ------------------------------------------------------------------ rendering
    def refresh(self) -> None:
        self._render_header(self.session.order)
        self.render_lines()

    def _render_header(self, order: Order | None) -> None:
        values = dict.fromkeys(_KEYS, "")
        if order is not None:
            c = order.customer
            values = {
                "number": authorized.header_number(order.number, self.session.draft),
                "date": i18n.when(order.placed_at),
                "customer": (
                    f"{c.name}" + (f" · {c.loyalty_tier}" if c and c.loyalty_tier else "")
                    if c
                    else tr("No customer on file")
                ),
                "channel": channel_name(order.channel),
                "tenders": ", ".join(
                    f"{payment_label(p)} {i18n.money(p.amount)}" for p in order.payments
                ),
            }
        if order is not None and gift_view.is_gift(self.session.draft):  # no buyer, no payment
            values.update(customer=gift_view.buyer_text(), tenders=gift_view.payment_text())
        for key, (_name, value) in self.order_labels.items():
            value.setText(values[key])

    def render_lines(self) -> None:
        s = self.session
        self._syncing = True
        try:
            self.model.show(s.order, s.draft, s.preview)
            self.lines.resizeRowsToContents()
            if s.current_line is not None:
                self._select_row(s.current_line)
        finally:
            self._syncing = False

    def select_line(self, line_no: int) -> None:
        """Make `line_no` the current line (of the table and of the session)."""
        if self.model.row_of(line_no) >= 0:
            self.session.select(line_no)

    def _select_row(self, line_no: int) -> None:
        row = self.model.row_of(line_no)
        if row >= 0:
            self.lines.setCurrentIndex(self.model.index(row, COL_ITEM))

    def _line_selected(self, line_no: int | None) -> None:
        if line_no is None or self.model.line_no(self.lines.currentIndex().row()) == line_no:
            return
        self._syncing = True
        try:
            self._select_row(line_no)
        finally:
            self._syncing = False

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        line_no = self.model.line_no(current.row())
        if line_no is not None and not self._syncing:
            self.session.select(line_no)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.lines and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Insert):
                self.add_requested.emit()
                return True
            if key == Qt.Key.Key_Delete:
                self.remove_requested.emit()
                return True
        return super().eventFilter(watched, event)
