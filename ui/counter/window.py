"""The counter's one screen, top to bottom in the order of the work (DESIGN.md §2, §8).

1 scan / search (camera preview beside it) → 2 the order with per-line eligibility →
3 item check (scan the product in the same input; serial where needed) → 4 inspection of
the selected line → 5 refund summary with the tenders the policy allows → 6 confirm, the
reference and the receipt preview, "New return".

Every database call runs on the task manager's worker; the UI thread only renders.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.draft import RefundSummary, ReturnDraft
from counter_app.domain.model import Order, OrderLine, User
from counter_app.domain.policy import Decision
from counter_app.services import auth
from counter_app.services.commit import CommittedReturn
from ui import i18n
from ui.context import CounterContext
from ui.counter import return_flow
from ui.counter.login import LoginPage
from ui.devices.scanner import WedgeFilter
from ui.errors import friendly_error
from ui.labels import channel_name, escape, payment_label, tender_name
from ui.widgets import Banner, BusyBar, badge_item, icon, panel

_CTX = "MainWindow"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


COLUMNS = 6
COL_NO, COL_ITEM, COL_QTY, COL_PAID, COL_STATUS, COL_WHY = range(COLUMNS)


def badge_for(line: OrderLine, decision: Decision | None, overridden: bool) -> tuple[str, str]:
    """(text, kind) of the eligibility badge of one line."""
    if line.returnable_quantity <= 0:
        return tr("Already returned"), "done"
    if decision is None:
        return tr("Not checked"), "done"
    if overridden and decision.overridable:
        return tr("Approved"), "approved"
    codes = decision.reason_codes()
    if decision.outcome == "approve":
        return tr("Returnable"), "ok"
    if decision.outcome == "approve_with_fee":
        return tr("Returnable, fee"), "fee"
    if "FINAL_SALE" in codes:
        return tr("Final sale"), "final"
    if decision.outcome == "refer" or decision.overridable:
        return tr("Manager"), "manager"
    return tr("Denied"), "denied"


def override_reason_label(code: str) -> str:
    from ui.counter.override_dialog import reason_label

    return reason_label(code)


class IdleWatcher(QObject):
    """Counts user input anywhere in the app; `timeout` fires after `minutes` of none."""

    timeout = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.timeout)

    def set_interval_ms(self, ms: int) -> None:
        self.timer.setInterval(max(0, ms))
        self.restart()

    def restart(self) -> None:
        if self.timer.interval() > 0:
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        ):
            self.restart()
        return False


class MainWindow(QMainWindow):
    order_shown = Signal(str)  # order number, with eligibility
    draft_changed = Signal()
    return_committed = Signal(str)  # reference
    lock_changed = Signal(bool)
    signed_in = Signal(object)
    reprint_requested = Signal(str)  # a return reference; printing connects here or to ctx

    def __init__(self, ctx: CounterContext) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.order: Order | None = None
        self.draft: ReturnDraft | None = None
        self.preview: dict[int, Decision] = {}
        self.summary: RefundSummary | None = None
        self.committed: CommittedReturn | None = None
        self.current_line: int | None = None
        self._loading = False  # suppress signals while filling the inspection panel
        self._discard_armed = False
        self._last_code = ""
        self._opening = False  # an order is being looked up
        self._draft_jobs = 0  # changes of the draft still running on the worker
        self._queued_scans: list[str] = []
        self._open_dialogs: list[QWidget] = []
        self.setWindowIcon(icon("app"))
        self.stack = QStackedWidget()
        # A 1366x768 screen less its taskbar and title bar leaves under 730 px: on a screen
        # that small the page scrolls instead of being cut off; on larger ones it just fits.
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(self.stack)
        self.setCentralWidget(scroller)
        screen = QApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else None
        self.resize(
            min(1366, room.width()) if room else 1366, min(768, room.height()) if room else 768
        )
        self.login = LoginPage(ctx)
        self.login.signed_in.connect(self._on_signed_in)
        self.work = QWidget()
        self.work.setObjectName("workPage")
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.work)
        self._build_work()
        self._build_shortcuts()
        self.tasks = ctx.tasks
        self.tasks.busy_changed.connect(self.busy.setVisible)
        self.tasks.error.connect(lambda exc: self.show_error(exc))
        self.wedge = WedgeFilter(self, enabled=self._scanning_enabled)
        self.wedge.scanned.connect(self.handle_scan)
        self.idle = IdleWatcher(self)
        self.idle.timeout.connect(self._idle_lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.wedge)
            app.installEventFilter(self.idle)
        self.set_idle_minutes(ctx.app.settings.idle_lock_minutes)
        from ui.devices.camera_widget import install_camera

        install_camera(self)  # preview, camera scans -> handle_scan, "Take photo" (F7)
        self.retranslate()
        self.resize(1366, 768)
        self.show_login()

    # ------------------------------------------------------------------ building
    def _build_work(self) -> None:
        outer = QVBoxLayout(self.work)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(8)

        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("title")
        self.user_badge = QLabel()
        self.user_badge.setObjectName("userBadge")
        self.history_button = QPushButton(icon("history"), "")
        self.history_button.setObjectName("historyButton")
        self.history_button.clicked.connect(self.open_history)
        self.settings_button = QPushButton(icon("settings"), "")
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.clicked.connect(self.open_settings)
        self.manager_button = QPushButton(icon("override"), "")
        self.manager_button.setObjectName("managerButton")
        self.manager_menu = QMenu(self.manager_button)
        self.manager_actions: dict[str, QAction] = {}
        for tool in ("reports", "day_close", "stock", "mail"):
            action = QAction(self.manager_menu)
            action.triggered.connect(functools.partial(self.open_manager_tool, tool))
            self.manager_menu.addAction(action)
            self.manager_actions[tool] = action
        self.manager_button.setMenu(self.manager_menu)
        self.lock_button = QPushButton(icon("lock"), "")
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.user_badge)
        for b in (
            self.history_button,
            self.manager_button,
            self.settings_button,
            self.lock_button,
        ):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            top.addWidget(b)
        outer.addLayout(top)

        self.banner = Banner()
        outer.addWidget(self.banner)
        self.busy = BusyBar()
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        outer.addWidget(self.busy)

        body = QHBoxLayout()
        body.setSpacing(10)
        outer.addLayout(body, 1)
        left = QVBoxLayout()
        left.setSpacing(8)
        body.addLayout(left, 3)
        self.right = QStackedWidget()
        self.right.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        body.addWidget(self.right, 2)

        # 1. scan area
        self.scan_title = QLabel()
        scan_box, scan_layout = panel(self.scan_title)
        row = QHBoxLayout()
        col = QVBoxLayout()
        inputs = QHBoxLayout()
        self.scan_input = QLineEdit()
        self.scan_input.setObjectName("scanInput")
        self.scan_input.setClearButtonEnabled(True)
        self.scan_input.setMaxLength(200)
        self.scan_input.returnPressed.connect(self._typed_scan)
        self.scan_icon = QLabel()
        self.scan_icon.setPixmap(icon("scan").pixmap(36, 36))
        self.search_button = QPushButton(icon("search"), "")
        self.search_button.setObjectName("searchButton")
        self.search_button.clicked.connect(self.open_search)
        inputs.addWidget(self.scan_icon)
        inputs.addWidget(self.scan_input, 1)
        inputs.addWidget(self.search_button)
        self.scan_hint = QLabel()
        self.scan_hint.setObjectName("muted")
        self.scan_hint.setWordWrap(True)
        col.addLayout(inputs)
        col.addWidget(self.scan_hint)
        row.addLayout(col, 1)
        self.camera_preview = QFrame()
        self.camera_preview.setObjectName("cameraPreview")
        self.camera_preview.setMinimumSize(150, 84)
        self.camera_preview.setMaximumHeight(130)
        self.camera_preview.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred
        )
        cam_layout = QVBoxLayout(self.camera_preview)
        cam_layout.setContentsMargins(4, 4, 4, 4)
        self.camera_placeholder = QLabel()
        self.camera_placeholder.setObjectName("cameraPlaceholder")
        self.camera_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.camera_placeholder.setWordWrap(True)
        cam_layout.addWidget(self.camera_placeholder)
        row.addWidget(self.camera_preview)
        scan_layout.addLayout(row)
        left.addWidget(scan_box)

        # 2. the order
        self.order_title = QLabel()
        order_box, order_layout = panel(self.order_title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.order_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for i, key in enumerate(("number", "date", "customer", "channel", "tenders")):
            name, value = QLabel(), QLabel()
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
        order_layout.addLayout(grid)
        self.lines = QTableWidget(0, COLUMNS)
        self.lines.setObjectName("orderLines")
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
        self.lines.currentCellChanged.connect(self._row_changed)
        self.lines.cellDoubleClicked.connect(lambda *_: self.add_current_line())
        self.lines.installEventFilter(self)
        order_layout.addWidget(self.lines, 1)
        left.addWidget(order_box, 1)

        # right side, page 0: inspection + refund
        work_page = QWidget()
        wl = QVBoxLayout(work_page)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.setSpacing(8)
        self.inspect_title = QLabel()
        inspect_box, il = panel(self.inspect_title)
        self.line_name = QLabel()
        self.line_name.setObjectName("lineName")
        self.line_name.setWordWrap(True)
        self.line_name.setStyleSheet("font-weight: 600;")
        il.addWidget(self.line_name)
        self.line_state = QLabel()
        self.line_state.setObjectName("lineState")
        self.line_state.setWordWrap(True)
        il.addWidget(self.line_state)
        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(6)
        self.qty_label, self.serial_label = QLabel(), QLabel()
        self.reason_label, self.condition_label = QLabel(), QLabel()
        self.notes_label, self.feedback_label = QLabel(), QLabel()
        self.qty = QSpinBox()
        self.qty.setObjectName("quantity")
        self.qty.setMinimum(1)
        self.qty.setMinimumWidth(80)
        self.qty.valueChanged.connect(self._quantity_changed)
        self.add_button = QPushButton(icon("new"), "")
        self.add_button.setObjectName("addLineButton")
        self.add_button.clicked.connect(self.add_current_line)
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("removeLineButton")
        self.remove_button.clicked.connect(self.remove_current_line)
        qty_row = QHBoxLayout()
        qty_row.addWidget(self.qty)
        qty_row.addWidget(self.add_button)
        qty_row.addWidget(self.remove_button)
        self.serial = QLineEdit()
        self.serial.setObjectName("serialInput")
        self.serial.setMaxLength(64)
        self.serial.returnPressed.connect(self._serial_entered)
        self.reason = QComboBox()
        self.reason.setObjectName("reasonCombo")
        self.reason.currentIndexChanged.connect(self._inspection_changed)
        self.condition = QComboBox()
        self.condition.setObjectName("conditionCombo")
        self.condition.currentIndexChanged.connect(self._inspection_changed)
        self.notes = QLineEdit()
        self.notes.setObjectName("notesInput")
        self.notes.setMaxLength(2000)
        self.notes.editingFinished.connect(self._inspection_changed)
        self.feedback = QLineEdit()
        self.feedback.setObjectName("feedbackInput")
        self.feedback.setMaxLength(2000)
        self.feedback.editingFinished.connect(self._inspection_changed)
        self.photo_slot = QLabel()
        self.photo_slot.setObjectName("photoSlot")
        self.photo_slot.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_slot.setMinimumWidth(90)
        self.photo_slot.setStyleSheet(
            "border: 2px dashed #9aa8b6; border-radius: 6px; color: #4a5866;"
        )
        qty_row.addWidget(self.photo_slot, 1)
        rows: list[tuple[QLabel, Any]] = [
            (self.qty_label, qty_row),
            (self.serial_label, self.serial),
            (self.reason_label, self.reason),
            (self.condition_label, self.condition),
            (self.notes_label, self.notes),
            (self.feedback_label, self.feedback),
        ]
        for r, (label, field) in enumerate(rows):
            form.addWidget(label, r, 0)
            if isinstance(field, QWidget):
                form.addWidget(field, r, 1)
                label.setBuddy(field)
            else:
                form.addLayout(field, r, 1)
                label.setBuddy(self.qty)
        form.setColumnStretch(1, 1)
        il.addLayout(form)
        self.decision_text = QLabel()
        self.decision_text.setObjectName("decisionText")
        self.decision_text.setWordWrap(True)
        decision_row = QHBoxLayout()
        decision_row.addWidget(self.decision_text, 1)
        self.override_button = QPushButton(icon("override"), "")
        self.override_button.setObjectName("override")
        self.override_button.clicked.connect(self.open_override)
        decision_row.addWidget(self.override_button, 0, Qt.AlignmentFlag.AlignBottom)
        il.addLayout(decision_row)
        il.addStretch(1)
        wl.addWidget(inspect_box, 1)

        self.refund_title = QLabel()
        refund_box, rl = panel(self.refund_title)
        self.refund_lines = QLabel()
        self.refund_lines.setObjectName("refundLines")
        self.refund_lines.setWordWrap(True)
        self.refund_lines.setTextFormat(Qt.TextFormat.RichText)
        rl.addWidget(self.refund_lines)
        total_row = QHBoxLayout()
        self.total_label = QLabel()
        self.total = QLabel()
        self.total.setObjectName("total")
        total_row.addWidget(self.total_label)
        total_row.addStretch(1)
        total_row.addWidget(self.total)
        rl.addLayout(total_row)
        tender_row = QHBoxLayout()
        self.tender_label = QLabel()
        self.tender = QComboBox()
        self.tender.setObjectName("tenderCombo")
        self.tender_label.setBuddy(self.tender)
        tender_row.addWidget(self.tender_label)
        tender_row.addWidget(self.tender, 1)
        rl.addLayout(tender_row)
        self.blocked = QLabel()
        self.blocked.setObjectName("blockedText")
        self.blocked.setWordWrap(True)
        self.blocked.setStyleSheet("color: #7a3d00;")
        rl.addWidget(self.blocked)
        self.confirm_button = QPushButton(icon("confirm"), "")
        self.confirm_button.setObjectName("primary")
        self.confirm_button.clicked.connect(self.confirm)
        rl.addWidget(self.confirm_button)
        wl.addWidget(refund_box)
        self.right.addWidget(work_page)

        # right side, page 1: committed
        done_page = QWidget()
        done_page.setObjectName("donePage")
        dl = QVBoxLayout(done_page)
        dl.setContentsMargins(0, 0, 0, 0)
        self.done_title = QLabel()
        done_box, dbl = panel(self.done_title)
        self.done_ref = QLabel()
        self.done_ref.setObjectName("bigRef")
        self.done_ref.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.done_ref.setAlignment(Qt.AlignmentFlag.AlignCenter)
        dbl.addWidget(self.done_ref)
        self.receipt_scroll = QScrollArea()
        self.receipt_scroll.setWidgetResizable(True)
        self.receipt_view = QLabel()
        self.receipt_view.setObjectName("receiptPreview")
        self.receipt_view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.receipt_view.setWordWrap(True)
        self.receipt_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.receipt_view.setStyleSheet("background: #ffffff; padding: 10px;")
        self.receipt_scroll.setWidget(self.receipt_view)
        dbl.addWidget(self.receipt_scroll, 1)
        self.done_hint = QLabel()
        self.done_hint.setObjectName("muted")
        self.done_hint.setWordWrap(True)
        dbl.addWidget(self.done_hint)
        buttons = QHBoxLayout()
        self.reprint_button = QPushButton(icon("print"), "")
        self.reprint_button.setObjectName("reprintButton")
        self.reprint_button.clicked.connect(self._reprint_current)
        self.new_button = QPushButton(icon("new"), "")
        self.new_button.setObjectName("newReturnButton")
        self.new_button.clicked.connect(self.new_return)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.new_button, 1)
        dbl.addLayout(buttons)
        dl.addWidget(done_box)
        self.right.addWidget(done_page)

        order: list[tuple[QWidget, QWidget]] = [
            (self.scan_input, self.search_button),
            (self.search_button, self.lines),
            (self.lines, self.qty),
            (self.qty, self.add_button),
            (self.add_button, self.remove_button),
            (self.remove_button, self.serial),
            (self.serial, self.reason),
            (self.reason, self.condition),
            (self.condition, self.notes),
            (self.notes, self.feedback),
            (self.feedback, self.override_button),
            (self.override_button, self.tender),
            (self.tender, self.confirm_button),
            (self.confirm_button, self.new_button),
        ]
        for first, second in order:
            QWidget.setTabOrder(first, second)

    def _build_shortcuts(self) -> None:
        def shortcut(keys: str | QKeySequence.StandardKey, fn: Callable[[], None]) -> None:
            sc = QShortcut(QKeySequence(keys), self.work)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(fn)

        shortcut("F2", self.open_search)
        shortcut("F3", self.focus_scan)
        shortcut("F4", self.open_override)
        shortcut("F6", self.open_history)
        shortcut("F9", self.confirm)
        shortcut("Ctrl+Return", self.confirm)
        shortcut("Ctrl+Enter", self.confirm)
        shortcut("Ctrl+N", self.new_return)
        shortcut("Ctrl+L", self.lock)
        shortcut("Ctrl+,", self.open_settings)
        shortcut("Ctrl+Del", self.remove_current_line)
        shortcut("Ctrl+Ins", self.add_current_line)
        shortcut("Esc", self.banner.clear)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        s = self.ctx.app.settings
        self.setWindowTitle(tr("Returns Counter"))
        self.title.setText(
            tr("Store {store} · counter {counter}").format(
                store=s.store_code, counter=s.counter_code
            )
        )
        user = self.ctx.user
        self.user_badge.setText(user.display_name if user else "")
        self.user_badge.setToolTip(
            tr("Signed in: {name}").format(name=user.display_name) if user else ""
        )
        # The name never gets squeezed away by the header's indicators.
        self.user_badge.setMinimumWidth(self.user_badge.sizeHint().width())
        self.history_button.setText(tr("History"))
        self.history_button.setToolTip(tr("Past returns, search and reprint (F6)"))
        self.manager_button.setText(tr("Manager"))
        self.manager_button.setToolTip(tr("Reports, day close, returned stock, customer e-mails"))
        for tool, label in (
            ("reports", tr("Reports")),
            ("day_close", tr("Close the day (Z-report)")),
            ("stock", tr("Returned stock")),
            ("mail", tr("Customer e-mails")),
        ):
            self.manager_actions[tool].setText(label)
        self.settings_button.setText(tr("Settings"))
        self.settings_button.setToolTip(tr("Store, counter, language, printer (Ctrl+,)"))
        self.lock_button.setText(tr("Lock"))
        self.lock_button.setToolTip(tr("Lock the counter; the return in progress is kept (Ctrl+L)"))
        self.scan_title.setText(tr("1  Scan the order, then each item"))
        self.scan_input.setPlaceholderText(tr("Scan or type the order number, then press Enter"))
        self.scan_input.setToolTip(tr("Scan or type here (F3). Scanning works anywhere."))
        self.search_button.setText(tr("Search"))
        self.search_button.setToolTip(tr("Find the order by phone, e-mail, card or date (F2)"))
        self.scan_hint.setText(
            tr("With an order open, scanning a product checks it against the order.")
        )
        self.camera_placeholder.setText(tr("Camera preview"))
        self.order_title.setText(tr("2  Order"))
        names = {
            "number": tr("Order"),
            "date": tr("Bought"),
            "customer": tr("Customer"),
            "channel": tr("Channel"),
            "tenders": tr("Paid with"),
        }
        for key, (name, _value) in self.order_labels.items():
            name.setText(names[key])
        self.lines.setHorizontalHeaderLabels(
            [tr("#"), tr("Item"), tr("Sold / returned"), tr("Paid"), tr("Status"), tr("Why")]
        )
        self.lines.setToolTip(
            tr("Arrows pick a line; Enter adds it to the return without scanning (Ctrl+Ins)")
        )
        self.inspect_title.setText(tr("3  Check the item"))
        self.qty_label.setText(tr("&Quantity"))
        self.qty.setToolTip(tr("Up and Down arrows change the quantity"))
        self.serial_label.setText(tr("S&erial no."))
        self.reason_label.setText(tr("&Reason"))
        self.condition_label.setText(tr("C&ondition"))
        self.notes_label.setText(tr("&Notes"))
        self.feedback_label.setText(tr("&Feedback"))
        self.photo_slot.setText(tr("No photo"))
        self.photo_slot.setToolTip(tr("A photo of the item appears here once the camera is set up"))
        self.serial.setPlaceholderText(tr("Scan or type the serial number"))
        self.reason.setPlaceholderText(tr("Pick the customer's reason"))
        self.condition.setPlaceholderText(tr("Pick the item's condition"))
        self.notes.setPlaceholderText(tr("What you see on the item (optional)"))
        self.feedback.setPlaceholderText(tr("What could we have done better? (optional)"))
        self.add_button.setText(tr("Add"))
        self.add_button.setToolTip(
            tr("Add this line without scanning (Enter on the line, Ctrl+Ins)")
        )
        self.remove_button.setText(tr("Remove"))
        self.remove_button.setToolTip(tr("Take this line out of the return (Ctrl+Del)"))
        self.override_button.setText(tr("Manager override…"))
        self.override_button.setToolTip(tr("A manager approves this line with their PIN (F4)"))
        self.refund_title.setText(tr("4  Refund"))
        self.total_label.setText(tr("Total refund"))
        self.tender_label.setText(tr("Refund &to"))
        self.confirm_button.setText(tr("Confirm return"))
        self.confirm_button.setToolTip(tr("Confirm and print the receipt (F9 or Ctrl+Enter)"))
        self.done_title.setText(tr("5  Return confirmed"))
        self.reprint_button.setText(tr("Reprint"))
        self.reprint_button.setToolTip(tr("Print the receipt again"))
        self.done_hint.setText(
            tr("Next customer: just scan their order, or press Ctrl+N for an empty screen.")
        )
        self.new_button.setText(tr("New return"))
        self.new_button.setToolTip(tr("Clear the screen for the next customer (Ctrl+N)"))
        self._fill_policy_lists()
        self.render_all()
        if self.committed is not None:
            self._show_committed_text()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _fill_policy_lists(self) -> None:
        policy = self.ctx.app.policies.current
        self._loading = True
        try:
            for combo, items in (
                (self.reason, policy.reason_codes),
                (self.condition, policy.conditions),
            ):
                keep = combo.currentData()
                combo.clear()
                for code, label in items:
                    combo.addItem(i18n.policy_label(label), code)
                combo.setCurrentIndex(combo.findData(keep) if keep is not None else -1)
        finally:
            self._loading = False

    # ------------------------------------------------------------------ sign-in and lock
    def show_login(self) -> None:
        self.login.check = None
        self.login.prepare(None)
        self.stack.setCurrentWidget(self.login)
        engine = self.ctx.app.engine
        self.tasks.run(lambda: auth.list_users(engine), self._staff_checked, lambda _e: None)

    def _staff_checked(self, users: list[User]) -> None:
        if not any(u.active for u in users) and not self.login.message.text():
            self.login.message.setText(
                tr(
                    "This store has no staff accounts yet. An administrator creates the first "
                    "one with: counter-app users add NAME --role admin"
                )
            )

    def _on_signed_in(self, user: User) -> None:
        if self.draft is not None and self.draft.cashier.id != user.id:
            # another cashier takes the counter: an untouched order view is not theirs
            self._discard_armed = True
            self.new_return()
        self.ctx.user = user
        self.stack.setCurrentWidget(self.work)
        self.settings_button.setEnabled(user.can_approve)
        self.manager_button.setVisible(user.can_approve)
        self.retranslate()
        self.idle.restart()
        self.lock_changed.emit(False)
        self.signed_in.emit(user)
        if self._restore_focus is not None and self._restore_focus.isVisible():
            self._restore_focus.setFocus()
        else:
            self.focus_scan()
        self._restore_focus = None

    _restore_focus: QWidget | None = None

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.login

    def lock(self) -> None:
        user = self.ctx.user
        if user is None or self.locked:
            return
        for dialog in list(self._open_dialogs):
            dialog.close()
        focus = QApplication.focusWidget()
        self._restore_focus = focus if focus is not None and self.work.isAncestorOf(focus) else None
        self.login.check = self._may_unlock
        self.login.prepare(user)
        self.stack.setCurrentWidget(self.login)
        self.lock_changed.emit(True)

    def _may_unlock(self, user: User) -> str | None:
        holder = self.ctx.user
        if holder is None or user.id == holder.id:
            return None
        if self.draft is not None and self.draft.lines and self.committed is None:
            return tr(
                "{name} has a return in progress. Only {name} can unlock this counter."
            ).format(name=holder.display_name)
        return None

    def _idle_lock(self) -> None:
        if self.ctx.user is not None and not self.locked:
            self.lock()

    def set_idle_minutes(self, minutes: float) -> None:
        self.idle.set_interval_ms(int(minutes * 60_000))

    def _scanning_enabled(self) -> bool:
        if self.locked or not self.isVisible():
            return False
        if QApplication.activeModalWidget() is not None:
            return False
        active = QApplication.activeWindow()
        return active is None or active is self

    # ------------------------------------------------------------------ banner
    def show_error(self, exc: BaseException, code: str = "") -> None:
        self.banner.show_message(friendly_error(exc, code), "error")

    def show_unexpected(self) -> None:
        self.banner.show_message(
            tr(
                "Something unexpected went wrong on this screen. The return in progress is "
                "kept; try again, and if it keeps happening call support."
            ),
            "error",
        )

    def show_info(self, text: str) -> None:
        self.banner.show_message(text, "info", 6000)

    # ------------------------------------------------------------------ 1. scan
    def focus_scan(self) -> None:
        self.scan_input.setFocus()
        self.scan_input.selectAll()

    def _typed_scan(self) -> None:
        self.handle_scan(self.scan_input.text())

    def handle_scan(self, text: str) -> None:
        """A scanned or typed code: an order number, or with an order open a product."""
        code = text.strip()
        if not code:
            self.banner.show_message(
                tr("Nothing was scanned. Scan the barcode or type the number."), "warning"
            )
            return
        if self.locked or self.ctx.user is None:
            return
        dl = self._current_draft_line()
        if self.serial.hasFocus() and dl is not None and dl.line.serialised:
            self.serial.setText(code)  # the serial number's barcode, scanned into its field
            self._serial_entered()
            return
        self._last_code = code
        if self.committed is not None:
            self.new_return()
        if self._opening:
            self._queued_scans.append(code)  # an item scanned while its order still loads
            return
        if self.draft is None:
            desk, user = self.ctx.desk, self.ctx.user
            self._opening = True
            self.tasks.run(
                lambda: return_flow.open_order(desk, code, user),
                self._order_loaded,
                lambda exc: self._scan_failed(exc, code),
            )
        else:
            desk, draft, user = self.ctx.desk, self.draft, self.ctx.user
            self._run_draft(
                lambda: return_flow.scan(desk, draft, code, user),
                self._scanned,
                lambda exc: self._scan_failed(exc, code),
            )

    def _scanned(self, result: return_flow.DraftState | return_flow.OrderLoaded) -> None:
        if isinstance(result, return_flow.OrderLoaded):
            self.draft = None
            self._order_loaded(result)
        else:
            self._item_scanned(result)

    def _scan_failed(self, exc: BaseException, code: str) -> None:
        self._opening = False
        self._queued_scans.clear()
        self.show_error(exc, code)
        self.scan_input.setText(code if len(code) <= 64 else "")
        self.focus_scan()

    def _order_loaded(self, loaded: return_flow.OrderLoaded) -> None:
        self._opening = False
        if self.draft is not None and self.draft.lines:
            return  # a return started meanwhile; never replace it silently
        self.order = loaded.order
        self.draft = loaded.draft
        self.preview = loaded.preview
        self.summary = None
        self.current_line = None
        self.banner.clear()
        self.scan_input.clear()
        self.render_all()
        self.order_shown.emit(loaded.order.number)
        self.scan_input.setFocus()
        queued, self._queued_scans = self._queued_scans, []
        for code in queued:
            self.handle_scan(code)

    def _item_scanned(self, st: return_flow.DraftState) -> None:
        self.scan_input.clear()
        self.banner.clear()
        self._apply_state(st)
        if st.line_no is not None:
            self.select_row(st.line_no)
            self._focus_next_step(st.line_no)

    def _focus_next_step(self, line_no: int) -> None:
        if self.draft is None or line_no not in self.draft.lines:
            return
        dl = self.draft.lines[line_no]
        if dl.line.serialised and not dl.serial_presented:
            self.serial.setFocus()
        elif dl.inspection is None:
            self.reason.setFocus()
        else:
            self.scan_input.setFocus()

    # ------------------------------------------------------------------ 2. order
    def render_all(self) -> None:
        """Everything on screen from the current order / draft / summary."""
        order = self.order
        values = {"number": "", "date": "", "customer": "", "channel": "", "tenders": ""}
        if order is not None:
            c = order.customer
            values = {
                "number": order.number,
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
        for key, (_name, value) in self.order_labels.items():
            value.setText(values[key])
        self._render_lines()
        self._render_inspection()
        self._render_refund()

    def decision_for(self, line_no: int) -> Decision | None:
        if self.draft is not None:
            dl = self.draft.lines.get(line_no)
            if dl is not None and dl.decision is not None:
                return dl.decision
        return self.preview.get(line_no)

    def _render_lines(self) -> None:
        order = self.order
        keep = self.current_line
        self.lines.blockSignals(True)
        try:
            self.lines.setRowCount(0)
            if order is None:
                return
            self.lines.setRowCount(len(order.lines))
            for row, line in enumerate(order.lines):
                dl = self.draft.lines.get(line.line_no) if self.draft else None
                decision = self.decision_for(line.line_no)
                overridden = dl is not None and dl.override is not None
                mark = ""
                if dl is not None:
                    mark = " ✓" if dl.verified else " +"
                cells = [
                    f"{line.line_no}{mark}",
                    (
                        f"{line.name}\n{line.sku}"
                        if line.name.isascii()
                        else f"{line.name} · {line.sku}"
                    ),
                    f"{line.quantity} / {line.returned_quantity}",
                    i18n.money(line.paid),
                    "",
                    "",
                ]
                for col, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, line.line_no)
                    if col in (COL_QTY, COL_PAID):
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.lines.setItem(row, col, item)
                text, kind = badge_for(line, decision, overridden)
                why = self._why(line, decision, dl)
                self.lines.setItem(row, COL_STATUS, badge_item(text, kind, why, line.line_no))
                why_item = QTableWidgetItem(why)
                why_item.setToolTip(why)
                why_item.setData(Qt.ItemDataRole.UserRole, line.line_no)
                self.lines.setItem(row, COL_WHY, why_item)
            self.lines.resizeRowsToContents()
            if keep is not None:
                self.select_row(keep)
        finally:
            self.lines.blockSignals(False)

    def _why(self, line: OrderLine, decision: Decision | None, dl: Any) -> str:
        if line.returnable_quantity <= 0:
            return tr("All {n} already returned.").format(n=line.quantity)
        parts = []
        if dl is not None and dl.override is not None:
            parts.append(
                tr("Approved by {manager}: {reason}.").format(
                    manager=dl.override.manager.display_name,
                    reason=override_reason_label(dl.override.reason),
                )
            )
        if decision is not None:
            parts.extend(i18n.reason_text(r) for r in decision.reasons)
            if decision.outcome == "approve" and not decision.reasons:
                parts.append(tr("Within the return window."))
        return " ".join(parts)

    def select_row(self, line_no: int) -> None:
        if self.order is None:
            return
        for row, line in enumerate(self.order.lines):
            if line.line_no == line_no:
                self.lines.setCurrentCell(row, COL_ITEM)
                self.current_line = line_no
                self._render_inspection()
                return

    def _row_changed(self, row: int, *_: int) -> None:
        if self.order is None or row < 0 or row >= len(self.order.lines):
            return
        self.current_line = self.order.lines[row].line_no
        self._render_inspection()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.lines and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Insert):
                self.add_current_line()
                return True
            if key == Qt.Key.Key_Delete:
                self.remove_current_line()
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ 3. inspection
    def _current_draft_line(self) -> Any:
        if self.draft is None or self.current_line is None:
            return None
        return self.draft.lines.get(self.current_line)

    def _render_inspection(self) -> None:
        self._loading = True
        try:
            line = None
            if self.order is not None and self.current_line is not None:
                try:
                    line = self.order.line(self.current_line)
                except KeyError:
                    line = None
            dl = self._current_draft_line()
            in_return = dl is not None
            editable = in_return and self.committed is None
            for w in (self.reason, self.condition, self.notes, self.feedback, self.qty):
                w.setEnabled(editable)
            self.remove_button.setEnabled(editable)
            can_add = (
                line is not None
                and not in_return
                and line.returnable_quantity > 0
                and self.committed is None
            )
            self.add_button.setEnabled(can_add)
            serial_needed = line is not None and line.serialised
            self.serial.setVisible(serial_needed)
            self.serial_label.setVisible(serial_needed)
            self.serial.setEnabled(editable)
            if line is None:
                self.line_name.setText(
                    tr("Scan an item of the order, or pick a line and press Enter.")
                    if self.order is not None
                    else tr("Scan the order's barcode or type its number to begin.")
                )
                self.line_state.clear()
                self.decision_text.clear()
                self.reason.setCurrentIndex(-1)
                self.condition.setCurrentIndex(-1)
                self.notes.clear()
                self.feedback.clear()
                self.serial.clear()
                self.override_button.setEnabled(False)
                return
            self.line_name.setText(f"{line.line_no}. {line.name}  ({line.sku})")
            if dl is None:
                state = (
                    tr("Not in this return. Scan the item, or press Add.")
                    if line.returnable_quantity > 0
                    else tr("Already returned in full.")
                )
            elif dl.verified:
                state = tr("Item scanned and matches the order ✓")
            else:
                state = tr("Added without scanning")
            self.line_state.setText(state)
            self.qty.setMaximum(max(1, line.returnable_quantity))
            self.qty.setValue(dl.quantity if dl else 1)
            self.serial.setText(dl.serial_presented or "" if dl else "")
            insp = dl.inspection if dl else None
            self.reason.setCurrentIndex(self.reason.findData(insp.reason_code) if insp else -1)
            self.condition.setCurrentIndex(self.condition.findData(insp.condition) if insp else -1)
            self.notes.setText(insp.notes if insp else "")
            self.feedback.setText(dl.feedback if dl else "")
            decision = self.decision_for(line.line_no)
            text, _kind = badge_for(line, decision, bool(dl and dl.override))
            why = self._why(line, decision, dl)
            if dl is not None and dl.decision is None:
                self.decision_text.setText(
                    tr("Pick a reason and a condition to check this item against the policy.")
                )
            else:
                prefix = "" if dl is not None else tr("Before inspection:") + " "
                self.decision_text.setText(f"{prefix}<b>{text}</b> — {why}")
            needs = (
                dl is not None
                and dl.decision is not None
                and dl.decision.outcome in ("refer", "deny")
                and dl.decision.overridable
                and dl.override is None
                and self.committed is None
            )
            self.override_button.setEnabled(needs)
        finally:
            self._loading = False

    def add_current_line(self) -> None:
        if self.draft is None or self.current_line is None or self.committed is not None:
            return
        if self.current_line in self.draft.lines:
            self._focus_next_step(self.current_line)
            return
        desk, draft, n = self.ctx.desk, self.draft, self.current_line
        self._run_draft(
            lambda: return_flow.pick_line(desk, draft, n, 1),
            self._line_added,
            self.show_error,
        )

    def _line_added(self, st: return_flow.DraftState) -> None:
        self._apply_state(st)
        if st.line_no is not None:
            self._focus_next_step(st.line_no)

    def remove_current_line(self) -> None:
        if self._current_draft_line() is None or self.committed is not None:
            return
        desk, draft, n = self.ctx.desk, self.draft, self.current_line
        assert draft is not None and n is not None
        self._run_draft(lambda: return_flow.remove_line(desk, draft, n), self._apply_state)

    def _quantity_changed(self, value: int) -> None:
        dl = self._current_draft_line()
        if self._loading or dl is None or dl.quantity == value:
            return
        desk, draft, n = self.ctx.desk, self.draft, self.current_line
        assert draft is not None and n is not None
        self._run_draft(lambda: return_flow.pick_line(desk, draft, n, value), self._apply_state)

    def _serial_entered(self) -> None:
        dl = self._current_draft_line()
        text = self.serial.text().strip()
        if dl is None or not text:
            return
        desk, draft, n = self.ctx.desk, self.draft, self.current_line
        assert draft is not None and n is not None
        self._run_draft(
            lambda: return_flow.set_serial(desk, draft, n, text),
            lambda st: self._serial_done(st, n),
            self.show_error,
        )

    def _serial_done(self, st: return_flow.DraftState, line_no: int) -> None:
        self._apply_state(st)
        self._focus_next_step(line_no)

    def _inspection_changed(self, *_: Any) -> None:
        if self._loading:
            return
        dl = self._current_draft_line()
        reason, condition = self.reason.currentData(), self.condition.currentData()
        if dl is None or reason is None or condition is None or self.committed is not None:
            return
        notes, feedback = self.notes.text(), self.feedback.text()
        serial = self.serial.text().strip() if dl.line.serialised else None
        insp = dl.inspection
        if (
            insp is not None
            and (insp.reason_code, insp.condition, insp.notes, dl.feedback)
            == (reason, condition, notes.strip(), feedback.strip())
            and (serial or None) == (dl.serial_presented or None)
        ):
            return
        desk, draft, n = self.ctx.desk, self.draft, self.current_line
        assert draft is not None and n is not None
        self._run_draft(
            lambda: return_flow.inspect(
                desk,
                draft,
                n,
                reason_code=reason,
                condition=condition,
                notes=notes,
                feedback=feedback,
                serial=serial or None,
            ),
            self._apply_state,
            self.show_error,
        )

    def _run_draft(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run a change of the draft on the worker; the screen is redrawn once the last
        queued change is back (changes run one after another, in order)."""
        self._draft_jobs += 1

        def done(result: Any) -> None:
            self._draft_jobs -= 1
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._draft_jobs -= 1
            (on_error or self.show_error)(exc)
            if not self._draft_jobs and self.draft is not None:
                self._redraw_draft()

        self.tasks.run(fn, done, failed)

    def _redraw_draft(self) -> None:
        self._render_lines()
        self._render_inspection()
        self._render_refund()
        self.draft_changed.emit()

    def _apply_state(self, st: return_flow.DraftState) -> None:
        self.summary = st.summary
        if self._draft_jobs:
            return  # more changes are queued; render once they are all done
        self._redraw_draft()

    # ------------------------------------------------------------------ 4. override
    def open_override(self) -> None:
        dl = self._current_draft_line()
        if self.locked or self.draft is None or dl is None:
            return
        if not self.override_button.isEnabled():
            self.banner.show_message(
                tr("This line does not need a manager: nothing to override."), "warning", 5000
            )
            return
        from ui.counter.override_dialog import OverrideDialog

        dialog = OverrideDialog(self.ctx, self.draft, dl.line.line_no, self)
        dialog.granted.connect(self._override_granted)
        self._track(dialog)
        dialog.open()

    def _override_granted(self, grant: Any) -> None:
        self.show_info(tr("Approved by {manager}.").format(manager=grant.manager.display_name))
        draft, desk = self.draft, self.ctx.desk
        assert draft is not None
        self._run_draft(lambda: return_flow.state(desk, draft), self._apply_state)

    # ------------------------------------------------------------------ 5. refund
    def _render_refund(self) -> None:
        summary = self.summary
        draft = self.draft
        rows = []
        if summary is not None and draft is not None:
            for line_no, refund, fee in summary.lines:
                name = draft.lines[line_no].line.name
                fee_text = " " + tr("(fee {fee})").format(fee=i18n.money(fee)) if fee else ""
                rows.append(
                    f"<tr><td>{line_no}. {escape(name)} × {draft.lines[line_no].quantity}"
                    f"{fee_text}</td><td align='right'>&nbsp;{i18n.money(refund)}</td></tr>"
                )
        self.refund_lines.setText(
            "<table width='100%'>" + "".join(rows) + "</table>"
            if rows
            else tr("Nothing to refund yet.")
        )
        self.total.setText(i18n.money(summary.total) if summary else "—")
        keep = self.tender.currentData()
        self.tender.blockSignals(True)
        self.tender.clear()
        allowed = summary.tenders_allowed if summary else ()
        for code in allowed:
            self.tender.addItem(tender_name(code), code)
        if keep in allowed:
            self.tender.setCurrentIndex(self.tender.findData(keep))
        self.tender.blockSignals(False)
        self.tender.setEnabled(bool(allowed))
        blocked = summary.blocked if summary else ()
        if summary is not None and summary.fees:
            fees = tr("Fees deducted: {fees}").format(fees=i18n.money(summary.fees))
        else:
            fees = ""
        blocked_text = "\n".join(f"• {self._blocked_text(b)}" for b in blocked)
        self.blocked.setText("\n".join(x for x in (fees, blocked_text) if x))
        self.confirm_button.setEnabled(
            summary is not None and not blocked and bool(allowed) and self.committed is None
        )

    def _blocked_text(self, text: str) -> str:
        if i18n.current_language() == "en":
            return text
        if text.endswith("needs a manager's approval."):
            return text.split(":")[0] + ": " + tr("needs a manager's approval (F4).")
        if text.endswith("pick a reason and a condition."):
            return text.split(":")[0] + ": " + tr("pick a reason and a condition.")
        if text.endswith("remove it from the return."):
            return text.split(":")[0] + ": " + tr("cannot be returned — remove it (Ctrl+Del).")
        return text

    # ------------------------------------------------------------------ 6. confirm
    def confirm(self) -> None:
        if self.locked or self.draft is None or self.committed is not None:
            return
        summary = self.summary
        if summary is None or summary.blocked or not summary.tenders_allowed:
            reasons = summary.blocked if summary else ()
            self.banner.show_message(
                tr("The return cannot be confirmed yet:")
                + " "
                + " ".join(self._blocked_text(b) for b in reasons),
                "warning",
            )
            return
        tender = self.tender.currentData() or summary.tenders_allowed[0]
        self.confirm_button.setEnabled(False)
        desk, draft = self.ctx.desk, self.draft
        self.tasks.run(
            lambda: return_flow.commit(desk, draft, tender),
            self._committed,
            self._commit_failed,
        )

    def _commit_failed(self, exc: BaseException) -> None:
        self.show_error(exc)
        self._render_refund()

    def _committed(self, done: tuple[CommittedReturn, Order | None]) -> None:
        result, fresh = done
        self.committed = result
        if fresh is not None:
            self.order = fresh
            self._render_lines()
        self.banner.show_message(
            tr("Return {ref} confirmed. Refund {total} to {tender}.").format(
                ref=result.ref, total=i18n.money(result.total), tender=tender_name(result.tender)
            ),
            "info",
        )
        self._render_inspection()
        self._render_refund()
        self.right.setCurrentIndex(1)
        self._show_committed_text()
        provider = self.ctx.receipt_preview_provider
        if provider is not None:
            ref = result.ref
            width = max(240, self.receipt_scroll.viewport().width() - 24)
            # Rendered, decoded and fitted to the panel off the UI thread; the UI thread only
            # puts the finished image on screen.
            self.tasks.run(
                lambda: _fit_receipt(provider(ref), width),
                self._show_receipt_image,
                lambda _e: None,
            )
        self.new_button.setFocus()
        self.return_committed.emit(result.ref)

    def _show_committed_text(self) -> None:
        result = self.committed
        if result is None or self.draft is None:
            return
        self.done_ref.setText(result.ref)
        if not self.receipt_view.pixmap() or self.receipt_view.pixmap().isNull():
            lines = [
                f"<p><b>{tr('Reference')}:</b> {result.ref}<br>"
                f"<b>{tr('Order')}:</b> {self.draft.order.number}<br>"
                f"<b>{tr('Date')}:</b> {i18n.when(result.created_at)}</p><table width='100%'>"
            ]
            for dl in self.draft.selected():
                lines.append(
                    f"<tr><td>{escape(dl.line.name)} × {dl.quantity}</td>"
                    f"<td align='right'>{i18n.money(dl.refund)}</td></tr>"
                )
            lines.append(
                f"</table><p><b>{tr('Total refund')}: {i18n.money(result.total)}</b><br>"
                f"{tr('Refund to')}: {tender_name(result.tender)}"
            )
            if result.store_credit_code:
                lines.append(f"<br>{tr('Store credit code')}: {result.store_credit_code}")
            lines.append("</p>")
            self.receipt_view.setTextFormat(Qt.TextFormat.RichText)
            self.receipt_view.setText("".join(lines))

    def _show_receipt_image(self, image: QImage) -> None:
        if not image.isNull():
            self.receipt_view.setPixmap(QPixmap.fromImage(image))

    def _reprint_current(self) -> None:
        if self.committed is not None:
            self.ctx.request_reprint(self.committed.ref)
            self.reprint_requested.emit(self.committed.ref)
            self.show_info(tr("Receipt {ref} sent to the printer.").format(ref=self.committed.ref))

    def new_return(self) -> None:
        """Clear the screen. A return in progress is only dropped on a second Ctrl+N."""
        if (
            self.committed is None
            and self.draft is not None
            and self.draft.lines
            and not self._discard_armed
        ):
            self._discard_armed = True
            self.banner.show_message(
                tr("A return is in progress. Press Ctrl+N again to discard it."), "warning"
            )
            QTimer.singleShot(5000, self._disarm)
            return
        self._discard_armed = False
        self.order = None
        self.draft = None
        self.preview = {}
        self.summary = None
        self.committed = None
        self.current_line = None
        self.receipt_view.clear()
        self.done_ref.clear()
        self.right.setCurrentIndex(0)
        if self.banner.kind != "info":
            self.banner.clear()
        self.scan_input.clear()
        self.render_all()
        self.focus_scan()
        self.draft_changed.emit()

    def _disarm(self) -> None:
        self._discard_armed = False

    # ------------------------------------------------------------------ other windows
    def _track(self, dialog: QWidget) -> None:
        self._open_dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        if hasattr(dialog, "finished"):
            dialog.finished.connect(lambda *_: self._back_to_work())

    def _back_to_work(self) -> None:
        if self.locked:
            return
        self.activateWindow()
        self.focus_scan()

    def _forget(self, dialog: QWidget) -> None:
        if dialog in self._open_dialogs:
            self._open_dialogs.remove(dialog)

    def open_search(self) -> None:
        if self.locked:
            return
        from ui.counter.search_dialog import SearchDialog

        dialog = SearchDialog(self.ctx, self)
        dialog.chosen.connect(self._search_chosen)
        self._track(dialog)
        dialog.open()

    def _search_chosen(self, number: str) -> None:
        if self.draft is not None and self.draft.lines and self.committed is None:
            self.banner.show_message(
                tr("Finish or clear the return in progress (Ctrl+N) before opening another order."),
                "warning",
            )
            return
        self.draft = None
        self.handle_scan(number)

    def open_history(self) -> None:
        if self.locked:
            return
        from ui.counter.history_dialog import HistoryDialog

        dialog = HistoryDialog(self.ctx, self)
        dialog.reprint_requested.connect(self.reprint_requested)
        self._track(dialog)
        dialog.open()

    def open_manager_tool(self, name: str) -> None:
        """Reports, day close, returned stock or customer e-mails — managers only."""
        user = self.ctx.user
        if self.locked or user is None or not user.can_approve:
            return
        import ui.manager as manager

        opener = {
            "reports": manager.open_reports,
            "day_close": manager.open_day_close,
            "stock": manager.open_stock,
            "mail": manager.open_mail,
        }[name]
        self._track(opener(self.ctx, self))

    def open_settings(self) -> None:
        user = self.ctx.user
        if self.locked or user is None:
            return
        if not user.can_approve:
            self.banner.show_message(
                tr("Only a manager or an administrator can change the settings."),
                "warning",
                5000,
            )
            return
        from ui.manager.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.saved.connect(self._settings_saved)
        self._track(dialog)
        dialog.open()

    def _settings_saved(self) -> None:
        self.set_idle_minutes(self.ctx.app.settings.idle_lock_minutes)
        self.retranslate()
        self.show_info(tr("Settings saved."))

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        for dialog in list(self._open_dialogs):
            dialog.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.wedge)
            app.removeEventFilter(self.idle)
        self.idle.timer.stop()
        self.tasks.shutdown()
        super().closeEvent(event)


def _fit_receipt(png: bytes, width: int) -> QImage:
    """The receipt PNG as an image no wider than the preview panel, ready to paint."""
    image = QImage.fromData(png)
    if not image.isNull() and image.width() > width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


