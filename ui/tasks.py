"""Run database work off the UI thread and hand the result back on it (Anki's taskman style).

    tasks.run(lambda: desk.find_order(code), on_done=show_order, on_error=show_banner)

`fn` runs on a worker of the manager's own QThreadPool; `on_done(result)` or
`on_error(exc)` then runs on the UI thread (the result travels by a queued signal to a
QObject that lives there). Workers never touch widgets. One worker thread by default, so
the tasks of one return run in the order they were asked for and never race on the draft.

`busy_changed(bool)` fires when work has been running longer than `busy_after_ms`, for a
busy indicator; `shutdown()` waits for the pool so no thread outlives the window.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)

BUSY_AFTER_MS = 200


class _Relay(QObject):
    """Lives on the UI thread; the worker emits, the UI thread receives (queued)."""

    done = Signal(int, bool, object)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.job_id = job_id
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to on_error on the UI thread
            if not _is_expected(exc):
                log.error("background task failed:\n%s", traceback.format_exc())
            self.relay.done.emit(self.job_id, False, exc)
            return
        self.relay.done.emit(self.job_id, True, result)


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

    def __init__(self, parent: QObject | None = None, *, threads: int = 1) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._finished)
        self._callbacks: dict[
            int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]
        ] = {}
        self._next = 0
        self._busy = False
        self._closed = False
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self._show_busy)

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    @property
    def busy(self) -> bool:
        return self._busy

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        if self._closed:
            return -1
        self._next += 1
        job_id = self._next
        self._callbacks[job_id] = (on_done, on_error)
        if not self._busy_timer.isActive() and not self._busy:
            self._busy_timer.start()
        self._pool.start(_Job(job_id, fn, self._relay))
        return job_id

    @Slot(int, bool, object)
    def _finished(self, job_id: int, ok: bool, payload: object) -> None:
        on_done, on_error = self._callbacks.pop(job_id, (None, None))
        if not self._callbacks:
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
        if self._callbacks and not self._busy:
            self._busy = True
            self.busy_changed.emit(True)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every task finished (tests and shutdown only)."""
        return bool(self._pool.waitForDone(msecs))

    def shutdown(self) -> None:
        """No new tasks; wait for the running ones (a commit in flight completes)."""
        self._closed = True
        self._busy_timer.stop()
        self._pool.clear()
        self._pool.waitForDone()
