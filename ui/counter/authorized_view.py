"""What the counter shows of a return started online (`draft.authorization` set): the return
code on the order header, the banners and the confirmed screen, the customer's reason on
each line, the "All as new" grading and the refusals of a code, in the cashier's language.

The scan field routes a code here (ui.counter.return_flow.is_return_code); the desk
(`open_authorization`) checks it and builds the draft with the authorized lines selected.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QCoreApplication

from counter_app.domain.auth_code import display_code
from counter_app.domain.draft import DraftLine, ReturnDraft
from counter_app.domain.policy_model import Policy
from counter_app.services.commit import CommittedReturn
from ui import i18n
from ui.labels import escape, tender_name

_CTX = "AuthorizedReturn"
# How the draft says an authorized line was not checked yet (domain.draft's blocker).
UNVERIFIED = "scan the item (or check it against the catalog photo) first."


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def is_authorized(draft: ReturnDraft | None) -> bool:
    return draft is not None and draft.authorization is not None


def code_of(draft: ReturnDraft | None) -> str:
    """The return code as printed (`RA-XXXXX-XXXXX-C`), or "" for any other return."""
    if draft is None or draft.authorization is None:
        return ""
    return display_code(draft.authorization.code)


def header_number(number: str, draft: ReturnDraft | None) -> str:
    """The order header's number, with the return code beside it."""
    code = code_of(draft)
    return tr("{order} · return code {code}").format(order=number, code=code) if code else number


def scan_hint(draft: ReturnDraft) -> str | None:
    """Under the scan field while a return code is open (None: the usual hint)."""
    if draft.authorization is None:
        return None
    n = sum(dl.quantity for dl in draft.selected())
    return tr(
        "Return code {code}: {n} item(s) asked for online are picked. Scan each item; no "
        "barcode? Compare it with the catalog photo."
    ).format(code=code_of(draft), n=n)


def committed_banner(result: CommittedReturn, draft: ReturnDraft) -> str:
    return tr("Return {ref} confirmed (return code {code}). Refund {total} to {tender}.").format(
        ref=result.ref,
        code=code_of(draft),
        total=i18n.money(result.total),
        tender=tender_name(result.tender),
    )


def confirmed_line(draft: ReturnDraft) -> str:
    """The confirmed screen's line with the return code (HTML, escaped)."""
    return f"<b>{escape(tr('Return code'))}:</b> {escape(code_of(draft))}<br>"


def reason_of(dl: DraftLine, policy: Policy) -> str | None:
    """The customer's online reason when the policy knows it (it pre-fills the check)."""
    reason = dl.authorized_reason
    return reason if reason in {code for code, _ in policy.reason_codes} else None


def line_note(dl: DraftLine | None, policy: Policy) -> str:
    """Beside an authorized line: that the customer asked online, and their reason."""
    if dl is None or dl.authorized_reason is None:
        return ""
    label = dict(policy.reason_codes).get(dl.authorized_reason, dl.authorized_reason)
    return tr("Asked online: {reason}.").format(reason=i18n.policy_label(label))


def gradable(draft: ReturnDraft | None, policy: Policy) -> list[int]:
    """The lines "All as new" grades: checked (scanned or by photo), not yet graded, with
    the customer's reason known to the policy."""
    if draft is None:
        return []
    return [
        dl.line.line_no
        for dl in draft.selected()
        if dl.verified and dl.inspection is None and reason_of(dl, policy) is not None
    ]


def new_condition(policy: Policy) -> str | None:
    """The grade "All as new" records: the policy's "new", else its first condition."""
    codes = [code for code, _ in policy.conditions]
    return "new" if "new" in codes else (codes[0] if codes else None)


def all_new_text() -> str:
    return tr("All as new (F10)")


def all_new_tip() -> str:
    return tr('Grade every scanned item "New, unopened" with the customer\'s reason (F10)')


def nothing_to_grade() -> str:
    return tr("Scan the items first: only scanned items are graded as new.")


def in_progress_text() -> str:
    return tr("Finish or clear the return in progress (Ctrl+N) before scanning a return code.")


def photo_mismatch(name: str) -> str:
    return tr(
        "{item} does not match the catalog photo: it is not part of this return. Scan the "
        "right item, or return this one as any other."
    ).format(item=name)


def photo_match(name: str) -> str:
    return tr("{item} checked against the catalog photo ✓").format(item=name)


def unverified_text() -> str:
    return tr("scan the item (or check it against the catalog photo) first.")


def not_scanned_text() -> str:
    return tr("Not scanned yet: scan the item, or compare it with the catalog photo.")


# The desk's refusals of a return code (counter_app.services.authorization_desk), English
# with their store, date or reference; in another language they are said again from these.
_REFUSALS: tuple[tuple[str, str], ...] = (
    (r"That is not a valid return code", "not_a_code"),
    (r"This return code was already used at store (?P<store>\S+) on (?P<day>.+)\.$", "used_at"),
    (r"This return code was already used for return (?P<ref>\S+) on (?P<day>.+)\.$", "used_ref"),
    (r"This return code was already used", "used"),
    (r"This return code was just used at another counter", "used_now"),
    (r"This return code was cancelled on (?P<day>.+)\.$", "cancelled_on"),
    (r"This return code was cancelled", "cancelled"),
    (r"This return code expired on (?P<day>.+)\.$", "expired"),
    (r"Head office cannot be reached and this return code has not reached", "not_here"),
    (r"Head office knows no return code (?P<code>\S+):", "unknown"),
    (r"Everything on return code (?P<code>\S+) was already returned", "all_returned"),
    (r"The order of return code (?P<code>\S+) \((?P<order>[^)]*)\) is not", "no_order"),
    (r"Return code (?P<code>\S+) names an item that is not on order (?P<order>\S+):", "bad_item"),
)


def _refusal_texts() -> dict[str, str]:
    return {
        "not_a_code": tr("That is not a valid return code: check it and scan or type it again."),
        "used_at": tr("This return code was already used at store {store} on {day}."),
        "used_ref": tr("This return code was already used for return {ref} on {day}."),
        "used": tr("This return code was already used."),
        "used_now": tr("This return code was just used at another counter of this store."),
        "cancelled_on": tr("This return code was cancelled on {day}."),
        "cancelled": tr("This return code was cancelled."),
        "expired": tr("This return code expired on {day}."),
        "not_here": tr(
            "Head office cannot be reached and this return code has not reached the store "
            "yet — start the return from the order."
        ),
        "unknown": tr(
            "Head office knows no return code {code}: check it, or start the return from the order."
        ),
        "all_returned": tr("Everything on return code {code} was already returned."),
        "no_order": tr(
            "The order of return code {code} ({order}) is not in this store's records yet: "
            "sync, or start the return from the order."
        ),
        "bad_item": tr(
            "Return code {code} names an item that is not on order {order}: start the return "
            "from the order."
        ),
    }


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(text: str) -> str:
    """The desk's "3 Dec 2026" in the current language (as it came when it does not parse;
    the month is read by its English name whatever the process's locale)."""
    found = re.fullmatch(r"(\d{1,2}) ([A-Za-z]{3}) (\d{4})", text.strip())
    if found is None or found.group(2).title() not in _MONTHS:
        return text
    month = _MONTHS.index(found.group(2).title()) + 1
    try:
        return i18n.day(date(int(found.group(3)), month, int(found.group(1))))
    except ValueError:
        return text


def refusal_text(message: str) -> str:
    """A refused return code in the current language (one line, as the desk said it)."""
    if i18n.current_language() == "en":
        return message
    for pattern, kind in _REFUSALS:
        found = re.match(pattern, message)
        if found is not None:
            values = found.groupdict()
            if "day" in values:
                values["day"] = _day(values["day"])
            return _refusal_texts()[kind].format(**values)
    return message
