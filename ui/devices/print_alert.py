"""The banner that says a receipt did not print — persistent, with Reprint and Open print
queue — so a committed return whose paper never came out is not missed behind a green
"Return confirmed" and a small chip in the status bar.

It stays until the receipt prints (after Reprint, a Retry in the queue, or the printer
coming back) or the cashier dismisses it. Keyboard: Ctrl+P reprints, Ctrl+Shift+P opens
the queue while it shows; both buttons are in the Tab chain.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QToolButton, QWidget

from counter_app.services.print_queue import ProcessResult
from ui.devices.printing import PrintController
from ui.widgets import Label, LiveScreen, icon

_CTX = "PrintAlert"

STYLE = (
    "QFrame#printAlert { background: #fdecea; border: 2px solid #b3261e; border-radius: 6px; }"
    " QFrame#printAlert QLabel { background: transparent; color: #7c1d16; font-size: 13pt;"
    " font-weight: 600; }"
)


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class PrintAlert(LiveScreen, QFrame):
    """One receipt that did not print (the newest); `queue_requested` opens the queue."""

    queue_requested = Signal()

    def __init__(self, controller: PrintController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printAlert")
        self.setStyleSheet(STYLE)
        self.controller = controller
        self.result: ProcessResult | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        warning = Label()
        warning.setPixmap(icon("warning").pixmap(28, 28))
        self.label = Label()
        self.label.setObjectName("printAlertText")
        self.label.setWordWrap(True)
        self.reprint_button = QPushButton(icon("print"), "")
        self.reprint_button.setObjectName("printAlertReprint")
        self.reprint_button.clicked.connect(self.reprint)
        self.queue_button = QPushButton()
        self.queue_button.setObjectName("printAlertQueue")
        self.queue_button.clicked.connect(self.queue_requested)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setObjectName("printAlertClose")
        self.close_button.clicked.connect(self.dismiss)
        for b in (self.reprint_button, self.queue_button):
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout.addWidget(warning)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reprint_button)
        layout.addWidget(self.queue_button)
        layout.addWidget(self.close_button)
        controller.job_done.connect(self.job_done)
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.reprint_button.setText(tr("Reprint"))
        self.reprint_button.setToolTip(tr("Send this receipt to the printer again (Ctrl+P)"))
        self.queue_button.setText(tr("Open print queue"))
        self.queue_button.setToolTip(tr("Every print job, why it waits, Retry (Ctrl+Shift+P)"))
        self.close_button.setToolTip(tr("Dismiss: the receipt stays in the print queue"))
        # after setText, which resets a button's shortcut; live only while the alert shows
        self.reprint_button.setShortcut("Ctrl+P")
        self.queue_button.setShortcut("Ctrl+Shift+P")
        self._show_text()

    def _show_text(self) -> None:
        result = self.result
        if result is None:
            self.label.clear()
            return
        if result.possibly_printed:
            head = tr("The receipt for {ref} may be incomplete: {reason}")
        else:
            head = tr("The receipt for {ref} did not print: {reason}")
        text = head.format(ref=result.subject, reason=result.reason or tr("no reason given"))
        text += " " + tr("The return is saved. Reprint once the printer is on.")
        self.label.setText(text)

    def job_done(self, result: ProcessResult) -> None:
        """A receipt job was tried: not printed — show (or update) the alert; printed — the
        alert for that return goes."""
        if result.kind != "return_receipt":
            return
        if result.printed:
            if self.result is not None and self.result.subject == result.subject:
                self.dismiss()
            return
        self.result = result
        self._show_text()
        self.show()

    def reprint(self) -> None:
        """A waiting job goes back in line now (never two receipts once the printer is back);
        one that failed half-way is printed again as a new, audited job."""
        result = self.result
        if result is None:
            return
        self.label.setText(tr("Sending the receipt for {ref} again…").format(ref=result.subject))
        if result.status == "pending":
            self.controller.retry(result.job_id, on_error=self._action_failed)
        else:
            self.controller.reprint(result.subject, on_error=self._action_failed)

    def _action_failed(self, exc: BaseException) -> None:
        self._show_text()
        self.label.setText(self.label.text() + " " + tr("The print queue cannot be reached."))

    def dismiss(self) -> None:
        self.result = None
        self.label.clear()
        self.hide()


def install_alert(window: Any, controller: PrintController) -> PrintAlert:
    """Under the window's message banner, on the work page, where the cashier looks."""
    work = window.work
    alert = PrintAlert(controller, work)
    layout = work.layout()
    layout.insertWidget(layout.indexOf(work.banner) + 1, alert)

    def open_queue() -> None:
        opener = getattr(controller.indicator, "open_queue", None)  # the status bar's chip
        if opener is not None:
            opener()

    alert.queue_requested.connect(open_queue)
    return alert
