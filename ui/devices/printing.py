"""Printing in the window: the persisted queue, its background worker, preview and reprint.

`PrintController` owns one `PrintQueue` and one `PrintWorker` for the window's lifetime:
interrupted jobs are recovered and the worker started once the window is shown; the worker is
stopped and joined when the window closes. Printing happens only on the worker thread (or, for
the test page, on the "io" lane of the window's task runner): a printer that is off, refusing
or jammed never makes the UI thread wait, nor the cashier's work on the "db" lane. Database
reads and user actions (retry, reprint) run on the "db" lane. `changed(PrintStatus)` fires
whenever the queue may have changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from counter_app.config import Settings
from counter_app.services.print_queue import (
    PrinterFactory,
    PrintJobView,
    PrintQueue,
    PrintWorker,
    ProcessResult,
)
from ui.context import CounterContext
from ui.devices.render_process import ReceiptRenderer
from ui.tasks import OnDone, OnError
from ui.widgets import follow_window

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

REFRESH_MS = 15_000
STOP_GRACE_S = 0.5  # how long closing lets a stopped worker finish its database write


@dataclass(frozen=True)
class PrintStatus:
    """What the header and the queue dialog show."""

    pending: int = 0
    failed: int = 0
    printing: int = 0
    printed: int = 0
    reason: str | None = None  # why the oldest waiting / newest failed job is not on paper
    jobs: list[PrintJobView] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return self.pending + self.printing


@dataclass(frozen=True)
class PrintAttempt:
    """The last time something was really sent to a printer (a job or the test page): the
    header says "Ready" only after one went through, never on a guess."""

    url: str
    printed: bool
    reason: str = ""


@dataclass(frozen=True)
class TestPageResult:
    printed: bool
    reason: str = ""


def _status(queue: PrintQueue) -> PrintStatus:
    counts = queue.counts()
    jobs = queue.list_jobs(limit=200)
    # a failed job whose receipt printed later (a reprint) needs nobody's attention any more
    printed_after: dict[tuple[str, str, str], int] = {}
    for j in jobs:
        if j.status == "printed":
            key = (j.kind, j.subject, j.copy)
            printed_after[key] = max(j.id, printed_after.get(key, 0))
    open_failed = [
        j
        for j in jobs
        if j.status == "failed" and printed_after.get((j.kind, j.subject, j.copy), 0) < j.id
    ]
    reason = None
    for job in reversed(jobs):  # oldest first: the one holding the line
        if job.status == "pending" and job.last_error:
            reason = job.last_error
            break
    if reason is None and open_failed:
        reason = open_failed[0].last_error
    return PrintStatus(
        pending=counts.get("pending", 0),
        failed=len(open_failed),
        printing=counts.get("printing", 0),
        printed=counts.get("printed", 0),
        reason=reason,
        jobs=jobs,
    )


def print_test_page(settings: Settings, timeout: float = 5.0) -> TestPageResult:
    """What `counter-app printer test` does: build the test page, send it once."""
    from counter_app.services.print_queue import send_document
    from counter_app.services.receipts import printer_test_page, profile_spec

    url = settings.printer_url
    try:
        page = printer_test_page(settings, url)
        result = send_document(page, url, profile_spec(settings), max(0.1, timeout))
    except Exception as exc:  # unknown profile, no font: say it, never crash the dialog
        return TestPageResult(False, str(exc))
    return TestPageResult(bool(result.printed), "" if result.printed else result.reason)


class PrintController(QObject):
    changed = Signal(object)  # PrintStatus
    job_done = Signal(object)  # ProcessResult, on the UI thread
    test_page_done = Signal(object)  # TestPageResult
    _from_worker = Signal(object)  # ProcessResult, emitted on the worker thread

    def __init__(
        self,
        ctx: CounterContext,
        window: QWidget | None = None,
        *,
        printer_factory: PrinterFactory | None = None,
        timeout: float = 10.0,
        idle_interval: float = 2.0,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
    ) -> None:
        super().__init__(window)
        self.setObjectName("printController")
        self.ctx = ctx
        self.window = window
        app = ctx.app
        options: dict[str, Any] = {
            "timeout": timeout,
            "backoff_base": backoff_base,
            "backoff_max": backoff_max,
        }
        # receipts are drawn and sent from a helper process; its pid file in the data folder
        self.renderer = ReceiptRenderer(app.settings.home)
        if printer_factory is not None:
            options["printer_factory"] = printer_factory  # an in-process printer (tests)
        else:
            options["send"] = self.renderer.send_document
        self.queue = PrintQueue(app.engine, app.clock, app.settings, app.policies, **options)
        self._worker_options = {
            "idle_interval": idle_interval,
            "min_backoff": min_backoff,
            "max_backoff": max_backoff,
        }
        self.worker: PrintWorker | None = None
        self.status = PrintStatus()
        self.last_attempt: PrintAttempt | None = None
        self.indicator: Any = None  # the header widget, once installed
        self.alert: Any = None  # the "did not print" banner (ui.devices.print_alert), likewise
        self.test_timeout = min(timeout, 5.0)
        self._started = False
        self._stopped = False
        self._refreshing = False
        self._refresh_again = False
        self._io_jobs: set[int] = set()  # warm-up and test pages on the "io" lane, for stop()
        self._from_worker.connect(self._worker_result)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        if ctx.receipt_preview_provider is None:  # keep a hook someone already set
            ctx.receipt_preview_provider = self.receipt_png
        if ctx.reprint is None:
            ctx.reprint = self.reprint
        if window is not None:
            follow_window(window, self.start, self.stop)
            committed = getattr(window, "return_committed", None)
            if committed is not None:
                committed.connect(self.after_commit)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Recover jobs a crash left half-sent, then start the worker (once)."""
        if self._started or self._stopped:
            return
        self._started = True
        self._timer.start()
        try:
            self.renderer.start()  # from the UI thread: see ReceiptRenderer._executor
        except Exception as exc:  # no process can be started: receipts say so when asked
            log.error("the receipt helper process cannot start: %s", exc)
        self._run_io(self.renderer.warm_up, None, lambda _e: None)
        self.ctx.tasks.run(
            self.queue.recover_interrupted, lambda _n: self._start_worker(), self._start_failed
        )

    def _start_failed(self, exc: BaseException) -> None:
        log.error("print queue recovery failed: %s", exc)
        self._start_worker()  # printing new receipts matters more than the old ones

    def _start_worker(self) -> None:
        if self._stopped or self.worker is not None:
            return
        self.worker = PrintWorker(
            self.queue, on_result=self._from_worker.emit, **self._worker_options
        )
        self.worker.start()
        self.refresh()

    def stop(self) -> None:
        """Stop the worker and end the receipt helper without waiting for either: closing
        the counter never waits for a printer or for the helper's start-up. A job cut off
        here stays in the queue and is recovered at the next start. A closed renderer
        refuses new work, so no warm-up or test page can start the helper again."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop()
        self.renderer.close()  # a send the worker waits for fails at once
        if worker is not None:
            worker.join(timeout=STOP_GRACE_S)  # a daemon: one that is still busy is left
        self._io_jobs.clear()

    def _run_io(
        self, fn: Callable[[], Any], on_done: OnDone | None, on_error: OnError | None
    ) -> None:
        """The printer and the helper process: the "io" lane, never behind or in front of
        the cashier's work."""
        tasks = self.ctx.tasks
        self._io_jobs = tasks.unfinished(self._io_jobs)
        self._io_jobs.add(tasks.run(fn, on_done, on_error, lane="io"))

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    # ------------------------------------------------------------------ state
    def _settings(self) -> Settings:
        """The window's current settings (the printer may have changed), same voucher secret."""
        current = self.ctx.app.settings
        known = self.queue.settings.voucher_secret
        if not current.voucher_secret and known:
            current = replace(current, voucher_secret=known)
        return current

    def wake(self) -> None:
        self.queue.settings = self._settings()
        if self.worker is not None:
            self.worker.wake()

    def refresh(self) -> None:
        """Read the queue on the task manager; `changed` fires with the result."""
        if self._stopped:
            return
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self.queue.settings = self._settings()
        queue = self.queue
        self.ctx.tasks.run(lambda: _status(queue), self._refreshed, self._refresh_failed)

    def _refreshed(self, status: PrintStatus) -> None:
        self._refreshing = False
        self.status = status
        self.changed.emit(status)
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def _refresh_failed(self, exc: BaseException) -> None:
        self._refreshing = False
        log.warning("print queue status failed: %s", exc)

    def attempt(self) -> PrintAttempt | None:
        """The last real attempt on the printer now in the settings (None: not tried yet)."""
        last = self.last_attempt
        if last is None or last.url != self.ctx.app.settings.printer_url:
            return None  # another printer was saved since: nothing is known about it
        return last

    def _worker_result(self, result: ProcessResult) -> None:
        built = result.status != "failed" or result.possibly_printed  # else nothing was sent
        if built:
            url = self.queue.settings.printer_url
            self.last_attempt = PrintAttempt(url, result.printed, result.reason)
        self.job_done.emit(result)
        self.refresh()

    def _tested(self, url: str, result: TestPageResult) -> None:
        self.last_attempt = PrintAttempt(url, result.printed, result.reason)
        self.test_page_done.emit(result)
        self.changed.emit(self.status)

    def after_commit(self, _ref: str = "") -> None:
        self.wake()
        self.refresh()

    # ------------------------------------------------------------------ hooks and actions
    def receipt_png(self, ref: str) -> bytes:
        """The receipt as the PNG the screen shows (runs on a task manager thread)."""
        from counter_app.services.receipts import ensure_voucher_secret

        settings = ensure_voucher_secret(self._settings())
        return self.renderer.receipt_png(settings, ref)

    def _actor(self) -> str:
        user = self.ctx.user
        return user.username if user is not None else "system"

    def _run_action(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        def done(result: Any) -> None:
            self.wake()
            self.refresh()
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self.refresh()
            if on_error is not None:
                on_error(exc)
            else:
                show = getattr(self.window, "show_error", None)
                if show is not None:
                    show(exc)

        self.ctx.tasks.run(fn, done, failed)

    def reprint(
        self,
        ref: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Queue the receipt of `ref` again (a new, audited job) and wake the worker."""
        queue, actor = self.queue, self._actor()
        self._run_action(lambda: queue.reprint(ref, actor), on_done, on_error)

    def retry(
        self,
        job_id: int,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Put a waiting or failed job back in line now."""
        queue, actor = self.queue, self._actor()
        self._run_action(lambda: queue.retry(job_id, actor), on_done, on_error)

    def test_page(self, settings: Settings | None = None) -> None:
        """Print the test page off the UI thread; `test_page_done` fires with the outcome."""
        chosen = settings or self._settings()
        timeout, url = self.test_timeout, chosen.printer_url
        self._run_io(
            lambda: print_test_page(chosen, timeout),
            lambda result: self._tested(url, result),
            lambda exc: self._tested(url, TestPageResult(False, str(exc))),
        )
