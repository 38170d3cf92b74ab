"""The return at the counter, without widgets: order, draft, decisions, refund, committed return.

`ReturnSession` runs every desk action (ui.counter.return_flow) through the app's task
runner and tells the screen what happened through signals; the panels and the window only
listen and render. A background action never changes an object the screen reads: it gets a
clone of the newest draft and hands back a frozen result with the changed clone, which is
swapped in here, on the UI thread.

Actions on the draft run one after another on the runner's serial lane; each works on the
draft the previous one produced (`_Head`), so a quick run of changes composes like before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from counter_app.domain.draft import DraftLine, OverrideGrant, RefundSummary, ReturnDraft
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.model import Order, User
from counter_app.domain.policy import Decision
from counter_app.services import takeover
from counter_app.services.commit import CommittedReturn
from counter_app.services.errors import AmountChanged
from ui.context import CounterContext
from ui.counter import return_flow
from ui.counter.return_flow import Committed, DraftState, OrderLoaded

R = TypeVar("R")
_EMPTY: Mapping[int, Decision] = {}


class _Head:
    """The newest draft of one open order as the worker sees it. Created on the UI thread
    when the order opens; afterwards only the (serial) worker reads and replaces it."""

    def __init__(self, draft: ReturnDraft) -> None:
        self.draft = draft


class ReturnSession(QObject):
    order_shown = Signal(str)  # an order is on screen (number), with its eligibility
    draft_changed = Signal()  # the draft, its decisions or the summary changed: redraw
    line_selected = Signal(object)  # the line the cashier looks at (int) or None
    item_scanned = Signal(object)  # an item scan went through (line no. or None)
    step_done = Signal(int)  # a line was scanned, added or given its serial: focus what's next
    photo_attached = Signal(int)  # line no.
    photo_checked = Signal(int, bool)  # line no., matches the catalog photo
    return_committed = Signal(object)  # CommittedReturn
    cleared = Signal()  # back to an empty screen
    failed = Signal(object)  # an action failed (exception)
    scan_failed = Signal(object, str)  # a scan failed (exception, the code)
    commit_failed = Signal(object)

    def __init__(self, ctx: CounterContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.order: Order | None = None
        self.draft: ReturnDraft | None = None
        self.preview: Mapping[int, Decision] = _EMPTY
        self.decisions: Mapping[int, Decision] = _EMPTY
        self.summary: RefundSummary | None = None
        self.committed: CommittedReturn | None = None
        self.current_line: int | None = None
        self._head: _Head | None = None
        self._opening = False  # an order is being looked up
        self._jobs = 0  # changes of the draft still running on the worker
        self._queued_scans: list[str] = []

    # ------------------------------------------------------------------ reading
    @property
    def in_progress(self) -> bool:
        """A return with lines picked and not yet committed."""
        return self.draft is not None and bool(self.draft.lines) and self.committed is None

    def decision_for(self, line_no: int) -> Decision | None:
        if self.draft is not None:
            dl = self.draft.lines.get(line_no)
            if dl is not None and dl.decision is not None:
                return dl.decision
        return self.preview.get(line_no)

    def current_draft_line(self) -> DraftLine | None:
        if self.draft is None or self.current_line is None:
            return None
        return self.draft.lines.get(self.current_line)

    def select(self, line_no: int | None) -> None:
        self.current_line = line_no
        self.line_selected.emit(line_no)

    # ------------------------------------------------------------------ scanning
    def scan(self, code: str) -> None:
        """An order number, or with an order open a product of it."""
        if self._opening:
            self._queued_scans.append(code)  # an item scanned while its order still loads
            return
        user = self.ctx.user
        assert user is not None
        desk = self.ctx.desk
        if self.draft is None:
            self._opening = True
            self.ctx.tasks.run(
                lambda: return_flow.open_order(desk, code, user),
                self._order_loaded,
                lambda exc: self._scan_failed(exc, code),
            )
        else:
            self._run_draft(
                lambda d: return_flow.scan(desk, d, code, user),
                self._scanned,
                lambda exc: self._scan_failed(exc, code),
            )

    def drop_draft(self) -> None:
        """Forget the (untouched) draft so the next scan opens an order afresh."""
        self.draft = None
        self._head = None

    def _scanned(self, result: DraftState | OrderLoaded) -> None:
        if isinstance(result, OrderLoaded):
            self.draft = None
            self._order_loaded(result)
            return
        self.item_scanned.emit(result.line_no)
        self._apply(result)
        if result.line_no is not None:
            self.select(result.line_no)
            self.step_done.emit(result.line_no)

    def _scan_failed(self, exc: BaseException, code: str) -> None:
        """The scan is answered on screen; the scans that came behind it still go through,
        in their order (a stray camera read never swallows the cashier's scan)."""
        self._opening = False
        self.scan_failed.emit(exc, code)
        self._scan_queued()

    def _scan_queued(self) -> None:
        queued, self._queued_scans = self._queued_scans, []
        for code in queued:
            self.scan(code)  # the first may open an order again: the rest queue behind it

    def _order_loaded(self, loaded: OrderLoaded) -> None:
        self._opening = False
        if self.draft is not None and self.draft.lines:
            self._scan_queued()  # a return started meanwhile; never replace it silently
            return
        self.order = loaded.order
        self.draft = loaded.draft
        self._head = _Head(loaded.draft)
        self.preview = loaded.preview
        opened = loaded.opened  # a return code: its lines come picked, the refund shown
        self.decisions = opened.decisions if opened is not None else _EMPTY
        self.summary = opened.summary if opened is not None else None
        self.current_line = min(loaded.draft.lines) if opened and loaded.draft.lines else None
        self.order_shown.emit(loaded.order.number)
        self._scan_queued()

    # ------------------------------------------------------------------ changing the draft
    def add_line(self, line_no: int) -> None:
        desk = self.ctx.desk
        self._run_draft(lambda d: return_flow.pick_line(desk, d, line_no, 1), self._stepped)

    def remove_line(self, line_no: int) -> None:
        desk = self.ctx.desk
        self._run_draft(lambda d: return_flow.remove_line(desk, d, line_no), self._apply)

    def set_quantity(self, line_no: int, quantity: int) -> None:
        desk = self.ctx.desk
        self._run_draft(
            lambda d: return_flow.pick_line(desk, d, line_no, quantity), self._apply
        )

    def set_serial(self, line_no: int, serial: str) -> None:
        desk = self.ctx.desk
        self._run_draft(lambda d: return_flow.set_serial(desk, d, line_no, serial), self._stepped)

    def inspect(
        self,
        line_no: int,
        *,
        reason_code: str,
        condition: str,
        notes: str,
        feedback: str,
        serial: str | None,
    ) -> None:
        desk = self.ctx.desk
        self._run_draft(
            lambda d: return_flow.inspect(
                desk,
                d,
                line_no,
                reason_code=reason_code,
                condition=condition,
                notes=notes,
                feedback=feedback,
                serial=serial,
            ),
            self._apply,
        )

    def apply_override(self, line_no: int, grant: OverrideGrant) -> None:
        """A manager approved the line (the override dialog checked the PIN)."""
        desk = self.ctx.desk
        self._run_draft(lambda d: return_flow.set_override(desk, d, line_no, grant), self._apply)

    def hand_over(
        self,
        manager: User,
        on_done: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """A manager takes this return over on the lock screen: audited, the draft becomes
        theirs (counter_app.services.takeover), then `on_done` on the UI thread."""
        app, desk = self.ctx.app, self.ctx.desk

        def work(d: ReturnDraft) -> DraftState:
            mine = takeover.take_over(app.engine, app.clock, app.settings.store_code, d, manager)
            return return_flow.state(desk, mine)

        def done(st: DraftState) -> None:
            self._apply(st)
            on_done()

        self._run_draft(work, done, on_error)

    def attach_photo(self, line_no: int, path: str, sha256: str) -> None:
        """The line's condition photo, saved at `path` with this digest."""
        desk = self.ctx.desk

        def done(st: DraftState) -> None:
            self._apply(st)
            self.photo_attached.emit(line_no)

        self._run_draft(lambda d: return_flow.attach_photo(desk, d, line_no, path, sha256), done)

    def verify_by_photo(self, line_no: int, matches: bool) -> None:
        """The cashier compared the item with its catalog photo (no barcode to scan)."""
        desk = self.ctx.desk

        def done(st: DraftState) -> None:
            self._apply(st)
            self.photo_checked.emit(line_no, matches)
            if matches:
                self.select(line_no)
                self.step_done.emit(line_no)

        self._run_draft(lambda d: return_flow.verify_by_photo(desk, d, line_no, matches), done)

    def grade_all(self, line_nos: list[int], condition: str) -> None:
        """All as new: these checked lines graded `condition` with the customer's reason."""
        desk = self.ctx.desk
        self._run_draft(lambda d: return_flow.grade_all(desk, d, line_nos, condition), self._apply)

    def catalog_image(self, sku: str) -> bytes | None:
        """The product's catalog picture (runs on a worker: the caller queues it)."""
        image: bytes | None = self.ctx.desk.catalog_image(sku)
        return image

    def change_draft(
        self,
        action: Callable[[ReturnDraft], R],
        on_done: Callable[[R], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """A desk action of another part of the return (the exchange) on the draft, queued
        like the session's own; a `DraftState` result is swapped in before `on_done`."""

        def done(result: R) -> None:
            if isinstance(result, DraftState):
                self._apply(result)
            on_done(result)

        self._run_draft(action, done, on_error)

    def _stepped(self, st: DraftState) -> None:
        self._apply(st)
        if st.line_no is not None:
            self.step_done.emit(st.line_no)

    def _apply(self, st: DraftState) -> None:
        self.draft = st.draft
        self.decisions = st.decisions
        self.summary = st.summary
        if self._jobs:
            return  # more changes are queued; render once they are all done
        self.draft_changed.emit()

    def _run_draft(
        self,
        action: Callable[[ReturnDraft], R],
        on_done: Callable[[R], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `action` on the worker on a clone of the newest draft; `on_done` gets its
        result on the UI thread (dropped if the order was closed meanwhile)."""
        head = self._head
        if head is None:
            return
        self._jobs += 1

        def work() -> R:
            result = action(head.draft.clone())
            new = getattr(result, "draft", None)
            if isinstance(new, ReturnDraft):
                head.draft = new  # the next queued action starts from this one
            return result

        def done(result: R) -> None:
            self._jobs -= 1
            if head is self._head:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._jobs -= 1
            if head is not self._head:
                return
            (on_error or self.failed.emit)(exc)
            if not self._jobs and self.draft is not None:
                self.draft_changed.emit()

        self.ctx.tasks.run(work, done, failed)

    # ------------------------------------------------------------------ confirming
    def commit(self, tender: str, balance: BalancePayment | None = None) -> None:
        """Commit the return (with its exchange; `balance`: how a balance owed was paid)."""
        head = self._head
        if head is None:
            return
        desk = self.ctx.desk
        self.ctx.tasks.run(
            lambda: return_flow.commit(desk, head.draft.clone(), tender, balance),
            self._committed,
            self._commit_failed,
        )

    def _commit_failed(self, exc: BaseException) -> None:
        if isinstance(exc, AmountChanged):  # another counter moved the refund: show it anew
            desk = self.ctx.desk
            self._run_draft(
                lambda d: return_flow.state(desk, d.with_order(desk.find_order(d.order.number))),
                self._repriced,
            )
        self.commit_failed.emit(exc)

    def _repriced(self, st: DraftState) -> None:
        self.order = st.draft.order
        self._apply(st)

    def _committed(self, done: Committed) -> None:
        self.committed = done.result
        self.draft = done.draft
        if done.fresh is not None:
            self.order = done.fresh
        self.return_committed.emit(done.result)

    def clear(self) -> None:
        """Drop everything: the screen is empty for the next customer."""
        self.order = None
        self.drop_draft()
        self.preview = _EMPTY
        self.decisions = _EMPTY
        self.summary = None
        self.committed = None
        self.current_line = None
        self.cleared.emit()
