"""GUI fixtures: a small known store, the main window on it, and signing in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from counter_app.adapters.db.engine import make_engine
from counter_app.bootstrap import App, bootstrap
from counter_app.config import Settings
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SCARF, LAMP, JACKET, GIFT, BRUSH, EARBUDS, SHIRT = (
    "2000000000015",
    "2000000000077",
    "2000000000046",
    "2000000000053",
    "2000000000060",
    "2000000000039",
    "2000000000022",
)


@dataclass
class GuiStore:
    store: Store
    engine: Engine
    core: App


@pytest.fixture
def gui_store(sqlite_db_url: str, tmp_path: Path) -> Iterator[GuiStore]:
    engine = make_engine(sqlite_db_url)
    store = make_store(engine, NOW)
    customer = {"code": "C0000001", "name": "Lin Mei", "email": "lin@example.com",
                "phone": "+15550001", "loyalty_tier": None}
    add_order(engine, "O-1001", days_before(NOW, 5), [("APP-1", 1, 2500), ("HOM-1", 1, 3999)],
              customer=customer)
    add_order(engine, "O-1002", days_before(NOW, 3),
              [("FIN-1", 1, 4999), ("GFT-1", 1, 5000), ("APP-2", 2, 3998)],
              [("cash", 13997)])
    add_order(engine, "O-1003", days_before(NOW, 4), [("ELE-1", 1, 12999)],
              serials={1: "SN123456"})
    settings = Settings(home=tmp_path / "home", db_url=sqlite_db_url, idle_lock_minutes=5)
    core = bootstrap(settings, clock=store.clock, engine=engine)
    yield GuiStore(store, engine, core)
    engine.dispose()


@pytest.fixture
def window(qtbot: Any, gui_store: GuiStore) -> Iterator[Any]:
    from ui import i18n
    from ui.app import apply_style, make_window

    app = qtbot_app()
    apply_style(app)
    win = make_window(gui_store.core)
    # A loaded CI machine can pause the test for more than a real scanner's 50 ms between
    # keys; the tests' "scanner" is given more slack, their "person" types slower still.
    win.wedge.detector.max_gap = 0.15
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()
    assert win.ctx.tasks.running == 0
    i18n.set_language("en")


def qtbot_app() -> Any:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def sign_in(qtbot: Any, win: Any, username: str = "alice", pin: str = "1234") -> None:
    win.login.username.setText(username)
    win.login.pin.setText(pin)
    with qtbot.waitSignal(win.signed_in, timeout=10_000):
        win.login.submit()


def shot(widget: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


# ---------------------------------------------------------------------------- order lines
# The order's lines are a Qt model (ui.counter.lines_model) in a QTableView: the tests read
# what the model gives the view to paint.
def cell(win: Any, row: int, col: int) -> str:
    """The text of one cell of the order's lines, as painted."""
    model = win.work.order_panel.model
    return str(model.data(model.index(row, col)))


def header_text(win: Any, col: int) -> str:
    from PySide6.QtCore import Qt

    return str(win.work.order_panel.model.headerData(col, Qt.Orientation.Horizontal))


def pick_cell(win: Any, row: int, col: int) -> None:
    """Make a cell of the order's lines current, as the arrow keys do."""
    view = win.work.order_panel.lines
    view.setCurrentIndex(view.model().index(row, col))
