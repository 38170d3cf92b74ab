"""Reports as CSV for spreadsheets, and back (the tests read exports with `from_csv`).

Cells that a spreadsheet would run as formulas are quoted (domain/spreadsheet.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from counter_app.domain.money import parse_money
from counter_app.domain.spreadsheet import csv_text, read_cell
from counter_app.services.reports.model import Column, Report


def format_cell(column: Column, value: Any) -> str:
    """A cell as CSV text: money as a plain decimal (12.34), rates as a fraction (0.25)."""
    if value is None:
        return ""
    if column.kind == "money":
        minor = int(value)
        sign = "-" if minor < 0 else ""
        units, cents = divmod(abs(minor), 100)
        return f"{sign}{units}.{cents:02d}"
    if column.kind == "bool":
        return "yes" if value else "no"
    if column.kind == "percent":
        return str(Decimal(str(value)))
    return str(value)


def parse_cell(column: Column, text: str) -> Any:
    if column.kind == "text":
        return text
    if text == "":
        return None
    if column.kind == "int":
        return int(text)
    if column.kind == "money":
        return parse_money(text).minor
    if column.kind == "bool":
        return text == "yes"
    return float(text)


def to_csv(report: Report) -> str:
    """The report's table as CSV (header = column titles), for spreadsheets."""
    return csv_text(
        [c.title for c in report.columns],
        ([format_cell(c, row.get(c.key)) for c in report.columns] for row in report.rows),
    )


def from_csv(text: str, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Rows back from `to_csv` (by column title), typed as the report had them."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    by_title = {c.title: c for c in columns}
    cols = [by_title[read_cell(h)] for h in header]
    return [
        {c.key: parse_cell(c, read_cell(cell)) for c, cell in zip(cols, cells, strict=True)}
        for cells in reader
    ]


def write_csv(report: Report, path: str) -> None:
    """UTF-8 with a BOM, so spreadsheet programs read Chinese names right."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(to_csv(report))
