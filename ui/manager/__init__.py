"""Manager tools: reports with charts, day close (Z-report), returned stock, customer e-mails.

The main window opens them with `open_reports(ctx, parent)`, `open_day_close(ctx, parent)`,
`open_stock(ctx, parent)` and `open_mail(ctx, parent)`; each does its database work through
the task manager.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.context import CounterContext


def open_reports(ctx: CounterContext, parent: QWidget | None = None) -> QWidget:
    from ui.manager.reports_window import ReportsWindow

    window = ReportsWindow(ctx, parent)
    window.show()
    return window


def open_day_close(ctx: CounterContext, parent: QWidget | None = None) -> QWidget:
    from ui.manager.day_close_dialog import DayCloseDialog

    dialog = DayCloseDialog(ctx, parent)
    dialog.open()
    return dialog


def open_stock(ctx: CounterContext, parent: QWidget | None = None) -> QWidget:
    from ui.manager.stock_window import StockWindow

    window = StockWindow(ctx, parent)
    window.show()
    return window


def open_mail(ctx: CounterContext, parent: QWidget | None = None) -> QWidget:
    from ui.manager.mail_dialog import MailDialog

    dialog = MailDialog(ctx, parent)
    dialog.open()
    return dialog
