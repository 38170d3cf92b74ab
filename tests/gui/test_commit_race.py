"""Another counter returns units of the same line while this cashier confirms: the screen
says what changed, shows the refund as it now is, and the next confirm commits that amount."""

from __future__ import annotations

from typing import Any

import pytest

from counter_app.domain.money import Money
from tests.conftest import NOW
from tests.factories import add_order, days_before
from tests.gui.conftest import GuiStore, sign_in
from tests.gui.test_return_workflow import settle
from ui import i18n

pytestmark = pytest.mark.timeout(60)


def _other_counter_returns(gui: GuiStore, number: str, qty: int) -> None:
    desk = gui.store.desk
    draft = desk.start_return(desk.find_order(number), gui.store.user("bob"))
    desk.select_line(draft, 1, qty)
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.evaluate(draft)
    desk.commit_return(draft, "original")


def test_a_refund_moved_by_another_counter_is_shown_again_before_money_moves(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    # 7 lamps for 700.03: the first three units take 100.01 each, the other four 100.00.
    add_order(gui_store.engine, "O-RACE7", days_before(NOW, 3), [("HOM-1", 7, 70003)])
    win = window
    sign_in(qtbot, win)
    s = win.session
    with qtbot.waitSignal(s.order_shown, timeout=10_000):
        s.scan("O-RACE7")
    s.add_line(1)
    s.set_quantity(1, 3)
    s.inspect(1, reason_code="wrong_size", condition="new", notes="", feedback="", serial=None)
    settle(win)
    assert s.summary.total == Money(30003, "USD")
    assert win.work.refund.total.text() == i18n.money(Money(30003, "USD"))

    _other_counter_returns(gui_store, "O-RACE7", 3)
    with qtbot.waitSignal(s.commit_failed, timeout=10_000):
        win.work.confirm()
    settle(win)
    assert "Another counter returned 3 units of this line a moment ago" in win.work.banner.text()
    assert "the refund is now 300.00" in win.work.banner.text()
    assert s.summary.total == Money(30000, "USD")
    assert win.work.refund.total.text() == i18n.money(Money(30000, "USD"))
    assert win.work.refund.confirm_button.isEnabled()
    assert s.order.line(1).returned_quantity == 3

    with qtbot.waitSignal(s.return_committed, timeout=10_000) as done:
        win.work.confirm()
    assert done.args[0].total == Money(30000, "USD")
    assert i18n.money(Money(30000, "USD")) in win.work.confirmed.receipt_view.text()
