"""The printer in the header (printer icon + "Ready", "2 waiting", "1 failed") and the
print queue dialog: every job with its state and reason, Retry and Reprint."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.services.errors import CounterError
from counter_app.services.print_queue import PrintJobView, ProcessResult
from ui import i18n
from ui.devices.printing import PrintController, PrintStatus
from ui.widgets import StatusButton, icon

_CTX = "PrintPanel"

STATE_COLOURS = {  # state -> (background, text)
    "ready": ("#d8f0de", "#0b5d1e"),
    "busy": ("#d6e6fb", "#0d3c78"),
    "waiting": ("#fff1cc", "#6b4600"),
    "failed": ("#f9d6d3", "#8a1c1c"),
}


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def status_name(status: str) -> str:
    return {
        "pending": tr("waiting"),
        "printing": tr("printing"),
        "printed": tr("printed"),
        "failed": tr("failed"),
    }.get(status, status)


def kind_name(kind: str, copy: str) -> str:
    if kind == "return_receipt":
        return tr("Receipt (store copy)") if copy == "store" else tr("Receipt")
    if kind == "shelf_label":
        return tr("Shelf label")
    if kind == "z_report":
        return tr("Day summary (Z-report)")
    return kind


def indicator_text(status: PrintStatus) -> tuple[str, str]:
    """(text, state) for the header."""
    if status.failed:
        return (
            tr("{n} failed").format(n=status.failed),
            "failed",
        )
    if status.pending:
        return tr("{n} waiting").format(n=status.pending), "waiting"
    if status.printing:
        return tr("Printing…"), "busy"
    return tr("Ready"), "ready"


class PrinterIndicator(StatusButton):
    """A compact, clickable printer state for the status bar."""

    def __init__(self, controller: PrintController, parent: QWidget | None = None) -> None:
        super().__init__("printerStatus", STATE_COLOURS, parent)
        self.setIcon(icon("print"))
        self.setAccessibleName(tr("Printer"))
        self.controller = controller
        controller.changed.connect(self.show_status)
        self.clicked.connect(self.open_queue)
        self.show_status(controller.status)

    def show_status(self, status: PrintStatus) -> None:
        text, state = indicator_text(status)
        tips = [tr("Printer: {state}").format(state=text)]
        if status.reason and state in ("waiting", "failed"):
            tips.insert(0, status.reason)
        if state == "failed":
            tips.append(tr("A job failed and may be incomplete: click to see it and reprint."))
        tips.append(tr("Print queue: click to see the jobs, retry or reprint."))
        self.show_state(text, state, tips)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.show_status(self.controller.status)
        super().changeEvent(event)

    def open_queue(self) -> QDialog:
        dialog = self.open_single(lambda: PrintQueueDialog(self.controller, self.window()))
        self.controller.refresh()
        return dialog


class PrintQueueDialog(QDialog):
    COLUMNS = 6

    def __init__(self, controller: PrintController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printQueueDialog")
        self.setWindowIcon(icon("print"))
        self.controller = controller
        self.jobs: list[PrintJobView] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("printQueueSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setObjectName("printJobs")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for c in range(self.COLUMNS - 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COLUMNS - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setObjectName("printQueueMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton()
        self.retry_button.setObjectName("printRetry")
        self.retry_button.clicked.connect(self.retry)
        self.reprint_button = QPushButton(icon("print"), "")
        self.reprint_button.setObjectName("printReprint")
        self.reprint_button.clicked.connect(self.reprint)
        self.close_button = QPushButton()
        self.close_button.setObjectName("printQueueClose")
        self.close_button.clicked.connect(self.reject)
        for b in (self.retry_button, self.reprint_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.setMinimumSize(860, 420)
        controller.changed.connect(self.show_status)
        controller.job_done.connect(self._job_done)
        self.retranslate()
        self.show_status(controller.status)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Print queue"))
        self.table.setHorizontalHeaderLabels(
            [tr("Job"), tr("What"), tr("Return / item"), tr("State"), tr("Tries"), tr("Reason")]
        )
        self.retry_button.setText(tr("Retry"))
        self.retry_button.setToolTip(tr("Send this waiting or failed job to the printer now"))
        self.reprint_button.setText(tr("Reprint"))
        self.reprint_button.setToolTip(tr("Print this receipt again as a new job"))
        self.close_button.setText(tr("Close"))
        self.show_status(self.controller.status)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.activateWindow()
        self.table.setFocus()

    def show_status(self, status: PrintStatus) -> None:
        selected = self.selected_job()
        keep = selected.id if selected is not None else None
        self.jobs = list(status.jobs)
        text = tr("Printer: {state}").format(state=indicator_text(status)[0])
        if status.reason and (status.pending or status.failed):
            text += "\n" + status.reason
        self.summary.setText(text)
        self.table.setRowCount(len(self.jobs))
        for row, job in enumerate(self.jobs):
            reason = (job.last_error or "") if job.status != "printed" else ""
            if job.status == "printed" and job.printed_at is not None:
                reason = tr("Printed {when}").format(when=i18n.when(job.printed_at))
            values = [
                str(job.id),
                kind_name(job.kind, job.copy),
                job.subject,
                status_name(job.status),
                str(job.attempts),
                reason,
            ]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == self.COLUMNS - 1 and reason:
                    item.setToolTip(reason)
                self.table.setItem(row, col, item)
            if job.id == keep:
                self.table.selectRow(row)
        self._selection_changed()

    def selected_job(self) -> PrintJobView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self.jobs[row] if 0 <= row < len(self.jobs) else None

    def select_job(self, job_id: int) -> None:
        for row, job in enumerate(self.jobs):
            if job.id == job_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        job = self.selected_job()
        self.retry_button.setEnabled(job is not None and job.status in ("pending", "failed"))
        self.reprint_button.setEnabled(
            job is not None and job.kind == "return_receipt" and job.status in ("printed", "failed")
        )

    def retry(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        self.message.setText(tr("Job {id} is back in line.").format(id=job.id))
        self.controller.retry(job.id, on_error=self._failed)

    def reprint(self) -> None:
        job = self.selected_job()
        if job is None or job.kind != "return_receipt":
            return
        self.message.setText(tr("Receipt {ref} queued again.").format(ref=job.subject))
        self.controller.reprint(job.subject, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        text = (
            str(exc)
            if isinstance(exc, CounterError)
            else tr("The print queue cannot be reached. Try again.")
        )
        self.message.setText(text)

    def _job_done(self, result: ProcessResult) -> None:
        if result.printed:
            self.message.setText(tr("Job {id} printed.").format(id=result.job_id))


def add_to_status_bar(window: Any, widget: QWidget) -> None:
    """Put `widget` in the window's status bar (right side), where device and sync states
    stay visible without crowding the header at 1366 px."""
    window.statusBar().addPermanentWidget(widget)


def install_printing(window: Any, **options: Any) -> PrintController:
    """Wire printing into a main window: queue + worker, preview and reprint hooks, header."""
    controller = PrintController(window.ctx, window, **options)
    window.ctx.printing = controller
    indicator = PrinterIndicator(controller, window.work)
    add_to_status_bar(window, indicator)
    controller.indicator = indicator
    return controller
