"""Bits the manager windows share: formatting cells, tables, dates and the store's zone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from counter_app.domain.money import Money
from ui import i18n
from ui.context import CounterContext
from ui.table_model import RowModel, RowView, make_table_view

_CTX = "Manager"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def make_table(name: str, model: RowModel[Any], *, sortable: bool = False) -> RowView:
    """The manager windows' table: striped rows, one selected at a time, columns sized to
    their contents and the last one filling the width."""
    return make_table_view(name, model, alternating=True, sortable=sortable)


def cell_text(kind: str, value: Any, currency: str) -> str:
    if value is None:
        return "–"
    if kind == "money":
        return i18n.money(Money(int(value), currency))
    if kind == "percent":
        return f"{float(value) * 100:.1f} %"
    if kind == "bool":
        return tr("yes") if value else ""
    return str(value)


def store_timezone(ctx: CounterContext) -> str:
    """The store's zone for local business days (bootstrap put it on the policy in force)."""
    return ctx.app.policies.current.timezone


