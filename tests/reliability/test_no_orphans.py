"""The real `counter-app` GUI (offscreen) ends with no child left behind, however it ends.

The receipt helper process (and multiprocessing's resource tracker) would otherwise keep
running after a logout (SIGTERM) or a crash (SIGKILL), ~60 MB each time, day after day.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)  # Linux: it walks /proc
ROOT = Path(__file__).resolve().parents[2]
APP = [sys.executable, "-m", "ui.entry"]  # what the `counter-app` script runs


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, COUNTER_APP_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("COUNTER_APP_DB", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("orphans") / "home"
    subprocess.run(
        [*APP, "demo", "--orders", "3"], env=_env(home), check=True,
        stdout=subprocess.DEVNULL, cwd=ROOT, timeout=60,
    )  # fmt: skip
    return home


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaps counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def _wait(cond: object, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return bool(cond())  # type: ignore[operator]


@pytest.fixture
def app(demo_home: Path) -> Iterator[tuple[subprocess.Popen[bytes], set[int]]]:
    """The app signed in, its receipt helper started; (process, its child processes)."""
    env = dict(_env(demo_home), COUNTER_APP_AUTOLOGIN="alice:1234")
    proc = subprocess.Popen(
        APP, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def helpers() -> list[int]:
        return [p for p in _descendants(proc.pid) if b"spawn_main" in _cmdline(p)]

    try:
        assert _wait(helpers, 60), "the receipt helper never started"
        time.sleep(1.5)  # the helper has loaded and the window is idle
        children = _descendants(proc.pid)
        assert helpers() and set(helpers()) <= children
        yield proc, children
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_no_child_outlives_the_app(
    app: tuple[subprocess.Popen[bytes], set[int]], sig: signal.Signals
) -> None:
    proc, children = app
    os.kill(proc.pid, sig)
    code = proc.wait(30)
    if sig == signal.SIGTERM:
        assert code == 0, "SIGTERM closes the window and the app cleanly"
    assert _wait(lambda: not any(_alive(p) for p in children), 10), [
        (p, _cmdline(p)) for p in children if _alive(p)
    ]


def test_a_helper_left_by_a_crash_is_ended_at_start(tmp_path: Path) -> None:
    """A pid file naming a dead app and a live multiprocessing child of this Python."""
    from ui.devices.render_process import PID_FILE, reap_leftover

    code = "import multiprocessing, time; time.sleep(60)"
    stray = subprocess.Popen([sys.executable, "-c", code])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        (tmp_path / PID_FILE).write_text(f"{dead.pid} {stray.pid} {other.pid}\n")
        assert reap_leftover(tmp_path) == [stray.pid]
        assert stray.wait(10) == -signal.SIGKILL
        assert other.poll() is None, "a process that is not our helper is left alone"
        assert not (tmp_path / PID_FILE).exists()
    finally:
        for p in (stray, other):
            p.kill()
            p.wait()
