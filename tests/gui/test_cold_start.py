"""Cold start: what the window's process loads before its first window, and that closing
never waits for a helper (the timings themselves are in benchmarks/bench_coldstart.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from counter_app.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[2]

# The real entry point (`counter-app` = ui.entry:main); the window's show is wrapped to
# write down every module loaded by then. COUNTER_APP_QUIT_WHEN_SHOWN ends it once painted.
SPY = """
import json, sys
from ui.counter import window
show = window.MainWindow.showMaximized
def spy(self):
    print("MODULES " + json.dumps(sorted(sys.modules)), flush=True)
    show(self)
window.MainWindow.showMaximized = spy
import ui.entry
sys.exit(ui.entry.main([]))
"""

NOT_BEFORE_THE_WINDOW = (
    "counter_app.central",
    "counter_app.services.reports",
    "counter_app.services.print_queue",
    "counter_app.adapters.printing",
    "escpos",
    "httpx",
    "fastapi",
    "ui.devices.print_panel",
    "ui.sync.panel",
)


@pytest.mark.timeout(120)
def test_the_window_shows_before_reports_head_office_and_printing_load(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        COUNTER_APP_HOME=str(tmp_path / "home"),
        COUNTER_APP_QUIT_WHEN_SHOWN="1",
    )
    env.pop("COUNTER_APP_DB", None)
    done = subprocess.run(
        [sys.executable, "-c", SPY], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=100,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    [listing] = [line for line in lines if line.startswith("MODULES ")]
    assert any(line.startswith("shown ") for line in lines), done.stdout
    loaded = set(json.loads(listing.removeprefix("MODULES ")))
    assert "ui.counter.window" in loaded and "counter_app.bootstrap" in loaded  # it did run
    command_modules = {module for _name, module, _help in COMMANDS}
    early = sorted(
        m
        for m in loaded
        if m in command_modules
        or any(m == p or m.startswith(p + ".") for p in NOT_BEFORE_THE_WINDOW)
    )
    assert early == []


def test_closing_never_waits_for_the_receipt_helper(tmp_path: Path) -> None:
    """The helper busy for a minute (a printer that never answers, a slow import): close()
    ends it at once and whoever waited for it gets an error instead of hanging."""
    from ui.devices.render_process import PID_FILE, ReceiptRenderer

    renderer = ReceiptRenderer(tmp_path)
    renderer.start()
    busy = renderer._executor().submit(time.sleep, 60)
    deadline = time.monotonic() + 60
    while not renderer.pids and time.monotonic() < deadline:
        time.sleep(0.05)
    [pid] = renderer.pids
    started = time.monotonic()
    renderer.close()
    assert time.monotonic() - started < 10  # not the minute the job would take
    with pytest.raises((BrokenProcessPool, CancelledError)):
        busy.result(timeout=30)
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert not (tmp_path / PID_FILE).exists()
    with pytest.raises(RuntimeError, match="closed"):
        renderer.start()  # nothing opens it again after the window closed


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "zombie" not in status
