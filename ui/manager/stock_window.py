"""Returned stock by disposition: one tab per place, what is on hand and what came in.

Open box shows each received item with its new SKU and a "Reprint label" button; Return to
vendor groups by vendor and exports the list; any tab can move the selected units to another
place with a reason (a manager's action, recorded as stock movements).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.money import Money
from counter_app.domain.policy import Policy
from counter_app.services.stock import (
    LOCATIONS,
    ReceivedItem,
    StockLine,
    VendorLine,
    move_stock,
    received_items,
    reprint_label,
    stock_on_hand,
    vendor_csv,
    vendor_returns,
)
from ui import i18n
from ui.context import CounterContext
from ui.labels import category_name, location_name, policy_word
from ui.manager.common import make_table, tr
from ui.table_model import Column, RowModel
from ui.widgets import Banner, Label


def _money(minor: int, currency: str) -> str:
    return i18n.money(Money(minor, currency))


ON_HAND_COLUMNS: list[Column[StockLine]] = [
    Column(lambda: tr("SKU"), lambda s: s.sku),
    Column(lambda: tr("Product"), lambda s: s.name),
    Column(lambda: tr("Category"), lambda s: category_name(s.category)),
    Column(lambda: tr("Vendor"), lambda s: s.vendor),
    Column(lambda: tr("On hand"), lambda s: str(s.on_hand), number=True),
    Column(lambda: tr("Value"), lambda s: _money(s.value_minor, s.currency), number=True),
]
VENDOR_COLUMNS: list[Column[VendorLine]] = [
    Column(lambda: tr("Vendor"), lambda v: v.vendor),
    Column(lambda: tr("SKU"), lambda v: v.sku),
    Column(lambda: tr("Product"), lambda v: v.name),
    Column(lambda: tr("Units"), lambda v: str(v.units), number=True),
    Column(lambda: tr("Value"), lambda v: _money(v.value_minor, v.currency), number=True),
]


def received_columns(location: str, policy: Policy) -> list[Column[ReceivedItem]]:
    """What came in from returns; open box shows the new SKU and what it was. Conditions
    and reasons in the words of the policy in force, in the current language."""
    open_box = location == "open_box"
    columns: list[Column[ReceivedItem]] = [
        Column(lambda: tr("Received"), lambda i: i18n.when(i.received_at)),
        Column(lambda: tr("Return"), lambda i: i.ref),
        Column(lambda: tr("New SKU") if open_box else tr("SKU"), lambda i: i.sku),
        Column(lambda: tr("Product"), lambda i: i.name),
        Column(lambda: tr("Qty"), lambda i: str(i.quantity), number=True),
        Column(lambda: tr("Condition"), lambda i: policy_word(policy.conditions, i.condition)),
        Column(lambda: tr("Reason"), lambda i: policy_word(policy.reason_codes, i.reason_code)),
    ]
    if open_box:
        columns.append(Column(lambda: tr("Was"), lambda i: i.original_sku))
    return columns


class StockTab(QWidget):
    """On hand (top) and received from returns (bottom) for one place. The vendor tab's top
    table lists the units grouped by vendor instead."""

    def __init__(self, location: str, policy: Policy) -> None:
        super().__init__()
        self.location = location
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical)
        self.stock_model: RowModel[StockLine] = RowModel(ON_HAND_COLUMNS, self)
        self.vendor_model: RowModel[VendorLine] = RowModel(VENDOR_COLUMNS, self)
        top_model = self.vendor_model if location == "vendor" else self.stock_model
        self.on_hand = make_table(f"stockOnHand_{location}", top_model)
        received = received_columns(location, policy)
        self.received_model: RowModel[ReceivedItem] = RowModel(received, self)
        self.received = make_table(f"stockReceived_{location}", self.received_model)
        top, bottom = QWidget(), QWidget()
        tl, bl = QVBoxLayout(top), QVBoxLayout(bottom)
        for lay in (tl, bl):
            lay.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(Label(tr("On hand")))
        tl.addWidget(self.on_hand)
        bl.addWidget(Label(tr("Received from returns")))
        bl.addWidget(self.received)
        split.addWidget(top)
        split.addWidget(bottom)
        layout.addWidget(split)
        self.lines: list[StockLine] = []
        self.items: list[ReceivedItem] = []

    def selected_sku(self) -> str | None:
        """The SKU of the current line of the top table, if one is chosen."""
        index = self.on_hand.currentIndex()
        line = (
            self.vendor_model.row_at(index)
            if self.location == "vendor"
            else self.stock_model.row_at(index)
        )
        return line.sku if line is not None else None

    def selected_item(self) -> ReceivedItem | None:
        return self.received_model.row_at(self.received.currentIndex())


class StockWindow(QDialog):
    loaded = Signal()
    moved = Signal(object)
    label_queued = Signal(int)

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockWindow")
        self.setWindowTitle(tr("Returned stock"))
        self.setModal(False)
        self.resize(1100, 720)
        self.ctx = ctx
        self.vendor_lines: list[VendorLine] = []
        layout = QVBoxLayout(self)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("stockTabs")
        self.pages: dict[str, StockTab] = {}
        for location in LOCATIONS:
            page = StockTab(location, ctx.app.policies.current)
            self.pages[location] = page
            self.tabs.addTab(page, location_name(location))
        layout.addWidget(self.tabs, 1)
        self._build_open_box_bar()
        self._build_vendor_bar()
        layout.addLayout(self._build_move_bar())
        self.refresh()

    def _build_open_box_bar(self) -> None:
        """Open box: reprint the selected item's label."""
        self.label_button = QPushButton(tr("Reprint label"))
        self.label_button.setObjectName("stockReprintLabel")
        self.label_button.setAutoDefault(False)
        self.label_button.clicked.connect(self.reprint_selected_label)
        open_box_layout = self.pages["open_box"].layout()
        assert isinstance(open_box_layout, QVBoxLayout)
        open_box_layout.addWidget(self.label_button)

    def _build_vendor_bar(self) -> None:
        """Return to vendor: filter by vendor and export the list."""
        vendor_bar = QHBoxLayout()
        self.vendor = QComboBox()
        self.vendor.setObjectName("stockVendor")
        self.vendor.activated.connect(lambda _i: self._fill_vendor_table())
        self.export_button = QPushButton(tr("Export vendor list…"))
        self.export_button.setObjectName("stockExport")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(self._ask_export)
        vendor_bar.addWidget(Label(tr("Vendor")))
        vendor_bar.addWidget(self.vendor, 1)
        vendor_bar.addWidget(self.export_button)
        vendor_layout = self.pages["vendor"].layout()
        assert isinstance(vendor_layout, QVBoxLayout)
        vendor_layout.insertLayout(0, vendor_bar)

    def _build_move_bar(self) -> QHBoxLayout:
        """Moving the selected on-hand line to another place, with a reason."""
        move = QHBoxLayout()
        self.move_to = QComboBox()
        self.move_to.setObjectName("stockMoveTo")
        for location in LOCATIONS:
            self.move_to.addItem(location_name(location), location)
        self.move_qty = QSpinBox()
        self.move_qty.setObjectName("stockMoveQty")
        self.move_qty.setRange(1, 100_000)
        self.move_reason = QLineEdit()
        self.move_reason.setObjectName("stockMoveReason")
        self.move_reason.setPlaceholderText(tr("Reason (required)"))
        self.move_button = QPushButton(tr("Move"))
        self.move_button.setObjectName("stockMove")
        self.move_button.setAutoDefault(False)
        self.move_button.clicked.connect(self.move_selected)
        move.addWidget(Label(tr("Move selected to")))
        move.addWidget(self.move_to)
        move.addWidget(self.move_qty)
        move.addWidget(self.move_reason, 1)
        move.addWidget(self.move_button)
        return move

    # ------------------------------------------------------------------ loading

    def refresh(self) -> None:
        engine = self.ctx.app.engine

        def load() -> tuple[list[StockLine], list[ReceivedItem], list[VendorLine]]:
            return stock_on_hand(engine), received_items(engine, limit=1000), vendor_returns(engine)

        self.ctx.tasks.run(
            load, on_done=self._show, on_error=lambda exc: self.banner.show_message(str(exc))
        )

    def _show(self, data: tuple[list[StockLine], list[ReceivedItem], list[VendorLine]]) -> None:
        lines, items, vendors = data
        for location, page in self.pages.items():
            page.lines = [s for s in lines if s.location == location]
            page.items = [i for i in items if i.location == location]
            page.stock_model.reset_rows(page.lines)
            page.received_model.reset_rows(page.items)
            self.tabs.setTabText(
                LOCATIONS.index(location),
                f"{location_name(location)} ({sum(s.on_hand for s in page.lines)})",
            )
        self.vendor_lines = vendors
        current = self.vendor.currentData()
        self.vendor.clear()
        self.vendor.addItem(tr("All vendors"), None)
        for name in sorted({v.vendor for v in vendors}):
            self.vendor.addItem(name or tr("(no vendor)"), name)
        index = self.vendor.findData(current)
        self.vendor.setCurrentIndex(max(0, index))
        self._fill_vendor_table()
        self.loaded.emit()

    def _fill_vendor_table(self) -> None:
        vendor = self.vendor.currentData()
        self.pages["vendor"].vendor_model.reset_rows(
            [v for v in self.vendor_lines if vendor is None or v.vendor == vendor]
        )

    # ------------------------------------------------------------------ actions

    @property
    def current_page(self) -> StockTab:
        page = self.tabs.currentWidget()
        assert isinstance(page, StockTab)
        return page

    def _manager(self) -> Any:
        user = self.ctx.user
        if user is None or not user.can_approve:
            self.banner.show_message(tr("Only a manager can do this."), "warning")
            return None
        return user

    def move_selected(self) -> None:
        page = self.current_page
        sku = page.selected_sku()
        if sku is None:
            self.banner.show_message(tr("Select a line to move first."), "warning")
            return
        manager = self._manager()
        if manager is None:
            return
        target, qty, reason = (
            self.move_to.currentData(),
            self.move_qty.value(),
            self.move_reason.text(),
        )
        app = self.ctx.app
        source = page.location
        label = None
        if target == "open_box":  # label it after the latest return these units came with
            label = next(
                (
                    f"{i.ref}#{i.line_no}"
                    for i in page.items
                    if sku in (i.sku, i.original_sku) and i.line_no is not None
                ),
                None,
            )

        def work() -> Any:
            return move_stock(
                app.engine,
                app.clock,
                manager=manager,
                sku=sku,
                from_location=source,
                to_location=target,
                quantity=qty,
                reason=reason,
                store_code=app.settings.store_code,
                counter_code=app.settings.counter_code,
                label_subject=label,
            )

        self.ctx.tasks.run(
            work, on_done=self._moved, on_error=lambda exc: self.banner.show_message(str(exc))
        )

    def _moved(self, move: Any) -> None:
        self.move_reason.clear()
        self.banner.show_message(
            tr("Moved {qty} × {sku} from {source} to {target}.").format(
                qty=move.quantity,
                sku=move.to_sku,
                source=location_name(move.from_location),
                target=location_name(move.to_location),
            ),
            "info",
            6000,
        )
        self.moved.emit(move)
        self.refresh()

    def reprint_selected_label(self) -> None:
        received = self.pages["open_box"].selected_item()
        subject = received.label_subject if received is not None else None
        if not subject:
            self.banner.show_message(tr("Select an open-box item first."), "warning")
            return
        app = self.ctx.app
        actor = self.ctx.user.username if self.ctx.user else "manager"
        self.ctx.tasks.run(
            lambda: reprint_label(
                app.engine,
                app.clock,
                subject=str(subject),
                counter_code=app.settings.counter_code,
                actor=actor,
            ),
            on_done=self._label_queued,
            on_error=lambda exc: self.banner.show_message(str(exc)),
        )

    def _label_queued(self, job_id: int) -> None:
        self.banner.show_message(tr("The shelf label is in the print queue."), "info", 5000)
        self.label_queued.emit(job_id)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export vendor list"), "return-to-vendor.csv", "CSV (*.csv)"
        )
        if path:
            self.export_vendor_csv(path)

    def export_vendor_csv(self, path: str) -> bool:
        vendor = self.vendor.currentData()
        try:
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                fh.write(vendor_csv(self.vendor_lines, vendor))
        except OSError as exc:
            self.banner.show_message(str(exc.strerror or exc))
            return False
        self.banner.show_message(tr("Exported to {path}").format(path=path), "info", 6000)
        return True
