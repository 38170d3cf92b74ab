"""A counter's working day: N whole returns through the real main window, looking for leaks.

    python benchmarks/bench_soak.py               # 500 returns
    python benchmarks/bench_soak.py --returns 200

The real window (offscreen), printing and sync services wired as the app wires them, the
camera reading a video file the whole time (moving background, no code: the decoder works
on every frame it gets). Each return: scan the order, scan the item, reason and condition,
confirm (the receipt is rendered by the helper process and goes through the print queue). Mixed
in: every 5th return is a final-sale item a manager overrides in the override dialog, every
7th the History is opened and closed, every 10th the counter is locked and unlocked.

After a warm-up (the first 100 returns, or a fifth of a shorter run) it samples, every 100
returns: RSS, Python objects (after gc), threads, widgets (QApplication.allWidgets), open
file descriptors; and prints the growth per 100 returns, plus the UI thread's longest block
(5 ms heartbeat) and the median scan-to-commit time. Asserts nothing.
Targets: object growth < 100 per 100 returns, RSS growth < 0.2 MiB per 100 returns.
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_heartbeat import Heartbeat  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCARF, JACKET = "2000000000015", "2000000000046"  # APP-1 (returnable), FIN-1 (final sale)
SAMPLE_EVERY = 100


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_fds() -> int:
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return -1


def pump(seconds: float, until: Any = None) -> bool:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if until is not None and until():
            return True
        time.sleep(0.0005)
    return until is None or bool(until())


def wait_for(signal: Any, action: Any, timeout_s: float = 30.0) -> list[Any]:
    got: list[list[Any]] = []

    def done(*args: Any) -> None:
        got.append(list(args))

    signal.connect(done)
    try:
        action()
        if not pump(timeout_s, lambda: bool(got)):
            raise TimeoutError(f"no {signal} within {timeout_s} s")
    finally:
        signal.disconnect(done)
    return got[0]


def write_video(path: Path, seconds: int = 20) -> Path:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480))
    for i in range(30 * seconds):
        frame = np.full((480, 640, 3), 185, np.uint8)
        cv2.putText(frame, f"counter {i:04d}", (16, 38), cv2.FONT_HERSHEY_SIMPLEX, 1, (20,) * 3, 2)
        cv2.circle(frame, (40 + (i * 9) % 560, 400), 18, (40, 120, 200), -1)
        writer.write(frame)
    writer.release()
    return path


def build_store(home: Path, returns: int) -> tuple[Any, Any]:
    """A migrated store with `returns` one-item orders (every 5th a final-sale jacket)."""
    from counter_app.adapters.db.engine import make_engine
    from counter_app.adapters.db.migrate import upgrade
    from tests.conftest import NOW
    from tests.factories import add_order, days_before, make_store

    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    upgrade(engine)
    store = make_store(engine, NOW)
    for i in range(returns):
        line = ("FIN-1", 1, 4999) if i % 5 == 4 else ("APP-1", 1, 2500)
        add_order(engine, f"S-{i:05d}", days_before(NOW, 3), [line])
    return engine, store


class Soak:
    def __init__(self, win: Any) -> None:
        self.win = win
        self.overrides = self.histories = self.locks = 0
        self.walls: list[float] = []

    def one(self, i: int) -> None:
        win = self.win
        start = time.perf_counter()
        wait_for(win.order_shown, lambda: win.handle_scan(f"S-{i:05d}"))
        jacket = i % 5 == 4
        wait_for(win.draft_changed, lambda: win.handle_scan(JACKET if jacket else SCARF))
        ins = win.work.inspection
        ins.reason.setCurrentIndex(ins.reason.findData("changed_mind"))
        wait_for(
            win.draft_changed, lambda: ins.condition.setCurrentIndex(ins.condition.findData("new"))
        )
        pump(5, lambda: win.ctx.tasks.pending == 0)
        if jacket:
            self.override()
        wait_for(win.return_committed, win.confirm)
        self.walls.append(time.perf_counter() - start)
        if i % 7 == 6:
            self.history()
        if i % 10 == 9:
            self.lock()

    def override(self) -> None:
        from ui.counter.override_dialog import OverrideDialog

        win = self.win
        win.open_override()
        dialog = win.findChild(OverrideDialog)
        assert dialog is not None, "no override dialog"
        dialog.username.setText("wei")
        dialog.pin.setText("876543")
        dialog.reason.setCurrentIndex(dialog.reason.findData("customer_goodwill"))
        dialog.note.setText("soak")
        wait_for(win.draft_changed, dialog.submit)
        pump(5, lambda: win.ctx.tasks.pending == 0)
        pump(5, lambda: win.findChild(OverrideDialog) is None)
        self.overrides += 1

    def history(self) -> None:
        from ui.counter.history_dialog import HistoryDialog

        win = self.win
        win.open_history()
        dialog = win.findChild(HistoryDialog)
        pump(0.2)
        if dialog is not None:
            dialog.close()
        pump(5, lambda: win.findChild(HistoryDialog) is None)
        self.histories += 1

    def lock(self) -> None:
        win = self.win
        win.lock()
        win.login.pin.setText("1234")
        wait_for(win.signed_in, win.login.submit)
        self.locks += 1


def _trimmed_rss(rss: float) -> float:
    """RSS once glibc gave its free heap pages back (malloc_trim): memory the allocator
    keeps for reuse is not a leak; what stays after the trim is held."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return rss
    return rss_mb()


def type_counts() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def sample(win: Any) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    pump(0.3, lambda: win.ctx.tasks.pending == 0)
    gc.collect()
    rss = rss_mb()
    return {
        "rss_mib": rss,
        "rss_trimmed_mib": _trimmed_rss(rss),
        "objects": len(gc.get_objects()),
        "threads": threading.active_count(),
        "widgets": len(QApplication.allWidgets()),
        "fds": open_fds(),
    }


def run(
    returns: int, types: bool = False, camera: bool = True, video_s: int = 20
) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from counter_app.bootstrap import bootstrap
    from counter_app.config import Settings
    from ui.app import apply_style, make_window

    app = QApplication.instance() or QApplication([])
    apply_style(app)  # type: ignore[arg-type]
    _quiet_qt()
    warm = min(SAMPLE_EVERY, max(1, returns // 5))
    step = SAMPLE_EVERY if returns >= 3 * SAMPLE_EVERY else max(5, (returns - warm) // 4)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        engine, store = build_store(home, returns)
        source = str(write_video(Path(tmp) / "counter.avi", video_s)) if camera else "off"
        settings = Settings(
            home=home, db_url=f"sqlite:///{home / 'counter.db'}", camera_source=source
        )
        core = bootstrap(settings, clock=store.clock, engine=engine)
        core.settings = replace(core.settings, camera_source=source)
        win: Any = make_window(core)
        win.resize(1366, 768)
        win.show()
        win.login.username.setText("alice")
        win.login.pin.setText("1234")
        wait_for(win.signed_in, win.login.submit)
        pump(10, lambda: win.ctx.printing is not None)
        if camera:
            pump(10, lambda: win.camera.controller.state == "live")
        soak = Soak(win)
        beat = Heartbeat()
        beat.start()
        samples: list[tuple[int, dict[str, float]]] = []
        before: collections.Counter[str] = collections.Counter()
        blocks: list[float] = []
        started = time.perf_counter()
        try:
            for i in range(returns):
                soak.one(i)
                done = i + 1
                if done == warm or (done > warm and (done - warm) % step == 0):
                    blocks.append(beat.take())
                    samples.append((done, sample(win)))
                    print(f"  after {done:5d} returns: {fmt(samples[-1][1])}", flush=True)
                    if types:
                        counts = type_counts()
                        if done > warm:
                            grown = (counts - before).most_common(12)
                            print(f"    grown since the last sample: {grown}", flush=True)
                        before = counts
                    beat.take()  # the sample's own gc pause is not the window's
            elapsed = time.perf_counter() - started
            camera_state = win.camera.controller.state
        finally:
            win.close()
            pump(0.5)
            engine.dispose()
    return report(returns, warm, samples, blocks, soak, elapsed, camera_state)


def _quiet_qt() -> None:
    """The offscreen platform's one harmless warning, once per dialog, is not a result."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: Any, _context: Any, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def fmt(s: dict[str, float]) -> str:
    return (
        f"RSS {s['rss_mib']:.1f} MiB ({s['rss_trimmed_mib']:.1f} after malloc_trim), "
        f"{s['objects']:.0f} objects, {s['threads']:.0f} threads, "
        f"{s['widgets']:.0f} widgets, {s['fds']:.0f} fds"
    )


def report(
    returns: int,
    warm: int,
    samples: list[tuple[int, dict[str, float]]],
    blocks: list[float],
    soak: Soak,
    elapsed: float,
    camera_state: str,
) -> dict[str, float]:
    result: dict[str, float] = {"returns": returns}
    print(
        f"bench_soak: {returns} returns in {elapsed:.0f} s ({soak.overrides} overrides, "
        f"{soak.histories} History open/close, {soak.locks} lock/unlock; camera {camera_state}); "
        f"median scan-to-commit {statistics.median(soak.walls) * 1000:.0f} ms"
    )
    if len(samples) >= 2:
        (n0, first), (n1, last) = samples[0], samples[-1]
        per = SAMPLE_EVERY / (n1 - n0)
        print(f"growth per {SAMPLE_EVERY} returns after {warm} warm-up returns:")
        for key, unit in (
            ("rss_mib", "MiB"), ("rss_trimmed_mib", "MiB"), ("objects", "objects"),
            ("threads", "threads"), ("widgets", "widgets"), ("fds", "fds"),
        ):  # fmt: skip
            growth = (last[key] - first[key]) * per
            result[f"{key}_per_100"] = round(growth, 3)
            print(f"    {key:<8} {growth:+10.3f} {unit}")
        print("    targets: objects < 100, rss_mib < 0.2")
    worst = max(blocks[1:] or blocks or [0.0])
    result["ui_block_ms"] = round(worst, 1)
    print(f"UI thread longest block after warm-up: {worst:.1f} ms")
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=500)
    parser.add_argument("--types", action="store_true", help="print which object types grew")
    parser.add_argument("--no-camera", action="store_true", help="no video (to compare)")
    parser.add_argument(
        "--video-seconds", type=int, default=20, help="the video's length; it replays at its end"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return run(max(2, args.returns), args.types, not args.no_camera, max(2, args.video_seconds))


if __name__ == "__main__":
    main()
