"""A return without a receipt in the counter window, keyboard and scanner only (F5), in
English and in Chinese, with screenshots at 1366×768."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import select

from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.gui.conftest import EARBUDS, SHIRT, GuiStore, shot, sign_in
from tests.gui.zh_walk import english_on_screen

pytestmark = pytest.mark.timeout(90)


def focused() -> Any:
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    return target


def key(k: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), k, modifier)


def scanner(text: str) -> None:
    """A handheld scanner: a burst of keys and Enter into whatever has the focus."""
    QTest.keyClicks(focused(), text)
    QTest.keyClick(focused(), Qt.Key.Key_Return)


def settle(win: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    win.ctx.tasks.wait(10_000)
    QCoreApplication.processEvents()
    QCoreApplication.processEvents()


def _dialog(qtbot: Any, win: Any) -> Any:
    from ui.counter.receiptless_dialog import ReceiptlessDialog

    win.activateWindow()
    key(Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: win.findChild(ReceiptlessDialog) is not None, timeout=5_000)
    dialog = win.findChild(ReceiptlessDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    dialog.move(180, 50)
    return dialog


def _screen(win: Any, dialog: Any, name: str) -> None:
    """The window with the dialog over it, as a 1366×768 screen shows them."""
    from PySide6.QtGui import QPainter, QPixmap

    screen = QPixmap(1366, 768)
    screen.fill(Qt.GlobalColor.darkGray)
    painter = QPainter(screen)
    painter.drawPixmap(0, 0, win.grab())
    painter.drawPixmap(dialog.x() - win.x(), dialog.y() - win.y(), dialog.grab())
    painter.end()

    class _Shot:
        def grab(self) -> Any:
            return screen

    shot(_Shot(), name)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_return_without_receipt_by_keyboard_and_scanner(
    qtbot: Any, window: Any, gui_store: GuiStore, language: str
) -> None:
    from ui import i18n

    win = window
    assert i18n.set_language(language)
    sign_in(qtbot, win)
    assert win.findChild(QPushButton, "noReceiptButton").isVisible()
    shot(win, f"receiptless_button_{language}")
    dialog = _dialog(qtbot, win)
    qtbot.waitUntil(dialog.contact.hasFocus, timeout=5_000)
    QTest.keyClicks(focused(), "+1 (555) 0100-777")
    key(Qt.Key.Key_Tab)
    assert dialog.document.hasFocus()
    QTest.keyClicks(focused(), "G12345678")
    key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.draft is not None, timeout=10_000)
    assert dialog.document.text() == ""  # the number is not kept on screen
    assert dialog.barcode.hasFocus()

    scanner(SHIRT)  # 纯棉T恤: changed mind, new (the defaults)
    settle(win)
    scanner(EARBUDS)  # electronics: not without a receipt
    settle(win)
    assert dialog.model.rowCount() == 2
    assert dialog.draft.lines[2].decision.outcome == "deny"
    why = dialog.explanation.text()
    assert ("without the order or receipt" in why) == (language == "en")
    assert ("收据" in why) == (language == "zh_CN")
    if language == "zh_CN":  # tests/gui/zh_walk.py: no English word left on the dialog
        assert english_on_screen(dialog, gui_store.engine) == []
    _screen(win, dialog, f"receiptless_refused_{language}")
    assert not dialog.draft.lines[2].approved
    key(Qt.Key.Key_F9)  # refused: the earbuds block it
    assert dialog.committed_return is None and dialog.message.text()

    key(Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)  # the current (last) line
    settle(win)
    assert dialog.model.rowCount() == 1 and dialog.draft.lines[1].approved
    assert dialog.barcode.hasFocus()
    # the next item: pick its reason with the keyboard, then scan
    key(Qt.Key.Key_Tab)
    assert dialog.reason.hasFocus()
    dialog.reason.setCurrentIndex(dialog.reason.findData("changed_mind"))
    key(Qt.Key.Key_Down)
    picked = dialog.reason.currentData()
    assert picked != "changed_mind"
    key(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert dialog.barcode.hasFocus()
    scanner(SHIRT)
    settle(win)
    assert dialog.draft.lines[2].inspection.reason_code == picked
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        key(Qt.Key.Key_F9)
    settle(win)
    ref = done.args[0]
    assert ref in dialog.message.text()
    _screen(win, dialog, f"receiptless_done_{language}")

    with UnitOfWork(gui_store.engine) as uow:
        row = uow.conn.execute(select(t.returns).where(t.returns.c.ref == ref)).mappings().one()
        customer = uow.conn.execute(
            select(t.customers).where(t.customers.c.id == row["customer_id"])
        ).mappings().one()
        credit = uow.conn.execute(
            select(t.store_credits.c.amount_minor).where(t.store_credits.c.return_id == row["id"])
        ).scalar_one()
    assert (row["kind"], row["order_id"], row["tender_choice"]) == ("receiptless", None,
                                                                     "store_credit")
    assert customer["phone"] == "+15550100777"
    assert customer["id_document_hash"] and "G12345678" not in str(dict(customer))
    assert credit == 2 * 1999  # 纯棉T恤 twice at its (unchanged) price, no bonus
    key(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    # the history (F6) names it as a return without a receipt
    from ui.counter.history_dialog import HistoryDialog

    qtbot.waitUntil(win.work.scan_panel.scan_input.hasFocus, timeout=5_000)  # back to work
    key(Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: win.findChild(HistoryDialog) is not None, timeout=5_000)
    history = win.findChild(HistoryDialog)
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=10_000)
    order = str(history.model.data(history.model.index(0, 2)))
    assert order == ("No receipt" if language == "en" else "无收据")
    history.close()
