"""Manager reports window: every report opens with its table and chart; CSV export works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate

from counter_app.adapters.db.engine import make_engine
from counter_app.bootstrap import bootstrap
from counter_app.config import Settings
from counter_app.services.reports import REPORTS, from_csv
from tests.conftest import NOW
from tests.gui import tables
from tests.gui.conftest import ARTIFACTS
from tests.integration.test_reports import build_fixture

pytestmark = pytest.mark.timeout(60)
SHOTS = ARTIFACTS / "manager"


@pytest.fixture
def manager_ctx(sqlite_db_url: str, tmp_path: Path, qtbot: Any) -> Iterator[Any]:
    """The hand-computed store of the report tests, signed in as maria (manager)."""
    from ui import i18n
    from ui.app import apply_style
    from ui.context import CounterContext
    from ui.tasks import TaskManager

    engine = make_engine(sqlite_db_url)
    store = build_fixture(engine)
    settings = Settings(
        home=tmp_path / "home", db_url=sqlite_db_url, printer_url=f"preview://{tmp_path}/paper"
    )
    core = bootstrap(settings, clock=store.clock, engine=engine)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    i18n.set_time_zone(core.policies.current.timezone)
    tasks = TaskManager()
    ctx = CounterContext(app=core, tasks=tasks, user=store.user("maria"))
    yield ctx
    tasks.shutdown()
    engine.dispose()


def text(table: Any, row: int, column: int) -> str:
    return tables.cell(table, row, column)


def shot(widget: Any, name: str) -> Path:
    """Let Qt lay out (charts place their axes on the next event-loop turn), then grab."""
    from PySide6.QtTest import QTest

    QTest.qWait(150)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def test_every_report_opens_with_table_and_chart(
    qtbot: Any, manager_ctx: Any, tmp_path: Path
) -> None:
    from ui.manager.reports_window import ReportsWindow

    window = ReportsWindow(manager_ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.report is not None, timeout=20_000)
    # the fixture's returns are 11-10 .. 11-19; show 11-15 .. 11-20 as the tests expect
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.set_period(QDate(2026, 11, 15), QDate(2026, 11, 20))
    for name in REPORTS:
        with qtbot.waitSignal(window.loaded, timeout=20_000) as blocker:
            window.select(name)
        assert blocker.args == [name]
        report = window.report
        assert report is not None and report.name == name
        assert tables.rows(window.table) == len(report.rows)
        assert tables.columns(window.table) == len(report.columns)
        assert len(window.chart.series()) >= 1
        shot(window, f"report_{name}")
    # spot checks against the hand-computed numbers
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.select("by_cashier")
    cells = {
        text(window.table, r, 0): text(window.table, r, 4) for r in range(tables.rows(window.table))
    }
    assert cells == {"alice": "$169.97", "bob": "$185.48"}
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.select("frequent_returners")
    assert len(window.chart.series()) == 2  # bars + the policy's limit line
    # CSV export round-trips
    path = tmp_path / "cashiers.csv"
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.select("by_cashier")
    assert window.export_csv(str(path))
    report = window.report
    assert report is not None
    rows = from_csv(path.read_text(encoding="utf-8-sig"), report.columns)
    assert rows == [{c.key: r.get(c.key) for c in report.columns} for r in report.rows]
    window.close()
    assert manager_ctx.tasks.wait(5_000)


def test_bad_period_is_explained(qtbot: Any, manager_ctx: Any) -> None:
    from ui.manager.reports_window import ReportsWindow

    window = ReportsWindow(manager_ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.report is not None, timeout=20_000)
    window.first.setDate(QDate(2026, 11, 20))
    window.last.setDate(QDate(2026, 11, 1))
    window.refresh()
    assert "before the start" in window.banner.text()
    window.close()


def test_now_is_the_fixture_clock(manager_ctx: Any) -> None:
    assert manager_ctx.app.clock.now() == NOW
