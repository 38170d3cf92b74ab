"""Day close: the day's summary, what is still outstanding, and the manager's close + Z-report.

The summary is read live (nothing stored) whenever the date changes; "Close day" asks for a
manager's name and PIN (the signed-in manager is filled in), stores the summary once and
prints the Z-report. Everything runs through the task manager, never on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.money import Money
from counter_app.services import auth
from counter_app.services.day_close import (
    TENDER_NAMES,
    DayClose,
    DaySummary,
    close_day,
    day_summary,
    local_today,
)
from ui import i18n
from ui.context import CounterContext
from ui.labels import escape, override_reason_name, to_date, to_qdate
from ui.manager.common import store_timezone, tr
from ui.widgets import Banner, Label


@dataclass(frozen=True)
class CloseOutcome:
    closed: DayClose
    printed: bool | None  # True: queued for the printer; None: not asked to print
    print_error: str = ""

    @property
    def warnings(self) -> list[str]:
        return self.closed.summary.warnings


class DayCloseDialog(QDialog):
    loaded = Signal()
    closed = Signal(object)  # CloseOutcome

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayCloseDialog")
        self.setWindowTitle(tr("Close the day"))
        self.resize(640, 720)
        self.ctx = ctx
        self.summary: DaySummary | None = None
        self.outcome: CloseOutcome | None = None
        self._zone = store_timezone(ctx)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.view = QTextBrowser()
        self.view.setObjectName("dayCloseSummary")
        layout.addWidget(self.view, 1)
        layout.addLayout(self._build_form())
        layout.addLayout(self._build_buttons())
        self.refresh()

    def _build_top(self) -> QHBoxLayout:
        """The counter and the business day (today or earlier)."""
        app = self.ctx.app
        top = QHBoxLayout()
        self.date = QDateEdit()
        self.date.setObjectName("dayCloseDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        today = local_today(app.clock.now(), self._zone)
        self.date.setDate(to_qdate(today))
        self.date.setMaximumDate(to_qdate(today))
        self.date.dateChanged.connect(lambda _d: self.refresh())
        title = Label(
            tr("Counter {counter} · business day").format(counter=app.settings.counter_code)
        )
        title.setObjectName("title")
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.date)
        return top

    def _build_form(self) -> QFormLayout:
        """The closing manager (the signed-in one filled in), PIN, print the Z-report."""
        form = QFormLayout()
        self.manager = QLineEdit()
        self.manager.setObjectName("dayCloseManager")
        self.pin = QLineEdit()
        self.pin.setObjectName("dayClosePin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.returnPressed.connect(self.close_day)
        user = self.ctx.user
        if user is not None and user.can_approve:
            self.manager.setText(user.username)
        form.addRow(tr("Manager"), self.manager)
        form.addRow(tr("PIN"), self.pin)
        self.print_box = QCheckBox(tr("Print the Z-report"))
        self.print_box.setObjectName("dayClosePrint")
        self.print_box.setChecked(True)
        form.addRow("", self.print_box)
        return form

    def _build_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.close_button = QPushButton(tr("Close day"))
        self.close_button.setObjectName("primary")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close_day)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        return buttons

    def _args(self) -> dict[str, Any]:
        app = self.ctx.app
        return {
            "store_code": app.settings.store_code,
            "counter_code": app.settings.counter_code,
            "timezone": self._zone,
            "currency": app.policies.current.currency,
            "head_office": bool(app.settings.central_url and app.settings.central_key),
        }

    # ------------------------------------------------------------------ summary

    def refresh(self) -> None:
        app, day, args = self.ctx.app, to_date(self.date.date()), self._args()
        self.ctx.tasks.run(
            lambda: day_summary(app.engine, app.clock, business_date=day, **args),
            on_done=self._show,
            on_error=lambda exc: self.banner.show_message(str(exc)),
        )

    def _show(self, summary: DaySummary) -> None:
        self.summary = summary
        self.view.setHtml(summary_html(summary))
        warnings = [tr(text).format(**numbers) for text, numbers in summary.warning_templates]
        if warnings:
            self.banner.show_message("\n".join(warnings), "warning")
        else:
            self.banner.clear()
        self.loaded.emit()

    # ------------------------------------------------------------------ closing

    def close_day(self) -> None:
        username, pin = self.manager.text().strip(), self.pin.text()
        if not username or not pin:
            self.banner.show_message(tr("A manager must enter their name and PIN to close."))
            return
        app, day, args = self.ctx.app, to_date(self.date.date()), self._args()
        want_print = self.print_box.isChecked()
        self.close_button.setEnabled(False)

        def work() -> CloseOutcome:
            manager = auth.authenticate(app.engine, app.clock, username, pin)
            closed = close_day(
                app.engine,
                app.clock,
                manager=manager,
                business_date=day,
                queue_print=want_print,
                **args,
            )
            # Printing goes through the counter's print queue: never lost if the printer is off.
            return CloseOutcome(closed, want_print or None)

        self.ctx.tasks.run(work, on_done=self._closed, on_error=self._close_failed)

    def _close_failed(self, exc: BaseException) -> None:
        self.close_button.setEnabled(True)
        self.pin.clear()
        self.banner.show_message(str(exc) or type(exc).__name__)

    def _closed(self, outcome: CloseOutcome) -> None:
        self.outcome = outcome
        self.pin.clear()
        self.summary = outcome.closed.summary
        self.view.setHtml(summary_html(outcome.closed.summary, outcome.closed))
        text = tr("Day closed by {name}.").format(name=outcome.closed.closed_by_name)
        kind = "info"
        if outcome.printed is False:
            text += " " + tr("The Z-report did not print: {reason}").format(
                reason=outcome.print_error
            )
            kind = "warning"
        elif outcome.warnings:
            kind = "warning"
            text += " " + tr("Mind the warnings below.")
        self.banner.show_message(text, kind)
        self.cancel_button.setText(tr("Done"))
        self.closed.emit(outcome)


def summary_html(summary: DaySummary, closed: DayClose | None = None) -> str:
    """The summary as a small HTML table (what the Z-report prints, on screen)."""
    cur = summary.currency

    def money(minor: int) -> str:
        return i18n.money(Money(minor, cur))

    rows = [
        (tr("Returns"), f"{summary.returns_count} ({tr('{n} units').format(n=summary.units)})"),
        (tr("Refunds"), money(summary.refund_total_minor)),
    ]
    for tender, minor in summary.refunds_by_tender.items():
        rows.append(("&nbsp;&nbsp;" + tr(TENDER_NAMES.get(tender, tender)), money(minor)))
    rows += [
        (tr("Cash paid out"), f"<b>{money(summary.cash_paid_out_minor)}</b>"),
        (tr("Cash taken in (exchanges)"), money(summary.cash_taken_in_minor)),
        (tr("Restocking fees kept"), money(summary.fees_minor)),
        (tr("Store credit issued"), money(summary.store_credit_issued_minor)),
        (tr("Manager overrides"), str(len(summary.overrides))),
    ]
    for o in summary.overrides:
        rows.append(
            (
                "&nbsp;&nbsp;" + escape(f"{o.ref} {o.sku}"),
                escape(f"{o.manager_name}: {override_reason_name(o.reason)}"),
            )
        )
    last = i18n.when(summary.last_sync_at) if summary.last_sync_at else tr("never")
    if not summary.head_office:
        last = tr("no head office configured")
    rows += [
        (tr("Messages waiting to sync"), str(summary.messages_waiting)),
        (tr("Last sync"), last),
        (
            tr("Print jobs failed / waiting"),
            f"{summary.print_jobs_failed} / {summary.print_jobs_pending}",
        ),
        (
            tr("Customer e-mails failed / waiting"),
            f"{summary.notifications_failed} / {summary.notifications_pending}",
        ),
    ]
    if closed is not None:
        rows.append(
            (tr("Closed by"), escape(f"{closed.closed_by_name}, {i18n.when(closed.closed_at)}"))
        )
    body = "".join(
        f"<tr><td style='padding:4px 16px 4px 0'>{k}</td>"
        f"<td style='padding:4px 0' align='right'>{v}</td></tr>"
        for k, v in rows
    )
    head = f"<h2>{tr('Day')} {summary.business_date.isoformat()}</h2>"
    return f"{head}<table style='font-size:13pt'>{body}</table>"

