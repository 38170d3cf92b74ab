"""The printer in the header (printer icon + "Ready", "2 waiting", "1 failed") and the
print queue dialog: every job with its state and reason, Retry and Reprint."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.services.errors import CounterError
from counter_app.services.print_queue import PrintJobView, ProcessResult
from ui import i18n
from ui.devices.print_alert import install_alert
from ui.devices.printing import PrintAttempt, PrintController, PrintStatus
from ui.table_model import Column, RowModel, make_table_view
from ui.widgets import Label, LiveScreen, StatusButton, icon

_CTX = "PrintPanel"

STATE_COLOURS = {  # state -> (background, text)
    "ready": ("#d8f0de", "#0b5d1e"),
    "busy": ("#d6e6fb", "#0d3c78"),
    "waiting": ("#fff1cc", "#6b4600"),
    "failed": ("#f9d6d3", "#8a1c1c"),
    "unknown": ("#e2e7ec", "#37424d"),
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


def indicator_text(status: PrintStatus, attempt: PrintAttempt | None) -> tuple[str, str]:
    """(text, state) for the header: the queue, and the last real attempt on this printer —
    "Ready" only once something printed on it, "Not printing" while its last try failed."""
    if status.failed:
        return (
            tr("{n} failed").format(n=status.failed),
            "failed",
        )
    if attempt is not None and not attempt.printed:
        if status.waiting:
            return tr("Not printing · {n} waiting").format(n=status.waiting), "failed"
        return tr("Not printing"), "failed"
    if status.pending:
        return tr("{n} waiting").format(n=status.pending), "waiting"
    if status.printing:
        return tr("Printing…"), "busy"
    if attempt is None:
        return tr("Not tried yet"), "unknown"
    return tr("Ready"), "ready"


def job_reason(job: PrintJobView) -> str:
    """Why a job waits or failed (a printed one has none)."""
    if job.status == "printed":
        return ""
    return job.last_error or ""


def job_printed(job: PrintJobView) -> str:
    """When a printed job came out."""
    if job.status == "printed" and job.printed_at is not None:
        return i18n.when(job.printed_at)
    return ""


JOB_COLUMNS: list[Column[PrintJobView]] = [
    Column(lambda: tr("Job"), lambda j: str(j.id)),
    Column(lambda: tr("What"), lambda j: kind_name(j.kind, j.copy)),
    Column(lambda: tr("Return / item"), lambda j: j.subject),
    Column(lambda: tr("State"), lambda j: status_name(j.status)),
    Column(lambda: tr("Tries"), lambda j: str(j.attempts)),
    Column(lambda: tr("Reason"), job_reason, tooltip=job_reason),
    Column(lambda: tr("Printed at"), job_printed),
]
REASON_COLUMN = 5


class PrinterIndicator(LiveScreen, StatusButton):
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
        attempt = self.controller.attempt()
        text, state = indicator_text(status, attempt)
        tips = [tr("Printer: {state}").format(state=text)]
        reason = attempt.reason if attempt is not None and not attempt.printed else None
        if (reason or status.reason) and state in ("waiting", "failed"):
            tips.insert(0, reason or status.reason or "")
        if state == "unknown":
            tips.append(tr("Nothing was sent to this printer yet: print a test page in Settings."))
        if state == "failed":
            tips.append(tr("A job failed and may be incomplete: click to see it and reprint."))
        tips.append(tr("Print queue: click to see the jobs, retry or reprint."))
        self.show_state(text, state, tips)

    def retranslate(self) -> None:
        self.show_status(self.controller.status)

    def open_queue(self) -> QDialog:
        dialog = self.open_single(lambda: PrintQueueDialog(self.controller, self.window()))
        self.controller.refresh()
        return dialog


class PrintQueueDialog(LiveScreen, QDialog):
    def __init__(self, controller: PrintController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printQueueDialog")
        self.setWindowIcon(icon("print"))
        self.controller = controller
        self.jobs: list[PrintJobView] = []
        layout = QVBoxLayout(self)
        self.summary = Label()
        self.summary.setObjectName("printQueueSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model: RowModel[PrintJobView] = RowModel(JOB_COLUMNS, self)
        self.table = make_table_view("printJobs", self.model, fill=REASON_COLUMN)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.message = Label()
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
        self.retry_button.setText(tr("Retry"))
        self.retry_button.setToolTip(tr("Send this waiting or failed job to the printer now"))
        self.reprint_button.setText(tr("Reprint"))
        self.reprint_button.setToolTip(tr("Print this receipt again as a new job"))
        self.close_button.setText(tr("Close"))
        self.show_status(self.controller.status)

    def first_field(self) -> QWidget:
        return self.table

    def show_status(self, status: PrintStatus) -> None:
        selected = self.selected_job()
        keep = selected.id if selected is not None else None
        self.jobs = list(status.jobs)
        text = tr("Printer: {state}").format(
            state=indicator_text(status, self.controller.attempt())[0]
        )
        if status.reason and (status.pending or status.failed):
            text += "\n" + status.reason
        self.summary.setText(text)
        self.model.set_rows(self.jobs)
        if keep is not None:
            self.select_job(keep)
        self._selection_changed()

    def selected_job(self) -> PrintJobView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def select_job(self, job_id: int) -> None:
        for row, job in enumerate(self.jobs):
            if job.id == job_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self, *_: object) -> None:
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
    controller.alert = install_alert(window, controller)
    return controller
