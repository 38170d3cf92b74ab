"""Head-office sync in the window: "Sync now", the nightly run, status and exceptions.

`SyncController` runs every sync, status read and resolution on the "io" lane of the window's
task runner (parallel threads: the sync itself, and the status polls that measure its
progress), so a head office that is down — retries with backoff can take a minute — never
holds up the cashier's work on the "db" lane, and never the UI thread.

Progress: `push_outbox` has no callback, so progress is (waiting at start - waiting now) /
waiting at start, from `sync_status` polled while the sync runs.

Nightly: a single-shot QTimer aimed at `next_nightly_run(now, settings.sync_time, store time
zone)`. Long waits are cut into steps of at most a minute and recomputed, so a suspended
laptop or a changed clock does not make it fire at the wrong time; after each nightly run the
next one is computed again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from counter_app.config import Settings
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput
from counter_app.services.sync import (
    SyncException,
    SyncReport,
    SyncStatus,
    list_exceptions,
    next_nightly_run,
    record_sync_error,
    resolve_exception,
    run_sync,
    sync_status,
)
from ui.context import CounterContext
from ui.tasks import OnDone, OnError
from ui.widgets import follow_window

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

POLL_MS = 30_000
PROGRESS_MS = 250
STEP_MS = 60_000  # the nightly timer never sleeps longer than this before re-checking
ClientFactory = Callable[[Settings], Any]


class SyncCancelled(Exception):
    """The window is closing: stop waiting between retries."""


def default_client(settings: Settings) -> Any:
    from counter_app.cli.sync import make_client

    return make_client(settings)


def configured(settings: Settings) -> bool:
    return bool(settings.central_url and settings.central_key)


class SyncController(QObject):
    status_changed = Signal(object)  # SyncStatus
    exceptions_changed = Signal(object)  # list[SyncException]
    started = Signal(str)  # "manual" or "nightly"
    progress = Signal(int)  # 0..100
    finished = Signal(object)  # SyncReport (report.error set when it failed)
    nightly_scheduled = Signal(object)  # datetime of the next nightly run, or None

    def __init__(
        self,
        ctx: CounterContext,
        window: QWidget | None = None,
        *,
        clock: Clock | None = None,
        client_factory: ClientFactory = default_client,
        retry_options: dict[str, Any] | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(window)
        self.setObjectName("syncController")
        self.ctx = ctx
        self.window = window
        self.clock: Clock = clock or ctx.app.clock
        self.client_factory = client_factory
        self._cancel = threading.Event()
        self.retry_options: dict[str, Any] = {"attempts": 3, "sleep": self._sleep}
        self.retry_options.update(retry_options or {})
        self._jobs: set[int] = set()  # this controller's jobs on ctx.tasks, for stop()
        self.status: SyncStatus | None = None
        self.indicator: Any = None  # the header widget, once installed
        self.exceptions: list[SyncException] = []
        self.last_report: SyncReport | None = None
        self.running = False
        self.next_run: datetime | None = None
        self._initial_waiting = 0
        self._polling = False
        self._stopped = False
        self._started = False
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.refresh)
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._poll_progress)
        self._nightly = QTimer(self)
        self._nightly.setSingleShot(True)
        self._nightly.timeout.connect(self._nightly_tick)
        self._nightly_final = False
        if window is not None:
            follow_window(window, self.start, self.stop)
            committed = getattr(window, "return_committed", None)
            if committed is not None:
                committed.connect(lambda _ref: self.refresh())

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._started or self._stopped:
            return
        self._started = True
        self._poll.start()
        self.refresh()
        self.schedule_nightly()

    def stop(self) -> None:
        """No more syncs; a sync in flight stops at its next retry pause and is waited for."""
        if self._stopped:
            return
        self._stopped = True
        self._cancel.set()
        for timer in (self._poll, self._progress_timer, self._nightly):
            timer.stop()
        self.ctx.tasks.wait(jobs=self._jobs)
        self._jobs.clear()

    def _run(self, fn: Callable[[], Any], on_done: OnDone, on_error: OnError) -> None:
        """On the "io" lane: never behind the cashier's work, never in its way."""
        tasks = self.ctx.tasks
        self._jobs = tasks.unfinished(self._jobs)
        self._jobs.add(tasks.run(fn, on_done, on_error, lane="io"))

    def _sleep(self, seconds: float) -> None:
        if self._cancel.wait(seconds):
            raise SyncCancelled("the window is closing")

    @property
    def settings(self) -> Settings:
        return self.ctx.app.settings

    @property
    def is_configured(self) -> bool:
        return configured(self.settings)

    # ------------------------------------------------------------------ status
    def refresh(self) -> None:
        """Read the status and the open exceptions (background); signals carry the result."""
        if self._stopped:
            return
        engine = self.ctx.app.engine
        self._run(
            lambda: (sync_status(engine), list_exceptions(engine)),
            self._refreshed,
            lambda exc: log.warning("sync status failed: %s", exc),
        )

    def _refreshed(self, result: tuple[SyncStatus, list[SyncException]]) -> None:
        status, problems = result
        self.status = status
        self.exceptions = problems
        self.status_changed.emit(status)
        self.exceptions_changed.emit(problems)

    def _poll_progress(self) -> None:
        if self._polling or not self.running:
            return
        self._polling = True
        engine = self.ctx.app.engine
        self._run(lambda: sync_status(engine), self._progress_read, self._progress_failed)

    def _progress_failed(self, _exc: BaseException) -> None:
        self._polling = False

    def _progress_read(self, status: SyncStatus) -> None:
        self._polling = False
        if not self.running:
            return
        self.status = status
        self.status_changed.emit(status)
        if self._initial_waiting > 0:
            done = max(0, self._initial_waiting - status.waiting)
            # the push is most of the work; the pull after it is the last few percent
            self.progress.emit(min(95, int(95 * done / self._initial_waiting)))

    # ------------------------------------------------------------------ syncing
    def sync_now(self, kind: str = "manual") -> bool:
        """Start a sync unless one is running; False when nothing was started."""
        if self.running or self._stopped:
            return False
        settings = self.settings
        if not configured(settings):
            report = SyncReport(error=NOT_CONFIGURED)
            self.last_report = report
            self.finished.emit(report)
            return False
        self.running = True
        self._initial_waiting = self.status.waiting if self.status is not None else 0
        self.started.emit(kind)
        self.progress.emit(0)
        engine, clock, policies = self.ctx.app.engine, self.clock, self.ctx.app.policies
        factory, options = self.client_factory, dict(self.retry_options)

        def work() -> SyncReport:
            initial = sync_status(engine).waiting
            self._initial_waiting = max(self._initial_waiting, initial)
            try:
                with factory(settings) as client:
                    return run_sync(engine, client, clock, policies, **options)
            except SyncCancelled:
                raise  # the window is closing: not a failure of head office
            except Exception as exc:  # the status must never say "none" after this
                record_sync_error(engine, str(exc) or type(exc).__name__)
                raise

        self._progress_timer.start()
        self._run(work, lambda r: self._done(r, kind), lambda e: self._failed(e, kind))
        return True

    def _done(self, report: SyncReport, kind: str) -> None:
        self.running = False
        self._progress_timer.stop()
        self.last_report = report
        if report.ok:
            self.progress.emit(100)
        if report.policy_warning and self.window is not None:
            banner = getattr(self.window, "banner", None)
            if banner is not None:
                banner.show_message(report.policy_warning, "warning")
        self.finished.emit(report)
        self.refresh()
        if kind == "nightly":
            self.schedule_nightly()

    def _failed(self, exc: BaseException, kind: str) -> None:
        text = str(exc) or type(exc).__name__
        self._done(SyncReport(error=text), kind)

    # ------------------------------------------------------------------ nightly
    def schedule_nightly(self) -> datetime | None:
        """Aim the timer at the next nightly run (None when head office is not configured)."""
        self._nightly.stop()
        self.next_run = None
        if self._stopped or not configured(self.settings):
            self.nightly_scheduled.emit(None)
            return None
        now = self.clock.now()
        try:
            zone = self.ctx.app.policies.current.timezone
            due = next_nightly_run(now, self.settings.sync_time, zone)
        except BadInput as exc:
            log.error("nightly sync not scheduled: %s", exc)
            self.nightly_scheduled.emit(None)
            return None
        self.next_run = due
        self._arm(now)
        self.nightly_scheduled.emit(due)
        return due

    def _arm(self, now: datetime) -> None:
        assert self.next_run is not None
        left_ms = max(0, int((self.next_run - now).total_seconds() * 1000))
        self._nightly_final = left_ms <= STEP_MS
        self._nightly.start(min(left_ms, STEP_MS))

    def _nightly_tick(self) -> None:
        if self._stopped or self.next_run is None:
            return
        now = self.clock.now()
        if not self._nightly_final and now < self.next_run:
            self._arm(now)  # a step of a long wait: look at the clock again
            return
        self.run_nightly()

    def run_nightly(self) -> None:
        """The scheduled slot: sync now, then aim at the next night."""
        if not self.sync_now("nightly"):
            self.schedule_nightly()  # one is already running (or not configured)

    # ------------------------------------------------------------------ exceptions
    def resolve(
        self,
        exception_id: int,
        username: str,
        pin: str,
        note: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """A manager (their own user name and PIN) closes one rejected message with a note."""
        from counter_app.services import auth

        app = self.ctx.app
        engine, clock, store = app.engine, app.clock, self.settings.store_code

        def work() -> int:
            manager = auth.authenticate(engine, clock, username, pin)
            if not manager.can_approve:
                raise BadInput(ONLY_MANAGERS)
            resolve_exception(engine, clock, exception_id, manager.username, note, store_code=store)
            return exception_id

        def done(result: Any) -> None:
            self.refresh()
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)

        self._run(work, done, failed)


NOT_CONFIGURED = (
    "Head office is not configured for this store (central_url and central_key in the "
    "settings file). Ask support to set it up."
)
ONLY_MANAGERS = "Only a manager can resolve a sync problem."
