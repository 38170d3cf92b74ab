"""The cashier's return, end to end in the window: keyboard and scanner only."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.factories import snapshot
from tests.gui.conftest import (
    EARBUDS,
    GIFT,
    JACKET,
    LAMP,
    SCARF,
    GuiStore,
    cell,
    pick_cell,
    shot,
    sign_in,
)
from ui.counter.lines_model import COL_STATUS, COL_WHY

pytestmark = pytest.mark.timeout(60)


def wedge_scan(qtbot: Any, text: str) -> None:
    """A handheld scanner: a fast burst of keys and Enter, into whatever has the focus."""
    from PySide6.QtWidgets import QApplication

    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClicks(target, text)
    QTest.keyClick(target, Qt.Key.Key_Return)


def badge(win: Any, row: int) -> str:
    return str(cell(win, row, COL_STATUS))


def open_order(qtbot: Any, win: Any, number: str) -> None:
    with qtbot.waitSignal(win.order_shown, timeout=10_000) as blocker:
        wedge_scan(qtbot, number)
    assert blocker.args == [number]


def scan_item(qtbot: Any, win: Any, code: str) -> None:
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        wedge_scan(qtbot, code)


def key(qtbot: Any, k: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
    from PySide6.QtWidgets import QApplication

    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, k, modifier)


def settle(win: Any) -> None:
    win.ctx.tasks.wait(10_000)
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.processEvents()
    QCoreApplication.processEvents()


def committed_rows(engine: Any) -> list[Any]:
    with UnitOfWork(engine) as uow:
        return list(
            uow.conn.execute(
                select(
                    t.returns.c.ref, t.returns.c.tender_choice, t.returns.c.total_refund_minor,
                    t.return_lines.c.sku, t.return_lines.c.quantity, t.return_lines.c.reason_code,
                    t.return_lines.c.condition, t.return_lines.c.outcome,
                ).join(t.return_lines, t.return_lines.c.return_id == t.returns.c.id)
                .order_by(t.return_lines.c.line_no)
            ).all()
        )


def test_full_return_by_keyboard_and_scanner(qtbot: Any, window: Any, gui_store: GuiStore) -> None:
    win = window
    win.activateWindow()
    sign_in(qtbot, win)
    assert win.work.scan_panel.scan_input.hasFocus()
    open_order(qtbot, win, "O-1001")
    assert win.work.order_panel.order_labels["customer"][1].text().startswith("Lin Mei")
    assert "VISA •••• 4242" in win.work.order_panel.order_labels["tenders"][1].text()
    assert win.work.order_panel.model.rowCount() == 2
    assert badge(win, 0) == "Returnable"
    assert badge(win, 1) == "Returnable"
    shot(win, "order_shown")

    scan_item(qtbot, win, SCARF)
    assert win.session.current_line == 1
    assert win.work.inspection.reason.hasFocus(), "after the item scan the reason is next"
    # pick the reason and condition with the keyboard alone
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Down)
    assert win.work.inspection.reason.currentData() == "wrong_size"
    key(qtbot, Qt.Key.Key_Tab)
    assert win.work.inspection.condition.hasFocus()
    key(qtbot, Qt.Key.Key_Down)
    assert win.work.inspection.condition.currentData() == "new"
    settle(win)
    assert win.session.summary is not None and not win.session.summary.blocked
    assert win.work.refund.confirm_button.isEnabled()
    assert win.work.refund.tender.currentData() == "original"
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        key(qtbot, Qt.Key.Key_F9)
    ref = done.args[0]
    assert win.work.confirmed.done_ref.text() == ref
    assert ref in win.work.confirmed.receipt_view.text()
    shot(win, "return_confirmed")

    rows = committed_rows(gui_store.engine)
    assert [(r.ref, r.tender_choice, r.total_refund_minor, r.sku, r.quantity, r.reason_code,
             r.condition, r.outcome) for r in rows] == [
        (ref, "original", 2500, "APP-1", 1, "wrong_size", "new", "approve")
    ]
    # "New return" clears the screen
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert win.session.order is None and win.work.order_panel.model.rowCount() == 0
    assert win.work.scan_panel.scan_input.hasFocus()


def test_typed_order_number_and_enter(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    win.work.scan_panel.scan_input.setText("o-1001")  # typed slowly, lower case
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_Return)
    assert win.session.order.number == "O-1001"


def test_bad_scans_show_a_banner_and_change_nothing(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    win = window
    sign_in(qtbot, win)
    before = snapshot(gui_store.engine)

    wedge_scan(qtbot, "O-9999")
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    assert "No order O-9999" in win.banner.text()
    assert win.session.order is None

    win.banner.clear()
    win.handle_scan("\x1b[2J<script>")
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    assert "not a valid order number" in win.banner.text()
    assert win.session.order is None

    open_order(qtbot, win, "O-1001")
    win.banner.clear()
    wedge_scan(qtbot, EARBUDS)  # a real product, but not on this order
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    assert f"The item {EARBUDS} is not on order O-1001" in win.banner.text()
    assert win.session.draft is not None and not win.session.draft.lines
    shot(win, "bad_scan_banner")

    win.banner.clear()
    wedge_scan(qtbot, "9999999999999")  # unknown barcode
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    assert "not on order O-1001" in win.banner.text()
    settle(win)
    assert not win.session.draft.lines
    assert snapshot(gui_store.engine) == before


def test_item_scan_selects_matching_line_and_serial(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1003")
    scan_item(qtbot, win, EARBUDS)
    assert win.work.inspection.serial.isVisible() and win.work.inspection.serial.hasFocus()
    serial = win.work.inspection.serial
    QTest.keyClicks(serial, "SN999", Qt.KeyboardModifier.NoModifier, 220)  # typed slowly
    qtbot.wait(300)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        QTest.keyClick(win.work.inspection.serial, Qt.Key.Key_Return)
    assert win.session.draft.lines[1].serial_presented == "SN999"
    assert win.work.inspection.reason.hasFocus()
    # the serial's own barcode scanned into the serial field is the serial, not an item
    win.work.inspection.serial.setFocus()
    scan_item(qtbot, win, "SN123456")
    assert win.session.draft.lines[1].serial_presented == "SN123456"
    assert not win.banner.isVisible()


def test_manager_override_self_approval_and_hard_deny(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    from ui.counter.override_dialog import OverrideDialog

    win = window
    sign_in(qtbot, win, "maria", "987654")  # a manager working the counter
    open_order(qtbot, win, "O-1002")
    badges = [badge(win, r) for r in range(3)]
    assert badges == ["Final sale", "Denied", "Returnable"]

    # the final-sale jacket: denied, overridable
    scan_item(qtbot, win, JACKET)
    win.work.inspection.reason.setCurrentIndex(win.work.inspection.reason.findData("changed_mind"))
    win.work.inspection.condition.setCurrentIndex(win.work.inspection.condition.findData("new"))
    settle(win)
    assert win.work.inspection.override_button.isEnabled()
    assert any("needs a manager" in b for b in win.session.summary.blocked)

    win.open_override()
    dialog = win.findChild(OverrideDialog)
    assert dialog is not None and dialog.isVisible()
    # maria started this return: she cannot approve it herself
    dialog.username.setText("maria")
    dialog.pin.setText("987654")
    dialog.submit()
    qtbot.waitUntil(lambda: "own return" in dialog.message.text(), timeout=10_000)
    assert win.session.draft.lines[1].override is None
    # wrong PIN
    dialog.username.setText("wei")
    dialog.pin.setText("0000")
    dialog.submit()
    qtbot.waitUntil(lambda: "Wrong user name or PIN" in dialog.message.text(), timeout=10_000)
    # another manager approves
    dialog.pin.setText("876543")
    dialog.reason.setCurrentIndex(dialog.reason.findData("customer_goodwill"))
    dialog.note.setText("Regular customer")
    shot(dialog, "override_dialog")
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        dialog.submit()
    settle(win)
    grant = win.session.draft.lines[1].override
    assert grant is not None and grant.manager.username == "wei"
    assert badge(win, 0) == "Approved"
    assert "Approved by 王伟: Customer goodwill." in cell(win, 0, COL_WHY)

    # the gift card: hard deny, no override, not refundable
    scan_item(qtbot, win, GIFT)
    win.work.inspection.reason.setCurrentIndex(win.work.inspection.reason.findData("changed_mind"))
    win.work.inspection.condition.setCurrentIndex(win.work.inspection.condition.findData("new"))
    settle(win)
    assert win.session.draft.lines[2].decision.outcome == "deny"
    assert not win.work.inspection.override_button.isEnabled()
    assert not win.work.refund.confirm_button.isEnabled()
    assert any("cannot be returned" in b for b in win.session.summary.blocked)
    win.confirm()
    assert "cannot be confirmed" in win.banner.text()
    shot(win, "hard_deny")
    # take the gift card out; the approved jacket goes through
    win.work.select_row(2)
    win.work.remove_current_line()
    settle(win)
    assert 2 not in win.session.draft.lines
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    rows = committed_rows(gui_store.engine)
    assert [(r.sku, r.outcome, r.total_refund_minor) for r in rows] == [
        ("FIN-1", "override", 4999)
    ]
    with UnitOfWork(gui_store.engine) as uow:
        managers = uow.conn.execute(select(t.overrides.c.reason)).scalars().all()
    assert managers == ["customer_goodwill"]


def test_manager_lockout_message(qtbot: Any, window: Any) -> None:
    from ui.counter.override_dialog import OverrideDialog

    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1002")
    scan_item(qtbot, win, JACKET)
    win.work.inspection.reason.setCurrentIndex(0)
    win.work.inspection.condition.setCurrentIndex(win.work.inspection.condition.findData("new"))
    settle(win)
    win.open_override()
    dialog = win.findChild(OverrideDialog)
    for _ in range(5):
        dialog.username.setText("wei")
        dialog.pin.setText("1111")
        dialog.submit()
        settle(win)
    assert "too many wrong pins" in dialog.message.text().lower()
    dialog.pin.setText("876543")  # even the right PIN is refused now
    dialog.submit()
    settle(win)
    assert "too many wrong pins" in dialog.message.text().lower()
    assert win.session.draft.lines[1].override is None
    dialog.reject()


def test_lamp_added_without_scanning_by_keyboard(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")
    win.work.order_panel.lines.setFocus()
    pick_cell(win, 1, 1)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        QTest.keyClick(win.work.order_panel.lines, Qt.Key.Key_Return)
    assert 2 in win.session.draft.lines and not win.session.draft.lines[2].verified
    assert LAMP  # the lamp's barcode also works, see the scanner test


def test_receipt_preview_hook_and_reprint(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(200, 120, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    png = bytes(buffer.data())
    asked: list[str] = []
    printed: list[str] = []

    def provider(ref: str) -> bytes:
        asked.append(ref)
        return png

    win = window
    win.ctx.receipt_preview_provider = provider
    win.ctx.reprint = printed.append
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, LAMP)
    win.work.inspection.reason.setCurrentIndex(win.work.inspection.reason.findData("defective"))
    win.work.inspection.condition.setCurrentIndex(win.work.inspection.condition.findData("defective"))
    settle(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    ref = done.args[0]
    qtbot.waitUntil(lambda: not win.work.confirmed.receipt_view.pixmap().isNull(), timeout=10_000)
    assert asked == [ref]
    assert win.work.confirmed.receipt_view.pixmap().width() == 200
    win.work.confirmed.reprint_button.click()
    assert printed == [ref]
    # the order now shows the lamp as returned
    assert badge(win, 1) == "Already returned"


def test_database_failure_is_a_plain_banner(qtbot: Any, window: Any) -> None:
    from sqlalchemy.exc import OperationalError

    win = window
    sign_in(qtbot, win)

    def broken(code: str) -> Any:
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    win.ctx.app.desk.find_order = broken
    wedge_scan(qtbot, "O-1001")
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    text = win.banner.text()
    assert "Nothing was changed" in text and "Traceback" not in text and "SELECT" not in text
    assert win.session.order is None


def test_discarding_a_return_in_progress_needs_a_second_ctrl_n(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert win.session.draft is not None and "Ctrl+N again" in win.banner.text()
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert win.session.draft is None and win.session.order is None


def test_override_and_confirm_by_keyboard_alone(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.counter.override_dialog import OverrideDialog

    win = window
    win.activateWindow()
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1002")
    scan_item(qtbot, win, JACKET)
    assert win.work.inspection.reason.hasFocus()
    key(qtbot, Qt.Key.Key_Down)  # first reason
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Down)  # "new"
    settle(win)
    assert win.work.inspection.override_button.isEnabled()
    key(qtbot, Qt.Key.Key_F4)
    dialog = win.findChild(OverrideDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.username.hasFocus, timeout=3_000)
    QTest.keyClicks(dialog.username, "wei")
    QTest.keyClick(dialog.username, Qt.Key.Key_Return)
    assert dialog.pin.hasFocus()
    QTest.keyClicks(dialog.pin, "876543")
    QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.reason.hasFocus()
    QTest.keyClick(dialog.reason, Qt.Key.Key_Down)
    QTest.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.note.hasFocus()
    QTest.keyClicks(dialog.note, "ok")
    with qtbot.waitSignal(dialog.granted, timeout=10_000):
        QTest.keyClick(dialog.note, Qt.Key.Key_Return)
    settle(win)
    assert win.session.draft.lines[1].override is not None
    assert QApplication.focusWidget() is not None
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        key(qtbot, Qt.Key.Key_F9)
    rows = committed_rows(gui_store.engine)
    assert [(r.sku, r.outcome, r.tender_choice) for r in rows] == [("FIN-1", "override", "cash")]


def test_item_scanned_while_the_order_still_loads_is_kept(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        win.handle_scan("O-1001")
        win.handle_scan(SCARF)  # before the order is on screen
    assert win.session.order.number == "O-1001"
    assert list(win.session.draft.lines) == [1] and win.session.draft.lines[1].verified
    assert not win.banner.isVisible()


def test_item_scan_works_with_the_focus_anywhere(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    assert win.work.inspection.reason.hasFocus()
    scan_item(qtbot, win, LAMP)  # the burst lands on the reason list, not in it
    assert sorted(win.session.draft.lines) == [1, 2]
    assert win.session.draft.lines[1].inspection is None
    assert win.work.inspection.reason.currentIndex() == -1
    win.work.inspection.notes.setFocus()
    scan_item(qtbot, win, SCARF)  # the scarf again: only 1 was sold, nothing to add
    assert win.work.inspection.notes.text() == ""
    assert win.session.draft.lines[1].quantity == 1


def test_empty_store_tells_how_to_create_staff(
    qtbot: Any, sqlite_db_url: str, tmp_path: Any
) -> None:
    from counter_app.bootstrap import bootstrap
    from counter_app.config import Settings
    from ui.app import make_window

    core = bootstrap(Settings(home=tmp_path, db_url=sqlite_db_url))
    win = make_window(core)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: "no staff accounts" in win.login.message.text(), timeout=10_000)
    finally:
        win.close()
        core.close()


def test_a_voided_approval_is_shown_with_what_changed(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    from ui.counter.override_dialog import OverrideDialog

    win = window
    sign_in(qtbot, win, "alice", "1234")
    open_order(qtbot, win, "O-1002")
    scan_item(qtbot, win, JACKET)
    insp = win.work.inspection
    insp.reason.setCurrentIndex(insp.reason.findData("changed_mind"))
    insp.condition.setCurrentIndex(insp.condition.findData("new"))
    settle(win)
    win.open_override()
    dialog = win.findChild(OverrideDialog)
    assert dialog is not None
    dialog.username.setText("maria")
    dialog.pin.setText("987654")
    dialog.reason.setCurrentIndex(dialog.reason.findData("customer_goodwill"))
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        dialog.submit()
    settle(win)
    assert badge(win, 0) == "Approved"
    assert win.banner.text() == "Approved by Maria Rossi."
    # the cashier changes the condition after the approval: it no longer applies
    insp.condition.setCurrentIndex(insp.condition.findData("damaged"))
    settle(win)
    message = "The manager's approval no longer applies: condition changed"
    qtbot.waitUntil(lambda: message in cell(win, 0, COL_WHY), timeout=10_000)
    assert badge(win, 0) != "Approved"
    assert any(message in b for b in win.session.summary.blocked)
    assert message in win.work.refund.blocked.text()
    assert not win.work.refund.confirm_button.isEnabled()
    assert insp.override_button.isEnabled()  # a manager may approve it again
    assert "Approved by" not in win.banner.text(), "the note went with the approval"
    shot(win, "approval_voided")
