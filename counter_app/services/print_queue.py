"""The persisted print queue: receipts and shelf labels wait here until they are on paper.

The return is committed before anything is printed (`ReturnDesk.commit_return` inserts the
``pending`` jobs in the same transaction), so a printer that is off, unplugged or out of
paper never blocks or loses a return: the job stays in ``print_jobs`` with the reason.

One job, one attempt (`PrintQueue.process_once`):

1. claim the oldest due ``pending`` job: ``status='printing', attempts=attempts+1`` in its own
   committed transaction (a conditional update, so two workers never take the same job);
2. build the document from committed data (`services.receipts`);
3. send it with timeouts (`PrintSender`, which never raises for printer trouble);
4. record the outcome: ``printed``; or back to ``pending`` with the reason and a backoff
   when nothing reached the paper; or ``failed`` when some of it may have (the user decides
   about a "Reprint": printing it again silently could hand out two receipts).

A job found in ``printing`` at start-up was interrupted by a crash after its attempt was
committed: it may be on paper, so `recover_interrupted` marks it ``failed`` (reprintable).
A job that is ``printed`` is only printed again by an explicit `reprint` (a new job, audited).

Cash refunds: the customer receipt's document ends with a drawer kick (`CashDrawer` block),
so the drawer opens when the first customer receipt of a cash return prints; reprints and
store copies never open the drawer. Store copies (``settings.store_copy``) are queued when
the customer receipt is first claimed.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, and_, func, select, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.printing import (
    JobResult,
    PrinterConfigError,
    PrinterUnavailable,
    PrintSender,
    connect,
)
from counter_app.adapters.printing.connections import Printer
from counter_app.config import Settings
from counter_app.domain.documents import CashDrawer, Copy, Document
from counter_app.domain.policy import PolicyHolder
from counter_app.services.background import WakeableWorker
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, NotFound
from counter_app.services.history import get_return
from counter_app.services.receipts import (
    ensure_voucher_secret,
    profile_spec,
    receipt_document,
    shelf_label_document,
)
from counter_app.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PrinterFactory = Callable[[str, str | None, float], Printer]
JobStatus = Literal["pending", "printing", "printed", "failed"]

INTERRUPTED_REASON = (
    "Printing was interrupted (the app stopped while this job was being sent). It may or may "
    "not be on paper: check, and reprint it if it is missing."
)


@dataclass(frozen=True)
class PrintJobView:
    id: int
    kind: str
    subject: str
    copy: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    printed_at: datetime | None
    next_try_in: float | None = None  # seconds until the automatic retry (pending jobs)

    @property
    def reprintable(self) -> bool:
        """Failed jobs may be partly on paper: the user is offered a reprint."""
        return self.status == "failed"


@dataclass(frozen=True)
class ProcessResult:
    job_id: int
    kind: str
    subject: str
    status: JobStatus  # what the job is now: printed, pending (will retry) or failed
    reason: str = ""
    possibly_printed: bool = False

    @property
    def printed(self) -> bool:
        return self.status == "printed"


def _default_factory(url: str, profile: str | None, timeout: float) -> Printer:
    return connect(url, profile, timeout)


def send_document(
    document: Document,
    url: str,
    profile: str | None,
    timeout: float,
    factory: PrinterFactory = _default_factory,
) -> JobResult:
    """Open the printer and send one document; never raises (a printer that cannot be
    opened is a failure with nothing on paper)."""
    try:
        printer = factory(url, profile, timeout)
    except (PrinterConfigError, PrinterUnavailable) as exc:
        return JobResult("failed", str(exc))
    except Exception as exc:
        return JobResult("failed", f"The printer cannot be opened: {exc}")
    return PrintSender().send_job(document, printer)


SendDocument = Callable[[Document, str, str | None, float], JobResult]


class PrintQueue:
    """Claims, prints and records print jobs; safe to share between threads."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        settings: Settings,
        policy_holder: PolicyHolder,
        printer_factory: PrinterFactory = _default_factory,
        *,
        timeout: float = 10.0,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        send: SendDocument | None = None,
    ) -> None:
        """`send` replaces how a document reaches the printer (the app sends from a helper
        process so drawing never competes with its window for the GIL)."""
        self.engine = engine
        self.clock = clock
        self.settings = settings
        self.policies = policy_holder
        self.printer_factory = printer_factory
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._monotonic = monotonic
        self._not_before: dict[int, float] = {}  # job id -> monotonic time of next auto try
        self._lock = threading.Lock()
        self._send: SendDocument = send or functools.partial(send_document, factory=printer_factory)

    @property
    def _mine(self) -> Any:
        """Only this counter's jobs: on a shared database each counter has its own printer."""
        return t.print_jobs.c.counter_code == self.settings.counter_code

    # -------------------------------------------------------------------------- reading

    def list_jobs(self, status: str | None = None, limit: int = 500) -> list[PrintJobView]:
        """Jobs, newest first (optionally only one status)."""
        c = t.print_jobs.c
        query = select(t.print_jobs).where(self._mine).order_by(c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(c.status == status)
        with UnitOfWork(self.engine) as uow:
            rows = uow.conn.execute(query).mappings().all()
        return [self._view(row) for row in rows]

    def pending(self) -> list[PrintJobView]:
        """Jobs waiting to print, oldest first."""
        return list(reversed(self.list_jobs("pending")))

    def get(self, job_id: int) -> PrintJobView:
        with UnitOfWork(self.engine) as uow:
            row = (
                uow.conn.execute(select(t.print_jobs).where(t.print_jobs.c.id == job_id))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"There is no print job {job_id}.")
        return self._view(row)

    def counts(self) -> dict[str, int]:
        c = t.print_jobs.c
        with UnitOfWork(self.engine) as uow:
            rows = uow.conn.execute(
                select(c.status, func.count()).where(self._mine).group_by(c.status)
            ).all()
        return {str(s): int(n) for s, n in rows}

    def _view(self, row: Any) -> PrintJobView:
        next_try = None
        if row["status"] == "pending":
            with self._lock:
                due = self._not_before.get(row["id"])
            if due is not None:
                next_try = max(0.0, due - self._monotonic())
        return PrintJobView(
            id=row["id"],
            kind=row["kind"],
            subject=row["subject"],
            copy=row["copy"],
            status=row["status"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            printed_at=row["printed_at"],
            next_try_in=next_try,
        )

    # -------------------------------------------------------------------------- printing

    def process_once(
        self, *, ignore_backoff: bool = False, exclude: set[int] | frozenset[int] = frozenset()
    ) -> ProcessResult | None:
        """Print the oldest due pending job once; None when nothing is due."""
        claimed = self._claim(ignore_backoff, exclude)
        if claimed is None:
            return None
        job_id, kind, subject, copy, first_original = claimed
        try:
            document = self._document(kind, subject, copy, first_original)
        except Exception as exc:  # the data behind the job is missing: nothing was sent
            log.warning("print job %s cannot be built: %s", job_id, exc)
            return self._record(
                job_id, kind, subject, "failed", f"This job cannot be printed: {exc}", False
            )
        result = self._send(
            document, self.settings.printer_url, profile_spec(self.settings), self.timeout
        )
        if result.printed:
            return self._record(job_id, kind, subject, "printed", "", False)
        if result.possibly_printed:
            return self._record(job_id, kind, subject, "failed", result.reason, True)
        return self._record(job_id, kind, subject, "pending", result.reason, False)

    def run_pending(self) -> list[ProcessResult]:
        """Try every pending job once, ignoring backoff (``printer run``, after an outage)."""
        results: list[ProcessResult] = []
        seen: set[int] = set()
        while (result := self.process_once(ignore_backoff=True, exclude=seen)) is not None:
            seen.add(result.job_id)
            results.append(result)
        return results

    def _claim(
        self, ignore_backoff: bool, exclude: set[int] | frozenset[int]
    ) -> tuple[int, str, str, str, bool] | None:
        c = t.print_jobs.c
        now_mono = self._monotonic()
        with UnitOfWork(self.engine, write=True) as uow:
            conn = uow.conn
            candidates = conn.execute(
                select(c.id, c.kind, c.subject, c.copy, c.attempts)
                .where(c.status == "pending", self._mine)
                .order_by(c.id)
                .limit(200)
            ).all()
            with self._lock:
                due = [
                    row
                    for row in candidates
                    if row.id not in exclude
                    and (ignore_backoff or self._not_before.get(row.id, 0.0) <= now_mono)
                ]
            for row in due:
                taken = conn.execute(
                    update(t.print_jobs)
                    .where(and_(c.id == row.id, c.status == "pending"))
                    .values(status="printing", attempts=c.attempts + 1)
                ).rowcount
                if taken != 1:
                    continue
                first_original = False
                if row.kind == "return_receipt" and row.copy == "customer":
                    first_id = conn.execute(
                        select(func.min(c.id)).where(
                            c.kind == "return_receipt",
                            c.subject == row.subject,
                            c.copy == "customer",
                        )
                    ).scalar()
                    first_original = first_id == row.id
                    if first_original and row.attempts == 0 and self.settings.store_copy:
                        has_store_copy = conn.execute(
                            select(func.count()).where(
                                c.kind == "return_receipt",
                                c.subject == row.subject,
                                c.copy == "store",
                            )
                        ).scalar_one()
                        if not has_store_copy:
                            repo.add_print_job(
                                conn,
                                kind="return_receipt",
                                subject=row.subject,
                                at=self.clock.now(),
                                counter=self.settings.counter_code,
                                copy="store",
                            )
                uow.commit()
                return row.id, row.kind, row.subject, row.copy, first_original
        return None

    def _document(self, kind: str, subject: str, copy: str, first_original: bool) -> Document:
        policy = self.policies.current
        if kind == "return_receipt":
            self.settings = ensure_voucher_secret(self.settings)
            doc = receipt_document(
                self.engine,
                self.settings,
                policy,
                subject,
                "store" if copy == "store" else "customer",
            )
            if not first_original:  # reprints never open the cash drawer again
                doc = replace(
                    doc, blocks=tuple(b for b in doc.blocks if not isinstance(b, CashDrawer))
                )
            return doc
        if kind == "shelf_label":
            return shelf_label_document(self.engine, subject, policy)
        if kind == "z_report":
            from counter_app.services.day_close import z_report_document

            return z_report_document(self.engine, subject)
        raise BadInput(f"unknown print job kind '{kind}'")

    def _record(
        self,
        job_id: int,
        kind: str,
        subject: str,
        status: JobStatus,
        reason: str,
        possibly_printed: bool,
    ) -> ProcessResult:
        c = t.print_jobs.c
        values: dict[str, Any] = {"status": status, "last_error": reason or None}
        if status == "printed":
            values["printed_at"] = self.clock.now()
        with UnitOfWork(self.engine, write=True) as uow:
            uow.conn.execute(
                update(t.print_jobs)
                .where(and_(c.id == job_id, c.status == "printing"))
                .values(**values)
            )
            attempts = uow.conn.execute(
                select(c.attempts).where(c.id == job_id)
            ).scalar_one_or_none()
            uow.commit()
        with self._lock:
            if status == "pending":
                delay = min(
                    self.backoff_max,
                    self.backoff_base * 2 ** min(16, max(0, int(attempts or 1) - 1)),
                )
                self._not_before[job_id] = self._monotonic() + delay
            else:
                self._not_before.pop(job_id, None)
        if status != "printed":
            log.info("print job %s (%s %s) is %s: %s", job_id, kind, subject, status, reason)
        return ProcessResult(job_id, kind, subject, status, reason, possibly_printed)

    # -------------------------------------------------------------------------- user actions

    def retry(self, job_id: int, actor: str = "system") -> PrintJobView:
        """Put a pending or failed job back in line now (a failed one may print twice: the
        user asked for it, and it is audited). A printed job is never sent again this way."""
        c = t.print_jobs.c
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.conn.execute(select(t.print_jobs).where(c.id == job_id)).mappings().first()
            if row is None:
                raise NotFound(f"There is no print job {job_id}.")
            if row["status"] == "printed":
                raise BadInput(
                    f"Print job {job_id} is already printed. Use reprint to print it again."
                )
            if row["status"] == "printing":
                raise BadInput(f"Print job {job_id} is being printed right now.")
            if row["status"] == "failed":
                uow.conn.execute(
                    update(t.print_jobs)
                    .where(and_(c.id == job_id, c.status == "failed"))
                    .values(status="pending")
                )
                repo.append_audit(
                    uow.conn,
                    at=self.clock.now(),
                    actor=actor,
                    action="print.retried",
                    subject=row["subject"],
                    data={"job": job_id, "kind": row["kind"], "copy": row["copy"]},
                )
            uow.commit()
        with self._lock:
            self._not_before.pop(job_id, None)
        return self.get(job_id)

    def reprint(self, ref: str, actor: str = "system", copy: Copy = "customer") -> int:
        """Queue the receipt of return `ref` again (a new job; audited). Returns the job id."""
        if copy not in ("customer", "store"):
            raise BadInput("The receipt copy must be 'customer' or 'store'.")
        view = get_return(self.engine, ref)  # NotFound for an unknown reference
        now = self.clock.now()
        with UnitOfWork(self.engine, write=True) as uow:
            job_id = repo.add_print_job(
                uow.conn,
                kind="return_receipt",
                subject=view.ref,
                at=now,
                counter=self.settings.counter_code,
                copy=copy,
            )
            repo.append_audit(
                uow.conn,
                at=now,
                actor=actor,
                action="receipt.reprinted",
                subject=view.ref,
                data={"job": job_id, "copy": copy},
            )
            uow.commit()
        return job_id

    def recover_interrupted(self) -> int:
        """At start-up: jobs left in 'printing' by a crash become 'failed' (reprint offered).

        Call it before any worker of this database starts; returns how many were found.
        """
        c = t.print_jobs.c
        with UnitOfWork(self.engine, write=True) as uow:
            count = uow.conn.execute(
                update(t.print_jobs)
                .where(c.status == "printing", self._mine)
                .values(status="failed", last_error=INTERRUPTED_REASON)
            ).rowcount
            uow.commit()
        if count:
            log.warning("%s print job(s) were interrupted and need a decision", count)
        return int(count or 0)


class PrintWorker(WakeableWorker):
    """Runs the queue in the background (the GUI starts one): prints what is due, waits with
    a growing pause while the printer is down, wakes at once on `wake()`; `stop()` + `join()`."""

    def __init__(
        self,
        queue: PrintQueue,
        *,
        idle_interval: float = 2.0,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        on_result: Callable[[ProcessResult], None] | None = None,
    ) -> None:
        super().__init__("print-worker", on_result)
        self.queue = queue
        self.idle_interval = idle_interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff

    def run(self) -> None:
        backoff = self.min_backoff
        while not self.stopping:
            try:
                result = self.queue.process_once()
            except Exception as exc:  # database busy or gone: keep trying, never die
                log.exception("print queue failed")
                self.last_error = str(exc)
                self._pause(backoff)
                backoff = min(self.max_backoff, backoff * 2)
                continue
            if result is None:
                self._pause(self.idle_interval)
                continue
            self._report(result)
            if result.printed or result.status == "failed":
                self.last_error = None if result.printed else result.reason
                backoff = self.min_backoff
                continue
            self.last_error = result.reason  # printer down: wait before the next attempt
            self._pause(backoff)
            backoff = min(self.max_backoff, backoff * 2)
