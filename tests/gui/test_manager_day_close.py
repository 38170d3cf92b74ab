"""Day-close dialog: the day's totals, the warnings, closing with a manager's PIN."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QDate

from tests.gui.test_manager_reports import manager_ctx, shot  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(60)


def test_day_close_dialog(qtbot: Any, manager_ctx: Any) -> None:  # noqa: F811
    from ui.manager.day_close_dialog import DayCloseDialog

    manager_ctx.app.clock.at = datetime(2026, 11, 20, 2, tzinfo=UTC)  # 21:00 on the 19th
    dialog = DayCloseDialog(manager_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=20_000)
    summary = dialog.summary
    assert summary is not None and summary.business_date.isoformat() == "2026-11-19"
    html = dialog.view.toPlainText()
    for text in ("$154.97", "$74.99", "$79.98", "R-S001-C1-000006 FIN-1"):
        assert text in html, text
    assert "head office" in dialog.banner.text()  # nothing synced yet: a warning
    assert dialog.manager.text() == "maria"
    shot(dialog, "day_close")
    # a wrong PIN is refused and nothing is stored
    dialog.pin.setText("0000")
    dialog.close_day()
    qtbot.waitUntil(lambda: "Wrong user name or PIN" in dialog.banner.text(), timeout=20_000)
    assert dialog.outcome is None and dialog.close_button.isEnabled()
    dialog.pin.setText("987654")
    with qtbot.waitSignal(dialog.closed, timeout=20_000) as blocker:
        dialog.close_day()
    outcome = blocker.args[0]
    assert outcome.closed.summary.refund_total_minor == 15497
    assert outcome.printed is True  # preview:// printer in the fixture
    assert "closed by Maria Rossi" in dialog.banner.text().lower() or "Maria Rossi" in (
        dialog.banner.text()
    )
    shot(dialog, "day_close_done")
    # the same day again is refused
    dialog.pin.setText("987654")
    dialog.close_day()
    qtbot.waitUntil(lambda: "already closed" in dialog.banner.text(), timeout=20_000)
    # another day shows its own totals
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.date.setDate(QDate(2026, 11, 18))
    assert dialog.summary is not None and dialog.summary.refunds_by_tender == {"card": 11049}
    dialog.close()
    assert manager_ctx.tasks.wait(5_000)
