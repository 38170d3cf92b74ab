"""A background worker that sleeps between looks and can be woken or stopped at once.

The print queue and the customer e-mails each run one (the GUI starts them); `wake()` after a
return was committed, `stop()` + `join()` on the way out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class WakeableWorker(threading.Thread):
    def __init__(self, name: str, on_result: Callable[[Any], None] | None) -> None:
        super().__init__(name=name, daemon=True)
        self.on_result = on_result
        self.last_error: str | None = None
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()

    def wake(self) -> None:
        """Something new is due: look now instead of after the pause."""
        self._wake_event.set()

    def stop(self) -> None:
        self._stop_event.set()
        self._wake_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    def _pause(self, seconds: float) -> None:
        self._wake_event.wait(seconds)
        self._wake_event.clear()

    def _report(self, result: Any) -> None:
        """Hand a result to the caller's callback; a failing callback never stops the work."""
        if self.on_result is None:
            return
        try:
            self.on_result(result)
        except Exception:
            log.exception("%s: result callback failed", self.name)
