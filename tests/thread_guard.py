"""The leaked-thread guard behind tests/conftest.py (napari's conftest does the same).

Every thread a test starts, daemon or not, and every QThread and QThreadPool it uses must be
finished when the test ends. Allowed: threads that existed before the test (a session's
servers), threads that higher-scoped fixtures started (`allow`), and the threads those start
in turn (a server's request workers). Qt's pool threads appear to Python as "Dummy" threads
that never end; they are judged through their pool (`activeThreadCount()`), not by name.
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from typing import Any

GRACE_S = 5.0  # a thread told to stop gets this long to end before it counts as left running

_LIBRARY = ("/threading.py", "/concurrent/futures/thread.py", "/concurrent/futures/process.py")
_original_start = threading.Thread.start
_guards: list[ThreadGuard] = []
_allowed: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def _where() -> str:
    """The first frame outside the standard library and this module: who started it."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if name != __file__ and not name.endswith(_LIBRARY):
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _tracked_start(self: threading.Thread) -> None:
    self._guard_parent = threading.current_thread()  # type: ignore[attr-defined]
    self._guard_site = _where()  # type: ignore[attr-defined]
    _original_start(self)


def _pool_start(original: Any) -> Any:
    def start(self: Any, *args: Any, **kwargs: Any) -> Any:
        for guard in _guards:
            guard.pools.setdefault(id(self), (self, _where()))
        return original(self, *args, **kwargs)

    return start


def _qthread_start(original: Any) -> Any:
    def start(self: Any, *args: Any, **kwargs: Any) -> Any:
        for guard in _guards:
            guard.qthreads.setdefault(id(self), (self, _where()))
        return original(self, *args, **kwargs)

    return start


def install() -> None:
    """Record who starts each thread, QThread and pool job (once per session)."""
    if threading.Thread.start is _tracked_start:
        return
    threading.Thread.start = _tracked_start  # type: ignore[method-assign]
    from PySide6.QtCore import QThread, QThreadPool

    QThreadPool.start = _pool_start(QThreadPool.start)  # type: ignore[method-assign]
    QThreadPool.tryStart = _pool_start(QThreadPool.tryStart)  # type: ignore[method-assign]
    QThread.start = _qthread_start(QThread.start)  # type: ignore[method-assign]


def allow(threads: set[threading.Thread]) -> None:
    """Threads a session-, module- or class-scoped fixture started: they outlive tests."""
    _allowed.update(threads)


def _is_dummy(thread: threading.Thread) -> bool:
    return isinstance(thread, threading._DummyThread)  # a foreign (Qt) thread that ran Python


class ThreadGuard:
    """One test's view: `begin()` before it, `leftovers()` after it."""

    def __init__(self) -> None:
        self.before: set[threading.Thread] = set()
        # held for the test only: a wrapper such as globalInstance()'s would vanish at once
        self.pools: dict[int, tuple[Any, str]] = {}
        self.qthreads: dict[int, tuple[Any, str]] = {}

    def begin(self) -> ThreadGuard:
        self.before = set(threading.enumerate())
        _guards.append(self)
        return self

    def end(self) -> None:
        """Stop recording; let go of the pools and QThreads seen."""
        if self in _guards:
            _guards.remove(self)
        self.pools.clear()
        self.qthreads.clear()

    def _owned_elsewhere(self, thread: threading.Thread) -> bool:
        """Started (at any depth) by a thread that is not this test's: a server's worker."""
        seen: set[int] = set()
        parent = getattr(thread, "_guard_parent", None)
        while parent is not None and id(parent) not in seen:
            seen.add(id(parent))
            if parent in _allowed:
                return True
            if parent in self.before:
                return parent is not threading.main_thread() and not _is_dummy(parent)
            parent = getattr(parent, "_guard_parent", None)
        return False

    def new_threads(self) -> list[threading.Thread]:
        return [
            t
            for t in threading.enumerate()
            if t not in self.before
            and t not in _allowed
            and not _is_dummy(t)
            and not self._owned_elsewhere(t)
        ]

    def leftovers(self, grace: float = GRACE_S) -> list[str]:
        """What this test left running after `grace` seconds: one line each, with its origin."""
        deadline = time.monotonic() + grace
        found = []
        for thread in self.new_threads():
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                kind = "daemon thread" if thread.daemon else "thread"
                site = getattr(thread, "_guard_site", "?")
                found.append(f"{kind} {thread.name!r} started at {site}")
        return found + self._qt_leftovers(deadline)

    def _qt_leftovers(self, deadline: float) -> list[str]:
        import shiboken6

        found = []
        for pool, site in self.pools.values():
            if not shiboken6.isValid(pool):
                continue  # deleted: its destructor waited for its jobs
            pool.waitForDone(max(0, int((deadline - time.monotonic()) * 1000)))
            if pool.activeThreadCount():
                found.append(f"QThreadPool with {pool.activeThreadCount()} job(s) used at {site}")
        for qthread, site in self.qthreads.values():
            if not shiboken6.isValid(qthread):
                continue
            qthread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
            if qthread.isRunning():
                found.append(f"QThread started at {site}")
        return found
