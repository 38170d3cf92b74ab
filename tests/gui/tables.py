"""Reading a table view the way the user sees it (through any sorting proxy)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


def rows(view: Any) -> int:
    return int(view.model().rowCount())


def columns(view: Any) -> int:
    return int(view.model().columnCount())


def cell(view: Any, row: int, column: int) -> str:
    value = view.model().index(row, column).data()
    return "" if value is None else str(value)


def tooltip(view: Any, row: int, column: int) -> str:
    value = view.model().index(row, column).data(Qt.ItemDataRole.ToolTipRole)
    return "" if value is None else str(value)


def headers(view: Any) -> list[str]:
    model = view.model()
    return [
        str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())
    ]


def set_current(view: Any, row: int, column: int = 0) -> None:
    """What a click on the row does: it becomes the current (and selected) row."""
    view.setCurrentIndex(view.model().index(row, column))
