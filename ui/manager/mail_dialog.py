"""Customer e-mails: which were sent, which wait (and why), which failed — and retry them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from counter_app.services.notifications import (
    NotificationView,
    list_notifications,
    retry_notification,
)
from ui import i18n
from ui.context import CounterContext
from ui.manager.common import item, make_table, tr
from ui.widgets import Banner

STATUS = {"pending": "waiting", "sent": "sent", "failed": "failed"}


class MailDialog(QDialog):
    loaded = Signal()

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mailDialog")
        self.setWindowTitle(tr("Customer e-mails"))
        self.resize(1000, 560)
        self.ctx = ctx
        self.rows: list[NotificationView] = []
        layout = QVBoxLayout(self)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.table = make_table("mailTable")
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton(tr("Send again"))
        self.retry_button.setObjectName("mailRetry")
        self.retry_button.setAutoDefault(False)
        self.retry_button.clicked.connect(self.retry_selected)
        close = QPushButton(tr("Close"))
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        engine = self.ctx.app.engine
        self.ctx.tasks.run(
            lambda: list_notifications(engine),
            on_done=self._show,
            on_error=lambda exc: self.banner.show_message(str(exc)),
        )

    def _show(self, rows: list[NotificationView]) -> None:
        self.rows = rows
        headers = [
            tr("Queued"),
            tr("Return"),
            tr("To"),
            tr("Language"),
            tr("Status"),
            tr("Tries"),
            tr("Next try"),
            tr("Problem"),
        ]
        table = self.table
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        for r, n in enumerate(rows):
            cells = [
                item(i18n.when(n.created_at), data=n.id),
                item(n.ref),
                item(n.recipient),
                item(n.language),
                item(tr(STATUS.get(n.status, n.status))),
                item(str(n.attempts), number=True),
                item(i18n.when(n.next_attempt_at) if n.status == "pending" else ""),
                item(n.last_error or ""),
            ]
            cells[-1].setToolTip(n.last_error or "")
            for c, cell in enumerate(cells):
                table.setItem(r, c, cell)
        failed = sum(1 for n in rows if n.status == "failed")
        if failed:
            self.banner.show_message(
                tr(
                    "{n} e-mail(s) could not be sent. Check the mail settings, then send them "
                    "again."
                ).format(n=failed),
                "warning",
            )
        self.loaded.emit()

    def retry_selected(self) -> None:
        row = self.table.currentRow()
        cell = self.table.item(row, 0) if row >= 0 else None
        if cell is None:
            self.banner.show_message(tr("Select an e-mail first."), "warning")
            return
        note_id = int(cell.data(Qt.ItemDataRole.UserRole))
        engine = self.ctx.app.engine
        self.ctx.tasks.run(
            lambda: retry_notification(engine, note_id),
            on_done=lambda _r: self.refresh(),
            on_error=lambda exc: self.banner.show_message(str(exc)),
        )
