"""The UI's one task runner: work off the UI thread, the result back on it (Anki's taskman).

    tasks.run(lambda: desk.find_order(code), on_done=show_order, on_error=show_banner)
    tasks.run(lambda: print_test_page(settings), on_done=report, lane="io")

Two lanes, each a `ThreadPoolExecutor` of its own:
- "db" (the default): ONE thread, so the tasks of one return run in the order they were
  asked for and never race on the draft or the store database.
- "io": a few threads in parallel, for work that waits on something outside (head-office
  sync, the printer, starting the camera, files) and must never hold up the cashier's
  scans and commits queued on "db".

`fn` runs on a worker; `on_done(result)` or `on_error(exc)` then runs on the UI thread (the
outcome travels by a queued signal to a QObject that lives there). Workers never touch
widgets. A callback whose widget was closed and deleted meanwhile is dropped. A worker lets
go of `fn` and of its result as soon as it has handed them over: nothing here keeps them.

`busy_changed(bool)` fires when "db" work has been running longer than `busy_after_ms`, for
the window's busy bar ("io" work runs for long and has its own indicators); `shutdown()`
waits for both lanes so no thread outlives the window.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)

BUSY_AFTER_MS = 200
IO_THREADS = 4
Lane = Literal["db", "io"]
LANES: tuple[Lane, ...] = ("db", "io")
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the UI thread; the worker emits, the UI thread receives (queued)."""

    done = Signal(int, bool, object)


def _is_expected(exc: BaseException) -> bool:
    from counter_app.services.errors import CounterError

    return isinstance(exc, CounterError)


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """False when the callback belongs to a widget already closed and deleted: a result that
    arrives after its dialog was closed is dropped, not delivered to a dead object."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class TaskManager(QObject):
    busy_changed = Signal(bool)
    error = Signal(object)  # failures of tasks started without on_error

    def __init__(self, parent: QObject | None = None, *, io_threads: int = IO_THREADS) -> None:
        super().__init__(parent)
        self._executors: dict[Lane, ThreadPoolExecutor] = {
            "db": ThreadPoolExecutor(max_workers=1, thread_name_prefix="tasks-db"),
            "io": ThreadPoolExecutor(max_workers=io_threads, thread_name_prefix="tasks-io"),
        }
        self._relay = _Relay(self)
        self._relay.done.connect(self._finished)
        # UI thread only: what to call back, and which lane, per job not yet delivered
        self._callbacks: dict[int, tuple[OnDone | None, OnError | None, Lane]] = {}
        # shared with the workers: jobs submitted whose worker has not finished them
        self._live: dict[int, Lane] = {}
        self._cond = threading.Condition()
        self._next = 0
        self._busy = False
        self._closed = False
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self._show_busy)

    @property
    def pending(self) -> int:
        """Jobs whose outcome has not been delivered yet (every lane)."""
        return len(self._callbacks)

    @property
    def running(self) -> int:
        """Jobs submitted whose worker has not finished them yet (every lane)."""
        with self._cond:
            return len(self._live)

    @property
    def busy(self) -> bool:
        return self._busy

    def run(
        self,
        fn: Callable[[], Any],
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        *,
        lane: Lane = "db",
    ) -> int:
        """Queue `fn` on `lane`; the job's id (for `wait(jobs=...)`), or -1 after shutdown."""
        if lane not in LANES:
            raise ValueError(f"unknown lane {lane!r}")
        if self._closed:
            return -1
        self._next += 1
        job_id = self._next
        self._callbacks[job_id] = (on_done, on_error, lane)
        if lane == "db" and not self._busy_timer.isActive() and not self._busy:
            self._busy_timer.start()
        with self._cond:
            self._live[job_id] = lane
        # in a box the worker empties: the executor's work item must not keep `fn` either
        self._executors[lane].submit(self._execute, job_id, [fn])
        return job_id

    def _execute(self, job_id: int, box: list[Callable[[], Any]]) -> None:
        """On a worker: run, hand the outcome to the UI thread, keep nothing."""
        fn: Callable[[], Any] | None = box.pop()
        assert fn is not None
        ok, payload = True, None
        try:
            payload = fn()
        except BaseException as exc:  # delivered to on_error on the UI thread
            if not _is_expected(exc):
                log.error("background task failed:\n%s", traceback.format_exc())
            ok, payload = False, exc
        fn = None  # let go of the task before the outcome travels
        self._relay.done.emit(job_id, ok, payload)
        payload = None  # nor the outcome (a failure's traceback keeps this frame)
        # only now: once wait() returns, every outcome is queued for the UI thread
        with self._cond:
            self._live.pop(job_id, None)
            self._cond.notify_all()

    @Slot(int, bool, object)
    def _finished(self, job_id: int, ok: bool, payload: object) -> None:
        on_done, on_error, _lane = self._callbacks.pop(job_id, (None, None, "db"))
        if not any(lane == "db" for _d, _e, lane in self._callbacks.values()):
            self._busy_timer.stop()
            if self._busy:
                self._busy = False
                self.busy_changed.emit(False)
        if self._closed:
            return
        if ok:
            if on_done is not None and _receiver_alive(on_done):
                on_done(payload)
        elif on_error is not None:
            if _receiver_alive(on_error):
                on_error(payload)  # type: ignore[arg-type]
        else:
            self.error.emit(payload)

    def _show_busy(self) -> None:
        waiting = any(lane == "db" for _d, _e, lane in self._callbacks.values())
        if waiting and not self._busy:
            self._busy = True
            self.busy_changed.emit(True)

    def unfinished(self, jobs: Iterable[int]) -> set[int]:
        """Those of `jobs` still queued or running (a service keeps only these, for stop())."""
        with self._cond:
            return {job for job in jobs if job in self._live}

    def wait(self, msecs: int = -1, *, jobs: Iterable[int] | None = None) -> bool:
        """Block until every task (or every one of `jobs`) has finished on its worker; False
        on timeout. Tests and shutdown paths only: the UI thread stops while it waits."""
        wanted = None if jobs is None else set(jobs)
        timeout = None if msecs < 0 else msecs / 1000

        def finished() -> bool:
            return not (self._live if wanted is None else wanted.intersection(self._live))

        with self._cond:
            return self._cond.wait_for(finished, timeout)

    def shutdown(self) -> None:
        """No new tasks; tasks not started yet are dropped; wait for the running ones (a
        commit in flight completes) and for every worker thread to end."""
        self._closed = True
        self._busy_timer.stop()
        for executor in self._executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
        for executor in self._executors.values():
            executor.shutdown(wait=True)
        with self._cond:
            self._live.clear()  # the dropped ones never ran
            self._cond.notify_all()
