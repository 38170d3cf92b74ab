"""CSV for spreadsheets without formula injection (OWASP "CSV injection").

A cell that starts with = + - @ tab or carriage return is read by Excel or LibreOffice as a
formula (`=HYPERLINK(...)` in a product name becomes a link); such a cell gets a leading
single quote. Plain numbers ("-12.34") are left alone, they are not formulas. Every CSV the
app writes goes through `csv_text`, and `read_cell` undoes the quote for round trips.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _needs_quote(text: str) -> bool:
    # Cells already starting with quotes before a trigger get one more, so read_cell is exact.
    return text.lstrip("'").startswith(FORMULA_STARTS) and _NUMBER.fullmatch(text) is None


def safe_cell(value: object) -> str:
    """The cell's text, quoted if a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote(text) else text


def read_cell(text: str) -> str:
    """`safe_cell` undone (for reading our own exports back)."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The table as CSV text, every cell (header too) through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
