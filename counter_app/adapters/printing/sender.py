"""Send one print job and report the outcome; the persisted queue decides about retries.

How the ``print_jobs`` queue should use it:

1. Store the job as ``Document.to_json()`` (re-renderable for any printer and for the PNG
   preview) or as bytes, with its ``job_fingerprint`` and status ``pending``.
2. Before calling ``send_job``, commit ``attempts = attempts + 1`` and ``last_attempt_at``.
   A crash after sending and before step 3 then shows up as an attempt with no outcome:
   treat it like ``possibly_printed`` (ask the user) rather than printing again silently.
3. After ``send_job``: ``printed`` -> status printed; ``failed`` -> status failed with
   ``reason``. Retry automatically (with backoff) only when ``possibly_printed`` is False;
   otherwise offer "Reprint" to the user, because some or all of the receipt may already be
   on paper. A job with status printed is only resent on an explicit reprint.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Literal

from counter_app.adapters.printing.connections import Printer
from counter_app.adapters.printing.errors import PrintFailed
from counter_app.domain.documents import Document


@dataclass(frozen=True, slots=True)
class JobResult:
    status: Literal["printed", "failed"]
    reason: str = ""
    possibly_printed: bool = False  # failed, but part or all of it may be on paper
    bytes_sent: int = 0
    duration_ms: float = 0.0

    @property
    def printed(self) -> bool:
        return self.status == "printed"


def job_fingerprint(job: Document | bytes) -> str:
    """A stable id for the job's content: the same receipt twice has the same fingerprint."""
    data = job if isinstance(job, bytes) else job.to_json().encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class PrintSender:
    """Stateless: one attempt per call, never raises for printer trouble."""

    def send_job(self, job: Document | bytes, printer: Printer) -> JobResult:
        start = time.perf_counter()
        try:
            if isinstance(job, bytes):
                printer.send_raw(job)
                sent = len(job)
            else:
                printer.send(job)
                sent = 0  # rendered inside the printer; size not tracked
        except PrintFailed as exc:
            return JobResult(
                "failed", exc.reason, exc.possibly_printed, 0, (time.perf_counter() - start) * 1000
            )
        except Exception as exc:  # a renderer or driver bug must not lose the job either
            return JobResult(
                "failed",
                f"Printing failed unexpectedly ({type(exc).__name__}). The receipt is kept and "
                "can be reprinted.",
                False,
                0,
                (time.perf_counter() - start) * 1000,
            )
        return JobResult("printed", "", False, sent, (time.perf_counter() - start) * 1000)
