"""Manager tools: reports with charts, day close (Z-report) and returned stock.

The main window opens them with `open_reports(ctx, parent)`, `open_day_close(ctx, parent)`
and `open_stock(ctx, parent)`; each does its database work through `ctx.tasks`.
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
