"""Customer e-mails: which were sent, which wait (and why), which failed — and retry them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from counter_app.services.notifications import (
    NotificationView,
    list_notifications,
    retry_notification,
)
from ui import i18n
from ui.context import CounterContext
from ui.manager.common import make_table, tr
from ui.table_model import Column, RowModel
from ui.widgets import Banner

STATUS = {"pending": "waiting", "sent": "sent", "failed": "failed"}

COLUMNS: list[Column[NotificationView]] = [
    Column(lambda: tr("Queued"), lambda n: i18n.when(n.created_at)),
    Column(lambda: tr("Return"), lambda n: n.ref),
    Column(lambda: tr("To"), lambda n: n.recipient),
    Column(lambda: tr("Language"), lambda n: i18n.LANGUAGE_NAMES.get(n.language, n.language)),
    Column(lambda: tr("Status"), lambda n: tr(STATUS.get(n.status, n.status))),
    Column(lambda: tr("Tries"), lambda n: str(n.attempts), number=True),
    Column(
        lambda: tr("Next try"),
        lambda n: i18n.when(n.next_attempt_at) if n.status == "pending" else "",
    ),
    Column(
        lambda: tr("Problem"), lambda n: n.last_error or "", tooltip=lambda n: n.last_error or ""
    ),
]


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
        self.model: RowModel[NotificationView] = RowModel(COLUMNS, self)
        self.table = make_table("mailTable", self.model)
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
        self.model.reset_rows(rows)
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
        note = self.model.row_at(self.table.currentIndex())
        if note is None:
            self.banner.show_message(tr("Select an e-mail first."), "warning")
            return
        note_id = note.id
        engine = self.ctx.app.engine
        self.ctx.tasks.run(
            lambda: retry_notification(engine, note_id),
            on_done=lambda _r: self.refresh(),
            on_error=lambda exc: self.banner.show_message(str(exc)),
        )
