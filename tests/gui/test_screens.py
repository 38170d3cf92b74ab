"""Lock, languages, history, settings, search and scanner timing (the task runner: test_tasks)."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest

from counter_app.domain.policy import MESSAGE_TEMPLATES
from tests.gui import tables
from tests.gui.conftest import SCARF, GuiStore, cell, header_text, shot, sign_in
from tests.gui.test_return_workflow import open_order, scan_item, settle

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]


def start_return(qtbot: Any, win: Any) -> None:
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    win.work.inspection.reason.setCurrentIndex(win.work.inspection.reason.findData("wrong_size"))
    win.work.inspection.condition.setCurrentIndex(win.work.inspection.condition.findData("new"))
    settle(win)
    assert win.work.refund.confirm_button.isEnabled()


def test_login_screen(qtbot: Any, window: Any) -> None:
    win = window
    assert win.locked and win.login.username.hasFocus()
    win.login.username.setText("alice")
    win.login.pin.setText("0000")
    win.login.submit()
    qtbot.waitUntil(lambda: "Wrong user name or PIN" in win.login.message.text(), timeout=10_000)
    assert win.locked
    shot(win, "login")


def test_idle_lock_and_unlock_keep_the_return(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    start_return(qtbot, win)
    draft = win.session.draft
    win.set_idle_minutes(0.004)  # 240 ms
    with qtbot.waitSignal(win.lock_changed, timeout=5_000) as locked:
        pass
    assert locked.args == [True] and win.locked
    assert "Counter locked" in win.login.title.text()
    shot(win, "locked")
    # another cashier cannot take over a return in progress
    sign_in_refused = "has a return in progress"
    win.login.username.setText("bob")
    win.login.pin.setText("2345")
    win.login.submit()
    qtbot.waitUntil(lambda: sign_in_refused in win.login.message.text(), timeout=10_000)
    assert win.locked
    win.set_idle_minutes(5)
    sign_in(qtbot, win)
    assert not win.locked
    assert win.session.draft is draft and list(draft.lines) == [1]
    assert win.work.inspection.reason.currentData() == "wrong_size"
    assert win.work.refund.confirm_button.isEnabled()
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()


def test_lock_on_demand_with_ctrl_l(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")
    scan_input = win.work.scan_panel.scan_input
    QTest.keyClick(scan_input, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.locked
    sign_in(qtbot, win)
    assert win.session.order is not None and win.session.order.number == "O-1001"


def test_language_switch_to_chinese_without_restart(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    from ui.manager.settings_dialog import SettingsDialog

    win = window
    sign_in(qtbot, win, "maria", "987654")
    open_order(qtbot, win, "O-1001")
    win.open_settings()
    dialog = win.findChild(SettingsDialog)
    assert dialog is not None
    shot(dialog, "settings")
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.idle.setValue(7)
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save()
    assert win.work.refund.confirm_button.text() == "确认退货"
    assert win.work.scan_panel.title.text().startswith("1  扫描订单")
    assert header_text(win, 1) == "商品"
    assert cell(win, 0, 4) == "可退货"
    assert "在退货期限内" in cell(win, 0, 5)
    assert "$25.00" in cell(win, 0, 3)  # zh_CN money format for USD
    scan_item(qtbot, win, SCARF)
    win.work.inspection.reason.setCurrentIndex(win.work.inspection.reason.findData("wrong_size"))
    assert win.work.inspection.reason.currentText() == "尺码或版型不合适"
    win.work.inspection.condition.setCurrentIndex(win.work.inspection.condition.findData("new"))
    settle(win)
    shot(win, "main_zh_CN")
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    assert win.work.confirmed.title.text() == "5  退货已确认"
    assert "退款总额" in win.work.confirmed.receipt_view.text()
    shot(win, "confirmed_zh_CN")
    saved = (gui_store.core.settings.home / "config.toml").read_text()
    assert 'language = "zh_CN"' in saved and "idle_lock_minutes = 7" in saved
    # and back
    from ui import i18n

    i18n.set_language("en")
    assert win.work.refund.confirm_button.text() == "Confirm return"


def test_cashier_cannot_open_settings(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    assert not win.header.settings_button.isEnabled()
    win.open_settings()
    assert "Only a manager" in win.banner.text()


def test_history_search_open_and_reprint(qtbot: Any, window: Any) -> None:
    from ui.counter.history_dialog import HistoryDialog

    win = window
    printed: list[str] = []
    win.ctx.reprint = printed.append
    sign_in(qtbot, win)
    start_return(qtbot, win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        win.confirm()
    ref = done.args[0]
    win.open_history()
    dialog = win.findChild(HistoryDialog)
    qtbot.waitUntil(lambda: tables.rows(dialog.table) == 1, timeout=10_000)
    dialog.text.setText("O-1001")
    dialog.cashier.setText("alice")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.search()
    assert tables.cell(dialog.table, 0, 0) == ref
    with qtbot.waitSignal(dialog.opened, timeout=10_000):
        tables.set_current(dialog.table, 0)
    assert ref in dialog.detail.toPlainText()
    assert "Wool Scarf" in dialog.detail.toPlainText()
    shot(dialog, "history")
    dialog.reprint()
    assert printed == [ref]
    dialog.cashier.setText("bob")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.search()
    assert tables.rows(dialog.table) == 0
    dialog.close()


def test_search_by_phone_opens_the_order(qtbot: Any, window: Any) -> None:
    from ui.counter.search_dialog import SearchDialog

    win = window
    sign_in(qtbot, win)
    QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_F2)
    dialog = win.findChild(SearchDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.card.setText("12")
    dialog.search()
    qtbot.waitUntil(lambda: "last 4 digits" in dialog.message.text(), timeout=10_000)
    dialog.card.clear()
    dialog.phone.setText("+15550001")
    dialog.search()
    qtbot.waitUntil(lambda: tables.rows(dialog.results) == 1, timeout=10_000)
    shot(dialog, "search")
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        dialog.choose(0)
    assert win.session.order.number == "O-1001"


def test_search_by_customer_name_in_both_languages(qtbot: Any, window: Any) -> None:
    from ui import i18n
    from ui.counter.search_dialog import SearchDialog

    win = window
    sign_in(qtbot, win)
    QTest.keyClick(win.work.scan_panel.scan_input, Qt.Key.Key_F2)
    dialog = win.findChild(SearchDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.name.hasFocus, timeout=5_000)  # the name comes first
    QTest.keyClicks(dialog.name, "mei")
    QTest.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tables.rows(dialog.results) == 1, timeout=10_000)
    assert tables.cell(dialog.results, 0, 0) == "O-1001"
    assert tables.cell(dialog.results, 0, 2) == "Lin Mei"
    dialog.name.setText("x")
    dialog.search()
    qtbot.waitUntil(lambda: "2 letters" in dialog.message.text(), timeout=10_000)
    assert tables.rows(dialog.results) == 1, "a refused search leaves the results alone"
    assert i18n.set_language("zh_CN")
    assert dialog.name_label.text() == "顾客姓名(&N)"
    dialog.name.setText("LIN")
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        dialog.search()
        qtbot.waitUntil(lambda: "1" in dialog.message.text(), timeout=10_000)
        QTest.keyClick(dialog.results, Qt.Key.Key_Return)
    assert win.session.order.number == "O-1001"


def test_slow_typing_is_not_swallowed_by_the_scanner_filter(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    start_return(qtbot, win)
    win.work.inspection.notes.setFocus()
    scans: list[str] = []
    win.wedge.scanned.connect(scans.append)
    QTest.keyClicks(win.work.inspection.notes, "box torn", Qt.KeyboardModifier.NoModifier, 220)
    qtbot.wait(300)
    assert win.work.inspection.notes.text() == "box torn"
    QTest.keyClick(win.work.inspection.notes, Qt.Key.Key_Return)
    assert scans == []
    # a fast burst + Enter while typing a note is a scan, not text in the note
    QTest.keyClicks(win.work.inspection.notes, "O-1001")
    QTest.keyClick(win.work.inspection.notes, Qt.Key.Key_Return)
    assert scans == ["O-1001"]
    assert win.work.inspection.notes.text() == "box torn"
    settle(win)


def _ui_strings() -> set[tuple[str, str]]:
    found = set()
    for f in sorted((ROOT / "ui").rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        ctx = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "_CTX" for t in node.targets
            ):
                ctx = node.value.value  # type: ignore[attr-defined]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", None)
            args = node.args
            if name == "tr" and ctx and args and isinstance(args[0], ast.Constant):
                found.add((ctx, args[0].value))
            if name in ("translate", "_tr") and len(args) >= 2 and all(
                isinstance(a, ast.Constant) for a in args[:2]
            ):
                found.add((args[0].value, args[1].value))  # type: ignore[attr-defined]
    return found


def test_every_string_has_a_chinese_translation() -> None:
    ts = ET.parse(ROOT / "resources" / "translations" / "counter_zh_CN.ts").getroot()
    translated = {
        (ctx.findtext("name"), msg.findtext("source")): msg.findtext("translation")
        for ctx in ts.iter("context")
        for msg in ctx.iter("message")
    }
    needed = _ui_strings() | {("PolicyReason", t) for t in MESSAGE_TEMPLATES.values()}
    missing = sorted(k for k in needed if not translated.get(k))
    assert not missing, f"not translated: {missing}"
    # placeholders survive translation
    import re

    for (ctx, source), target in translated.items():
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", target or "")), (
            ctx, source)


def test_policy_labels_translate() -> None:
    from ui import i18n

    assert i18n.set_language("zh_CN")
    try:
        assert i18n.policy_label("Changed mind") == "改变主意"
        assert QCoreApplication.translate("MainWindow", "Confirm return") == "确认退货"
    finally:
        i18n.set_language("en")


def test_another_cashier_after_lock_gets_a_clean_screen(qtbot: Any, window: Any) -> None:
    win = window
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")  # looked at, nothing picked
    win.lock()
    sign_in(qtbot, win, "bob", "2345")
    assert win.ctx.user.username == "bob"
    assert win.session.order is None and win.session.draft is None
    assert "Bob Ortiz" in win.header.user_badge.text()
