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

from counter_app.domain.draft import OverrideGrant, RefundSummary, ReturnDraft
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.gift import gift_view
from counter_app.domain.model import Order, User
from counter_app.domain.policy import Decision
from counter_app.domain.scanning import classify_scan
from counter_app.services.commit import CommittedReturn
from counter_app.services.errors import BadInput, ItemNotOnOrder, OrderNotFound
from counter_app.services.gift import start_gift_return
from counter_app.services.returns import ReturnDesk


@dataclass(frozen=True)
class OrderLoaded:
    order: Order
    draft: ReturnDraft
    preview: Mapping[int, Decision]  # eligibility before inspection, per returnable line


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


def open_order(desk: ReturnDesk, code: str, cashier: User) -> OrderLoaded:
    if classify_scan(code) == "gift":  # a gift receipt: its one line, for the recipient
        draft = start_gift_return(desk, code, cashier)
        return OrderLoaded(draft.order, draft, MappingProxyType(desk.eligibility(draft)))
    order = desk.find_order(code)
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
    """A scan with an order open: its product; or, while nothing is picked yet, another order."""
    try:
        return scan_item(desk, draft, code)
    except ItemNotOnOrder as not_on_order:
        if draft.lines:
            raise
        try:
            return open_order(desk, code, cashier)
        except (OrderNotFound, BadInput):
            raise not_on_order from None


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
