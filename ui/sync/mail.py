"""Customer e-mails from the running app: a background sender, woken after each return and
stopped when the window closes.

Only when SMTP is configured; the counter never waits for the mail server.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from counter_app.services.notifications import NotificationWorker, notifier_from_settings
from ui.widgets import follow_window


class MailController(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        app = window.ctx.app
        notifier = notifier_from_settings(app.engine, app.clock, app.settings)
        self.worker = NotificationWorker(notifier) if notifier is not None else None
        if self.worker is not None:
            self.worker.start()
            window.return_committed.connect(lambda _ref: self.wake())
            follow_window(window, lambda: None, self.stop)

    def wake(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def stop(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop()
            worker.join(timeout=30)
