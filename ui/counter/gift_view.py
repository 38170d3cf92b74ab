"""What the counter shows of a gift return (`draft.kind == "gift"`): the item and its gift
code, never a price or the buyer's payment. The lines model, the order header, the refund
panel and the confirmed screen ask here (`is_gift`) and take these texts instead; the one
amount shown is the store credit the recipient gets (the voucher's value)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from counter_app.domain.draft import RefundSummary, ReturnDraft
from counter_app.domain.money import Money
from counter_app.services.commit import CommittedReturn
from ui import i18n
from ui.labels import escape, tender_name

_CTX = "GiftReturn"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def is_gift(draft: ReturnDraft | None) -> bool:
    return draft is not None and draft.kind == "gift"


def hidden_price() -> str:
    """The text in place of a price on a gift return."""
    return tr("Gift")


def buyer_text() -> str:
    return tr("Gift recipient (the buyer is not shown)")


def payment_text() -> str:
    return tr("Not shown on a gift return")


def _line_rows(draft: ReturnDraft, line_nos: list[int]) -> str:
    rows = []
    for no in line_nos:
        dl = draft.lines[no]
        code = dl.line.gift_code or ""
        rows.append(
            f"<tr><td>{no}. {escape(dl.line.name)} × {dl.quantity}</td>"
            f"<td align='right'>&nbsp;{escape(code)}</td></tr>"
        )
    return "<table width='100%'>" + "".join(rows) + "</table>"


def refund_lines_html(summary: RefundSummary | None, draft: ReturnDraft) -> str:
    """The refund panel's lines: each item with its gift code, no amount."""
    if summary is None or not summary.lines:
        return tr("Nothing to refund yet.")
    return _line_rows(draft, [no for no, _refund, _fee in summary.lines])


def credit_value(summary: RefundSummary, draft: ReturnDraft) -> Money:
    """What the recipient gets: the store credit with the policy's bonus (the voucher's
    value), the one amount a gift return shows."""
    bonuses = [dl.decision.store_credit_bonus_percent for dl in draft.selected() if dl.decision]
    return summary.total + summary.total.percent(min(bonuses) if bonuses else 0)


def total_label() -> str:
    return tr("Store credit for the recipient")


def committed_banner(result: CommittedReturn) -> str:
    return tr("Gift return {ref} confirmed: {tender} for the recipient.").format(
        ref=result.ref, tender=tender_name(result.tender)
    )


def confirmed_html(result: CommittedReturn, draft: ReturnDraft) -> str:
    """The confirmed screen's text until the receipt picture arrives: no line prices."""
    head = (
        f"<p><b>{tr('Gift return')}:</b> {escape(result.ref)}<br>"
        f"<b>{tr('Date')}:</b> {i18n.when(result.created_at)}</p>"
    )
    lines = _line_rows(draft, [dl.line.line_no for dl in draft.selected()])
    tail = f"<p>{tr('Refund to')}: {tender_name(result.tender)}"
    if result.store_credit_code:
        tail += f"<br>{tr('Store credit code')}: {escape(result.store_credit_code)}"
    return head + lines + tail + "</p>"
