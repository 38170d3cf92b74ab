"""Managers reach their tools from the main window; cashiers do not see them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gui.conftest import shot, sign_in
from ui.manager.day_close_dialog import DayCloseDialog
from ui.manager.reports_window import ReportsWindow


@pytest.mark.timeout(60)
def test_cashier_has_no_manager_tools(qtbot: Any, window: Any) -> None:
    sign_in(qtbot, window, "alice", "1234")
    assert not window.header.manager_button.isVisible()
    window.open_manager_tool("reports")
    assert window.findChild(ReportsWindow) is None


@pytest.mark.timeout(60)
def test_manager_menu_opens_reports_and_day_close(qtbot: Any, window: Any) -> None:
    sign_in(qtbot, window, "maria", "987654")
    assert window.header.manager_button.isVisible()
    assert [a.text() for a in window.header.manager_menu.actions()] == [
        "Reports",
        "Close the day (Z-report)",
        "Returned stock",
        "Customer e-mails",
    ]
    shot(window, "manager_header")
    window.header.manager_actions["reports"].trigger()
    qtbot.waitUntil(lambda: window.findChild(ReportsWindow) is not None, timeout=5000)
    window.findChild(ReportsWindow).close()
    window.header.manager_actions["day_close"].trigger()
    qtbot.waitUntil(lambda: window.findChild(DayCloseDialog) is not None, timeout=5000)
    window.findChild(DayCloseDialog).reject()


@pytest.mark.timeout(60)
def test_ctrl_m_opens_the_manager_menu_for_managers_only(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    def ctrl_m() -> None:
        target = QApplication.focusWidget()
        assert target is not None
        QTest.keyClick(target, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)

    sign_in(qtbot, window, "alice", "1234")
    ctrl_m()
    assert not window.header.manager_menu.isVisible(), "a cashier has no manager menu"
    window.lock()
    sign_in(qtbot, window, "maria", "987654")
    assert "(Ctrl+M)" in window.header.manager_button.toolTip()
    ctrl_m()
    menu = window.header.manager_menu
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    assert menu.activeAction() is window.header.manager_actions["reports"]
    QTest.keyClick(menu, Qt.Key.Key_Down)  # the keyboard walks it: day close
    assert menu.activeAction() is window.header.manager_actions["day_close"]
    QTest.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.findChild(DayCloseDialog) is not None, timeout=5000)
    window.findChild(DayCloseDialog).reject()
