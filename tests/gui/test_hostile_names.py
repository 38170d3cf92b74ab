"""Data is shown as the characters it holds, never as markup: product, customer, staff and
store names holding HTML (a 40-pt red "APPROVED BY MANAGER", an <img>) go through every
screen, and every visible label is plain text or has the data escaped."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QTextBrowser, QWidget
from sqlalchemy import insert, select, update

from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.gui import tables
from tests.gui.conftest import SCARF, GuiStore, shot, sign_in
from tests.gui.test_return_workflow import open_order, scan_item, settle
from tests.gui.test_sync_ui import _free_port, commit_return, make_sync_window  # noqa: F401

pytestmark = pytest.mark.timeout(90)
BOLD = '<b style="font-size:40pt;color:red">APPROVED BY MANAGER</b>'
IMG = '<img src="file:///etc/hostile.png">'
MARKUP = ("<b style", "<img")


@pytest.fixture
def hostile(gui_store: GuiStore) -> GuiStore:
    """The test store with markup in every name the screens show."""
    with UnitOfWork(gui_store.engine, write=True) as uow:
        c = uow.conn
        for sku, name in c.execute(select(t.products.c.sku, t.products.c.name)).all():
            c.execute(update(t.products).where(t.products.c.sku == sku)
                      .values(name=f"{BOLD} {name}", vendor=IMG))  # fmt: skip
        c.execute(update(t.customers).values(name=f"{IMG} {BOLD}"))
        c.execute(update(t.users).where(t.users.c.username == "alice")
                  .values(display_name=f"{BOLD} Alice"))  # fmt: skip
        c.execute(update(t.users).where(t.users.c.username == "maria")
                  .values(display_name=f"{IMG} Maria"))  # fmt: skip
        c.execute(update(t.stores).values(name=BOLD, address=IMG))
        uow.commit()
    return gui_store


def check_screen(*roots: QWidget) -> list[str]:
    """Every visible label under the roots (and every top-level window) is plain text, or
    its text holds no markup from the data; returns the plain labels' texts."""
    plain: list[str] = []
    widgets = list(roots) + list(QApplication.topLevelWidgets())
    for root in widgets:
        for label in [root, *root.findChildren(QLabel)]:
            if not isinstance(label, QLabel) or not label.isVisible():
                continue
            text = label.text()
            if label.textFormat() == Qt.TextFormat.PlainText:
                plain.append(text)
                continue
            assert not any(m in text for m in MARKUP), (label.objectName(), text)
        for browser in root.findChildren(QTextBrowser):
            if browser.isVisible():
                assert not any(m in browser.toHtml() for m in MARKUP)
    return plain


def shows_literally(texts: list[str], data: str) -> bool:
    return any(data in text for text in texts)


def test_counter_screens_show_markup_as_text(qtbot: Any, hostile: GuiStore, window: Any) -> None:
    win = window
    check_screen(win)  # sign-in screen (the store's name)
    sign_in(qtbot, win)
    texts = check_screen(win)
    assert shows_literally(texts, BOLD)  # the user badge shows the name as typed
    assert win.header.user_badge.textFormat() == Qt.TextFormat.PlainText
    open_order(qtbot, win, "O-1001")
    settle(win)
    texts = check_screen(win)
    assert shows_literally(texts, IMG)  # the customer line
    scan_item(qtbot, win, SCARF)
    inspection = win.work.inspection
    inspection.reason.setCurrentIndex(inspection.reason.findData("wrong_size"))
    inspection.condition.setCurrentIndex(inspection.condition.findData("new"))
    settle(win)
    check_screen(win)
    shot(win, "hostile_names_order")
    refund_lines = win.work.refund.refund_lines
    assert BOLD not in refund_lines.text() and "&lt;b style" in refund_lines.text()
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    settle(win)
    check_screen(win)

    win.lock()
    texts = check_screen(win)  # the lock screen names who was signed in
    assert win.locked and shows_literally(texts, BOLD)
    shot(win, "hostile_names_locked")
    sign_in(qtbot, win)

    win.open_history()
    from ui.counter.history_dialog import HistoryDialog

    history = win.findChild(HistoryDialog)
    qtbot.waitUntil(lambda: tables.rows(history.table) == 1, timeout=10_000)
    with qtbot.waitSignal(history.opened, timeout=10_000):
        tables.set_current(history.table, 0)
    check_screen(history)
    shown = history.detail.toPlainText()
    assert BOLD in shown and IMG in shown and "Alice" in shown  # literally, as characters
    history.close()

    win.open_search()
    from ui.counter.search_dialog import SearchDialog

    search = win.findChild(SearchDialog)
    search.phone.setText("+15550001")
    search.search()
    qtbot.waitUntil(lambda: tables.rows(search.results) == 1, timeout=10_000)
    check_screen(search)
    search.close()


def test_override_and_manager_screens_show_markup_as_text(
    qtbot: Any, hostile: GuiStore, window: Any
) -> None:
    win = window
    sign_in(qtbot, win, "maria", "987654")
    texts = check_screen(win)
    assert shows_literally(texts, IMG)
    for tool in ("reports", "day_close", "stock", "mail"):
        before = set(QApplication.topLevelWidgets())
        win.open_manager_tool(tool)
        settle(win)
        qtbot.wait(50)
        settle(win)
        opened = [w for w in QApplication.topLevelWidgets() if w not in before]
        check_screen(win, *opened)
        for dialog in win.findChildren(QWidget):
            if dialog.isWindow() and dialog is not win and dialog.isVisible():
                check_screen(dialog)
                dialog.close()
        for w in opened:
            w.close()


def test_sync_panel_shows_markup_as_text(
    qtbot: Any,
    hostile: GuiStore,
    make_sync_window: Any,  # noqa: F811
) -> None:
    commit_return(hostile)
    with UnitOfWork(hostile.engine, write=True) as uow:  # head office refused one message
        message_id = uow.conn.execute(select(t.outbox.c.id).limit(1)).scalar_one()
        uow.conn.execute(update(t.outbox).where(t.outbox.c.id == message_id)
                         .values(status="rejected", last_error=BOLD))  # fmt: skip
        uow.conn.execute(
            insert(t.sync_exceptions).values(
                message_id=message_id, reason=f"{BOLD} {IMG}", created_at=hostile.core.clock.now()
            )
        )
        uow.commit()  # fmt: skip
    win = make_sync_window(f"http://127.0.0.1:{_free_port()}", "no-such-key")
    sign_in(qtbot, win)
    dialog = win.ctx.sync.indicator.open_dialog()
    qtbot.waitUntil(lambda: tables.rows(dialog.table) == 1, timeout=10_000)
    tables.set_current(dialog.table, 0)
    settle(win)
    check_screen(win, dialog)
    dialog.close()
