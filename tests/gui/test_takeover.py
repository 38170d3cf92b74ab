"""A counter locked mid-return: a manager takes it over (kept, finished in the manager's
name) or discards it, both audited; a cashier still cannot; the lock screen's message never
covers its fields."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from counter_app.adapters.db import tables as t
from counter_app.services.audit import verify_audit_trail
from counter_app.services.unit_of_work import UnitOfWork
from tests.gui.conftest import JACKET, GuiStore, shot, sign_in
from tests.gui.test_return_workflow import open_order, scan_item, settle
from tests.gui.test_screens import start_return

pytestmark = pytest.mark.timeout(60)


def _audit(engine: Any, action: str) -> list[Any]:
    c = t.audit_entries.c
    with UnitOfWork(engine) as uow:
        return list(
            uow.conn.execute(
                select(c.actor, c.subject, c.data_json).where(c.action == action).order_by(c.seq)
            ).all()
        )


def _data(row: Any) -> dict[str, Any]:
    return dict(json.loads(row.data_json))


def _try_unlock(qtbot: Any, win: Any, username: str, pin: str) -> None:
    win.login.username.setText(username)
    win.login.pin.setText(pin)
    win.login.submit()
    qtbot.waitUntil(lambda: win.login.button.isEnabled() and "Checking" not in
                    win.login.message.text(), timeout=10_000)


def _locked_mid_return(qtbot: Any, win: Any) -> Any:
    sign_in(qtbot, win)  # alice, a cashier
    start_return(qtbot, win)
    draft = win.session.draft
    win.lock()
    assert win.locked
    return draft


def _no_overlap(win: Any) -> None:
    """The message and the take-over note sit below the PIN field, never on it."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(3):  # the layout follows the new text on the next turn of the loop
        QCoreApplication.processEvents()
    login = win.login
    pin = login.pin.geometry()
    for w in (login.message, win.takeover):
        if w.isVisible() and w.height() > 0:
            top = w.mapTo(login.pin.parentWidget(), w.rect().topLeft()).y()
            assert top >= pin.bottom(), (w.objectName(), top, pin.bottom())
    user = login.username.geometry()
    assert user.bottom() <= pin.top()
    assert login.message.height() >= login.message.heightForWidth(login.message.width())


def test_a_manager_takes_over_a_locked_return_and_finishes_it(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    win = window
    draft = _locked_mid_return(qtbot, win)
    _try_unlock(qtbot, win, "bob", "2345")  # another cashier: refused, no choices
    assert "Only Alice Chen or a manager can unlock" in win.login.message.text()
    assert not win.takeover.isVisible() and win.locked
    _no_overlap(win)
    shot(win, "lock_cashier_refused")
    _try_unlock(qtbot, win, "maria", "987654")
    assert win.locked, "nothing happens before the manager chooses"
    assert win.takeover.isVisible() and win.takeover.take_button.hasFocus()
    assert "Alice Chen has a return in progress" in win.login.message.text()
    _no_overlap(win)
    shot(win, "lock_manager_takeover")
    with qtbot.waitSignal(win.signed_in, timeout=10_000):
        QTest.keyClick(win.takeover.take_button, Qt.Key.Key_Return)
    assert not win.locked and win.ctx.user.username == "maria"
    kept = win.session.draft
    assert kept.id == draft.id and list(kept.lines) == [1], "the return in progress is kept"
    assert kept.cashier.username == "maria"
    assert "Maria Rossi took over the return Alice Chen started." in win.banner.text()
    assert win.work.inspection.reason.currentData() == "wrong_size"
    [entry] = _audit(gui_store.engine, "return.taken_over")
    data = _data(entry)
    assert entry.actor == "maria" and entry.subject == "O-1001"
    assert data["cashier"] == "alice" and data["draft"] == draft.id
    assert data["lines"] == [{"line_no": 1, "sku": "APP-1", "quantity": 1}]
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        win.confirm()
    ref = done.args[0]
    [committed] = [r for r in _audit(gui_store.engine, "return.committed") if r.subject == ref]
    assert committed.actor == "maria" and _data(committed)["cashier"] == "maria"
    assert verify_audit_trail(gui_store.engine)[1] == []


def test_a_manager_discards_a_locked_return(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    win = window
    draft = _locked_mid_return(qtbot, win)
    _try_unlock(qtbot, win, "maria", "987654")
    assert win.takeover.isVisible()
    with qtbot.waitSignal(win.signed_in, timeout=10_000):
        win.takeover.discard_button.click()
    assert not win.locked and win.ctx.user.username == "maria"
    assert win.session.draft is None and win.session.order is None
    assert "Maria Rossi discarded the return Alice Chen started." in win.banner.text()
    [entry] = _audit(gui_store.engine, "return.discarded")
    assert entry.actor == "maria" and _data(entry)["draft"] == draft.id
    assert _data(entry)["cashier"] == "alice"
    with UnitOfWork(gui_store.engine) as uow:
        assert uow.conn.execute(select(t.returns.c.id)).all() == []


def test_cancel_and_the_own_approval_rule(qtbot: Any, window: Any, gui_store: GuiStore) -> None:
    """Cancel leaves the lock as it was; a manager who approved a line of this return
    loses that approval on take-over (nobody approves their own return)."""
    from ui.counter.override_dialog import OverrideDialog

    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1002")
    scan_item(qtbot, win, JACKET)
    insp = win.work.inspection
    insp.reason.setCurrentIndex(insp.reason.findData("changed_mind"))
    insp.condition.setCurrentIndex(insp.condition.findData("new"))
    settle(win)
    win.open_override()
    dialog = win.findChild(OverrideDialog)
    dialog.username.setText("maria")
    dialog.pin.setText("987654")
    dialog.reason.setCurrentIndex(dialog.reason.findData("customer_goodwill"))
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        dialog.submit()
    settle(win)
    assert win.session.draft.lines[1].override is not None
    win.lock()
    _try_unlock(qtbot, win, "maria", "987654")
    assert "Your own approval on this return is dropped" in win.takeover.note.text()
    win.takeover.cancel_button.click()
    assert not win.takeover.isVisible() and win.locked and win.login.message.text() == ""
    _try_unlock(qtbot, win, "maria", "987654")
    with qtbot.waitSignal(win.signed_in, timeout=10_000):
        win.takeover.take_button.click()
    settle(win)
    kept = win.session.draft
    assert kept.cashier.username == "maria" and kept.lines[1].override is None
    assert not win.work.refund.confirm_button.isEnabled(), "another manager must approve"
    assert _data(_audit(gui_store.engine, "return.taken_over")[0])["dropped_approvals"] == [1]


def test_takeover_in_chinese(qtbot: Any, window: Any) -> None:
    from ui import i18n

    win = window
    _locked_mid_return(qtbot, win)
    assert i18n.set_language("zh_CN")
    _try_unlock(qtbot, win, "wei", "876543")
    assert win.takeover.isVisible()
    assert win.takeover.take_button.text().startswith("接管")
    assert "Alice Chen" in win.login.message.text() and "退货" in win.login.message.text()
    qtbot.wait(50)
    _no_overlap(win)
    shot(win, "lock_manager_takeover_zh")
