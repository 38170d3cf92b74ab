"""ui/table_model.py: the one table model every list on screen uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt

from tests.gui import tables
from tests.gui.conftest import qtbot_app


@dataclass(frozen=True)
class Job:
    id: int
    name: str
    price: int


LANGUAGE = {"text": "Name"}


def _columns() -> list[Any]:
    from ui.table_model import Column

    return [
        Column(lambda: "No.", lambda j: str(j.id)),
        Column(lambda: LANGUAGE["text"], lambda j: j.name, tooltip=lambda j: f"about {j.name}"),
        Column(lambda: "Price", lambda j: f"${j.price}", number=True, sort_key=lambda j: j.price),
    ]


JOBS = [Job(1, "lamp", 40), Job(2, "scarf", 5), Job(3, "jacket", 120)]


def test_cells_headers_alignment_and_rows(qtbot: Any) -> None:
    from ui.table_model import RowModel, make_table_view

    qtbot_app()
    model: RowModel[Job] = RowModel(_columns())
    view = make_table_view("jobs", model)
    qtbot.addWidget(view)
    model.set_rows(JOBS)
    assert tables.rows(view) == 3 and tables.columns(view) == 3
    assert tables.headers(view) == ["No.", "Name", "Price"]
    assert [tables.cell(view, r, 1) for r in range(3)] == ["lamp", "scarf", "jacket"]
    assert tables.tooltip(view, 0, 1) == "about lamp"
    price = view.model().index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole)
    assert price == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert view.model().index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) is None
    tables.set_current(view, 2)
    assert model.row_at(view.currentIndex()) == JOBS[2]
    assert view.objectName() == "jobs"


def test_a_refresh_updates_rows_in_place_and_keeps_the_selection(qtbot: Any) -> None:
    from ui.table_model import RowModel, make_table_view

    qtbot_app()
    model: RowModel[Job] = RowModel(_columns())
    view = make_table_view("jobs", model)
    qtbot.addWidget(view)
    model.set_rows(JOBS)
    view.selectRow(1)
    model.set_rows([*JOBS[:1], Job(2, "wool scarf", 5), JOBS[2]])
    [selected] = view.selectionModel().selectedRows()
    assert model.row_at(selected) == Job(2, "wool scarf", 5)
    assert tables.cell(view, 1, 1) == "wool scarf"
    model.set_rows(JOBS[:1])  # the selected row is gone; what is selected still exists
    assert tables.rows(view) == 1
    assert all(model.row_at(i) == JOBS[0] for i in view.selectionModel().selectedRows())
    model.set_rows([])
    assert tables.rows(view) == 0 and model.row_at(view.model().index(0, 0)) is None
    model.set_rows(JOBS)
    view.selectRow(1)
    model.reset_rows(JOBS)  # a new list: nothing stays selected
    assert view.selectionModel().selectedRows() == [] and tables.rows(view) == 3


def test_sorting_goes_through_the_proxy_and_back_to_the_model_order(qtbot: Any) -> None:
    from ui.table_model import RowModel, make_table_view

    qtbot_app()
    model: RowModel[Job] = RowModel(_columns())
    view = make_table_view("jobs", model, sortable=True)
    qtbot.addWidget(view)
    model.set_rows(JOBS)
    header = view.horizontalHeader()
    assert [tables.cell(view, r, 1) for r in range(3)] == ["lamp", "scarf", "jacket"]
    assert not header.isSortIndicatorShown()  # unsorted, it looks like any other table
    view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by the number, not "$120" < "$5"
    assert [tables.cell(view, r, 1) for r in range(3)] == ["scarf", "lamp", "jacket"]
    assert header.isSortIndicatorShown()
    tables.set_current(view, 0)
    assert model.row_at(view.currentIndex()) == JOBS[1]  # through the proxy
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    assert [tables.cell(view, r, 1) for r in range(3)] == ["lamp", "scarf", "jacket"]
    assert not header.isSortIndicatorShown()


def test_new_columns_and_a_language_change_are_read_again(qtbot: Any) -> None:
    from ui.table_model import Column, RowModel, make_table_view

    qtbot_app()
    model: RowModel[Job] = RowModel(_columns())
    view = make_table_view("jobs", model)
    qtbot.addWidget(view)
    model.set_rows(JOBS)
    changed: list[int] = []
    model.headerDataChanged.connect(lambda _o, first, last: changed.append(last - first + 1))
    LANGUAGE["text"] = "名称"
    try:
        QCoreApplication.sendEvent(view, QEvent(QEvent.Type.LanguageChange))
        assert changed == [3]
        assert tables.headers(view)[1] == "名称"
    finally:
        LANGUAGE["text"] = "Name"
    model.reset_rows(JOBS[:2], [Column(lambda: "Only", lambda j: j.name.upper())])
    assert tables.headers(view) == ["Only"] and tables.cell(view, 1, 0) == "SCARF"
