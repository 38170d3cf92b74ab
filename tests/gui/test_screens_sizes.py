"""Every main screen at 1366x768, 1280x1024 and 1920x1080, in English and Chinese: the
header, the step's primary action and its result stay in sight (nothing clipped by a scroll
area or the window) with a banner showing, and a screenshot of each screen lands in
artifacts/screenshots/<width>x<height>/<lang>/<screen>.png for a person to look at.

One window per language is reused across sizes and screens (a return in progress, confirmed
with a printer that refuses — the print-failure banner —, the exchange page, then each dialog
and manager screen), so the whole module stays well under a minute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, QRect
from PySide6.QtGui import QFontMetrics, QRegion
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyleOptionFrame,
    QToolButton,
    QWidget,
)

from tests.gui.conftest import ARTIFACTS, SCARF, SHIRT, GuiStore, sign_in
from tests.gui.test_exchange_gui import KIDS, exchange_store  # noqa: F401 (a fixture)
from tests.gui.test_print_ui import _free_port, make_printing_window  # noqa: F401 (a fixture)
from tests.gui.test_return_workflow import open_order, scan_item, settle, wedge_scan

pytestmark = pytest.mark.timeout(240)

SIZES = ((1366, 768), (1280, 1024), (1920, 1080))
LANGS = ("en", "zh_CN")


def shot_path(size: tuple[int, int], lang: str, screen: str) -> Path:
    folder = ARTIFACTS / f"{size[0]}x{size[1]}" / lang
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{screen}.png"


def settle_layout() -> None:
    for _ in range(3):  # a resize posts layout requests, which post more
        QApplication.processEvents()


def clipped(widget: QWidget, window: QWidget) -> str | None:
    """Why `widget` is not fully visible inside `window` (None when it is)."""
    name = widget.objectName() or type(widget).__name__
    if not widget.isVisible():
        return f"{name} is hidden"
    full = QRegion(widget.rect())
    if widget.visibleRegion().intersected(full) != full:
        seen = widget.visibleRegion().boundingRect()
        return f"{name} is clipped: {seen.width()}x{seen.height()} of {widget.width()}x" \
               f"{widget.height()} visible"
    where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    if not window.rect().contains(where):
        return f"{name} at {where.getRect()} is outside the window {window.rect().getRect()}"
    return None


def header_widgets(win: Any) -> list[QWidget]:
    h = win.header
    return [h.user_badge, h.history_button, h.manager_button, h.lock_button]


class Sizes:
    """Resize the window (or a dialog) through the three sizes: check, then screenshot."""

    def __init__(self, win: Any, lang: str) -> None:
        self.win, self.lang = win, lang
        self.problems: list[str] = []

    def window(self, screen: str, widgets: Callable[[], list[QWidget]]) -> None:
        for size in SIZES:
            self.win.resize(*size)
            settle_layout()
            assert (self.win.width(), self.win.height()) == size, "the window fits the screen"
            for widget in widgets():
                why = clipped(widget, self.win)
                if why:
                    self.problems.append(f"{screen} {size} {self.lang}: {why}")
            assert self.win.grab().save(str(shot_path(size, self.lang, screen)))
        self.win.resize(*SIZES[0])
        settle_layout()

    def dialog(self, screen: str, dialog: QWidget, widgets: list[QWidget] = ()) -> None:  # type: ignore[assignment]
        """A dialog keeps its own size on every screen, but must fit the smallest one."""
        settle_layout()
        for size in SIZES:
            need = dialog.minimumSizeHint()
            if need.width() > size[0] or need.height() > size[1]:
                self.problems.append(f"{screen} {size} {self.lang}: needs {need.toTuple()}")
            if dialog.width() > size[0] or dialog.height() > size[1]:
                dialog.resize(min(dialog.width(), size[0]), min(dialog.height(), size[1]))
                settle_layout()
            for widget in widgets:
                why = clipped(widget, dialog)
                if why:
                    self.problems.append(f"{screen} {size} {self.lang}: {why}")
            assert dialog.grab().save(str(shot_path(size, self.lang, screen)))

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture(params=LANGS)
def lang_window(
    request: pytest.FixtureRequest, make_printing_window: Any, exchange_store: GuiStore  # noqa: F811
) -> Iterator[tuple[Any, str]]:
    """The window with a printer that refuses (nothing listens on the port), in one language."""
    from ui import i18n

    win = make_printing_window(f"tcp://127.0.0.1:{_free_port()}")
    assert i18n.set_language(request.param)
    yield win, request.param
    i18n.set_language("en")


def counter_steps(qtbot: Any, win: Any, sizes: Sizes) -> None:
    """Sign-in, scan, return in progress, exchange page, confirmed — the main window."""
    login = win.login
    login.username.setText("maria")
    login.pin.setText("0000")
    login.submit()
    qtbot.waitUntil(login.button.isEnabled, timeout=10_000)  # the refusal is on screen
    sizes.window("login", lambda: [login.username, login.pin, login.message])
    for size in SIZES:  # the refusal never covers the fields (it once overlapped them)
        win.resize(*size)
        settle_layout()
        said = QRect(login.message.mapTo(win, QPoint(0, 0)), login.message.size())
        for field in (login.username, login.pin, login.button):
            where = QRect(field.mapTo(win, QPoint(0, 0)), field.size())
            assert not said.intersects(where), (size, field.objectName())
    sign_in(qtbot, win, "maria", "987654")
    scan = win.work.scan_panel
    sizes.window("scan", lambda: [*header_widgets(win), scan.scan_input, scan.search_button])
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    inspection = win.work.inspection
    inspection.reason.setCurrentIndex(inspection.reason.findData("wrong_size"))
    inspection.condition.setCurrentIndex(inspection.condition.findData("new"))
    settle(win)
    win.banner.show_message(long_decision(), "warning")
    refund = win.work.refund
    sizes.window("return", lambda: [*header_widgets(win), win.banner, refund.total,
                                    refund.confirm_button])
    exchange_page(qtbot, win, sizes)


def long_decision() -> str:
    from ui.counter.window import tr

    return tr("The return cannot be confirmed yet:") + " " + "Wool Scarf: " + tr(
        "needs a manager's approval (F4)."
    ) + " " + tr("A return is in progress. Press Ctrl+N again to discard it.")


def exchange_page(qtbot: Any, win: Any, sizes: Sizes) -> None:
    refund, screen = win.work.refund, win.work.exchange
    refund.tender.setCurrentIndex(refund.tender.findData("exchange"))
    win.confirm()
    qtbot.waitUntil(lambda: screen.active, timeout=10_000)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        wedge_scan(qtbot, KIDS)
    settle(win)
    win.banner.show_message(long_decision(), "warning")
    panel = screen.panel
    sizes.window("exchange", lambda: [*header_widgets(win), win.banner, panel.outcome,
                                      panel.confirm_button, panel.back_button])


def confirmed(qtbot: Any, win: Any, sizes: Sizes) -> None:
    """A plain return of the T-shirt of O-1002, confirmed; the receipt does not print."""
    win.new_return()
    win.new_return()  # the second Ctrl+N discards the exchange in progress
    open_order(qtbot, win, "O-1002")
    scan_item(qtbot, win, SHIRT)
    inspection = win.work.inspection
    inspection.reason.setCurrentIndex(inspection.reason.findData("wrong_size"))
    inspection.condition.setCurrentIndex(inspection.condition.findData("new"))
    settle(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    alert = win.ctx.printing.alert
    qtbot.waitUntil(alert.isVisible, timeout=15_000)
    done = win.work.confirmed
    qtbot.waitUntil(lambda: done.receipt_view.pixmap() is not None
                    and not done.receipt_view.pixmap().isNull(), timeout=15_000)
    sizes.window("confirmed", lambda: [*header_widgets(win), win.banner, alert.reprint_button,
                                       done.done_ref, done.reprint_button, done.new_button])
    for size in SIZES:  # the receipt is fitted to the panel's width: no scrolling sideways
        win.resize(*size)
        settle_layout()
        view, port = done.receipt_view, done.receipt_scroll.viewport()
        assert 0 < view.pixmap().width() <= view.width() <= port.width(), size
        assert not done.receipt_scroll.horizontalScrollBar().isVisible()
    win.resize(*SIZES[0])


@pytest.mark.usefixtures("exchange_store")
def test_counter_steps_keep_header_action_and_result_in_sight(
    qtbot: Any, lang_window: tuple[Any, str]
) -> None:
    win, lang = lang_window
    sizes = Sizes(win, lang)
    counter_steps(qtbot, win, sizes)
    confirmed(qtbot, win, sizes)
    sizes.check()


def test_scan_placeholder_fits_its_field(qtbot: Any, lang_window: tuple[Any, str]) -> None:
    """The whole placeholder shows in the scan field at 1366x768 (it was "Scan or type the
    o…" once the No receipt button sat beside it): the style's text area, less the clear
    button's room, holds the text as the field's font measures it."""
    win, lang = lang_window
    sign_in(qtbot, win)
    win.resize(*SIZES[0])
    settle_layout()
    field = win.work.scan_panel.scan_input
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    area = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = field.textMargins()
    clear = field.findChild(QToolButton)  # the clear button, beside the text when typed
    room = area.width() - margins.left() - margins.right() - (clear.width() if clear else 0)
    text = field.placeholderText()
    need = QFontMetrics(field.font()).horizontalAdvance(text)
    assert need <= room - 4, f"{lang}: {text!r} needs {need} px, the field has {room}"
    whole = QCoreApplication.translate(
        "MainWindow", "Scan or type the order number, then press Enter"
    )
    assert field.toolTip().startswith(whole), "the longer instruction is in the tooltip"


def dialogs(qtbot: Any, win: Any, sizes: Sizes) -> None:
    """Each dialog and manager screen the counter opens, with something in it."""
    from ui.counter.history_dialog import HistoryDialog
    from ui.counter.override_dialog import OverrideDialog
    from ui.counter.receiptless_dialog import ReceiptlessDialog
    from ui.counter.search_dialog import SearchDialog
    from ui.devices.camera_test_dialog import CameraTestDialog
    from ui.manager.day_close_dialog import DayCloseDialog
    from ui.manager.reports_window import ReportsWindow
    from ui.manager.settings_dialog import SettingsDialog
    from ui.sync.panel import install_sync

    def opened(open_it: Callable[[], None], kind: type) -> Any:
        open_it()
        qtbot.waitUntil(lambda: win.findChild(kind) is not None, timeout=10_000)
        dialog = win.findChild(kind)
        qtbot.waitUntil(dialog.isVisible, timeout=10_000)
        qtbot.wait(150)  # its first database read
        return dialog

    draft = win.session.draft
    line_no = next(iter(draft.lines))
    d = OverrideDialog(win.ctx, draft.clone(), line_no, win)
    d.open()
    qtbot.waitUntil(d.isVisible, timeout=5_000)
    sizes.dialog("override", d)
    d.close()
    inspection = win.work.inspection
    inspection.reason.setCurrentIndex(inspection.reason.findData("wrong_size"))
    inspection.condition.setCurrentIndex(inspection.condition.findData("new"))
    settle(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()  # one return for History and the print queue
    d = opened(win.open_receiptless, ReceiptlessDialog)
    sizes.dialog("no_receipt", d)
    d.close()
    d = opened(win.open_search, SearchDialog)
    d.name.setText("Lin")
    d.search()
    qtbot.waitUntil(lambda: d.model.rowCount() == 1, timeout=10_000)
    sizes.dialog("search", d, [d.results, d.search_button])
    d.close()
    d = opened(win.open_history, HistoryDialog)
    qtbot.waitUntil(lambda: d.table.model().rowCount() >= 1, timeout=10_000)
    sizes.dialog("history", d, [d.table])
    d.close()
    win.header.open_manager_menu()
    menu = win.header.manager_menu
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    sizes.dialog("manager_menu", menu)
    menu.close()
    for name, kind in (("reports", ReportsWindow), ("day_close", DayCloseDialog)):
        d = opened(lambda n=name: win.open_manager_tool(n), kind)
        qtbot.wait(500)  # its charts and totals
        sizes.dialog(name, d)
        d.close()
    d = win.ctx.printing.indicator.open_queue()
    qtbot.waitUntil(d.isVisible, timeout=5_000)
    qtbot.wait(300)
    sizes.dialog("print_queue", d)
    d.close()
    d = opened(win.open_settings, SettingsDialog)
    sizes.dialog("settings", d)
    d.open_camera_test()
    camera = d.camera_test
    assert isinstance(camera, CameraTestDialog)
    qtbot.waitUntil(camera.isVisible, timeout=5_000)
    qtbot.wait(300)
    sizes.dialog("camera_test", camera)
    camera.close()
    d.close()
    sync = install_sync(win)
    d = sync.indicator.open_dialog()
    qtbot.waitUntil(d.isVisible, timeout=5_000)
    qtbot.wait(300)
    sizes.dialog("sync", d)
    d.close()


@pytest.mark.usefixtures("exchange_store")
def test_every_dialog_fits_the_smallest_screen(
    qtbot: Any, lang_window: tuple[Any, str]
) -> None:
    win, lang = lang_window
    sizes = Sizes(win, lang)
    sign_in(qtbot, win, "maria", "987654")
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    settle(win)
    dialogs(qtbot, win, sizes)
    sizes.check()
