"""Simplified Chinese, complete: no unfinished entry in the .ts files, and no English word
left in what each main screen shows in zh_CN (the widget tree walked, not a screenshot read).

What may stay in Latin letters is data (names, SKUs, order numbers: taken from the store the
test built) and the short list in tests/gui/zh_walk.ALLOWED."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import PRODUCTS, STAFF
from tests.gui import tables
from tests.gui.conftest import JACKET, SCARF, GuiStore, shot, sign_in
from tests.gui.test_manager_reports import manager_ctx  # noqa: F401  (fixture)
from tests.gui.test_return_workflow import open_order, scan_item, settle
from tests.gui.zh_walk import leftovers, store_data, visible_texts

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
# the test store's own words: product, staff, customer, store and vendor names
DATA = (
    [p[1] for p in PRODUCTS]
    + [s[0] for s in STAFF.values()]
    + list(STAFF)
    + ["Lin Mei", "Test Store", "1 Test Road", "Acme", "lin@example.com"]
)


def test_no_unfinished_or_empty_translation() -> None:
    files = sorted(TRANSLATIONS.glob("*.ts"))
    assert files
    problems = []
    for path in files:
        for ctx in ET.parse(path).getroot().iter("context"):
            for msg in ctx.iter("message"):
                where = f"{path.name} [{ctx.findtext('name')}] {msg.findtext('source')!r}"
                tr = msg.find("translation")
                if tr is None or not (tr.text or "").strip():
                    problems.append(f"{where}: empty")
                elif tr.get("type") in ("unfinished", "obsolete", "vanished"):
                    problems.append(f"{where}: {tr.get('type')}")
    assert not problems, "\n".join(problems)


@pytest.fixture
def zh_window(window: Any) -> Iterator[Any]:
    from ui import i18n

    assert i18n.set_language("zh_CN")
    yield window


def english(widget: Any, menus: Any = (), data: list[str] = DATA) -> list[str]:
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.processEvents()
    return leftovers(visible_texts(widget, menus), data)


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{screen}: {line}" for screen, lines in found.items() for line in lines)


def _dialog(qtbot: Any, win: Any, kind: type, open_it: Any) -> Any:
    open_it()
    qtbot.waitUntil(lambda: win.findChild(kind) is not None, timeout=5_000)
    dialog = win.findChild(kind)
    from ui.tasks import TaskManager  # noqa: F401  (the dialog loads on the task runner)

    win.ctx.tasks.wait(10_000)
    return dialog


def test_counter_screens_in_chinese(qtbot: Any, zh_window: Any, gui_store: GuiStore) -> None:
    win = zh_window
    found: dict[str, list[str]] = {}
    found["login"] = english(win)
    sign_in(qtbot, win, "maria", "987654")
    found["idle"] = english(win, [win.header.manager_menu])
    open_order(qtbot, win, "O-1001")
    found["order"] = english(win)
    scan_item(qtbot, win, SCARF)
    ins = win.work.inspection
    ins.reason.setCurrentIndex(ins.reason.findData("wrong_size"))
    ins.condition.setCurrentIndex(ins.condition.findData("used"))
    settle(win)
    found["denied"] = english(win)
    shot(win, "zh_denied")
    ins.condition.setCurrentIndex(ins.condition.findData("new"))
    settle(win)
    found["inspected"] = english(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    found["confirmed"] = english(win)
    shot(win, "zh_confirmed")
    assert not report(found), report(found)


def test_lock_screen_and_dialogs_in_chinese(qtbot: Any, zh_window: Any) -> None:
    from ui.counter.credit_dialog import CreditDialog
    from ui.counter.history_dialog import HistoryDialog
    from ui.counter.override_dialog import OverrideDialog
    from ui.counter.receiptless_dialog import ReceiptlessDialog
    from ui.counter.search_dialog import SearchDialog

    win = zh_window
    found: dict[str, list[str]] = {}
    sign_in(qtbot, win)  # alice, a cashier
    open_order(qtbot, win, "O-1002")
    scan_item(qtbot, win, JACKET)  # final sale: a manager may override
    win.lock()
    found["locked"] = english(win)
    win.login.username.setText("bob")  # another cashier: refused
    win.login.pin.setText("2345")
    win.login.submit()
    qtbot.waitUntil(lambda: "Alice Chen" in win.login.message.text(), timeout=10_000)
    found["refused"] = english(win)
    win.login.username.setText("maria")
    win.login.pin.setText("987654")
    win.login.submit()
    qtbot.waitUntil(win.takeover.isVisible, timeout=10_000)
    found["takeover offered"] = english(win)
    shot(win, "zh_takeover")
    with qtbot.waitSignal(win.signed_in, timeout=10_000):
        win.takeover.take_button.click()
    settle(win)
    ins = win.work.inspection
    ins.reason.setCurrentIndex(ins.reason.findData("changed_mind"))
    ins.condition.setCurrentIndex(ins.condition.findData("new"))
    settle(win)
    found["final sale"] = english(win)
    dialog = _dialog(qtbot, win, OverrideDialog, win.open_override)
    found["override"] = english(dialog)
    shot(dialog, "zh_override")
    dialog.username.setText("wei")  # another manager than maria, whose return it now is
    dialog.pin.setText("876543")
    dialog.reason.setCurrentIndex(dialog.reason.findData("customer_goodwill"))
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        dialog.submit()
    settle(win)
    found["approved"] = english(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    found["confirmed"] = english(win)
    history = _dialog(qtbot, win, HistoryDialog, win.open_history)
    qtbot.waitUntil(lambda: tables.rows(history.table) == 1, timeout=10_000)
    with qtbot.waitSignal(history.opened, timeout=10_000):
        tables.set_current(history.table, 0)
    assert "顾客关怀" in history.detail.toPlainText()  # the override's reason, in words
    found["history"] = english(history)
    shot(history, "zh_history")
    history.close()
    settle(win)
    for name, kind, open_it in [
        ("search", SearchDialog, win.open_search),
        ("no receipt", ReceiptlessDialog, win.open_receiptless),
        ("store credit", CreditDialog, win.open_credit),
    ]:
        dialog = _dialog(qtbot, win, kind, open_it)
        found[name] = english(dialog)
        shot(dialog, f"zh_{name.replace(' ', '_')}")
        dialog.close()
        settle(win)
    qtbot.waitUntil(lambda: win.ctx.printing is not None and win.ctx.sync is not None,
                    timeout=20_000)  # fmt: skip
    queue = win.ctx.printing.indicator.open_queue()
    found["print queue"] = english(queue)
    queue.close()
    sync = win.ctx.sync.indicator.open_dialog()
    win.ctx.tasks.wait(10_000)
    found["sync"] = english(sync)
    sync.close()
    assert not report(found), report(found)


def test_manager_screens_in_chinese(qtbot: Any, manager_ctx: Any) -> None:  # noqa: F811
    from PySide6.QtWidgets import QWidget

    import ui.manager as manager
    from ui import i18n
    from ui.manager.settings_dialog import SettingsDialog

    assert i18n.set_language("zh_CN")
    _queue_email(manager_ctx)  # the e-mail screen has a row: its language named in words
    data = store_data(manager_ctx.app.engine)
    found: dict[str, list[str]] = {}
    try:
        parent = QWidget()
        qtbot.addWidget(parent)
        screens = [
            ("day close", manager.open_day_close),
            ("stock", manager.open_stock),
            ("mail", manager.open_mail),
            ("settings", lambda ctx, p: _settings(ctx, p, SettingsDialog)),
        ]
        for name, opener in screens:
            screen = opener(manager_ctx, parent)
            manager_ctx.tasks.wait(20_000)
            found[name] = english(screen, data=data)
            tabs = getattr(screen, "tabs", None)  # the stock window: every place's tab
            for i in range(tabs.count() if tabs is not None else 0):
                tabs.setCurrentIndex(i)
                manager_ctx.tasks.wait(20_000)
                found[f"{name} tab {i}"] = english(screen, data=data)
            shot(screen, f"zh_manager_{name.replace(' ', '_')}")
            screen.close()
        found.update(_reports(qtbot, manager_ctx, parent, data))
    finally:
        i18n.set_language("en")
    assert not report(found), report(found)


def _chart_glyphs(chart: Any) -> list[str]:
    """Every Chinese text of the chart is drawn by its own font: Qt Charts reserves the
    space of the font it was given, so a fallback face taller than that is elided (a
    rotated axis title became "⋮")."""
    from ui.fonts import has_glyphs

    texts = [(a.titleFont(), a.titleText()) for a in chart.axes()]
    texts += [(a.labelsFont(), t) for a in chart.axes() if hasattr(a, "categories")
              for t in a.categories()]  # fmt: skip
    texts += [(chart.legend().font(), s.name()) for s in chart.series()]
    return [
        f"chart: {text!r} in {font.family()!r} has no Chinese glyphs"
        for font, text in texts
        if re.search(r"[\u4e00-\u9fff]", text) and not has_glyphs(font, text)
    ]


def _queue_email(ctx: Any) -> None:
    from sqlalchemy import select

    from counter_app.adapters.db import repository as repo
    from counter_app.adapters.db import tables as t
    from counter_app.services.unit_of_work import UnitOfWork

    with UnitOfWork(ctx.app.engine, write=True) as uow:
        rid = uow.conn.execute(select(t.returns.c.id)).scalars().first()
        row = {"return_id": rid, "channel": "email", "recipient": "lin@example.com",
               "language": "zh_CN", "status": "pending", "attempts": 0,
               "created_at": ctx.app.clock.now()}  # fmt: skip
        repo.insert_row(uow.conn, t.notifications, row)
        uow.commit()


def _settings(ctx: Any, parent: Any, kind: type) -> Any:
    dialog = kind(ctx, parent)
    dialog.open()
    return dialog


def _reports(qtbot: Any, ctx: Any, parent: Any, data: list[str]) -> dict[str, list[str]]:
    from PySide6.QtCore import QDate

    from counter_app.services.reports import REPORTS
    from ui.manager.reports_window import ReportsWindow

    window = ReportsWindow(ctx, parent)
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: window.report is not None, timeout=20_000)
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.set_period(QDate(2026, 11, 10), QDate(2026, 11, 20))
    found = {}
    for name in REPORTS:
        with qtbot.waitSignal(window.loaded, timeout=20_000):
            window.select(name)
        found[f"report {name}"] = english(window, data=data) + _chart_glyphs(window.chart)
        if name == "overrides_by_rule":  # rule codes (FINAL_SALE) are shown as words
            assert re.search(r"[\u4e00-\u9fff]", tables.cell(window.table, 0, 0))
        shot(window, f"zh_report_{name}")
    window.close()
    return found


def test_a_stores_own_reason_reads_chinese_from_its_policy(qtbot: Any) -> None:
    """A reason the .ts does not know: its Chinese comes from the policy's [labels.zh_CN]."""
    from counter_app.domain.policy import default_policy_path, load_policy
    from ui import i18n
    from ui.labels import policy_word

    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace(
        'wrong_item = { label = "Wrong item sent", waives_fee = true }',
        'wrong_item = { label = "Wrong item sent", waives_fee = true }\n'
        'other_colour = { label = "Prefers another colour" }',
    ).replace('wrong_item = "发错商品"', 'wrong_item = "发错商品"\nother_colour = "想换别的颜色"')
    policy = load_policy(text)
    i18n.use_policy(lambda: policy)
    assert i18n.set_language("zh_CN")
    try:
        assert policy_word(policy.reason_codes, "other_colour") == "想换别的颜色"
        assert i18n.policy_label("Changed mind") == "改变主意"  # the .ts still first
    finally:
        i18n.set_language("en")
        i18n.use_policy(None)
    assert policy_word(policy.reason_codes, "other_colour") == "Prefers another colour"


def test_every_policy_rule_has_a_name_in_chinese(qtbot: Any) -> None:
    """Overrides by rule list rule codes (FINAL_SALE): each is shown as words."""
    from counter_app.domain.policy import MESSAGE_TEMPLATES
    from ui import i18n
    from ui.manager.report_words import rule_name

    assert i18n.set_language("zh_CN")
    try:
        names = {code: rule_name(code) for code in MESSAGE_TEMPLATES}
    finally:
        i18n.set_language("en")
    unnamed = [c for c, n in names.items() if not re.search(r"[\u4e00-\u9fff]", n)]
    assert not unnamed, unnamed
    assert rule_name("FINAL_SALE") == "Final sale"  # English: words too


def test_the_next_email_follows_a_language_change(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    """Receipts and e-mails follow the store's language: saved in Settings, the next
    customer e-mail is queued in it (the receipt reads the setting each time)."""
    from ui.manager.settings_dialog import SettingsDialog

    desk = gui_store.core.desk
    desk.email_language = "en"  # as bootstrap sets it when a mail server is configured
    sign_in(qtbot, window, "maria", "987654")
    window.open_settings()
    dialog = window.findChild(SettingsDialog)
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save()
    assert desk.email_language == "zh_CN"
    assert gui_store.core.settings.language == "zh_CN"
