"""A gift return and the store-credit screen in the window, keyboard and scanner only, in
English and Chinese (screenshots at 1366×768): a gift code opens its one line, no price or
payment of the buyer is on screen, the refund is store credit, the code works once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QLineEdit
from sqlalchemy import select, update

from counter_app.adapters.db import tables as t
from counter_app.services.receipts import ensure_voucher_secret, voucher_serial
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import add_order, days_before
from tests.gui.conftest import SCARF, SHIRT, GuiStore, shot, sign_in
from tests.gui.test_return_workflow import key, settle, wedge_scan
from tests.gui.zh_walk import english_on_screen

pytestmark = pytest.mark.timeout(90)
SCARF_CODE, SHIRT_CODE = "G-7K3M9QX2PA", "G-8K3M9QX2PB"
# What the buyer paid (scarf 25.00, T-shirt 19.99, lamp 39.99) and how: never on screen.
BUYER = ("25.00", "19.99", "39.99", "84.98", "VISA", "4242", "Lin Mei", "Desk Lamp", "台灯")


@pytest.fixture
def gift_order(gui_store: GuiStore) -> GuiStore:
    add_order(gui_store.engine, "O-2001", days_before(NOW, 6),
              [("APP-1", 1, 2500), ("APP-2", 1, 1999), ("HOM-1", 1, 3999)],
              [("card", 5000), ("cash", 3498)],
              customer={"code": "C0000009", "name": "Lin Mei", "email": "lm@example.com",
                        "phone": "+15550009", "loyalty_tier": None})  # fmt: skip
    ln, o = t.order_lines.c, t.orders.c
    with UnitOfWork(gui_store.engine, write=True) as uow:
        oid = uow.conn.execute(select(o.id).where(o.number == "O-2001")).scalar_one()
        for no, code in ((1, SCARF_CODE), (2, SHIRT_CODE)):
            uow.conn.execute(update(t.order_lines).where(ln.order_id == oid, ln.line_no == no)
                             .values(gift_code=code))  # fmt: skip
        uow.commit()
    return gui_store


def screen_texts(win: Any) -> list[str]:
    """Every text the window shows: labels, fields, buttons, combo items and table cells."""
    texts: list[str] = []
    for w in win.findChildren(QLabel):
        if w.isVisible():
            texts.append(w.text())
    for w in win.findChildren(QLineEdit):
        if w.isVisible():
            texts.append(w.text())
    for w in win.findChildren(QAbstractButton):
        if w.isVisible():
            texts.append(w.text())
    for combo in win.findChildren(QComboBox):
        texts += [combo.itemText(i) for i in range(combo.count())]
    model = win.work.order_panel.model
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            texts.append(str(model.data(model.index(r, c))))
    return texts


def assert_nothing_of_the_buyer(win: Any) -> None:
    shown = "\n".join(screen_texts(win))
    for secret in BUYER:
        assert secret not in shown, secret


def refunds(engine: Any) -> tuple[set[str], int, set[str]]:
    """(tenders paid out, their total, gift codes used) of every refund written."""
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(
            select(t.refunds.c.tender, t.refunds.c.amount_minor, t.return_lines.c.gift_code)
            .join(t.return_lines, t.return_lines.c.return_id == t.refunds.c.return_id)
        ).all()
    return {r[0] for r in rows}, sum(r[1] for r in rows), {r[2] for r in rows}


def gift_return(qtbot: Any, win: Any, code: str, item: str, name: str) -> str:
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        wedge_scan(qtbot, code)
    model = win.work.order_panel.model
    assert model.rowCount() == 1 and name in model.text(0, 1)  # that line only
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        wedge_scan(qtbot, item)
    assert win.work.inspection.reason.hasFocus()
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Down)
    settle(win)
    summary = win.session.summary
    assert summary is not None and not summary.blocked
    tender = win.work.refund.tender
    assert [tender.itemData(i) for i in range(tender.count())] == ["store_credit", "exchange"]
    assert win.session.draft.kind == "gift"
    assert_nothing_of_the_buyer(win)
    return code


def test_gift_return_by_keyboard_and_scanner(
    qtbot: Any, window: Any, gift_order: GuiStore
) -> None:
    win = window
    win.activateWindow()
    sign_in(qtbot, win)
    gift_return(qtbot, win, SCARF_CODE, SCARF, "Wool Scarf")
    assert win.work.order_panel.model.text(0, 3) == "Gift"
    assert win.work.refund.total.text() == "$27.50"  # the store credit with its 10 % bonus
    assert win.work.refund.total_label.text() == "Store credit for the recipient"
    assert SCARF_CODE in win.work.refund.refund_lines.text()
    shot(win, "gift_return_en")
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        key(qtbot, Qt.Key.Key_F9)
    settle(win)
    assert "Gift return" in win.banner.text() and "Store credit" in win.banner.text()
    assert_nothing_of_the_buyer(win)
    qtbot.waitUntil(lambda: win.work.confirmed.receipt_view.pixmap() is not None
                    and not win.work.confirmed.receipt_view.pixmap().isNull(),
                    timeout=20_000)  # fmt: skip
    shot(win, "gift_return_confirmed_en")
    assert refunds(gift_order.engine) == ({"store_credit"}, 2500, {SCARF_CODE})
    assert done.args[0].startswith("R-")

    # the same gift receipt again: refused in one line, nothing opened
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    win.banner.clear()
    wedge_scan(qtbot, SCARF_CODE)
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    assert "already used" in win.banner.text() and "\n" not in win.banner.text()
    assert win.session.order is None
    shot(win, "gift_code_used_twice_en")


def test_gift_return_in_chinese(qtbot: Any, window: Any, gift_order: GuiStore) -> None:
    from ui import i18n

    win = window
    assert i18n.set_language("zh_CN")
    sign_in(qtbot, win)
    gift_return(qtbot, win, SHIRT_CODE, SHIRT, "纯棉T恤 白色")
    assert win.work.order_panel.model.text(0, 3) == "礼品"
    assert win.work.refund.total_label.text() == "给接收人的店内余额"
    assert english_on_screen(win, gift_order.engine) == []  # tests/gui/zh_walk.py
    shot(win, "gift_return_zh_CN")
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        key(qtbot, Qt.Key.Key_F9)
    settle(win)
    assert "礼品退货" in win.banner.text()
    assert_nothing_of_the_buyer(win)
    assert refunds(gift_order.engine) == ({"store_credit"}, 1999, {SHIRT_CODE})
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    win.banner.clear()
    wedge_scan(qtbot, SHIRT_CODE)
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    assert "此礼品收据已用于退货" in win.banner.text()
    shot(win, "gift_code_used_twice_zh_CN")


def _voucher(gui_store: GuiStore) -> str:
    """A store-credit return committed at this counter, and its voucher's code."""
    from counter_app.domain.voucher import make_voucher_code

    store, desk = gui_store.store, gui_store.core.desk
    draft = desk.start_return(desk.find_order("O-1001"), store.user("alice"))
    desk.verify_item(draft, SCARF)
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.evaluate(draft)
    done = desk.commit_return(draft, "store_credit")
    secret = ensure_voucher_secret(gui_store.core.settings).voucher_secret
    with UnitOfWork(gui_store.engine) as uow:
        amount = uow.conn.execute(select(t.store_credits.c.amount_minor)).scalar_one()
    from counter_app.domain.money import Money

    assert done.store_credit_code is not None
    return make_voucher_code(voucher_serial(done.store_credit_code), Money(amount, "USD"),
                             secret.encode())  # fmt: skip


def open_credit_screen(qtbot: Any, win: Any) -> Any:
    from ui.counter.credit_dialog import CreditDialog

    key(qtbot, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CreditDialog),
                    timeout=10_000)  # fmt: skip
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: dialog.code.hasFocus(), timeout=5_000)
    return dialog


def over_counter(win: Any, dialog: Any, name: str) -> None:
    """The 1366×768 counter with the dialog where it opens over it, as the cashier sees it
    (a window grab alone leaves the dialog, a window of its own, out)."""
    from PySide6.QtGui import QPainter

    from tests.gui.conftest import ARTIFACTS

    picture = win.grab()
    painter = QPainter(picture)
    top_left = win.mapFromGlobal(dialog.frameGeometry().topLeft())
    painter.drawPixmap(top_left, dialog.grab())
    painter.drawRect(top_left.x(), top_left.y(), dialog.width() - 1, dialog.height() - 1)
    painter.end()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert picture.width() == 1366 and picture.save(str(ARTIFACTS / f"{name}.png"))


def check(qtbot: Any, dialog: Any, code: str) -> None:
    dialog.values["check"].clear()
    wedge_scan(qtbot, code)
    qtbot.waitUntil(lambda: bool(dialog.values["check"].text()), timeout=10_000)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_credit_screen_by_scanner(
    qtbot: Any, window: Any, gui_store: GuiStore, language: str
) -> None:
    from ui import i18n

    voucher = _voucher(gui_store)
    win = window
    assert i18n.set_language(language)
    sign_in(qtbot, win)
    dialog = open_credit_screen(qtbot, win)
    check(qtbot, dialog, voucher)
    v = {k: w.text() for k, w in dialog.values.items()}
    money = "US$" if language == "zh_CN" else "$"
    assert v["value"] == f"{money}27.50" and v["left"] == f"{money}27.50"
    assert v["spent"] == f"{money}0.00" and v["credit"] == "SC-S001-C1-000001"
    genuine = "真实有效" if language == "zh_CN" else "Genuine"
    assert v["check"].startswith(genuine)
    shot(dialog, f"credit_screen_{language}")
    over_counter(win, dialog, f"credit_screen_over_counter_{language}")
    forged = voucher.replace("USD2750", "USD9750")
    check(qtbot, dialog, forged)
    bad = "不是真券" if language == "zh_CN" else "NOT genuine"
    assert dialog.values["check"].text().startswith(bad)
    assert dialog.values["value"].text() == "—" and dialog.values["left"].text() == "—"
    shot(dialog, f"credit_screen_forged_{language}")
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5_000)
