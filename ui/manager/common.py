"""Bits the manager windows share: formatting cells, tables, dates and the store's zone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from counter_app.domain.money import Money
from ui import i18n
from ui.context import CounterContext

_CTX = "Manager"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def make_table(name: str, columns: int = 0) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setObjectName(name)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


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


def item(text: str, *, number: bool = False, data: Any = None) -> QTableWidgetItem:
    cell = QTableWidgetItem(text)
    if number:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if data is not None:
        cell.setData(Qt.ItemDataRole.UserRole, data)
    return cell


def store_timezone(ctx: CounterContext) -> str:
    """The store's zone for local business days (the policy's, which the store row mirrors)."""
    return ctx.app.policies.current.timezone


