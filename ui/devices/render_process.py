"""Receipt images are drawn in a helper process, not in a thread of the app.

Drawing a receipt (Pillow, barcodes, fonts) holds Python's GIL for tens of milliseconds at a
time; in a thread that would freeze the counter's window right after each return. A process
has its own GIL. One process is started on first use and kept; each call waits for it
without holding the GIL. After `close()` (the window closed) no call starts it again: the
process is ended at once (never waited for) and the executor's manager thread ends with it.

The helper never outlives the app, however the app ends: on Linux the kernel kills it when
the thread that started it dies (`PR_SET_PDEATHSIG`; the window starts it from the UI
thread), and everywhere it watches its parent's sentinel (a pipe on POSIX, a process handle
on Windows) and exits when that closes. Its pid is written to `render-helper.pid` in the
data folder; `reap_leftover()` at start ends a helper a crash left there anyway. The
multiprocessing resource tracker ends by itself once the app and the helper, which hold its
pipe, are gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter_app.config import Settings

if TYPE_CHECKING:
    from counter_app.adapters.printing import JobResult
    from counter_app.domain.documents import Document

RENDER_TIMEOUT_S = 60.0
PID_FILE = "render-helper.pid"
_PR_SET_PDEATHSIG = 1
_engines: dict[str, Any] = {}  # in the helper process: one engine per database


def _receipt_png(settings: Settings, ref: str) -> bytes:
    from counter_app.bootstrap import load_active_policy, store_engine
    from counter_app.services.receipts import receipt_png

    engine = _engines.get(settings.db_url)
    if engine is None:
        engine = _engines[settings.db_url] = store_engine(settings.db_url)
    # The policy in force, read the way the app reads it (published version, file, default).
    policy, _warning = load_active_policy(engine, settings)
    return receipt_png(engine, settings, policy, ref)


def _send_document(document: Document, url: str, profile: str | None, timeout: float) -> JobResult:
    """In the helper: the printing code is imported there, never in the app before its window
    (escpos alone is a third of a second; `reap_leftover` runs before the window)."""
    from counter_app.services.print_queue import send_document

    return send_document(document, url, profile, timeout)


def _load() -> None:
    import counter_app.bootstrap
    import counter_app.services.receipts  # noqa: F401


def _die_with_parent(pdeathsig: bool) -> None:
    """In the helper, before any job: end when the app ends, whichever way it ends."""
    if pdeathsig and sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([sentinel])  # readable (closed) / signalled once the parent is gone
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline")
            .read_bytes()
            .replace(b"\0", b" ")
            .decode("utf-8", "replace")
        )
    except OSError:
        return ""


def reap_leftover(home: Path) -> list[int]:
    """End the helper (and resource tracker) a crashed app left running: the pids in the
    data folder's pid file, if they are still a multiprocessing child of this Python whose
    app is gone. Where the command line cannot be read (no /proc) nothing is killed."""
    path = home / PID_FILE
    try:
        lines = path.read_text(encoding="ascii").split()
    except OSError:
        return []
    killed: list[int] = []
    parent, *children = (int(x) for x in lines if x.isdigit()) if lines else (0,)
    if parent != os.getpid() and not _cmdline(parent).startswith(sys.executable):
        for pid in children:
            line = _cmdline(pid)
            if pid != os.getpid() and "multiprocessing" in line and sys.executable in line:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
    with contextlib.suppress(OSError):
        path.unlink()
    return killed


class ReceiptRenderer:
    def __init__(self, home: Path | None = None) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # callers are worker threads of several lanes
        self._closed = False
        self._loaded: Future[None] | None = None
        self._pid_file = home / PID_FILE if home is not None else None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the receipt renderer is closed")
            if self._pool is None:
                # the kernel's parent-death signal follows the thread that spawns the helper:
                # only ask for it when that is the main (UI) thread, which lives as long as
                # the app (the pool spawns on the first submit, in the same thread)
                main = threading.current_thread() is threading.main_thread()
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_die_with_parent,
                    initargs=(main,),
                )
                self._loaded = self._pool.submit(_load)
                self._write_pid_file(self._pool)
            return self._pool

    def _write_pid_file(self, pool: ProcessPoolExecutor) -> None:
        if self._pid_file is None:
            return
        from multiprocessing import resource_tracker

        pids = [os.getpid(), *getattr(pool, "_processes", {})]
        tracker = getattr(resource_tracker._resource_tracker, "_pid", None)
        if tracker:
            pids.append(tracker)
        with contextlib.suppress(OSError):
            self._pid_file.write_text(" ".join(map(str, pids)) + "\n", encoding="ascii")

    def start(self) -> None:
        """Start the helper now, from the UI thread (see `_executor`); returns at once."""
        self._executor()

    @property
    def pids(self) -> list[int]:
        """The helper's process ids (tests)."""
        pool = self._pool
        return list(getattr(pool, "_processes", None) or {}) if pool is not None else []

    def warm_up(self) -> None:
        """Start the process and load the drawing code before the first receipt is needed
        (call from a worker thread)."""
        self._executor()
        loaded = self._loaded
        if loaded is not None:
            loaded.result(RENDER_TIMEOUT_S)

    def receipt_png(self, settings: Settings, ref: str) -> bytes:
        """The receipt PNG of `ref` (call from a worker thread: it waits for the process)."""
        future = self._executor().submit(_receipt_png, settings, ref)
        return future.result(RENDER_TIMEOUT_S)

    def send_document(
        self, document: Document, url: str, profile: str | None, timeout: float
    ) -> JobResult:
        """Send a print job from the helper process (the print worker thread waits)."""
        future = self._executor().submit(_send_document, document, url, profile, timeout)
        return future.result(RENDER_TIMEOUT_S + timeout * 4)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            self._loaded = None
        if pool is not None:
            # end the helper instead of waiting for it (it may still be importing, or
            # sending to a printer that does not answer): waiting futures fail at once
            processes = dict(getattr(pool, "_processes", None) or {})
            for process in processes.values():
                with contextlib.suppress(OSError, ValueError):
                    process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            if self._pid_file is not None:
                with contextlib.suppress(OSError):
                    self._pid_file.unlink()
