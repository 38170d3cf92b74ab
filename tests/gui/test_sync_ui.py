"""Head-office sync in the window, against the real central service on 127.0.0.1 (SQLite):
Sync now with progress, the header's waiting count and last sync, head office down, a
rejected message resolved by a manager, and the nightly run."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from counter_app import sync_protocol as proto
from counter_app.adapters.db import tables as t
from counter_app.central import db as central_db
from counter_app.central import service as central
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.testing import ServerThread
from counter_app.services import auth
from counter_app.services.sync import sync_status
from counter_app.services.unit_of_work import UnitOfWork
from tests.factories import PRODUCTS
from tests.gui import tables
from tests.gui.conftest import GuiStore, qtbot_app, shot, sign_in

pytestmark = pytest.mark.timeout(60)

FAST_RETRIES = {"attempts": 2, "base_delay": 0.05, "max_delay": 0.1}


@dataclass
class Central:
    url: str
    key: str
    engine: Any


@pytest.fixture
def head_office(tmp_path: Path, gui_store: GuiStore) -> Iterator[Central]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    central_db.upgrade(url)
    engine = central_db.make_engine(url)
    key = central.add_store(engine, gui_store.core.settings.store_code, "Test Store")
    # Head office checks the SKUs stores move against its catalog.
    central.publish_catalog(engine, [
        proto.CatalogItem(sku=sku, name=name, category=category, price_minor=price,
                          currency="USD")
        for sku, name, category, _serialised, price, _barcode in PRODUCTS
    ])
    server = ServerThread(create_app(CentralSettings(db_url=url, engine=engine))).start()
    try:
        yield Central(server.base_url, key, engine)
    finally:
        server.stop()
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def make_sync_window(qtbot: Any, gui_store: GuiStore) -> Iterator[Any]:
    from ui import i18n
    from ui.app import apply_style, make_window
    from ui.sync.panel import install_sync

    windows: list[Any] = []
    before = {th.ident for th in threading.enumerate()}

    def make(central_url: str, key: str, **options: Any) -> Any:
        core = gui_store.core
        core.settings = replace(core.settings, central_url=central_url, central_key=key)
        apply_style(qtbot_app())
        win = make_window(core, services=False)
        install_sync(win, **{"retry_options": FAST_RETRIES, **options})
        qtbot.addWidget(win)
        win.resize(1366, 768)
        win.show()
        qtbot.waitUntil(lambda: win.ctx.sync.status is not None, timeout=10_000)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
        assert win.ctx.tasks.running == 0  # the sync jobs too ("io" lane)
        assert not win.ctx.sync._nightly.isActive()
    i18n.set_language("en")
    left = [th for th in threading.enumerate() if th.ident not in before and th.is_alive()
            and not th.name.startswith("Dummy")]  # Qt's pool threads seen from Python
    assert left == []


def commit_return(gui_store: GuiStore, number: str = "O-1001", line_no: int = 1) -> str:
    core = gui_store.core
    cashier = auth.authenticate(core.engine, core.clock, "alice", "1234")
    desk = core.desk
    draft = desk.start_return(desk.find_order(number), cashier)
    desk.select_line(draft, line_no, 1)
    desk.record_inspection(draft, line_no, reason_code="wrong_size", condition="new")
    desk.evaluate(draft)
    return desk.commit_return(draft, "original").ref


def test_sync_now_sends_messages_and_a_manager_resolves_a_rejection(
    qtbot: Any, make_sync_window: Any, head_office: Central, gui_store: GuiStore
) -> None:
    commit_return(gui_store)  # O-1001 is unknown to head office: its return is rejected
    waiting = sync_status(gui_store.engine).waiting
    assert waiting >= 2
    win = make_sync_window(head_office.url, head_office.key)
    sync = win.ctx.sync
    sign_in(qtbot, win)
    indicator = sync.indicator
    assert indicator.text() == f"{waiting} waiting · never synced"
    shot(win, "sync_header_waiting")

    dialog = indicator.open_dialog()
    progress: list[int] = []
    sync.progress.connect(progress.append)
    with qtbot.waitSignal(sync.finished, timeout=30_000) as done:
        dialog.sync_button.click()
        assert not dialog.sync_button.isEnabled()
    report = done.args[0]
    assert report.ok, report.error
    assert report.rejected == 1 and report.pushed == waiting - 1
    assert progress[0] == 0 and progress[-1] == 100
    assert dialog.progress.value() == 100
    qtbot.waitUntil(lambda: sync.status.waiting == 0 and tables.rows(dialog.table) == 1
                    and sync.status.last_success is not None, timeout=10_000)
    assert indicator.text().startswith("0 waiting · last sync ")
    assert "never" not in indicator.text() and "1 to resolve" in indicator.text()
    assert indicator.state == "problem"
    assert dialog.waiting.text() == "0"
    assert "O-1001" in tables.cell(dialog.table, 0, 3)
    assert "1 rejected" in dialog.result_label.text()
    shot(dialog, "sync_dialog_rejected")

    # a cashier cannot resolve it
    dialog.manager.setText("alice")
    dialog.pin.setText("1234")
    dialog.note.setText("checked with the customer")
    dialog.resolve_button.click()
    qtbot.waitUntil(lambda: "Only a manager" in dialog.resolve_message.text(), timeout=10_000)
    assert sync.exceptions and tables.rows(dialog.table) == 1
    # a wrong PIN neither
    dialog.manager.setText("maria")
    dialog.pin.setText("0000")
    dialog.resolve_button.click()
    qtbot.waitUntil(lambda: "Wrong user name or PIN" in dialog.resolve_message.text(),
                    timeout=10_000)
    # a note is required
    dialog.pin.setText("987654")
    dialog.note.clear()
    dialog.resolve_button.click()
    assert "note" in dialog.resolve_message.text().lower()
    # the manager resolves it with a note
    dialog.note.setText("Refunded online already; customer keeps the cash")
    with qtbot.waitSignal(sync.exceptions_changed, timeout=10_000):
        dialog.resolve_button.click()
    qtbot.waitUntil(lambda: tables.rows(dialog.table) == 0, timeout=10_000)
    assert "resolved" in dialog.resolve_message.text()
    with UnitOfWork(gui_store.engine) as uow:
        row = uow.conn.execute(select(t.sync_exceptions)).mappings().one()
    assert row["resolved_at"] is not None
    assert row["note"] == "Refunded online already; customer keeps the cash"
    qtbot.waitUntil(lambda: sync.status.open_exceptions == 0, timeout=10_000)
    assert sync.status.waiting == 1  # head office hears of the resolution at the next sync
    assert indicator.text().startswith("1 waiting")
    with qtbot.waitSignal(sync.finished, timeout=30_000) as done:
        dialog.sync_button.click()
    assert done.args[0].ok and done.args[0].pushed == 1
    qtbot.waitUntil(lambda: sync.status.waiting == 0, timeout=10_000)
    assert indicator.state == "ok"
    shot(dialog, "sync_dialog_resolved")
    dialog.close()


def test_head_office_down_keeps_messages_waiting_and_says_so(
    qtbot: Any, make_sync_window: Any, gui_store: GuiStore
) -> None:
    commit_return(gui_store)
    waiting = sync_status(gui_store.engine).waiting
    win = make_sync_window(f"http://127.0.0.1:{_free_port()}", "no-such-key")
    sync = win.ctx.sync
    sign_in(qtbot, win)
    with qtbot.waitSignal(sync.finished, timeout=30_000) as done:
        assert sync.sync_now()
    report = done.args[0]
    assert not report.ok and report.error
    qtbot.waitUntil(lambda: sync.indicator.state == "error", timeout=10_000)
    assert sync.indicator.text() == f"Sync failed · {waiting} waiting"
    assert report.error in sync.indicator.toolTip()
    assert sync_status(gui_store.engine).waiting == waiting
    dialog = sync.indicator.open_dialog()
    assert dialog.last_error.text() == report.error
    assert dialog.waiting.text() == str(waiting)
    assert dialog.last_success.text() == "never"
    shot(win, "sync_header_error")
    shot(dialog, "sync_dialog_error")
    dialog.close()


def test_not_configured_says_so_and_schedules_nothing(
    qtbot: Any, make_sync_window: Any
) -> None:
    win = make_sync_window("", "")
    sync = win.ctx.sync
    assert sync.next_run is None and not sync._nightly.isActive()
    with qtbot.waitSignal(sync.finished, timeout=5_000) as done:
        assert not sync.sync_now()
    assert "not configured" in done.args[0].error
    dialog = sync.indicator.open_dialog()
    qtbot.waitUntil(lambda: dialog.waiting.text() != "…", timeout=5_000)
    assert not dialog.sync_button.isEnabled()  # nothing it could do
    assert "not configured" in dialog.sync_button.toolTip()
    assert dialog.last_error.text() != "none" and "not configured" in dialog.last_error.text()
    dialog.close()


def test_a_sync_that_fails_before_it_starts_shows_its_error(
    qtbot: Any, make_sync_window: Any, gui_store: GuiStore
) -> None:
    """No client could even be made (a bad address, a TLS file that is missing): the
    status says why, never "Last error: none"."""

    def broken(_settings: Any) -> Any:
        raise OSError("cannot reach https://nowhere.invalid")

    win = make_sync_window("https://nowhere.invalid", "k" * 32, client_factory=broken)
    sync = win.ctx.sync
    dialog = sync.indicator.open_dialog()
    assert dialog.sync_button.isEnabled()
    with qtbot.waitSignal(sync.finished, timeout=10_000) as done:
        dialog.sync_button.click()
    assert "nowhere.invalid" in (done.args[0].error or "")
    assert "nowhere.invalid" in (sync_status(gui_store.engine).last_error or "")
    qtbot.waitUntil(lambda: "nowhere.invalid" in dialog.last_error.text(), timeout=10_000)
    assert sync.indicator.state == "error"
    assert dialog.sync_button.isEnabled()  # it may be tried again
    dialog.close()


@dataclass
class OffsetClock:
    """The wall clock moved: the store's 01:59:58.8 is now."""

    offset: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def test_nightly_sync_runs_at_the_configured_time(
    qtbot: Any, make_sync_window: Any, head_office: Central, gui_store: GuiStore
) -> None:
    commit_return(gui_store)
    zone = ZoneInfo(gui_store.core.policies.current.timezone)
    real = datetime.now(UTC)
    target = (real.astimezone(zone) + timedelta(days=1)).replace(
        hour=1, minute=59, second=58, microsecond=800_000
    )
    clock = OffsetClock(target - real)
    gui_store.core.settings = replace(gui_store.core.settings, sync_time="02:00")
    win = make_sync_window(head_office.url, head_office.key, clock=clock)
    sync = win.ctx.sync
    assert sync.next_run is not None
    assert sync.next_run.astimezone(zone).strftime("%H:%M") == "02:00"
    first = sync.next_run
    assert sync._nightly.isActive() and sync._nightly.remainingTime() <= 1_300
    with qtbot.waitSignal(sync.started, timeout=10_000) as started:
        pass
    assert started.args == ["nightly"]
    with qtbot.waitSignal(sync.finished, timeout=30_000) as done:
        pass
    assert done.args[0].ok, done.args[0].error
    qtbot.waitUntil(lambda: sync.status.waiting == 0 and sync.status.last_success is not None,
                    timeout=10_000)
    # the next night is scheduled
    assert sync.next_run == first + timedelta(days=1)
    assert sync._nightly.isActive()


def test_nightly_slot_with_a_fixed_clock(
    qtbot: Any, make_sync_window: Any, head_office: Central, gui_store: GuiStore
) -> None:
    """Calling the scheduled slot directly runs a sync (the timer's target)."""
    commit_return(gui_store)
    win = make_sync_window(head_office.url, head_office.key)
    sync = win.ctx.sync
    with qtbot.waitSignal(sync.finished, timeout=30_000) as done:
        sync.run_nightly()
    assert done.args[0].ok
    assert sync.next_run is not None and sync.next_run > gui_store.core.clock.now()


def test_sync_panel_in_chinese(
    qtbot: Any, make_sync_window: Any, head_office: Central, gui_store: GuiStore
) -> None:
    from ui import i18n

    commit_return(gui_store)
    waiting = sync_status(gui_store.engine).waiting
    win = make_sync_window(head_office.url, head_office.key)
    sign_in(qtbot, win)
    assert i18n.set_language("zh_CN")
    qtbot.waitUntil(
        lambda: win.ctx.sync.indicator.text() == f"{waiting} 条待同步 · 尚未同步过",
        timeout=5_000,
    )
    dialog = win.ctx.sync.indicator.open_dialog()
    assert dialog.sync_button.text() == "立即同步"
    shot(dialog, "sync_dialog_zh")
    dialog.close()
