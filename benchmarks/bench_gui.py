"""GUI benchmark: cold start, scan-to-order latency, and how long the UI thread ever blocks.

    python benchmarks/bench_gui.py

1. Cold start: `counter-app` in a fresh process (QT_QPA_PLATFORM=offscreen) until the main
   window is usable (signed in as alice), measured from process spawn; run_gui makes this
   possible with COUNTER_APP_AUTOLOGIN / COUNTER_APP_QUIT_WHEN_READY.
2. Scan to order shown: from the scan's Enter to the order fully shown with per-line
   eligibility (the window's `order_shown` signal), p50/p95/max over random orders.
   COUNTER_APP_BENCH_DB=<url> points it at another store (e.g. the 1,000,000-order one;
   it needs the demo staff, alice/1234). Nothing is written to that store.
3. UI thread blocked: a 5 ms QTimer heartbeat runs during a complete return (scan order,
   scan item, reason, condition, confirm) on the bench's own demo store; the longest gap
   between beats minus 5 ms is the longest the UI thread was busy.

Prints numbers, asserts nothing. Set COUNTER_APP_BENCH_ORDERS (default 2000) for the size
of the bench's own demo store, COUNTER_APP_BENCH_SCANS (default 100) for the scan count.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# what the `counter-app` script runs (pyproject: counter-app = "ui.entry:main")
COUNTER_APP = [sys.executable, "-m", "ui.entry"]


def build_demo(home: Path, orders: int) -> None:
    env = dict(os.environ, COUNTER_APP_HOME=str(home))
    env.pop("COUNTER_APP_DB", None)
    subprocess.run(
        [*COUNTER_APP, "demo", "--orders", str(orders)],
        env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
    )


def cold_start(home: Path, runs: int = 5) -> list[tuple[float, float]]:
    """(seconds from spawn to usable window, seconds inside run_gui) per run."""
    results = []
    env = dict(
        os.environ,
        COUNTER_APP_HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        COUNTER_APP_AUTOLOGIN="alice:1234",
        COUNTER_APP_QUIT_WHEN_READY="1",
    )
    env.pop("COUNTER_APP_DB", None)
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            COUNTER_APP, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            cwd=ROOT,
        )
        assert proc.stdout is not None
        inner = float("nan")
        spawn_to_ready = float("nan")
        for line in proc.stdout:
            if line.startswith("ready "):
                spawn_to_ready = time.perf_counter() - start
                inner = float(line.split()[1])
                break
        proc.wait(timeout=60)
        results.append((spawn_to_ready, inner))
    return results


class Heartbeat:
    """A 5 ms timer on the UI thread; `worst` is the longest gap seen between beats."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.last = 0.0
        self.worst = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self._beat()
        return self.worst

    def _beat(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now


def wait_for(signal: Any, action: Any, timeout_ms: int = 30_000) -> list[Any]:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    got: list[Any] = []
    fired = [False]

    def done(*args: Any) -> None:
        got.extend(args)
        fired[0] = True
        loop.quit()

    signal.connect(done)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    action()
    if not fired[0]:
        loop.exec()
    timer.stop()
    signal.disconnect(done)
    if not fired[0]:
        raise TimeoutError("the window did not answer in time")
    return got


def open_window(db_url: str, home: Path) -> tuple[Any, Any]:
    from PySide6.QtWidgets import QApplication

    from counter_app.bootstrap import bootstrap
    from counter_app.config import Settings
    from ui.app import apply_style, make_window

    app = QApplication.instance() or QApplication([])
    apply_style(app)  # type: ignore[arg-type]
    core = bootstrap(Settings(home=home, db_url=db_url), migrate=False)
    win = make_window(core)
    win.resize(1366, 768)
    win.show()
    win.login.username.setText("alice")
    win.login.pin.setText("1234")
    wait_for(win.signed_in, win.login.submit)
    return win, core


def sample_orders(core: Any, count: int) -> list[str]:
    from sqlalchemy import func, select

    from counter_app.adapters.db import tables as t

    with core.engine.connect() as conn:
        top = conn.execute(select(func.max(t.orders.c.id))).scalar_one() or 0
        ids = random.Random(11).sample(range(1, top + 1), min(count * 2, top))
        rows = conn.execute(
            select(t.orders.c.number).where(t.orders.c.id.in_(ids))
        ).scalars().all()
    return list(rows)[:count]


def scan_to_order(win: Any, numbers: list[str]) -> tuple[list[float], float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    times = []
    beat = Heartbeat()
    beat.start()
    scan_input = win.work.scan_panel.scan_input
    for number in numbers:
        win.new_return()
        scan_input.setText(number)
        start = time.perf_counter()
        wait_for(win.order_shown, lambda: QTest.keyClick(scan_input, Qt.Key.Key_Return))
        times.append(time.perf_counter() - start)
    return times, beat.stop()


def complete_return(win: Any, core: Any) -> tuple[float, float, str] | None:
    """One whole return with the heartbeat running: (worst block s, wall s, ref)."""
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    scan_input = win.work.scan_panel.scan_input
    for number in sample_orders(core, 200):
        win.new_return()
        win.new_return()
        scan_input.setText(number)
        wait_for(win.order_shown, lambda: QTest.keyClick(scan_input, Qt.Key.Key_Return))
        candidates = [
            line for line in win.session.order.lines
            if win.session.preview.get(line.line_no) is not None
            and win.session.preview[line.line_no].outcome == "approve"
            and line.barcodes and not line.serialised
        ]
        if candidates:
            break
    else:
        return None
    line = candidates[0]
    win.new_return()
    beat = Heartbeat()
    beat.start()
    start = time.perf_counter()
    win.activateWindow()
    win.work.scan_panel.scan_input.setFocus()
    for text in (win.session.order.number if win.session.order else number, line.barcodes[0]):
        signal = win.order_shown if win.session.order is None else win.draft_changed
        target = QApplication.focusWidget() or win.work.scan_panel.scan_input

        def burst(text: str = text, target: Any = target) -> None:
            QTest.keyClicks(target, text)
            QTest.keyClick(target, Qt.Key.Key_Return)

        wait_for(signal, burst)
    win.work.inspection.reason.setCurrentIndex(win.work.inspection.reason.findData("wrong_size"))
    condition = win.work.inspection.condition
    wait_for(win.draft_changed, lambda: condition.setCurrentIndex(condition.findData("new")))
    ref = wait_for(win.return_committed, win.confirm)[0]
    QCoreApplication.processEvents()
    wall = time.perf_counter() - start
    return beat.stop(), wall, ref


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    orders = int(os.environ.get("COUNTER_APP_BENCH_ORDERS", "2000"))
    scans = int(os.environ.get("COUNTER_APP_BENCH_SCANS", "100"))
    with tempfile.TemporaryDirectory(prefix="bench_gui_") as tmp:
        home = Path(tmp) / "home"
        t0 = time.perf_counter()
        build_demo(home, orders)
        print(f"bench_gui: demo store with {orders} orders built in "
              f"{time.perf_counter() - t0:.1f} s")

        runs = cold_start(home)
        spawn = [r[0] for r in runs]
        inner = [r[1] for r in runs]
        print(f"cold start to usable main window (spawn -> signed in), {len(runs)} runs: "
              f"median {statistics.median(spawn) * 1000:.0f} ms, "
              f"min {min(spawn) * 1000:.0f} ms; inside run_gui median "
              f"{statistics.median(inner) * 1000:.0f} ms")

        bench_db = os.environ.get("COUNTER_APP_BENCH_DB")
        own_db = f"sqlite:///{home / 'counter.db'}"
        win, core = open_window(bench_db or own_db, home)
        try:
            numbers = sample_orders(core, scans)
            scan_to_order(win, numbers[:5])  # warm-up
            times, worst = scan_to_order(win, numbers)
            where = bench_db or f"own demo store ({orders} orders)"
            print(f"scan Enter -> order shown with eligibility, {len(times)} scans on {where}: "
                  f"p50 {pct(times, 50) * 1000:.1f} ms, p95 {pct(times, 95) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms; UI thread longest block "
                  f"{max(0.0, worst - 0.005) * 1000:.1f} ms")
        finally:
            win.close()
            core.close()

        win, core = open_window(own_db, home)
        try:
            result = complete_return(win, core)
            if result is None:
                print("complete return: no returnable order found in the sample")
            else:
                worst, wall, ref = result
                print(f"complete return ({ref}) by scanner and keyboard: wall "
                      f"{wall * 1000:.0f} ms, UI thread longest block "
                      f"{max(0.0, worst - 0.005) * 1000:.1f} ms (5 ms heartbeat)")
        finally:
            win.close()
            core.close()


if __name__ == "__main__":
    main()
