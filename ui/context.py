"""What every window of the GUI shares: the wired core, the one task runner (`tasks`: the
"db" and "io" lanes of ui.tasks, used by every screen and service), who is signed in, and the
hooks other parts of the project plug into (receipt preview, reprint)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from counter_app.bootstrap import App
from counter_app.domain.model import User
from ui.tasks import TaskManager

ReceiptPreviewProvider = Callable[[str], bytes]


@dataclass
class CounterContext:
    app: App
    tasks: TaskManager
    user: User | None = None
    # ref -> PNG bytes of the receipt; None shows the reference and a text summary instead.
    receipt_preview_provider: ReceiptPreviewProvider | None = None
    # called with a return reference when someone asks for a reprint (printing wires this).
    reprint: Callable[[str], None] | None = None
    reprint_requests: list[str] = field(default_factory=list)
    # the print queue and sync controllers (ui.devices.printing, ui.sync.controller), once wired.
    printing: Any = None
    sync: Any = None
    mail: Any = None  # customer e-mail sender (ui.sync.mail), when SMTP is configured

    @property
    def desk(self):  # type: ignore[no-untyped-def]
        return self.app.desk

    def request_reprint(self, ref: str) -> None:
        self.reprint_requests.append(ref)
        if self.reprint is not None:
            self.reprint(ref)
