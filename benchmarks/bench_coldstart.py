"""Cold start: the counter's first window, and the command line, against bare baselines.

    python benchmarks/run_all.py coldstart
    python benchmarks/bench_coldstart.py

Every run is a fresh subprocess, timed from spawn by this process. The counter and its
baseline are run alternately (so a busy neighbour slows both alike) and the median of the
runs is compared:

1. First window shown: `counter-app` (QT_QPA_PLATFORM=offscreen, the demo store) until its
   main window has painted once (run_gui prints `shown` with COUNTER_APP_QUIT_WHEN_SHOWN=1),
   against a bare PySide6 QMainWindow shown and painted the same way. Also spawn to exit
   (the shutdown must not wait for a worker).
2. The command line: `counter-app --help` and a light command (`counter-app policy check`
   on the shipped policy file: no database) against `python -c pass`.

Prints numbers and ratios (aim: first window at most 6x the bare window), asserts nothing.
COUNTER_APP_BENCH_RUNS (default 7) sets the number of runs of each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTER_APP = [sys.executable, "-m", "ui.entry"]
POLICY_FILE = ROOT / "resources" / "policy" / "default.toml"

# A bare window, shown and painted once, the way run_gui reports its own first window.
BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print("shown", flush=True)
            QTimer.singleShot(0, app.quit)
        return False
first = FirstPaint()
window.installEventFilter(first)
window.showMaximized()
app.exec()
"""


def _env(home: Path | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("COUNTER_APP_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: the warm-up run caches bytecode
    if home is not None:
        env["COUNTER_APP_HOME"] = str(home)
    return env


def timed(cmd: list[str], env: dict[str, str], marker: str | None = None) -> tuple[float, float]:
    """(seconds from spawn to the `marker` line, or to exit without one; seconds to exit)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    seen = float("nan")
    for line in proc.stdout:
        if marker is not None and line.startswith(marker) and seen != seen:
            seen = time.perf_counter() - start
    proc.wait(timeout=120)
    ended = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} exited {proc.returncode}")
    return (ended if marker is None else seen), ended


def build_demo(home: Path) -> None:
    subprocess.run(
        [*COUNTER_APP, "demo", "--orders", "200"],
        env=_env(home), cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def compare(
    label: str, runs: int, subject: tuple[list[str], dict[str, str], str | None],
    baseline: tuple[list[str], dict[str, str], str | None],
) -> dict[str, float]:
    """Run subject and baseline alternately; print medians and the ratio."""
    mine: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    timed(*subject), timed(*baseline)  # warm the file cache: cold start means a new process
    for _ in range(runs):
        mine.append(timed(*subject))
        bare.append(timed(*baseline))
    first, base = median_ms([m[0] for m in mine]), median_ms([b[0] for b in bare])
    ratio = first / base
    print(
        f"{label}: median {first:.0f} ms (min {min(m[0] for m in mine) * 1000:.0f}) vs "
        f"baseline {base:.0f} ms (min {min(b[0] for b in bare) * 1000:.0f}): {ratio:.2f}x"
        f" over {runs} runs"
    )
    result = {f"{label} ms": round(first), f"{label} ratio": round(ratio, 2)}
    if subject[2] is not None:
        exit_ms, bare_exit = median_ms([m[1] for m in mine]), median_ms([b[1] for b in bare])
        print(f"{label}, spawn to process exit: median {exit_ms:.0f} ms vs baseline "
              f"{bare_exit:.0f} ms ({exit_ms - first:.0f} ms after shown)")
        result[f"{label} exit ms"] = round(exit_ms)
    return result


def main() -> dict[str, float]:
    runs = int(os.environ.get("COUNTER_APP_BENCH_RUNS", "7"))
    with open("/proc/loadavg", encoding="ascii") as f:
        print(f"load average: {f.read().split()[0]}")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench_cold_") as tmp:
        home = Path(tmp) / "home"
        build_demo(home)
        gui = (COUNTER_APP, _env(home, COUNTER_APP_QUIT_WHEN_SHOWN="1"), "shown")
        bare = ([sys.executable, "-c", BARE_WINDOW], _env(), "shown")
        results |= compare("first window shown", runs, gui, bare)
        nothing = ([sys.executable, "-c", "pass"], _env(), None)
        results |= compare("cli --help", runs, ([*COUNTER_APP, "--help"], _env(home), None),
                           nothing)
        light = [*COUNTER_APP, "policy", "check", str(POLICY_FILE)]
        results |= compare("cli policy check", runs, (light, _env(home), None), nothing)
    return results


if __name__ == "__main__":
    main()
