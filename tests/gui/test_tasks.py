"""The UI's one task runner (ui/tasks.py): lanes, delivery on the UI thread, shutdown, and
that a finished job keeps nothing alive."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel

from ui.tasks import TaskManager

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def tasks() -> Iterator[TaskManager]:
    runner = TaskManager()
    yield runner
    runner.shutdown()


def test_task_manager_delivers_on_ui_thread_and_waits_on_shutdown(qtbot: Any) -> None:
    tasks = TaskManager()
    ui_thread = threading.get_ident()
    seen: list[tuple[str, int]] = []

    def slow() -> int:
        time.sleep(0.3)
        seen.append(("worker", threading.get_ident()))
        return 42

    busy: list[bool] = []
    tasks.busy_changed.connect(busy.append)
    results: list[Any] = []
    tasks.run(slow, lambda r: results.append((r, threading.get_ident())))
    errors: list[BaseException] = []
    tasks.run(lambda: 1 / 0, None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5_000)
    assert results == [(42, ui_thread)]
    assert seen[0][1] != ui_thread
    assert isinstance(errors[0], ZeroDivisionError)
    assert busy == [True, False]
    tasks.run(lambda: time.sleep(0.2))
    tasks.shutdown()
    assert tasks.running == 0


def test_the_db_lane_runs_one_task_at_a_time_in_order(qtbot: Any, tasks: TaskManager) -> None:
    order: list[int] = []
    threads: set[int] = set()
    inside = threading.Semaphore(1)

    def task(n: int) -> int:
        assert inside.acquire(blocking=False), "two db tasks ran at once"
        try:
            threads.add(threading.get_ident())
            time.sleep(0.01)
            order.append(n)
            return n
        finally:
            inside.release()

    delivered: list[int] = []
    for n in range(20):
        tasks.run(lambda n=n: task(n), delivered.append)
    qtbot.waitUntil(lambda: len(delivered) == 20, timeout=10_000)
    assert order == delivered == list(range(20))
    assert len(threads) == 1


def test_the_io_lane_runs_in_parallel_beside_a_busy_db_lane(
    qtbot: Any, tasks: TaskManager
) -> None:
    """Two io jobs that each wait for the other finish only if they run at once; the db lane
    stays free for the cashier meanwhile, and io work never shows the busy bar."""
    both = threading.Barrier(2, timeout=5)
    busy: list[bool] = []
    tasks.busy_changed.connect(busy.append)
    done: list[str] = []
    tasks.run(lambda: both.wait(), lambda _r: done.append("io 1"), lane="io")
    tasks.run(lambda: both.wait(), lambda _r: done.append("io 2"), lane="io")
    tasks.run(lambda: "db", done.append)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=10_000)
    assert sorted(done) == ["db", "io 1", "io 2"]
    slow = tasks.run(lambda: time.sleep(0.5), lane="io")
    qtbot.wait(300)  # longer than BUSY_AFTER_MS
    assert tasks.wait(5_000, jobs=[slow])
    assert busy == []
    with pytest.raises(ValueError):
        tasks.run(lambda: None, lane="gpu")  # type: ignore[arg-type]


def test_a_finished_job_keeps_neither_its_function_nor_its_result(
    qtbot: Any, tasks: TaskManager
) -> None:
    """A draft handed to a worker (or made by one) is freed once its outcome is delivered:
    nothing in the runner, its pools or its jobs holds on to it."""

    class Draft:
        pass

    class Work:
        def __call__(self) -> Draft:
            draft = Draft()
            results.append(weakref.ref(draft))
            return draft

    class Broken:
        def __call__(self) -> None:
            raise ValueError(Draft())

    results: list[weakref.ref[Draft]] = []
    works: list[weakref.ref[Any]] = []
    broken: list[weakref.ref[Any]] = []  # their failure's traceback holds them until delivered
    delivered: list[str] = []
    for n in range(60):
        work: Any = Broken() if n % 10 == 0 else Work()
        (broken if isinstance(work, Broken) else works).append(weakref.ref(work))
        tasks.run(
            work,
            lambda _r: delivered.append("ok"),
            lambda _e: delivered.append("failed"),
            lane="io" if n % 2 else "db",
        )
        del work
    assert tasks.wait(5_000)
    gc.collect()
    assert [w for w in works if w() is not None] == []  # finished: gone before delivery
    qtbot.waitUntil(lambda: len(delivered) == 60, timeout=10_000)
    assert delivered.count("failed") == 6 and tasks.pending == 0
    QCoreApplication.processEvents()
    gc.collect()
    assert [r for r in results + broken if r() is not None] == []


def test_a_result_for_a_closed_widget_is_dropped(qtbot: Any, tasks: TaskManager) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    gate = threading.Event()
    tasks.run(lambda: gate.wait(5) and "late", label.setText)
    label.deleteLater()
    qtbot.waitUntil(lambda: not _alive(label), timeout=5_000)
    delivered: list[str] = []
    tasks.run(lambda: "after", delivered.append)
    gate.set()
    qtbot.waitUntil(lambda: delivered == ["after"], timeout=5_000)  # no crash before it


def test_failures_without_on_error_go_to_the_error_signal(
    qtbot: Any, tasks: TaskManager
) -> None:
    with qtbot.waitSignal(tasks.error, timeout=5_000) as caught:
        tasks.run(lambda: 1 / 0, lane="io")
    assert isinstance(caught.args[0], ZeroDivisionError)


def test_shutdown_waits_for_both_lanes_and_drops_what_had_not_started(qtbot: Any) -> None:
    tasks = TaskManager()
    ran: list[str] = []
    gate = threading.Event()

    def first(lane: str) -> None:
        gate.wait(0.3)
        ran.append(lane)

    tasks.run(lambda: first("db"))
    tasks.run(lambda: first("io"), lane="io")
    tasks.run(lambda: ran.append("queued behind db"))
    time.sleep(0.05)  # both first jobs are running
    tasks.shutdown()
    assert sorted(ran) == ["db", "io"] and tasks.running == 0
    assert tasks.run(lambda: ran.append("late")) == -1
    assert not [t for t in threading.enumerate() if t.name.startswith("tasks-")]


def _alive(widget: QLabel) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(widget))
