"""Customer e-mails from the running app: a background sender, woken after each return and
stopped when the window closes.

Only when SMTP is configured; the counter never waits for the mail server.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject

from counter_app.services.notifications import NotificationWorker, notifier_from_settings


class MailController(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        app = window.ctx.app
        notifier = notifier_from_settings(app.engine, app.clock, app.settings)
        self.worker = NotificationWorker(notifier) if notifier is not None else None
        if self.worker is not None:
            self.worker.start()
            window.return_committed.connect(lambda _ref: self.wake())
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def wake(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def stop(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.stop()
            worker.join(timeout=30)
