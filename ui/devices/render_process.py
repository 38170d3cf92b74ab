"""Receipt images are drawn in a helper process, not in a thread of the app.

Drawing a receipt (Pillow, barcodes, fonts) holds Python's GIL for tens of milliseconds at a
time; in a thread that would freeze the counter's window right after each return. A process
has its own GIL. One process is started on first use and kept; each call waits for it
without holding the GIL. After `close()` (the window closed) no call starts it again: the
process and the executor's manager thread end with the window.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from counter_app.config import Settings
from counter_app.domain.documents import Document
from counter_app.services.print_queue import send_document

if TYPE_CHECKING:
    from counter_app.adapters.printing import JobResult

RENDER_TIMEOUT_S = 60.0
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


def _load() -> None:
    import counter_app.bootstrap
    import counter_app.services.receipts  # noqa: F401


class ReceiptRenderer:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # callers are worker threads of several lanes
        self._closed = False

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the receipt renderer is closed")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def warm_up(self) -> None:
        """Start the process and load the drawing code before the first receipt is needed
        (call from a worker thread)."""
        self._executor().submit(_load).result(RENDER_TIMEOUT_S)

    def receipt_png(self, settings: Settings, ref: str) -> bytes:
        """The receipt PNG of `ref` (call from a worker thread: it waits for the process)."""
        future = self._executor().submit(_receipt_png, settings, ref)
        return future.result(RENDER_TIMEOUT_S)

    def send_document(
        self, document: Document, url: str, profile: str | None, timeout: float
    ) -> JobResult:
        """Send a print job from the helper process (the print worker thread waits)."""
        future = self._executor().submit(send_document, document, url, profile, timeout)
        return future.result(RENDER_TIMEOUT_S + timeout * 4)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
