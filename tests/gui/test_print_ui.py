"""Printing in the window: receipt preview, a loopback TCP printer, waiting jobs in the header,
Retry and Reprint, the settings' test page — and a UI thread that never waits on a printer."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import select

from counter_app.adapters.db import tables as t
from counter_app.adapters.printing import render_escpos_bytes
from counter_app.services.receipts import ensure_voucher_secret, print_profile, receipt_document
from counter_app.services.unit_of_work import UnitOfWork
from tests.gui import tables
from tests.gui.conftest import GuiStore, shot, sign_in
from tests.gui.test_screens import start_return
from tests.integration.test_printing_connections import (
    NeverReads,
    Recording,
    _serve,
    _Server,
    _url,
)

pytestmark = pytest.mark.timeout(60)

FAST = {  # seconds: a test cannot wait for a real counter's patience
    "timeout": 1.0,
    "idle_interval": 0.2,
    "min_backoff": 0.2,
    "max_backoff": 0.5,
    "backoff_base": 30.0,  # a refused job is not retried on its own during a test
    "backoff_max": 30.0,
}


class _PortServer(_Server):
    """A loopback printer on a chosen port (the printer that "comes back")."""

    def __init__(self, handler: type[socketserver.BaseRequestHandler], port: int) -> None:
        self.received = bytearray()
        self.done = threading.Event()
        self.release = threading.Event()
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", port), handler)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def recording() -> Iterator[_Server]:
    yield from _serve(Recording)


@pytest.fixture
def never_reads() -> Iterator[_Server]:
    yield from _serve(NeverReads, rcvbuf=4096)


def _print_threads() -> list[threading.Thread]:
    return [th for th in threading.enumerate() if th.name == "print-worker" and th.is_alive()]


@pytest.fixture
def make_printing_window(qtbot: Any, gui_store: GuiStore) -> Iterator[Any]:
    from ui import i18n
    from ui.app import apply_style, make_window
    from ui.devices.print_panel import install_printing

    windows: list[Any] = []

    def make(printer_url: str, **options: Any) -> Any:
        core = gui_store.core
        core.settings = replace(core.settings, printer_url=printer_url)
        from tests.gui.conftest import qtbot_app

        apply_style(qtbot_app())
        win = make_window(core, services=False)
        win.wedge.detector.max_gap = 0.15
        install_printing(win, **{**FAST, **options})
        qtbot.addWidget(win)
        win.resize(1366, 768)
        win.show()
        qtbot.waitUntil(lambda: win.ctx.printing.running, timeout=10_000)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
        assert not win.ctx.printing.running
        assert win.ctx.tasks.running == 0
    assert _print_threads() == []
    i18n.set_language("en")


def _confirm(qtbot: Any, win: Any) -> str:
    sign_in(qtbot, win)
    start_return(qtbot, win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        win.confirm()
    return str(done.args[0])


def _jobs(engine: Any, ref: str) -> list[Any]:
    c = t.print_jobs.c
    with UnitOfWork(engine) as uow:
        return list(
            uow.conn.execute(
                select(c.id, c.status, c.attempts, c.last_error).where(c.subject == ref)
                .order_by(c.id)
            ).all()
        )


def _one_receipt(gui_store: GuiStore, ref: str) -> bytes:
    core = gui_store.core
    settings = ensure_voucher_secret(core.settings)
    doc = receipt_document(gui_store.engine, settings, core.policies.current, ref)
    return bytes(render_escpos_bytes(doc, print_profile(settings)))


def _cell(dialog: Any, row: int, col: int) -> str:
    return tables.cell(dialog.table, row, col)


def _decode(pixmap: Any) -> set[str]:
    from PIL import Image
    from pyzbar import pyzbar

    image = pixmap.toImage().convertToFormat(pixmap.toImage().Format.Format_Grayscale8)
    width, height = image.width(), image.height()
    data = bytes(image.constBits())[: image.bytesPerLine() * height]
    img = Image.frombytes("L", (width, height), data, "raw", "L", image.bytesPerLine())
    return {r.data.decode() for r in pyzbar.decode(img)}


def test_preview_shows_the_png_and_a_healthy_printer_gets_the_receipt(
    qtbot: Any, make_printing_window: Any, recording: _Server, gui_store: GuiStore
) -> None:
    win = make_printing_window(_url(recording))
    # nothing was sent yet: the chip does not promise a printer it has not seen
    assert win.ctx.printing.indicator.text() == "Not tried yet"
    assert win.ctx.printing.indicator.state == "unknown"
    ref = _confirm(qtbot, win)
    qtbot.waitUntil(lambda: not win.work.confirmed.receipt_view.pixmap().isNull(), timeout=10_000)
    pixmap = win.work.confirmed.receipt_view.pixmap()
    assert pixmap.width() > 300 and pixmap.height() > pixmap.width()
    assert ref in _decode(pixmap), "the preview is the receipt PNG with the return's barcode"
    qtbot.waitUntil(lambda: [j.status for j in _jobs(gui_store.engine, ref)] == ["printed"],
                    timeout=15_000)
    qtbot.waitUntil(lambda: recording.done.is_set(), timeout=5_000)
    one = _one_receipt(gui_store, ref)
    assert ref.encode() in one
    assert recording.received.count(ref.encode()) == one.count(ref.encode())
    qtbot.waitUntil(lambda: win.ctx.printing.indicator.text() == "Ready",
                    timeout=5_000)
    shot(win, "print_preview_after_confirm")


def test_refused_printer_keeps_the_job_waiting_and_retry_prints_it_once(
    qtbot: Any, make_printing_window: Any, gui_store: GuiStore
) -> None:
    from ui.devices.print_panel import PrintQueueDialog

    port = _free_port()  # nothing listens there: the printer is off
    win = make_printing_window(f"tcp://127.0.0.1:{port}")
    printing = win.ctx.printing
    ref = _confirm(qtbot, win)
    assert win.work.confirmed.done_ref.text() == ref, "the return completes without the printer"
    # failed from the first refused attempt on, with the job still waiting
    qtbot.waitUntil(lambda: printing.indicator.state == "failed"
                    and printing.status.reason is not None, timeout=15_000)
    assert printing.indicator.text() == "Not printing · 1 waiting"
    tip = printing.indicator.toolTip()
    assert tip.split("\n")[0], "the reason is shown"
    assert any(w in tip.lower() for w in ("refused", "cannot", "not reach", "off")), tip
    [job] = _jobs(gui_store.engine, ref)
    assert job.status == "pending" and job.last_error
    dialog = printing.indicator.open_queue()
    assert isinstance(dialog, PrintQueueDialog)
    qtbot.waitUntil(lambda: tables.rows(dialog.table) == 1, timeout=5_000)
    assert _cell(dialog, 0, 3) == "waiting"
    assert _cell(dialog, 0, 5) == job.last_error
    shot(win, "print_waiting_header")
    shot(dialog, "print_queue_waiting")

    server = _PortServer(Recording, port)  # the printer comes back
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        assert server.received == b"", "no automatic retry inside the backoff"
        dialog.select_job(job.id)
        assert dialog.retry_button.isEnabled()
        with qtbot.waitSignal(printing.job_done, timeout=15_000) as result:
            dialog.retry_button.click()
        assert result.args[0].printed
        qtbot.waitUntil(lambda: server.done.is_set(), timeout=5_000)
        qtbot.waitUntil(lambda: printing.indicator.state == "ready", timeout=5_000)
        qtbot.waitUntil(lambda: _cell(dialog, 0, 3) == "printed", timeout=5_000)
        assert _cell(dialog, 0, 5) == "", "a printed job has no reason"
        assert _cell(dialog, 0, 6), "it has a printed time, under its own heading"
        time.sleep(0.5)  # nothing else arrives
        one = _one_receipt(gui_store, ref)
        assert server.received.count(ref.encode()) == one.count(ref.encode())
        [job] = _jobs(gui_store.engine, ref)
        assert job.status == "printed" and job.attempts == 2
        shot(dialog, "print_queue_printed")
        # Reprint from the queue dialog: a new job, printed too
        dialog.select_job(job.id)
        assert dialog.reprint_button.isEnabled() and not dialog.retry_button.isEnabled()
        with qtbot.waitSignal(printing.job_done, timeout=15_000):
            dialog.reprint_button.click()
        assert [j.status for j in _jobs(gui_store.engine, ref)] == ["printed", "printed"]
        dialog.close()
    finally:
        server.shutdown()
        server.server_close()


def test_reprint_from_history_queues_a_new_job(
    qtbot: Any, make_printing_window: Any, recording: _Server, gui_store: GuiStore
) -> None:
    from ui.counter.history_dialog import HistoryDialog

    win = make_printing_window(_url(recording))
    printing = win.ctx.printing
    ref = _confirm(qtbot, win)
    qtbot.waitUntil(lambda: [j.status for j in _jobs(gui_store.engine, ref)] == ["printed"],
                    timeout=15_000)
    win.open_history()
    dialog = win.findChild(HistoryDialog)
    qtbot.waitUntil(lambda: tables.rows(dialog.table) == 1, timeout=10_000)
    with qtbot.waitSignal(dialog.opened, timeout=10_000):
        tables.set_current(dialog.table, 0)
    with qtbot.waitSignal(printing.job_done, timeout=15_000) as result:
        dialog.reprint()
    assert result.args[0].printed and result.args[0].subject == ref
    jobs = _jobs(gui_store.engine, ref)
    assert [j.status for j in jobs] == ["printed", "printed"]
    with UnitOfWork(gui_store.engine) as uow:
        audit = uow.conn.execute(
            select(t.audit_entries.c.actor).where(t.audit_entries.c.action == "receipt.reprinted")
        ).all()
    assert [a.actor for a in audit] == ["alice"]
    dialog.close()


def test_ui_thread_never_waits_for_a_jammed_printer(
    qtbot: Any, make_printing_window: Any, never_reads: _Server, gui_store: GuiStore
) -> None:
    win = make_printing_window(_url(never_reads))
    printing = win.ctx.printing
    gaps: list[float] = []
    last = [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(beat)
    sign_in(qtbot, win)
    start_return(qtbot, win)
    results: list[Any] = []
    printing.job_done.connect(results.append)
    # from the confirm until the jammed printer has timed out (1 s here, 10 s in the shop)
    last[0] = time.monotonic()
    heartbeat.start()
    started = time.monotonic()
    try:
        with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
            win.confirm()
        qtbot.waitUntil(lambda: bool(results), timeout=20_000)
        took = time.monotonic() - started
        qtbot.wait(300)  # and the redraws after it
    finally:
        heartbeat.stop()
    ref = done.args[0]
    assert not results[0].printed and took >= 0.9, (results[0], took)
    assert len(gaps) > 30
    print(f"heartbeat: max gap {max(gaps) * 1000:.0f} ms over {took:.2f} s")
    assert max(gaps) < 0.2, f"the UI thread stalled {max(gaps):.3f} s"
    [job] = _jobs(gui_store.engine, ref)[:1]
    assert job.status in ("pending", "failed") and job.last_error
    qtbot.waitUntil(lambda: printing.indicator.state in ("waiting", "failed"), timeout=5_000)
    assert win.work.confirmed.done_ref.text() == ref
    shot(win, "print_jammed_printer")


def test_settings_test_page(
    qtbot: Any, make_printing_window: Any, recording: _Server
) -> None:
    from ui.manager.settings_dialog import SettingsDialog

    win = make_printing_window("tcp://127.0.0.1:1")
    sign_in(qtbot, win, "maria", "987654")
    win.open_settings()
    dialog = win.findChild(SettingsDialog)
    assert dialog is not None
    dialog.printer.setText(_url(recording))  # not saved yet: the test page uses what is typed
    with qtbot.waitSignal(win.ctx.printing.test_page_done, timeout=15_000) as done:
        dialog.test_page_button.click()
    assert done.args[0].printed, done.args[0].reason
    qtbot.waitUntil(lambda: recording.done.is_set(), timeout=5_000)
    assert len(recording.received) > 100
    assert "printed" in dialog.message.text().lower()
    shot(dialog, "print_settings_test_page")
    dialog.printer.setText(f"tcp://127.0.0.1:{_free_port()}")
    with qtbot.waitSignal(win.ctx.printing.test_page_done, timeout=15_000) as done:
        dialog.test_page_button.click()
    assert not done.args[0].printed
    assert done.args[0].reason in dialog.message.text()
    dialog.close()


def test_printer_status_in_chinese(
    qtbot: Any, make_printing_window: Any, recording: _Server
) -> None:
    from ui import i18n

    win = make_printing_window(_url(recording))
    sign_in(qtbot, win)
    assert i18n.set_language("zh_CN")
    qtbot.waitUntil(lambda: win.ctx.printing.indicator.text() == "尚未打印过", timeout=5_000)
    dialog = win.ctx.printing.indicator.open_queue()
    assert dialog.windowTitle() == "打印队列"
    assert dialog.retry_button.text() == "重试"
    qtbot.wait(100)  # the header's layout follows the longer texts
    shot(win, "print_header_zh")
    dialog.close()


def test_the_window_comes_with_printing_and_sync_in_the_status_bar(
    qtbot: Any, window: Any
) -> None:
    """make_window wires both by default (the app's own start-up path)."""
    win = window
    qtbot.waitUntil(lambda: win.ctx.sync is not None, timeout=10_000)  # loaded in background
    printing, sync = win.ctx.printing, win.ctx.sync
    assert printing is not None and sync is not None
    assert win.ctx.receipt_preview_provider == printing.receipt_png
    assert win.ctx.reprint == printing.reprint
    bar = win.statusBar()
    assert printing.indicator.parent() is bar and sync.indicator.parent() is bar
    qtbot.waitUntil(lambda: printing.running, timeout=10_000)
    qtbot.waitUntil(lambda: sync.status is not None, timeout=10_000)
    assert sync.indicator.text().endswith("waiting · never synced")
    assert sync.next_run is None  # head office not configured in this store
    sign_in(qtbot, win)
    qtbot.wait(100)  # the header's layout follows the signed-in badge
    shot(win, "print_sync_header")
    win.close()
    assert not printing.running and _print_threads() == []
    assert win.ctx.tasks.running == 0  # the sync jobs too ("io" lane)


def test_a_receipt_that_did_not_print_is_announced_until_it_prints(
    qtbot: Any, make_printing_window: Any, gui_store: GuiStore
) -> None:
    """A real TCP address that refuses (127.0.0.1, nothing listening): a persistent banner
    with Reprint and Open print queue, both from the keyboard; it goes once the receipt is
    on paper."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui import i18n
    from ui.devices.print_panel import PrintQueueDialog

    port = _free_port()
    win = make_printing_window(f"tcp://127.0.0.1:{port}")
    printing = win.ctx.printing
    alert = printing.alert
    assert not alert.isVisible()
    ref = _confirm(qtbot, win)
    qtbot.waitUntil(lambda: alert.isVisible(), timeout=15_000)
    [job] = _jobs(gui_store.engine, ref)
    assert ref in alert.label.text() and "did not print" in alert.label.text()
    assert job.last_error in alert.label.text(), "the printer's own reason is shown"
    assert alert.reprint_button.text() == "Reprint"
    assert alert.queue_button.text() == "Open print queue"
    qtbot.waitUntil(lambda: printing.indicator.state == "failed", timeout=5_000)
    assert win.banner.text() != alert.label.text(), "the alert is its own, beside the banner"
    qtbot.wait(6_500)  # longer than any timed banner: it stays
    assert alert.isVisible()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # Esc is the banner's
    assert alert.isVisible()
    qtbot.wait(50)  # the layout closes the banner's gap
    shot(win, "print_failed_alert")
    assert i18n.set_language("zh_CN")
    assert alert.reprint_button.text() == "重新打印"
    assert "未能打印" in alert.label.text() and ref in alert.label.text()
    qtbot.wait(100)
    shot(win, "print_failed_alert_zh")
    assert i18n.set_language("en")

    # Ctrl+Shift+P opens the queue
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(printing.indicator.dialog, PrintQueueDialog),
                    timeout=5_000)
    printing.indicator.dialog.close()
    qtbot.waitUntil(lambda: printing.indicator.dialog is None, timeout=5_000)

    # still off: Ctrl+P tries the same job again (no second job), and it fails again
    win.activateWindow()
    win.work.focus_scan()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    with qtbot.waitSignal(printing.job_done, timeout=15_000) as again:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier)
    assert not again.args[0].printed
    assert alert.isVisible()
    [job] = _jobs(gui_store.engine, ref)
    assert job.attempts == 2

    server = _PortServer(Recording, port)  # the printer is switched on
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        with qtbot.waitSignal(printing.job_done, timeout=15_000) as printed:
            alert.reprint_button.click()
        assert printed.args[0].printed
        qtbot.waitUntil(lambda: not alert.isVisible(), timeout=5_000)
        qtbot.waitUntil(lambda: printing.indicator.state == "ready", timeout=5_000)
        assert [j.status for j in _jobs(gui_store.engine, ref)] == ["printed"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_printer_chip_follows_the_saved_printer(
    qtbot: Any, make_printing_window: Any, recording: _Server
) -> None:
    """Ready after a real print; an unreachable printer saved in Settings is "Not tried yet"
    (never "Ready"), and "Not printing" once its test page is refused."""
    from ui.manager.settings_dialog import SettingsDialog

    win = make_printing_window(_url(recording))
    printing = win.ctx.printing
    sign_in(qtbot, win, "maria", "987654")
    win.open_settings()
    dialog = win.findChild(SettingsDialog)
    with qtbot.waitSignal(printing.test_page_done, timeout=15_000):
        dialog.test_page_button.click()
    qtbot.waitUntil(lambda: printing.indicator.text() == "Ready", timeout=5_000)
    dialog.printer.setText(f"tcp://127.0.0.1:{_free_port()}")
    dialog.save()
    qtbot.waitUntil(lambda: printing.indicator.text() == "Not tried yet", timeout=5_000)
    win.open_settings()
    dialog = next(d for d in win.findChildren(SettingsDialog) if d.isVisible())
    with qtbot.waitSignal(printing.test_page_done, timeout=15_000) as done:
        dialog.test_page_button.click()
    assert not done.args[0].printed
    qtbot.waitUntil(lambda: printing.indicator.text() == "Not printing", timeout=5_000)
    assert printing.indicator.state == "failed"
    assert done.args[0].reason in printing.indicator.toolTip()
    dialog.close()
    shot(win, "print_chip_not_printing")
