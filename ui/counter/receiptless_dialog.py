"""A return without a receipt (F5, "No receipt"): identify the customer, scan each product
with its reason and condition, read the policy's decision and its explanation, confirm.

The refund is store credit at the lowest price of the policy's last N days. Every desk call
runs on the task runner's serial lane on a clone of the draft; the clone that comes back
replaces the one on screen (as in ui.counter.session), so the screen never reads a draft a
worker is changing. The ID document number goes to the desk (which keeps only its keyed
hash) and is cleared from the field at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.draft import DraftLine, OverrideGrant, ReturnDraft, refund_summary
from counter_app.domain.policy import Policy
from counter_app.services.commit import CommittedReturn
from counter_app.services.receiptless import ReceiptlessCustomer
from ui import i18n
from ui.context import CounterContext
from ui.errors import friendly_error
from ui.labels import escape
from ui.table_model import Column, RowModel, make_table_view
from ui.widgets import Label, LiveScreen, form_row, icon, panel

_CTX = "ReceiptlessDialog"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def _status(dl: DraftLine) -> str:
    d = dl.decision
    if d is None:
        return tr("Checking…")
    if d.outcome in ("approve", "approve_with_fee"):
        return tr("Accepted")
    if dl.approved:
        return tr("Approved by a manager")
    if d.overridable and d.outcome == "refer":
        return tr("Needs a manager")
    return tr("Refused") if not d.overridable else tr("Refused (a manager may allow it)")


def _columns(policy: Policy) -> list[Column[DraftLine]]:
    reasons, conditions = dict(policy.reason_codes), dict(policy.conditions)

    def inspection(dl: DraftLine) -> str:
        insp = dl.inspection
        if insp is None:
            return ""
        reason = i18n.policy_label(reasons.get(insp.reason_code, insp.reason_code))
        return f"{reason} / {i18n.policy_label(conditions.get(insp.condition, insp.condition))}"

    return [
        Column(lambda: tr("Item"), lambda dl: dl.line.name),
        Column(lambda: tr("Lowest price"), lambda dl: i18n.money(dl.line.unit_price), number=True),
        Column(lambda: tr("Reason / condition"), inspection),
        Column(lambda: tr("Decision"), _status),
        Column(lambda: tr("Store credit"), lambda dl: i18n.money(dl.refund), number=True),
    ]


class ReceiptlessDialog(LiveScreen, QDialog):
    committed = Signal(str)  # the return's reference

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receiptlessDialog")
        self.setWindowIcon(icon("scan"))
        self.setModal(True)
        self.ctx = ctx
        self.draft: ReturnDraft | None = None
        self.committed_return: CommittedReturn | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_customer())
        layout.addWidget(self._build_items(), 1)
        self.explanation = Label()
        self.explanation.setObjectName("receiptlessWhy")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.explanation)
        self.message = Label()
        self.message.setObjectName("receiptlessMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addLayout(self._build_buttons())
        self._shortcuts()
        self.resize(1000, 660)
        self._enable()
        self.retranslate()

    # ------------------------------------------------------------------ building
    def _build_customer(self) -> QWidget:
        self.customer_title = Label()
        box, inner = panel(self.customer_title)
        form = QFormLayout()
        self.contact_label, self.document_label = Label(), Label()
        self.contact = QLineEdit()
        self.contact.setObjectName("receiptlessContact")
        self.contact.setMaxLength(254)
        self.document = QLineEdit()
        self.document.setObjectName("receiptlessDocument")
        self.document.setMaxLength(40)
        self.document.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        form_row(form, self.contact_label, self.contact)
        form_row(form, self.document_label, self.document)
        inner.addLayout(form)
        row = QHBoxLayout()
        self.identify_button = QPushButton(icon("search"), "")
        self.identify_button.setAutoDefault(False)
        self.identify_button.clicked.connect(self.identify)
        self.customer_info = Label()
        self.customer_info.setObjectName("receiptlessCustomer")
        self.customer_info.setWordWrap(True)
        row.addWidget(self.identify_button)
        row.addWidget(self.customer_info, 1)
        inner.addLayout(row)
        self.contact.returnPressed.connect(self.identify)
        self.document.returnPressed.connect(self.identify)
        return box

    def _build_items(self) -> QWidget:
        self.items_title = Label()
        box, inner = panel(self.items_title)
        row = QHBoxLayout()
        self.barcode = QLineEdit()
        self.barcode.setObjectName("receiptlessBarcode")
        self.barcode.setMaxLength(200)
        self.barcode.setClearButtonEnabled(True)
        self.barcode.returnPressed.connect(self.add_item)
        self.reason = QComboBox()
        self.reason.setObjectName("receiptlessReason")
        self.condition = QComboBox()
        self.condition.setObjectName("receiptlessCondition")
        self.add_button = QPushButton(icon("scan"), "")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_item)
        row.addWidget(self.barcode, 3)
        row.addWidget(self.reason, 2)
        row.addWidget(self.condition, 2)
        row.addWidget(self.add_button)
        inner.addLayout(row)
        self.model: RowModel[DraftLine] = RowModel(_columns(self.ctx.app.policies.current), self)
        self.lines = make_table_view("receiptlessLines", self.model, fill=0)
        self.lines.selectionModel().currentRowChanged.connect(lambda *_: self._explain())
        inner.addWidget(self.lines, 1)
        self.total = Label()
        self.total.setObjectName("receiptlessTotal")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        inner.addWidget(self.total)
        return box

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.remove_button = QPushButton(icon("new"), "")
        self.approve_button = QPushButton(icon("override"), "")
        self.confirm_button = QPushButton(icon("confirm"), "")
        self.confirm_button.setObjectName("primary")
        self.close_button = QPushButton("")
        for button, action in (
            (self.remove_button, self.remove_current),
            (self.approve_button, self.approve),
            (self.confirm_button, self.confirm),
            (self.close_button, self.reject),
        ):
            button.setAutoDefault(False)
            button.clicked.connect(action)
        row.addWidget(self.remove_button)
        row.addWidget(self.approve_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        row.addWidget(self.confirm_button)
        return row

    def _shortcuts(self) -> None:
        for keys, fn in (
            ("F4", self.approve), ("F9", self.confirm), ("Ctrl+Return", self.confirm),
            ("Ctrl+Del", self.remove_current), ("F3", self.barcode.setFocus),
        ):  # fmt: skip
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(fn)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Return without a receipt"))
        self.customer_title.setText(tr("1  Who is returning?"))
        self.contact_label.setText(tr("&Phone or e-mail"))
        self.contact.setPlaceholderText(tr("Required: the customer's phone number or e-mail"))
        self.document_label.setText(tr("&ID document"))
        self.document.setPlaceholderText(tr("Optional: ID number (only a keyed hash is kept)"))
        self.identify_button.setText(tr("Identify (Enter)"))
        self.items_title.setText(tr("2  Scan each item"))
        self.barcode.setPlaceholderText(tr("Scan or type the product barcode, then Enter"))
        self.add_button.setText(tr("Add"))
        self.remove_button.setText(tr("Remove (Ctrl+Del)"))
        self.approve_button.setText(tr("Manager approval (F4)"))
        self.confirm_button.setText(tr("Give store credit (F9)"))
        self.close_button.setText(tr("Close"))
        self._fill_choices()
        self._refresh()

    def _fill_choices(self) -> None:
        """The policy's reasons and conditions in the current language (kept when refilled)."""
        policy = self.ctx.app.policies.current
        for combo, pairs, default in (
            (self.reason, policy.reason_codes, "changed_mind"),
            (self.condition, policy.conditions, "new"),
        ):
            keep = combo.currentData() or default
            combo.clear()
            for code, label in pairs:
                combo.addItem(i18n.policy_label(label), code)
            combo.setCurrentIndex(max(combo.findData(keep), 0))

    def first_field(self) -> QWidget:
        return self.barcode if self.draft is not None else self.contact

    # ------------------------------------------------------------------ actions
    def identify(self) -> None:
        user = self.ctx.user
        if self.draft is not None or user is None:
            return
        contact, document = self.contact.text(), self.document.text().strip() or None
        self.document.clear()  # the number is never kept on screen
        if not contact.strip():
            self.message.setText(tr("Enter the customer's phone number or e-mail first."))
            return
        desk = self.ctx.desk
        who = ReceiptlessCustomer(contact, document)
        self.message.setText(tr("Looking up the customer…"))
        self.ctx.tasks.run(lambda: desk.start_receiptless(who, user), self._started, self._failed)

    def _started(self, draft: ReturnDraft) -> None:
        self.draft = draft
        self.message.setText("")
        self._refresh()
        self._enable()
        self.barcode.setFocus()

    def add_item(self) -> None:
        code = self.barcode.text().strip()
        if self.draft is None or self.committed_return is not None or not code:
            return
        reason, condition = self.reason.currentData(), self.condition.currentData()

        def work(d: ReturnDraft) -> None:
            self.ctx.desk.add_receiptless_item(d, code, reason_code=reason, condition=condition)

        self.barcode.clear()
        self._run(work)

    def remove_current(self) -> None:
        dl = self._current()
        if dl is not None and self.committed_return is None:
            n = dl.line.line_no
            self._run(lambda d: self.ctx.desk.remove_line(d, n))

    def _run(self, change: Callable[[ReturnDraft], None]) -> None:
        """`change` on a clone of the draft on the serial lane, decided again; then shown."""
        assert self.draft is not None
        clone, desk = self.draft.clone(), self.ctx.desk

        def work() -> ReturnDraft:
            change(clone)
            desk.evaluate(clone)
            return clone

        self.ctx.tasks.run(work, self._changed, self._failed)

    def _changed(self, draft: ReturnDraft) -> None:
        self.draft = draft
        self.message.setText("")
        self._refresh(select_last=True)
        self.barcode.setFocus()

    def approve(self) -> None:
        from ui.counter.override_dialog import OverrideDialog

        dl = self._current()
        if self.draft is None or dl is None or dl.decision is None or self.committed_return:
            return
        if not dl.decision.overridable or dl.approved:
            self.message.setText(tr("This item needs no approval, or none can be given."))
            return
        dialog = OverrideDialog(self.ctx, self.draft, dl.line.line_no, self)
        dialog.granted.connect(self._granted)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()

    def _granted(self, grant: OverrideGrant) -> None:
        def put(d: ReturnDraft) -> None:
            if grant.line_no in d.lines:
                d.lines[grant.line_no].override = grant

        self._run(put)

    def confirm(self) -> None:
        if self.draft is None or self.committed_return is not None:
            return
        summary = refund_summary(self.draft)
        if summary.blocked:
            self.message.setText(self._blocked_text())
            return
        draft, desk = self.draft, self.ctx.desk
        self.confirm_button.setEnabled(False)
        self.message.setText(tr("Saving the return…"))
        self.ctx.tasks.run(
            lambda: desk.commit_return(draft, "store_credit"), self._committed, self._failed
        )

    def _committed(self, done: CommittedReturn) -> None:
        self.committed_return = done
        self.message.setText(
            tr("Return {ref} done: {amount} in store credit, voucher {code}.").format(
                ref=done.ref, amount=i18n.money(done.total), code=done.store_credit_code or "-"
            )
        )
        self._enable()
        self.close_button.setFocus()
        self.committed.emit(done.ref)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(friendly_error(exc))
        self._enable()
        (self.barcode if self.draft is not None else self.contact).setFocus()

    # ------------------------------------------------------------------ showing
    def _current(self) -> DraftLine | None:
        rows = self.model.rows
        row = self.lines.currentIndex().row()
        return rows[row] if 0 <= row < len(rows) else None

    def _blocked_text(self) -> str:
        if self.draft is None or not self.draft.lines:
            return tr("Scan at least one item.")
        waiting = [dl.line.name for dl in self.draft.selected() if not dl.approved]
        return tr("Not yet: {items} — remove them, or a manager approves (F4).").format(
            items=", ".join(waiting)
        )

    def _refresh(self, select_last: bool = False) -> None:
        draft = self.draft
        lines = draft.selected() if draft is not None else []
        self.model.set_rows(lines)
        if lines:
            row = len(lines) - 1 if select_last else max(self.lines.currentIndex().row(), 0)
            self.lines.setCurrentIndex(self.model.index(min(row, len(lines) - 1), 0))
        self._show_customer()
        total = refund_summary(draft).total if draft is not None else None
        days = self.ctx.app.policies.current.receiptless.price_lookback_days
        self.total.setText(
            tr("Store credit: {total} (lowest price of the last {days} days)").format(
                total=i18n.money(total) if total is not None else "–", days=days
            )
        )
        self._explain()
        self._enable()

    def _show_customer(self) -> None:
        draft = self.draft
        if draft is None or draft.order.customer is None:
            self.customer_info.setText(tr("Not identified yet."))
            return
        past = [p for p in draft.customer_history.past_returns if p.receiptless]
        self.customer_info.setText(
            tr("{name}: {count} earlier returns without a receipt.").format(
                name=draft.order.customer.name, count=len(past)
            )
        )

    def _explain(self) -> None:
        dl = self._current()
        if dl is None or dl.decision is None:
            self.explanation.setText("")
            return
        reasons = [i18n.reason_text(r) for r in dl.decision.reasons]
        self.explanation.setText(
            f"<b>{escape(dl.line.name)}</b>: {escape(_status(dl))}<br>"
            + "<br>".join("• " + escape(r) for r in reasons)
        )

    def _enable(self) -> None:
        started, open_ = self.draft is not None, self.committed_return is None
        customer: tuple[QWidget, ...] = (self.contact, self.document, self.identify_button)
        items: tuple[QWidget, ...] = (self.barcode, self.reason, self.condition, self.add_button)
        for widget in customer:
            widget.setEnabled(not started)
        for widget in items:
            widget.setEnabled(started and open_)
        has_lines = started and bool(self.model.rows) and open_
        self.remove_button.setEnabled(has_lines)
        self.approve_button.setEnabled(has_lines)
        self.confirm_button.setEnabled(has_lines)


def add_no_receipt_button(scan_panel: QWidget, action: Callable[[], None]) -> QPushButton:
    """The "No receipt" button beside the scan panel's Search button."""
    button = NoReceiptButton()
    button.clicked.connect(action)
    search = getattr(scan_panel, "search_button", None)
    for layout in scan_panel.findChildren(QHBoxLayout):
        if search is not None and layout.indexOf(search) >= 0:
            layout.insertWidget(layout.indexOf(search) + 1, button)
            break
    return button


class NoReceiptButton(LiveScreen, QPushButton):
    def __init__(self) -> None:
        super().__init__(icon("scan"), "")
        self.setObjectName("noReceiptButton")
        self.setAutoDefault(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(tr("No receipt"))
        self.setToolTip(tr("A return without a receipt or order: store credit only (F5)"))
