"""The leaked-thread guard (tests/thread_guard.py, autouse in tests/conftest.py) catches what
it is there for: a daemon thread, a busy Qt thread pool, a running QThread — and lets a
server that was running before the test hand work to threads of its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRunnable, QThread, QThreadPool

from tests.thread_guard import ThreadGuard

GRACE = 0.2


@pytest.fixture
def guard() -> Iterator[ThreadGuard]:
    checked = ThreadGuard().begin()
    yield checked
    checked.end()


def test_a_leaked_daemon_thread_is_reported_with_where_it_started(guard: ThreadGuard) -> None:
    release = threading.Event()
    leak = threading.Thread(target=release.wait, name="leaky", daemon=True)
    leak.start()
    try:
        found = guard.leftovers(GRACE)
        assert len(found) == 1
        assert "daemon thread 'leaky'" in found[0] and "test_thread_guard.py" in found[0]
    finally:
        release.set()
        leak.join(5)
    assert guard.leftovers(GRACE) == []


def test_a_thread_that_ends_within_the_grace_time_is_not_a_leak(guard: ThreadGuard) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, name="stopping", daemon=True)
    worker.start()
    threading.Timer(0.05, stop.set).start()  # its owner stops it while teardown waits
    assert guard.leftovers(2.0) == []


def test_a_busy_thread_pool_and_a_running_qthread_are_reported(guard: ThreadGuard) -> None:
    release = threading.Event()

    class Blocked(QRunnable):
        def run(self) -> None:
            release.wait(5)

    class Looping(QThread):
        def run(self) -> None:
            release.wait(5)

    pool = QThreadPool()
    pool.start(Blocked())
    thread = Looping()
    thread.start()
    try:
        found = guard.leftovers(GRACE)
        assert any(line.startswith("QThreadPool with 1 job(s)") for line in found), found
        assert any(line.startswith("QThread started at") for line in found), found
    finally:
        release.set()
        pool.waitForDone(5_000)
        thread.wait(5_000)
    assert guard.leftovers(GRACE) == []


def test_threads_a_running_server_starts_belong_to_it_not_to_the_test() -> None:
    """A server fixture set up before the test (its thread existed already) may start request
    workers during the test; a thread the test itself starts is still checked."""
    release = threading.Event()
    ask = threading.Event()
    workers: list[threading.Thread] = []

    def serve() -> None:
        ask.wait(5)
        worker = threading.Thread(target=release.wait, name="request-worker", daemon=True)
        worker.start()
        workers.append(worker)

    server = threading.Thread(target=serve, name="server", daemon=True)
    server.start()
    guard = ThreadGuard().begin()  # the test starts: the server is already running
    try:
        ask.set()
        server.join(5)
        mine = threading.Thread(target=release.wait, name="mine", daemon=True)
        mine.start()
        found = guard.leftovers(GRACE)
        assert len(found) == 1 and "'mine'" in found[0], found
    finally:
        guard.end()
        release.set()
        for thread in [*workers, mine]:
            thread.join(5)
