"""The desk actions of the counter, as the worker runs them for `ReturnSession`.

Every function here runs off the UI thread (inside the task runner) on a *clone* of the
draft the screen shows, and hands back a frozen result carrying that changed clone with the
decisions and refund summary computed from it. The UI thread swaps the new draft in; it
never reads a draft a worker is changing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from counter_app.domain.auth_code import PREFIX, parse_code
from counter_app.domain.draft import OverrideGrant, RefundSummary, ReturnDraft
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.gift import gift_view
from counter_app.domain.model import Order, User
from counter_app.domain.policy import Decision
from counter_app.domain.scanning import classify_scan
from counter_app.services.commit import CommittedReturn
from counter_app.services.errors import BadInput, CounterError, ItemNotOnOrder, OrderNotFound
from counter_app.services.gift import start_gift_return
from counter_app.services.returns import ReturnDesk


class ReturnInProgress(CounterError):
    """A return code scanned while another return is in progress: it is not replaced."""


@dataclass(frozen=True)
class OrderLoaded:
    order: Order
    draft: ReturnDraft
    preview: Mapping[int, Decision]  # eligibility before inspection, per returnable line
    opened: DraftState | None = None  # a return code: its lines already picked, decided


@dataclass(frozen=True)
class DraftState:
    draft: ReturnDraft  # the changed clone; the session swaps it in on the UI thread
    decisions: Mapping[int, Decision]
    summary: RefundSummary
    line_no: int | None = None  # the line the action was about (for focus)


@dataclass(frozen=True)
class Committed:
    result: CommittedReturn
    fresh: Order | None  # the order reloaded after the commit (None if that failed)
    draft: ReturnDraft  # the draft as committed


def is_return_code(text: str) -> bool:
    """A return code by its `RA` prefix (`RA-7K3QD-9MZ2X-F`, `ra7k3qd9mz2xf`): always opened
    as one, so a mistyped code is refused as a code, not looked up as an order. Without the
    prefix a code is tried only once no order or item matched (`open_order`, `scan`)."""
    text = text.strip().upper()
    compact = text.replace("-", "").replace(" ", "")
    return text.startswith(PREFIX + "-") or (compact.startswith(PREFIX) and len(compact) == 13)


def open_authorization(desk: ReturnDesk, code: str, cashier: User) -> OrderLoaded:
    """The order of a return code, its authorized lines picked (the desk checks the code)."""
    draft = desk.open_authorization(code, cashier)
    opened = state(desk, draft)
    return OrderLoaded(
        draft.order, opened.draft, MappingProxyType(desk.eligibility(opened.draft)), opened
    )


def open_order(desk: ReturnDesk, code: str, cashier: User) -> OrderLoaded:
    if is_return_code(code):
        return open_authorization(desk, code, cashier)
    if classify_scan(code) == "gift":  # a gift receipt: its one line, for the recipient
        draft = start_gift_return(desk, code, cashier)
        return OrderLoaded(draft.order, draft, MappingProxyType(desk.eligibility(draft)))
    try:
        order = desk.find_order(code)
    except (OrderNotFound, BadInput):
        if parse_code(code) is None:
            raise
        return open_authorization(desk, code, cashier)  # a return code typed without "RA"
    draft = desk.start_return(order, cashier)
    return OrderLoaded(order, draft, MappingProxyType(desk.eligibility(draft)))


def state(desk: ReturnDesk, draft: ReturnDraft, line_no: int | None = None) -> DraftState:
    decisions = desk.evaluate(draft)
    return DraftState(draft, MappingProxyType(decisions), desk.refund_summary(draft), line_no)


def scan_item(desk: ReturnDesk, draft: ReturnDraft, code: str) -> DraftState:
    line = desk.verify_item(draft, code)
    return state(desk, draft, line.line.line_no)


def scan(
    desk: ReturnDesk, draft: ReturnDraft, code: str, cashier: User
) -> DraftState | OrderLoaded:
    """A scan with an order open: its product; or, while nothing is picked yet, another order
    (or a return code)."""
    if is_return_code(code):
        if draft.lines:
            raise ReturnInProgress("Finish or clear the return in progress before a return code.")
        return open_authorization(desk, code, cashier)
    try:
        return scan_item(desk, draft, code)
    except ItemNotOnOrder as not_on_order:
        if draft.lines:
            raise
        try:
            return open_order(desk, code, cashier)
        except (OrderNotFound, BadInput):
            raise not_on_order from None


def verify_by_photo(
    desk: ReturnDesk, draft: ReturnDraft, line_no: int, matches: bool
) -> DraftState:
    """The cashier compared the item with the catalog photo (its barcode is missing)."""
    desk.verify_by_photo(draft, line_no, matches)
    return state(desk, draft, line_no)


def grade_all(
    desk: ReturnDesk, draft: ReturnDraft, line_nos: list[int], condition: str
) -> DraftState:
    """All as new: each checked line graded `condition` with the customer's online reason
    (its photo, if one was taken, kept)."""
    for no in line_nos:
        dl = draft.lines.get(no)
        if dl is None or dl.inspection is not None or dl.authorized_reason is None:
            continue  # changed meanwhile: the cashier grades it by hand
        desk.record_inspection(
            draft,
            no,
            reason_code=dl.authorized_reason,
            condition=condition,
            feedback=dl.feedback,
            photo_path=dl.photo_path,
            photo_sha256=dl.photo_sha256,
        )
    return state(desk, draft)


def pick_line(desk: ReturnDesk, draft: ReturnDraft, line_no: int, quantity: int) -> DraftState:
    desk.select_line(draft, line_no, quantity)
    return state(desk, draft, line_no)


def remove_line(desk: ReturnDesk, draft: ReturnDraft, line_no: int) -> DraftState:
    desk.remove_line(draft, line_no)
    return state(desk, draft, line_no)


def inspect(
    desk: ReturnDesk,
    draft: ReturnDraft,
    line_no: int,
    *,
    reason_code: str,
    condition: str,
    notes: str,
    feedback: str,
    serial: str | None,
) -> DraftState:
    draft_line = draft.lines.get(line_no)
    if serial and draft_line is not None and draft_line.serial_presented != serial:
        desk.set_serial(draft, line_no, serial)
    desk.record_inspection(
        draft,
        line_no,
        reason_code=reason_code,
        condition=condition,
        notes=notes,
        feedback=feedback,
        photo_path=draft_line.photo_path if draft_line else None,
        photo_sha256=draft_line.photo_sha256 if draft_line else None,
    )
    return state(desk, draft, line_no)


def set_serial(desk: ReturnDesk, draft: ReturnDraft, line_no: int, serial: str) -> DraftState:
    desk.set_serial(draft, line_no, serial)
    return state(desk, draft, line_no)


def set_override(
    desk: ReturnDesk, draft: ReturnDraft, line_no: int, grant: OverrideGrant
) -> DraftState:
    """Put a manager's grant (authorised by the override dialog) on the line."""
    draft_line = draft.lines.get(line_no)
    if draft_line is not None:
        draft_line.override = grant
    return state(desk, draft, line_no)


def attach_photo(
    desk: ReturnDesk, draft: ReturnDraft, line_no: int, path: str, sha256: str
) -> DraftState:
    """Give the line its photo; a recorded inspection is recorded again with it."""
    dl = draft.lines.get(line_no)
    if dl is None:
        raise BadInput("Add the item to the return before taking its photo.")
    insp = dl.inspection
    if insp is None:
        # no reason/condition yet: the photo waits on the line; `inspect` passes it on to
        # record_inspection once they are picked
        dl.photo_path, dl.photo_sha256 = path, sha256
    else:
        desk.record_inspection(
            draft,
            line_no,
            reason_code=insp.reason_code,
            condition=insp.condition,
            notes=insp.notes,
            feedback=dl.feedback,
            photo_path=path,
            photo_sha256=sha256,
        )
    return state(desk, draft, line_no)


def commit(
    desk: ReturnDesk, draft: ReturnDraft, tender: str, balance: BalancePayment | None = None
) -> Committed:
    """Commit (with the exchange's balance payment, if any), then reload the order so the
    screen shows what is now returned."""
    desk.evaluate(draft)
    result = desk.commit_return(draft, tender, balance)
    try:
        fresh: Order | None = desk.find_order(draft.order.number)
        if fresh is not None and draft.kind == "gift":
            fresh = gift_view(fresh, draft.gift_lines())
    except Exception:  # the return is committed; a failed reload only affects the display
        fresh = None
    return Committed(result, fresh, draft)
