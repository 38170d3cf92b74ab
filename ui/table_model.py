"""One table model for every list on screen: the rows are the service's own objects, the
columns are declared once (header, text, alignment, tooltip, sort key), and Qt's view asks
for what it paints — no cell-by-cell filling, no copy of the data in widget items.

    columns = [Column(lambda: tr("Order"), lambda o: o.number), ...]
    model = RowModel(columns)
    view = make_table_view("searchResults", model)
    model.set_rows(orders)  # or reset_rows(): a new list, nothing selected
    order = model.row_at(view.currentIndex())
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ui.labels import plain_tip

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = int(Qt.ItemDataRole.UserRole)  # the row object itself
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # what the proxy sorts by
NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: `header()` is called whenever the header is painted (so a language change
    shows at once), `value(row)` gives the cell's text."""

    header: Callable[[], str]
    value: Callable[[R], str]
    number: bool = False  # right-aligned, like every amount and count
    tooltip: Callable[[R], str] | None = None
    sort_key: Callable[[R], Any] | None = None  # default: the text


class RowModel(QAbstractTableModel, Generic[R]):
    """A read-only table over a list of row objects."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: list[Column[R]] = list(columns)
        self._rows: list[R] = []

    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    def reset_rows(self, rows: Sequence[R], columns: Sequence[Column[R]] | None = None) -> None:
        """A new list (and, for tables whose columns change, new `columns`): nothing stays
        selected and the columns are sized again."""
        self.beginResetModel()
        self._rows = list(rows)
        if columns is not None:
            self._columns = list(columns)
        self.endResetModel()

    def set_rows(self, rows: Sequence[R]) -> None:
        """The same list refreshed: rows are updated in place, added or dropped at the end, so
        the current row, the selection and the column widths stay."""
        new = list(rows)
        old_count, new_count = len(self._rows), len(new)
        if new_count < old_count:
            self.beginRemoveRows(QModelIndex(), new_count, old_count - 1)
            del self._rows[new_count:]
            self.endRemoveRows()
        elif new_count > old_count:
            self.beginInsertRows(QModelIndex(), old_count, new_count - 1)
            self._rows.extend(new[old_count:])
            self.endInsertRows()
        self._rows = new
        if new_count and self._columns:
            self.dataChanged.emit(
                self.index(0, 0), self.index(new_count - 1, len(self._columns) - 1)
            )

    def row_at(self, index: Index) -> R | None:
        """The row object behind an index of this model or of a proxy over it."""
        model: QAbstractItemModel | None = index.model()
        while isinstance(model, QAbstractProxyModel):
            index = model.mapToSource(index)
            model = index.model()
        if model is not self or not index.isValid() or index.row() >= len(self._rows):
            return None
        return self._rows[index.row()]

    def retranslate(self) -> None:
        """Headers and cells are read again (their texts may be translated)."""
        if self._columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._columns) - 1)
        if self._rows and self._columns:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1)
            )

    # ------------------------------------------------------------------ Qt's side

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.value(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return NUMBER_ALIGNMENT if column.number else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(column.tooltip(row)) if column.tooltip is not None else None
        if role == SORT_ROLE:
            return column.sort_key(row) if column.sort_key is not None else column.value(row)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header()
        return super().headerData(section, orientation, role)


class RowView(QTableView):
    """The table view the helper makes: when the language changes, its model's headers and
    cells are read again, so no screen has to refill a table to translate it."""

    def __init__(self, model: RowModel[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows_model = model

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.rows_model.retranslate()
        super().changeEvent(event)


Fill = Literal["last", "all"] | int


def make_table_view(
    name: str,
    model: RowModel[Any],
    *,
    fill: Fill = "last",
    single: bool = True,
    alternating: bool = False,
    sortable: bool = False,
) -> RowView:
    """A read-only table of whole rows. `fill`: "last" sizes the columns to their contents
    and stretches the last one; "all" shares the width; a number stretches that column.
    `sortable` puts a `QSortFilterProxyModel` in between: a click on a header sorts by the
    column's sort key, and the rows start in the model's own order (`sortByColumn(-1, ...)`
    goes back to it)."""
    view = RowView(model)
    view.setObjectName(name)
    view.setAlternatingRowColors(alternating)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    if sortable:
        proxy = QSortFilterProxyModel(view)
        proxy.setSortRole(SORT_ROLE)
        proxy.setSourceModel(model)
        view.setModel(proxy)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)
        # The arrow (and the room it takes) only once the user has sorted: until then the
        # table looks exactly like an unsorted one.
        header.setSortIndicatorShown(False)
        header.sortIndicatorChanged.connect(
            lambda section, _order: header.setSortIndicatorShown(section >= 0)
        )
    else:
        view.setModel(model)
    if fill == "all":
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    else:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if fill == "last":
            header.setStretchLastSection(True)
        else:
            header.setSectionResizeMode(fill, QHeaderView.ResizeMode.Stretch)
    return view
