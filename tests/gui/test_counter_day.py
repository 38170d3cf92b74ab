"""A counter's working day in the real window: no scan is lost, a stray camera read keeps the
customer's receipt on screen, and finished returns do not pile up in memory."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from counter_app.domain.draft import ReturnDraft
from tests.conftest import NOW
from tests.factories import add_order, days_before
from tests.gui.conftest import SCARF, GuiStore, sign_in
from tests.gui.test_return_workflow import settle

pytestmark = pytest.mark.timeout(120)


def return_one(qtbot: Any, win: Any, number: str) -> str:
    """Open `number`, scan the scarf, inspect it, confirm: the committed reference."""
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        win.handle_scan(number)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.handle_scan(SCARF)
    inspection = win.work.inspection
    inspection.reason.setCurrentIndex(inspection.reason.findData("changed_mind"))
    inspection.condition.setCurrentIndex(inspection.condition.findData("new"))
    settle(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        win.confirm()
    return str(done.args[0])


# ---------------------------------------------------------------------------- scans
def test_a_failed_lookup_does_not_drop_the_scans_behind_it(qtbot: Any, window: Any) -> None:
    """A camera read is being looked up when the cashier scans the order and its item."""
    win = window
    sign_in(qtbot, win)
    failed: list[str] = []
    win.session.scan_failed.connect(lambda _exc, code: failed.append(code))
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.handle_scan("O-9999")  # the stray read: no such order
        win.handle_scan("O-1001")  # queued behind it
        win.handle_scan(SCARF)  # and the item, behind that
    settle(win)
    assert failed == ["O-9999"], "the failed lookup is answered, once"
    assert win.session.order is not None and win.session.order.number == "O-1001"
    assert list(win.session.draft.lines) == [1] and win.session.draft.lines[1].verified


def test_two_failed_lookups_in_a_row_are_each_answered(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    failed: list[str] = []
    win.session.scan_failed.connect(lambda _exc, code: failed.append(code))
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        for code in ("O-9998", "O-9999", "O-1002"):
            win.handle_scan(code)
    assert failed == ["O-9998", "O-9999"]
    assert win.session.order.number == "O-1002"


def test_a_camera_read_keeps_the_confirmed_receipt(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    ref = return_one(qtbot, win, "O-1001")
    assert win.work.right.currentIndex() == 1
    win.camera.scanned.emit("O-1002")  # the camera sees the next customer's order
    settle(win)
    assert win.work.right.currentIndex() == 1, "the receipt is still on screen"
    assert win.session.committed is not None and win.session.committed.ref == ref
    assert win.work.confirmed.done_ref.text() == ref
    assert "receipt stays on screen" in win.work.confirmed.hint.text()
    # the handheld scanner (or typing) starts the next return, as before
    with qtbot.waitSignal(win.order_shown, timeout=10_000) as shown:
        win.handle_scan("O-1002")
    assert shown.args == ["O-1002"]
    assert win.work.right.currentIndex() == 0 and win.session.committed is None
    # and with the next return open, the camera scans again
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.camera.scanned.emit("2000000000046")  # the jacket of O-1002
    assert list(win.session.draft.lines) == [1]


# ---------------------------------------------------------------------------- memory
RETURNS = 200


def test_finished_returns_do_not_stay_in_memory(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    """200 returns through the window: no draft of a finished return is still referenced
    once the screen moved on (a job, a callback or a closure keeping it would pile up)."""
    for i in range(RETURNS):
        add_order(gui_store.engine, f"S-{i:04d}", days_before(NOW, 2), [("APP-1", 1, 2500)])
    win = window
    sign_in(qtbot, win)
    drafts: list[weakref.ref[ReturnDraft]] = []

    def keep(_ref: object = None) -> None:
        if win.session.draft is not None:
            drafts.append(weakref.ref(win.session.draft))

    win.draft_changed.connect(keep)
    win.return_committed.connect(keep)
    for i in range(RETURNS):
        return_one(qtbot, win, f"S-{i:04d}")
    win.new_return()
    settle(win)
    win.draft_changed.disconnect(keep)
    win.return_committed.disconnect(keep)
    gc.collect()
    alive = [r() for r in drafts if r() is not None]
    assert len(drafts) >= RETURNS * 2
    assert not alive, f"{len(alive)} drafts of finished returns still alive, e.g. " + str(
        [type(o).__name__ for o in gc.get_referrers(alive[0])][:8]
    )
    left = [
        o for o in gc.get_objects() if isinstance(o, ReturnDraft) and o.order.number[:2] == "S-"
    ]  # clones included (the override dialog's, a job's): none of this test's returns
    assert not left, f"{len(left)} ReturnDraft objects still alive"
