"""Columns that must be read whole: History's refund (it was clipped to "$65."), in English
and Chinese, and the print queue's printed time under its own heading."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gui import tables
from tests.gui.conftest import shot, sign_in
from tests.gui.test_screens import start_return

pytestmark = pytest.mark.timeout(60)


def _shows_whole(view: Any, col: int) -> None:
    """Every cell of `col` fits its section, and the section is inside the viewport."""
    header = view.horizontalHeader()
    width = header.sectionSize(col)
    needed = max(view.sizeHintForColumn(col), header.sectionSizeHint(col))  # text + margins
    assert width >= needed, (tables.cell(view, 0, col), width, needed)
    left = header.sectionViewportPosition(col)
    assert left >= 0 and left + width <= view.viewport().width()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_history_shows_the_whole_refund(qtbot: Any, window: Any, language: str) -> None:
    from ui import i18n
    from ui.counter.history_dialog import COLUMNS, HistoryDialog

    win = window
    sign_in(qtbot, win)
    start_return(qtbot, win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        win.confirm()
    assert i18n.set_language(language)
    win.open_history()
    dialog = win.findChild(HistoryDialog)
    qtbot.waitUntil(lambda: tables.rows(dialog.table) == 1, timeout=10_000)
    qtbot.wait(50)
    refund = len(COLUMNS) - 1
    assert tables.cell(dialog.table, 0, refund).endswith("25.00")
    _shows_whole(dialog.table, refund)
    # a table narrower than all its texts (a small screen, a long date in Chinese): the
    # cashier's name gives way, never the amount
    view, header = dialog.table, dialog.table.horizontalHeader()
    total = sum(
        max(view.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(len(COLUMNS))
    )
    chrome = view.width() - view.viewport().width()
    split = view.parentWidget()
    split.setSizes([total + chrome - 30, split.width() - total])
    qtbot.wait(50)
    assert view.viewport().width() < total
    _shows_whole(view, refund)
    shot(dialog, f"history_columns_{language}")
    dialog.close()
    i18n.set_language("en")


def test_print_queue_heads_the_printed_time_as_such() -> None:
    from ui.devices.print_panel import JOB_COLUMNS, REASON_COLUMN

    titles = [c.header() for c in JOB_COLUMNS]
    assert titles[REASON_COLUMN] == "Reason" and titles[-1] == "Printed at"
