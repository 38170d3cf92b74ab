"""The counter's work page: the message banner and the panels of the return, wired to the
session (ui.counter.session) — what the cashier sees once signed in, below the header.

The page turns the session's signals into rendering, focus and banner messages, and the
cashier's requests (scan, add, remove, confirm, new return) into session actions. The
window around it (ui.counter.window) owns sign-in, lock, shortcuts and dialogs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from counter_app.services.commit import CommittedReturn
from ui import i18n
from ui.context import CounterContext
from ui.counter import authorized_view as authorized
from ui.counter import gift_view
from ui.counter.exchange import ExchangeScreen
from ui.counter.inspection_panel import InspectionPanel
from ui.counter.order_panel import OrderPanel
from ui.counter.refund_panel import ConfirmedPanel, RefundPanel, blocked_text
from ui.counter.return_flow import ReturnInProgress, is_return_code
from ui.counter.scan_panel import ScanPanel
from ui.counter.session import ReturnSession
from ui.errors import friendly_error
from ui.labels import tender_name
from ui.widgets import Banner, BusyBar

_CTX = "MainWindow"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class WorkPage(QWidget):
    """Header (given), banner, busy bar, then scan + order on the left and inspection +
    refund (or the confirmed return) on the right."""

    order_shown = Signal(str)  # order number, with eligibility
    draft_changed = Signal()
    return_committed = Signal(str)  # reference
    reprint_requested = Signal(str)
    override_requested = Signal()
    search_requested = Signal()

    def __init__(
        self,
        ctx: CounterContext,
        session: ReturnSession,
        header: QWidget,
        ready: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workPage")
        self.ctx = ctx
        self.session = session
        self.ready = ready  # someone is signed in and the counter is not locked
        self._discard_armed = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(8)
        outer.addWidget(header)
        self.banner = Banner()
        outer.addWidget(self.banner)
        self.busy = BusyBar()
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        outer.addWidget(self.busy)
        outer.addLayout(self._build_body(), 1)
        self._set_tab_order()
        self._wire()
        # after _wire: its words on a committed exchange come after the page's own
        self.exchange = ExchangeScreen(ctx, session, self.right, self.banner, self.refund)

    def _build_body(self) -> QHBoxLayout:
        body = QHBoxLayout()
        body.setSpacing(10)
        left = QVBoxLayout()
        left.setSpacing(8)
        body.addLayout(left, 3)
        self.right = QStackedWidget()
        self.right.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        body.addWidget(self.right, 2)
        self.scan_panel = ScanPanel()
        self.order_panel = OrderPanel(self.session)
        left.addWidget(self.scan_panel)
        left.addWidget(self.order_panel, 1)
        work_page = QWidget()
        wl = QVBoxLayout(work_page)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.setSpacing(8)
        self.inspection = InspectionPanel(self.session)
        self.refund = RefundPanel(self.session)
        wl.addWidget(self.inspection, 1)
        wl.addWidget(self.refund)
        self.right.addWidget(work_page)
        self.confirmed = ConfirmedPanel()
        self.right.addWidget(self.confirmed)
        return body

    def _set_tab_order(self) -> None:
        s, i = self.scan_panel, self.inspection
        chain: list[QWidget] = [
            s.scan_input, s.search_button, self.order_panel.lines, i.qty, i.add_button,
            i.remove_button, i.catalog.matches, i.catalog.no_match, i.serial, i.reason,
            i.condition, i.all_new, i.notes, i.feedback,
            i.override_button, self.refund.tender, self.refund.confirm_button,
            self.confirmed.new_button,
        ]  # fmt: skip
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        s = self.session
        s.order_shown.connect(self._order_shown)
        s.item_scanned.connect(self._item_scanned)
        s.draft_changed.connect(self._draft_redrawn)
        s.step_done.connect(self.focus_next_step)
        s.failed.connect(self.show_error)
        s.scan_failed.connect(self._scan_failed)
        s.commit_failed.connect(self._commit_failed)
        s.return_committed.connect(self._committed)
        s.photo_checked.connect(self._photo_checked)
        self.inspection.all_new_requested.connect(self.grade_all_new)
        self.scan_panel.typed.connect(self.handle_scan)
        self.scan_panel.search_requested.connect(self.search_requested)
        for panel in (self.order_panel, self.inspection):
            panel.add_requested.connect(self.add_current_line)
            panel.remove_requested.connect(self.remove_current_line)
        self.inspection.override_requested.connect(self.override_requested)
        self.refund.confirm_requested.connect(self.confirm)
        self.confirmed.reprint_requested.connect(self._reprint_current)
        self.confirmed.new_requested.connect(self.new_return)

    def retranslate(self) -> None:
        for part in (self.scan_panel, self.order_panel, self.inspection, self.refund):
            part.retranslate()
        self.confirmed.retranslate()
        self.exchange.retranslate()
        self.inspection.fill_policy_lists(self.ctx.app.policies.current)
        self.render_all()
        committed, draft = self.session.committed, self.session.draft
        if committed is not None and draft is not None:
            self.confirmed.show_text(committed, draft)

    # ------------------------------------------------------------------ banner
    def show_error(self, exc: BaseException, code: str = "") -> None:
        self.banner.show_message(friendly_error(exc, code), "error")

    def show_info(self, text: str) -> None:
        self.banner.show_message(text, "info", 6000)

    # ------------------------------------------------------------------ scanning
    def focus_scan(self) -> None:
        self.scan_panel.focus()

    def handle_scan(self, text: str) -> None:
        """A scanned or typed code: an order number, or with an order open a product."""
        code = text.strip()
        if not code:
            self.banner.show_message(
                tr("Nothing was scanned. Scan the barcode or type the number."), "warning"
            )
            return
        if not self.ready():
            return
        if self.exchange.active:
            self.exchange.scan(code)  # what the customer takes instead
            return
        dl = self.session.current_draft_line()
        serial = self.inspection.serial
        if serial.hasFocus() and dl is not None and dl.line.serialised:
            serial.setText(code)  # the serial number's barcode, scanned into its field
            self.inspection.serial_entered()
            return
        if self.session.committed is not None:
            self.new_return()
        if is_return_code(code) and self.session.in_progress:
            self.banner.show_message(authorized.in_progress_text(), "warning")
            return
        self.session.scan(code)

    def open_order_number(self, number: str) -> None:
        """An order picked in the search: opened afresh unless a return is in progress."""
        if self.session.in_progress:
            self.banner.show_message(
                tr("Finish or clear the return in progress (Ctrl+N) before opening another order."),
                "warning",
            )
            return
        self.session.drop_draft()
        self.handle_scan(number)

    def _order_shown(self, number: str) -> None:
        self.banner.clear()  # a return code says itself on the order and under the field
        self.scan_panel.scan_input.clear()
        self.render_all()
        self.order_shown.emit(number)
        self.scan_panel.scan_input.setFocus()

    def _item_scanned(self, _line_no: object) -> None:
        self.scan_panel.scan_input.clear()
        self.banner.clear()

    def _scan_failed(self, exc: BaseException, code: str) -> None:
        if isinstance(exc, ReturnInProgress):
            self.banner.show_message(authorized.in_progress_text(), "warning")
        else:
            self.show_error(exc, code)
        self.scan_panel.show_code(code)

    def _photo_checked(self, line_no: int, matches: bool) -> None:
        order = self.session.order
        name = order.line(line_no).name if order is not None else str(line_no)
        if matches:
            self.show_info(authorized.photo_match(name))
        else:
            self.banner.show_message(authorized.photo_mismatch(name), "warning")
            self.focus_scan()

    def grade_all_new(self) -> None:
        """F10 on a return code: every checked item graded "New, unopened" at once."""
        s = self.session
        if not self.ready() or s.committed is not None or not authorized.is_authorized(s.draft):
            return
        policy = self.ctx.app.policies.current
        lines, condition = authorized.gradable(s.draft, policy), authorized.new_condition(policy)
        if not lines or condition is None:
            self.banner.show_message(authorized.nothing_to_grade(), "warning", 6000)
            return
        s.grade_all(lines, condition)

    def focus_next_step(self, line_no: int) -> None:
        if not self.inspection.focus_next_step(line_no):
            self.scan_panel.scan_input.setFocus()

    # ------------------------------------------------------------------ rendering
    def render_all(self) -> None:
        """Everything on screen from the session's order / draft / summary."""
        self.order_panel.refresh()
        self.inspection.refresh()
        self.refund.refresh()
        draft = self.session.draft
        self.scan_panel.set_hint(authorized.scan_hint(draft) if draft is not None else None)

    def _draft_redrawn(self) -> None:
        self.order_panel.render_lines()
        self.inspection.refresh()
        self.refund.refresh()
        self.draft_changed.emit()

    # ------------------------------------------------------------------ lines
    def select_row(self, line_no: int) -> None:
        self.order_panel.select_line(line_no)

    def add_current_line(self) -> None:
        s = self.session
        if s.draft is None or s.current_line is None or s.committed is not None:
            return
        if s.current_line in s.draft.lines:
            self.focus_next_step(s.current_line)
            return
        s.add_line(s.current_line)

    def remove_current_line(self) -> None:
        s = self.session
        if s.current_draft_line() is None or s.committed is not None or s.current_line is None:
            return
        s.remove_line(s.current_line)

    # ------------------------------------------------------------------ confirming
    def confirm(self) -> None:
        s = self.session
        if not self.ready() or s.draft is None or s.committed is not None:
            return
        if self.exchange.active:
            self.exchange.confirm()
            return
        summary = s.summary
        if summary is None or summary.blocked or not summary.tenders_allowed:
            reasons = summary.blocked if summary else ()
            self.banner.show_message(
                tr("The return cannot be confirmed yet:")
                + " "
                + " ".join(blocked_text(b) for b in reasons),
                "warning",
            )
            return
        tender = self.refund.chosen_tender() or summary.tenders_allowed[0]
        if tender == "exchange":
            self.exchange.start()  # the customer takes other items instead
            return
        self.refund.confirm_button.setEnabled(False)
        s.commit(tender)

    def _commit_failed(self, exc: BaseException) -> None:
        self.show_error(exc)
        self.refund.refresh()

    def _committed(self, result: CommittedReturn) -> None:
        self.order_panel.render_lines()
        message = tr("Return {ref} confirmed. Refund {total} to {tender}.").format(
            ref=result.ref, total=i18n.money(result.total), tender=tender_name(result.tender)
        )
        if gift_view.is_gift(self.session.draft):
            message = gift_view.committed_banner(result)
        elif authorized.is_authorized(self.session.draft) and self.session.draft is not None:
            message = authorized.committed_banner(result, self.session.draft)
        self.banner.show_message(message, "info")
        self.scan_panel.set_hint(None)  # the next customer's scan starts afresh
        self.inspection.refresh()
        self.refund.refresh()
        self.right.setCurrentIndex(1)
        if self.session.draft is not None:
            self.confirmed.show_text(result, self.session.draft)
        provider = self.ctx.receipt_preview_provider
        if provider is not None:
            self.confirmed.load_receipt(self.ctx.tasks, provider, result.ref)
        self.confirmed.new_button.setFocus()
        self.return_committed.emit(result.ref)

    def _reprint_current(self) -> None:
        committed = self.session.committed
        if committed is not None:
            self.ctx.request_reprint(committed.ref)
            self.reprint_requested.emit(committed.ref)
            self.show_info(tr("Receipt {ref} sent to the printer.").format(ref=committed.ref))

    def new_return(self, *, discard: bool = False) -> None:
        """Clear the screen. A return in progress is only dropped on a second Ctrl+N (or at
        once with `discard`, when another cashier signs in)."""
        if self.session.in_progress and not (self._discard_armed or discard):
            self._discard_armed = True
            self.banner.show_message(
                tr("A return is in progress. Press Ctrl+N again to discard it."), "warning"
            )
            QTimer.singleShot(5000, self._disarm)
            return
        self._discard_armed = False
        self.session.clear()
        self.confirmed.clear()
        self.right.setCurrentIndex(0)
        if self.banner.kind != "info":
            self.banner.clear()
        self.scan_panel.scan_input.clear()
        self.render_all()
        self.focus_scan()
        self.draft_changed.emit()

    def _disarm(self) -> None:
        self._discard_armed = False
