"""Sync in the header ("3 waiting · last sync 02:00") and the sync dialog: "Sync now" with a
progress bar, the status, and the messages head office rejected, which a manager resolves
with their user name, PIN and a note."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.services.errors import BadInput, CounterError, NotFound, SignInFailed
from counter_app.services.sync import SyncException, SyncReport, SyncStatus
from ui import i18n
from ui.sync.controller import NOT_CONFIGURED, ONLY_MANAGERS, SyncController
from ui.table_model import Column, RowModel, make_table_view
from ui.widgets import Label, LiveScreen, StatusButton, form_row, panel

_CTX = "SyncPanel"

STATE_COLOURS = {
    "ok": ("#d8f0de", "#0b5d1e"),
    "waiting": ("#e2e7ec", "#24323f"),
    "busy": ("#d6e6fb", "#0d3c78"),
    "problem": ("#fff1cc", "#6b4600"),
    "error": ("#f9d6d3", "#8a1c1c"),
}


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def short_time(moment: datetime | None) -> str:
    """02:00 today, else the date and time, in the store's time zone."""
    if moment is None:
        return tr("never")
    text = i18n.when(moment)
    zone = i18n._state.get("zone")
    local = moment.astimezone(zone) if zone is not None else moment  # type: ignore[arg-type]
    today = datetime.now(local.tzinfo).date() if local.tzinfo else datetime.now().date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%m-%d %H:%M}" if text else ""


def error_text(error: str | None) -> str:
    if not error:
        return ""
    if error == NOT_CONFIGURED:
        return tr("Head office is not configured for this store. Ask support to set it up.")
    return error


def indicator_text(status: SyncStatus | None, running: bool) -> tuple[str, str]:
    if status is None:
        return tr("Sync: …"), "waiting"
    if status.last_success is None:  # "last sync never" does not read in every language
        text = tr("{n} waiting · never synced").format(n=status.waiting)
    else:
        text = tr("{n} waiting · last sync {when}").format(
            n=status.waiting, when=short_time(status.last_success)
        )
    if running:
        return tr("Syncing… {n} waiting").format(n=status.waiting), "busy"
    if status.last_error:
        return tr("Sync failed · {n} waiting").format(n=status.waiting), "error"
    if status.open_exceptions:
        return text + " · " + tr("{n} to resolve").format(n=status.open_exceptions), "problem"
    return text, "ok" if status.waiting == 0 else "waiting"


class SyncIndicator(LiveScreen, StatusButton):
    """A compact, clickable sync state for the status bar."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__("syncStatus", STATE_COLOURS, parent)
        self.controller = controller
        controller.status_changed.connect(self.update_text)
        controller.started.connect(self.update_text)
        controller.finished.connect(self.update_text)
        controller.nightly_scheduled.connect(self.update_text)
        self.clicked.connect(self.open_dialog)
        self.update_text()

    def update_text(self, *_: Any) -> None:
        c = self.controller
        text, state = indicator_text(c.status, c.running)
        tips = [tr("Head office sync: click for details, Sync now and problems to resolve.")]
        if c.status is not None and c.status.last_error:
            tips.insert(
                0, tr("Last sync failed: {error}").format(error=error_text(c.status.last_error))
            )
        if c.next_run is not None:
            tips.append(tr("Next automatic sync: {when}").format(when=i18n.when(c.next_run)))
        self.show_state(text, state, tips)

    def retranslate(self) -> None:
        self.update_text()

    def open_dialog(self) -> QDialog:
        dialog = self.open_single(lambda: SyncDialog(self.controller, self.window()))
        self.controller.refresh()
        return dialog


PROBLEM_COLUMNS: list[Column[SyncException]] = [
    Column(lambda: tr("No."), lambda p: str(p.id)),
    Column(lambda: tr("When"), lambda p: i18n.when(p.created_at)),
    Column(lambda: tr("Message"), lambda p: p.kind),
    Column(lambda: tr("Reason"), lambda p: p.reason, tooltip=lambda p: p.reason),
]


class SyncDialog(LiveScreen, QDialog):
    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self.controller = controller
        self.problems: list[SyncException] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_status())
        layout.addWidget(self._build_problems(), 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton()
        self.close_button.setObjectName("syncClose")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.setMinimumSize(860, 720)
        self._follow(controller)
        self.retranslate()
        self.show_status(controller.status)
        self.show_exceptions(controller.exceptions)
        if controller.running:
            self._started("manual")

    def _build_status(self) -> QWidget:
        """The status panel: what waits, the last sync and error, Sync now with progress."""
        self.status_title = Label()
        status_box, sl = panel(self.status_title)
        form = QFormLayout()
        self.labels = [Label() for _ in range(5)]
        self.waiting = Label()
        self.waiting.setObjectName("syncWaiting")
        self.last_success = Label()
        self.last_success.setObjectName("syncLastSuccess")
        self.last_error = Label()
        self.last_error.setObjectName("syncLastError")
        self.last_error.setWordWrap(True)
        self.open_count = Label()
        self.open_count.setObjectName("syncOpen")
        self.next_run = Label()
        self.next_run.setObjectName("syncNextRun")
        for label, field in zip(
            self.labels,
            (self.waiting, self.last_success, self.last_error, self.open_count, self.next_run),
            strict=True,
        ):
            form_row(form, label, field)
        sl.addLayout(form)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(14)
        self.sync_button = QPushButton()
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setAutoDefault(False)
        self.sync_button.clicked.connect(self.sync_now)
        row.addWidget(self.progress, 1)
        row.addWidget(self.sync_button)
        sl.addLayout(row)
        self.result_label = Label()
        self.result_label.setObjectName("syncResult")
        self.result_label.setWordWrap(True)
        sl.addWidget(self.result_label)
        return status_box

    def _build_problems(self) -> QWidget:
        """The rejected messages and the manager's form that resolves one."""
        self.problems_title = Label()
        problems_box, pl = panel(self.problems_title)
        self.model: RowModel[SyncException] = RowModel(PROBLEM_COLUMNS, self)
        self.table = make_table_view("syncExceptions", self.model, fill=3)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setMinimumHeight(150)
        pl.addWidget(self.table, 1)
        resolve_form = QFormLayout()
        self.resolve_labels = [Label() for _ in range(3)]
        self.manager = QLineEdit()
        self.manager.setObjectName("resolveManager")
        self.pin = QLineEdit()
        self.pin.setObjectName("resolvePin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.note = QLineEdit()
        self.note.setObjectName("resolveNote")
        self.note.setMaxLength(500)
        self.note.returnPressed.connect(self.resolve)
        for label, edit in zip(
            self.resolve_labels, (self.manager, self.pin, self.note), strict=True
        ):
            form_row(resolve_form, label, edit)
        pl.addLayout(resolve_form)
        self.resolve_button = QPushButton()
        self.resolve_button.setObjectName("resolveButton")
        self.resolve_button.setAutoDefault(False)
        self.resolve_button.clicked.connect(self.resolve)
        self.resolve_message = Label()
        self.resolve_message.setObjectName("resolveMessage")
        self.resolve_message.setWordWrap(True)
        rrow = QHBoxLayout()
        rrow.addWidget(self.resolve_message, 1)
        rrow.addWidget(self.resolve_button)
        pl.addLayout(rrow)
        return problems_box

    def _follow(self, controller: SyncController) -> None:
        controller.status_changed.connect(self.show_status)
        controller.exceptions_changed.connect(self.show_exceptions)
        controller.progress.connect(self.progress.setValue)
        controller.started.connect(self._started)
        controller.finished.connect(self._finished)
        controller.nightly_scheduled.connect(lambda *_: self.show_status(controller.status))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Head office sync"))
        self.status_title.setText(tr("Sync status"))
        for label, text in zip(
            self.labels,
            (
                tr("Messages waiting"),
                tr("Last successful sync"),
                tr("Last error"),
                tr("Problems to resolve"),
                tr("Next automatic sync"),
            ),
            strict=True,
        ):
            label.setText(text)
        self.sync_button.setText(tr("Sync now"))
        self.sync_button.setToolTip(tr("Send the waiting messages and fetch head office's updates"))
        self.problems_title.setText(tr("Messages head office rejected"))
        for label, text in zip(
            self.resolve_labels, (tr("&Manager"), tr("&PIN"), tr("N&ote")), strict=True
        ):
            label.setText(text)
        self.note.setPlaceholderText(
            tr("How it was resolved, e.g. refunded online, customer called")
        )
        self.resolve_button.setText(tr("Resolve"))
        self.resolve_button.setToolTip(tr("A manager closes the selected problem with a note"))
        self.close_button.setText(tr("Close"))
        self.show_status(self.controller.status)

    def first_field(self) -> QWidget:
        return self.sync_button

    # ------------------------------------------------------------------ status
    def show_status(self, status: SyncStatus | None) -> None:
        c = self.controller
        if status is None:
            for w in (self.waiting, self.last_success, self.last_error, self.open_count):
                w.setText("…")
        else:
            self.waiting.setText(str(status.waiting))
            self.last_success.setText(
                i18n.when(status.last_success) if status.last_success else tr("never")
            )
            error = status.last_error or (None if c.is_configured else NOT_CONFIGURED)
            self.last_error.setText(error_text(error) or tr("none"))
            self.last_error.setStyleSheet("color: #8a1c1c; font-weight: 600;" if error else "")
            self.open_count.setText(str(status.open_exceptions))
        if c.next_run is not None:
            self.next_run.setText(i18n.when(c.next_run))
        elif not c.is_configured:
            self.next_run.setText(tr("not configured"))
        else:
            self.next_run.setText(tr("not scheduled"))
        self.sync_button.setEnabled(not c.running and c.is_configured)
        self.sync_button.setToolTip(
            tr("Send the waiting messages and fetch head office's updates")
            if c.is_configured
            else tr("Head office is not configured for this store. Ask support to set it up.")
        )

    def sync_now(self) -> None:
        self.result_label.clear()
        self.controller.sync_now()

    def _started(self, _kind: str) -> None:
        self.sync_button.setEnabled(False)
        self.progress.setValue(0)
        self.result_label.setText(tr("Syncing with head office…"))

    def _finished(self, report: SyncReport) -> None:
        self.sync_button.setEnabled(self.controller.is_configured)
        if report.ok:
            self.progress.setValue(100)
            text = tr("Sync done: {sent} sent, {rejected} rejected, {pulled} received.").format(
                sent=report.pushed + report.duplicates,
                rejected=report.rejected,
                pulled=sum(report.pulled.values()),
            )
            if report.rejected:
                text += " " + tr("Rejected messages are listed below: a manager resolves them.")
            self.result_label.setStyleSheet("")
        else:
            text = tr(
                "Sync failed: {error} The messages stay waiting and are sent next time."
            ).format(error=error_text(report.error))
            self.result_label.setStyleSheet("color: #8a1c1c; font-weight: 600;")
        self.result_label.setText(text)

    # ------------------------------------------------------------------ exceptions
    def show_exceptions(self, problems: list[SyncException]) -> None:
        keep = self.selected()
        self.problems = list(problems)
        self.model.set_rows(self.problems)
        for row, p in enumerate(self.problems):
            if keep is not None and p.id == keep.id:
                self.table.selectRow(row)
        if self.selected() is None and self.problems:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> SyncException | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _selection_changed(self, *_: object) -> None:
        self.resolve_button.setEnabled(self.selected() is not None)

    def resolve(self) -> None:
        problem = self.selected()
        if problem is None:
            self.resolve_message.setText(tr("Choose the problem to resolve."))
            return
        username, pin, note = self.manager.text().strip(), self.pin.text(), self.note.text()
        if not username or not pin:
            self.resolve_message.setText(tr("A manager enters their user name and PIN."))
            return
        if not note.strip():
            self.resolve_message.setText(tr("Write a note: how was it resolved?"))
            self.note.setFocus()
            return
        self.resolve_button.setEnabled(False)
        self.resolve_message.setStyleSheet("")
        self.resolve_message.setText(tr("Checking…"))
        self.controller.resolve(problem.id, username, pin, note, self._resolved, self._refused)

    def _resolved(self, exception_id: int) -> None:
        self.pin.clear()
        self.note.clear()
        self.resolve_message.setStyleSheet("color: #0b5d1e; font-weight: 600;")
        self.resolve_message.setText(tr("Problem {id} resolved.").format(id=exception_id))
        self._selection_changed()

    def _refused(self, exc: BaseException) -> None:
        self.pin.clear()
        self._selection_changed()
        if isinstance(exc, SignInFailed):  # one message for unknown, wrong and locked
            text = tr("Wrong user name or PIN, or too many wrong PINs. Try again later or ask "
                      "an administrator.")
        elif isinstance(exc, BadInput) and str(exc) == ONLY_MANAGERS:
            text = tr("Only a manager can resolve a sync problem.")
        elif isinstance(exc, NotFound):
            text = tr("This problem was already resolved.")
            self.controller.refresh()
        elif isinstance(exc, CounterError):
            text = str(exc)
        else:
            text = tr("The database cannot be reached. Nothing was resolved; try again.")
        self.resolve_message.setStyleSheet("color: #8a1c1c; font-weight: 600;")
        self.resolve_message.setText(text)


def install_sync(window: Any, **options: Any) -> SyncController:
    """Wire head-office sync into a main window: controller, nightly timer, header."""
    from ui.devices.print_panel import add_to_status_bar

    controller = SyncController(window.ctx, window, **options)
    window.ctx.sync = controller
    indicator = SyncIndicator(controller, window.work)
    add_to_status_bar(window, indicator)
    controller.indicator = indicator
    return controller
