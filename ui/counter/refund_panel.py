"""Steps 4 and 5 of the counter: the refund summary with the tenders the policy allows and the
confirm button; then the confirmed return with its reference and the receipt preview."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.draft import APPROVAL_VOID, ReturnDraft
from counter_app.services.commit import CommittedReturn
from ui import i18n
from ui.counter import authorized_view as authorized
from ui.counter import gift_view
from ui.counter.lines_model import approval_void_text
from ui.counter.session import ReturnSession
from ui.counter.step import StepPanel
from ui.labels import escape, tender_name
from ui.tasks import TaskManager
from ui.widgets import Label, icon, panel

_CTX = "MainWindow"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def blocked_text(text: str) -> str:
    """A reason the return cannot be confirmed yet, in the current language."""
    if i18n.current_language() == "en":
        return text
    for message in APPROVAL_VOID.values():
        if text.endswith(f": {message}."):
            return text[: -len(message) - 3] + ": " + approval_void_text(message) + "."
    if text.endswith("needs a manager's approval."):
        return text.split(":")[0] + ": " + tr("needs a manager's approval (F4).")
    if text.endswith(authorized.UNVERIFIED):  # a return code's item not checked yet
        return text.split(":")[0] + ": " + authorized.unverified_text()
    if text.endswith("pick a reason and a condition."):
        return text.split(":")[0] + ": " + tr("pick a reason and a condition.")
    if text.endswith("remove it from the return."):
        return text.split(":")[0] + ": " + tr("cannot be returned — remove it (Ctrl+Del).")
    return text


class RefundPanel(StepPanel):
    """What the customer gets back, to which tender, and why it cannot be confirmed yet."""

    confirm_requested = Signal()

    def __init__(self, session: ReturnSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = self.box
        self.refund_lines = Label()
        self.refund_lines.setObjectName("refundLines")
        self.refund_lines.setWordWrap(True)
        self.refund_lines.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.refund_lines)
        total_row = QHBoxLayout()
        self.total_label = Label()
        self.total = Label()
        self.total.setObjectName("total")
        total_row.addWidget(self.total_label)
        total_row.addStretch(1)
        total_row.addWidget(self.total)
        layout.addLayout(total_row)
        tender_row = QHBoxLayout()
        self.tender_label = Label()
        self.tender = QComboBox()
        self.tender.setObjectName("tenderCombo")
        self.tender_label.setBuddy(self.tender)
        self._picked: tuple[str, str] | None = None  # (draft id, tender) the cashier chose
        self.tender.activated.connect(self._tender_picked)
        tender_row.addWidget(self.tender_label)
        tender_row.addWidget(self.tender, 1)
        layout.addLayout(tender_row)
        self.blocked = Label()
        self.blocked.setObjectName("blockedText")
        self.blocked.setWordWrap(True)
        self.blocked.setStyleSheet("color: #7a3d00;")
        layout.addWidget(self.blocked)
        self.confirm_button = QPushButton(icon("confirm"), "")
        self.confirm_button.setObjectName("primary")
        self.confirm_button.clicked.connect(self.confirm_requested)
        layout.addWidget(self.confirm_button)

    def retranslate(self) -> None:
        self.title.setText(tr("4  Refund"))
        self.total_label.setText(tr("Total refund"))
        self.tender_label.setText(tr("Refund &to"))
        self.confirm_button.setText(tr("Confirm return"))
        self.confirm_button.setToolTip(tr("Confirm and print the receipt (F9 or Ctrl+Enter)"))

    def chosen_tender(self) -> str | None:
        data = self.tender.currentData()
        return str(data) if data else None

    def refresh(self) -> None:
        summary, draft = self.session.summary, self.session.draft
        rows = []
        if summary is not None and draft is not None:
            for line_no, refund, fee in summary.lines:
                dl = draft.lines[line_no]
                fee_text = " " + tr("(fee {fee})").format(fee=i18n.money(fee)) if fee else ""
                rows.append(
                    f"<tr><td>{line_no}. {escape(dl.line.name)} × {dl.quantity}"
                    f"{fee_text}</td><td align='right'>&nbsp;{i18n.money(refund)}</td></tr>"
                )
        self.refund_lines.setText(
            "<table width='100%'>" + "".join(rows) + "</table>"
            if rows
            else tr("Nothing to refund yet.")
        )
        gift = gift_view.is_gift(draft)  # no line prices: the store credit is the one amount
        if gift and draft is not None:
            self.refund_lines.setText(gift_view.refund_lines_html(summary, draft))
        self.total_label.setText(gift_view.total_label() if gift else tr("Total refund"))
        self.total.setText(i18n.money(summary.total) if summary else "—")
        if gift and summary is not None and draft is not None:
            self.total.setText(i18n.money(gift_view.credit_value(summary, draft)))
        allowed = summary.tenders_allowed if summary else ()
        self._fill_tenders(allowed, draft)
        blocked = summary.blocked if summary else ()
        if summary is not None and summary.fees and not gift:
            fees = tr("Fees deducted: {fees}").format(fees=i18n.money(summary.fees))
        else:
            fees = ""
        reasons = "\n".join(f"• {blocked_text(b)}" for b in blocked)
        self.blocked.setText("\n".join(x for x in (fees, reasons) if x))
        self.confirm_button.setEnabled(
            summary is not None
            and not blocked
            and bool(allowed)
            and self.session.committed is None
        )

    def _tender_picked(self, _index: int) -> None:
        draft, data = self.session.draft, self.tender.currentData()
        if draft is not None and data:
            self._picked = (draft.id, str(data))

    def _fill_tenders(self, allowed: tuple[str, ...], draft: ReturnDraft | None) -> None:
        """The tenders allowed; the one kept: the cashier's pick for this return, else the
        refund the customer chose online (a return code), else the previous one."""
        keep = self.tender.currentData()
        if draft is not None and draft.authorization is not None:
            keep = draft.authorization.refund
        if draft is not None and self._picked is not None and self._picked[0] == draft.id:
            keep = self._picked[1]
        self.tender.blockSignals(True)
        self.tender.clear()
        for code in allowed:
            self.tender.addItem(tender_name(code), code)
        if keep in allowed:
            self.tender.setCurrentIndex(self.tender.findData(keep))
        self.tender.blockSignals(False)
        self.tender.setEnabled(bool(allowed))


class ConfirmedPanel(QWidget):
    """The committed return: its reference, the receipt (a picture once rendered), reprint."""

    reprint_requested = Signal()
    new_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("donePage")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.title = Label()
        box, layout = panel(self.title)
        self.done_ref = Label()
        self.done_ref.setObjectName("bigRef")
        self.done_ref.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.done_ref.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.done_ref)
        self.receipt_scroll = QScrollArea()
        self.receipt_scroll.setWidgetResizable(True)
        self.receipt_view = Label()
        self.receipt_view.setObjectName("receiptPreview")
        self.receipt_view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.receipt_view.setWordWrap(True)
        self.receipt_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.receipt_view.setStyleSheet("background: #ffffff; padding: 10px;")
        self.receipt_scroll.setWidget(self.receipt_view)
        layout.addWidget(self.receipt_scroll, 1)
        self.hint = Label()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        buttons = QHBoxLayout()
        self.reprint_button = QPushButton(icon("print"), "")
        self.reprint_button.setObjectName("reprintButton")
        self.reprint_button.clicked.connect(self.reprint_requested)
        self.new_button = QPushButton(icon("new"), "")
        self.new_button.setObjectName("newReturnButton")
        self.new_button.clicked.connect(self.new_requested)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.new_button, 1)
        layout.addLayout(buttons)
        outer.addWidget(box)

    def retranslate(self) -> None:
        self.title.setText(tr("5  Return confirmed"))
        self.reprint_button.setText(tr("Reprint"))
        self.reprint_button.setToolTip(tr("Print the receipt again"))
        self.hint.setText(
            tr("Next customer: just scan their order, or press Ctrl+N for an empty screen.")
        )
        self.new_button.setText(tr("New return"))
        self.new_button.setToolTip(tr("Clear the screen for the next customer (Ctrl+N)"))

    def show_text(self, result: CommittedReturn, draft: ReturnDraft) -> None:
        """The reference, and the receipt as text until (unless) its picture arrives."""
        self.done_ref.setText(result.ref)
        pixmap = self.receipt_view.pixmap()
        if pixmap and not pixmap.isNull():
            return
        if gift_view.is_gift(draft):
            self.receipt_view.setTextFormat(Qt.TextFormat.RichText)
            self.receipt_view.setText(gift_view.confirmed_html(result, draft))
            return
        code = authorized.confirmed_line(draft) if authorized.is_authorized(draft) else ""
        lines = [
            f"<p><b>{tr('Reference')}:</b> {escape(result.ref)}<br>{code}"
            f"<b>{tr('Order')}:</b> {escape(draft.order.number)}<br>"
            f"<b>{tr('Date')}:</b> {i18n.when(result.created_at)}</p><table width='100%'>"
        ]
        committed = {no: refund for no, refund, _fee in result.lines}
        for dl in draft.selected():
            refund = committed.get(dl.line.line_no, dl.refund)  # as committed, not as seen
            lines.append(
                f"<tr><td>{escape(dl.line.name)} × {dl.quantity}</td>"
                f"<td align='right'>{i18n.money(refund)}</td></tr>"
            )
        lines.append(
            f"</table><p><b>{tr('Total refund')}: {i18n.money(result.total)}</b><br>"
            f"{tr('Refund to')}: {tender_name(result.tender)}"
        )
        if result.store_credit_code:
            lines.append(f"<br>{tr('Store credit code')}: {escape(result.store_credit_code)}")
        lines.append("</p>")
        self.receipt_view.setTextFormat(Qt.TextFormat.RichText)
        self.receipt_view.setText("".join(lines))

    def load_receipt(
        self, tasks: TaskManager, provider: Callable[[str], bytes], ref: str
    ) -> None:
        """Render, decode and fit the receipt off the UI thread; then only show the image."""
        width = max(240, self.receipt_scroll.viewport().width() - 24)
        tasks.run(
            lambda: _fit_receipt(provider(ref), width), self._show_image, lambda _e: None
        )

    def _show_image(self, image: QImage) -> None:
        if not image.isNull():
            self.receipt_view.setPixmap(QPixmap.fromImage(image))

    def clear(self) -> None:
        self.receipt_view.clear()
        self.done_ref.clear()


def _fit_receipt(png: bytes, width: int) -> QImage:
    """The receipt PNG as an image no wider than the preview panel, ready to paint."""
    image = QImage.fromData(png)
    if not image.isNull() and image.width() > width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
