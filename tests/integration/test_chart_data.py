"""The console's chart numbers from a head office filled through the real ingest (orders
published, returns and an override pushed and accepted), against rates worked out by hand;
and the SVG each chart renders parses and carries its Chinese title (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import Engine

from counter_app.central import charts
from counter_app.central import db as central_db
from counter_app.central.service import chart_data
from tests.integration.chart_helpers import NOW, seed
from tests.pg import PostgresServer


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    eng = central_db.make_engine(url)
    central_db.upgrade(eng)
    yield eng
    eng.dispose()


def _values(data: charts.ChartData) -> dict[str, list[float | None]]:
    return {s.name: s.values for s in data.series}


def test_chart_data_matches_rates_worked_out_by_hand(engine: Engine) -> None:
    seed(engine)
    period = chart_data.period_ending(NOW, 2)
    assert period.start == datetime(2026, 11, 16, tzinfo=UTC)
    assert period.labels() == ["2026-11-16", "2026-11-23"]
    rate = chart_data.return_rate_by_store(engine, period)
    # S001: 1 return / 4 orders, then 1 / 2; S002 sold nothing in week 1, then 2 / 5
    assert _values(rate) == {"S001": [0.25, 0.5], "S002": [None, 0.4]}
    # home: 1 unit back / 4 sold, then 2 / 5; toys: 0 / 3 (online), then 1 / 4
    category = chart_data.return_rate_by_category(engine, period)
    assert _values(category) == {"home": [0.25, 0.4], "toys": [0.0, 0.25]}
    reason = chart_data.returns_by_reason(engine, period)
    assert _values(reason) == {
        "wrong_size": [1.0, 1.0],
        "changed_mind": [0.0, 1.0],
        "defective": [0.0, 1.0],
    }
    assert not reason.percent
    by_store = chart_data.override_rate_by_store(engine, period)
    assert (by_store.labels, _values(by_store)) == (["S001", "S002"], {"override rate": [0.5, 0.0]})
    by_manager = chart_data.override_rate_by_manager(engine, period)
    assert (by_manager.labels, by_manager.series[0].values) == (["mia @ S001"], [0.5])
    share = chart_data.receiptless_share_by_store(engine, period)
    assert (share.labels, share.series[0].values) == (["S001", "S002"], [0.0, 0.5])
    # the old return and order count only in a period that reaches back to them
    longer = chart_data.period_ending(NOW, 4)
    assert _values(chart_data.return_rate_by_store(engine, longer))["S001"] == [
        1.0, None, 0.25, 0.5,
    ]  # fmt: skip
    assert chart_data.period_ending(NOW + timedelta(days=4), 1).labels() == ["2026-11-30"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_renders_svg_that_parses_with_its_title(engine: Engine, lang: str) -> None:
    seed(engine)
    period = chart_data.period_ending(NOW, 2)
    for name, spec in charts.CHARTS.items():
        svg = charts.render(name, chart_data.chart_data(engine, name, period), lang)  # type: ignore[arg-type]
        root = ET.fromstring(svg.encode())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        # pygal wraps a long title into lines (text elements): compare without the spaces
        titles = [el for el in root.iter() if "title" in el.get("class", "").split()]
        shown = "".join("".join("".join(el.itertext()) for el in titles).split())
        for title in (spec.title[lang], spec.x_title[lang], spec.y_title[lang]):
            assert "".join(title.split()) in shown, (name, title)
        assert not [el for el in root.iter() if str(el.tag).endswith("script")]
        assert "WenQuanYi Zen Hei" in svg and "href" not in svg
    zh = charts.CHARTS["return-rate-by-store"].title["zh"]
    assert zh == "各门店每周退货率"
