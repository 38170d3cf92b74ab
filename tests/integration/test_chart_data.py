"""The console's chart numbers from a head office filled through the real ingest (orders
published, returns and an override pushed and accepted), against rates worked out by hand;
and the SVG each chart renders parses and carries its Chinese title (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import Engine

from counter_app import sync_protocol as proto
from counter_app.central import charts, service
from counter_app.central import db as central_db
from counter_app.central.service import chart_data
from counter_app.central.testing import message, return_message
from tests.pg import PostgresServer

POLICY = (Path(__file__).parents[2] / "resources/policy/default.toml").read_text()
NOW = datetime(2026, 11, 26, 18, tzinfo=UTC)  # a Thursday: its week starts Mon 23 Nov
WEEK1 = datetime(2026, 11, 17, 10, tzinfo=UTC)
WEEK2 = datetime(2026, 11, 24, 10, tzinfo=UTC)
BEFORE = datetime(2026, 11, 3, 10, tzinfo=UTC)  # outside a 2-week period


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


def _order(number: str, store: str | None, when: datetime, sku: str, qty: int) -> proto.Order:
    return proto.Order.model_validate(
        {"number": number, "store": store, "channel": "store" if store else "online",
         "placed_at": when, "currency": "USD",
         "lines": [{"line_no": 1, "sku": sku, "quantity": qty, "unit_price_minor": 1999,
                    "paid_minor": 1999 * qty}],
         "payments": [{"tender": "card", "amount_minor": 1999 * qty, "card_brand": "VISA",
                       "card_last4": "4242"}]}
    )  # fmt: skip


def _at(wire: dict[str, Any], when: datetime) -> dict[str, Any]:
    return wire | {"created_at": when.isoformat()}


def _receiptless(store: str, ref: str, sku: str, reason: str) -> dict[str, Any]:
    payload = {
        "ref": ref, "kind": "receiptless", "order_number": None,
        "customer_key": proto.customer_key(f"{ref}@example.com"), "counter": "C1",
        "cashier": "alice", "currency": "USD",
        "lines": [{"line_no": 1, "sku": sku, "quantity": 1, "refund_minor": 1999,
                   "condition": "new", "reason": reason, "disposition": "restock_new"}],
        "refunds": [{"tender": "store_credit", "amount_minor": 1999}],
    }  # fmt: skip
    return message("return.committed", store, payload)


def _ret(store: str, ref: str, order: str, sku: str, reason: str, when: datetime) -> Any:
    wire = return_message(store, ref, order, [(1, sku, 1)])
    for line in wire["payload"]["lines"]:
        line["reason"] = reason
    return _at(wire, when)


def seed(engine: Engine) -> None:
    """Two stores over two weeks (see the test for the rates this makes)."""
    for code in ("S001", "S002"):
        service.add_store(engine, code, f"Store {code}")
    service.publish_catalog(
        engine,
        [
            proto.CatalogItem(sku=sku, name=sku, category=cat, price_minor=1999, currency="USD")
            for sku, cat in (("SKU-1", "home"), ("SKU-2", "toys"))
        ],
    )
    staff = [("alice", "cashier"), ("mia", "manager")]
    service.publish_staff(
        engine,
        [
            service.staff_from_record(
                {"username": u, "display_name": u, "role": r, "pin": "246810", "travelling": True}
            )
            for u, r in staff
        ],
    )
    service.publish_policy(engine, "p1", POLICY)
    orders = [_order(f"O-S001-{n}", "S001", WEEK1, "SKU-1", 1) for n in range(1, 5)]
    orders += [_order(f"O-S001-{n}", "S001", WEEK2, "SKU-2", 2) for n in (5, 6)]
    orders += [_order(f"O-S002-{n}", "S002", WEEK2, "SKU-1", 1) for n in range(1, 6)]
    orders += [
        _order("O-WEB-1", None, WEEK1, "SKU-2", 3),
        _order("O-OLD", "S001", BEFORE, "SKU-1", 9),
    ]
    service.publish_orders(engine, orders)
    s1 = [
        _ret("S001", "R-1", "O-S001-1", "SKU-1", "wrong_size", WEEK1),
        _ret("S001", "R-2", "O-S001-5", "SKU-2", "defective", WEEK2),
        _at(message("override.granted", "S001",
                    {"ref": "R-2", "line_no": 1, "manager": "mia", "reason": "late"}), WEEK2),
        _ret("S001", "R-0", "O-OLD", "SKU-1", "other", BEFORE),
    ]  # fmt: skip
    s2 = [
        _ret("S002", "R-3", "O-S002-1", "SKU-1", "wrong_size", WEEK2),
        _at(_receiptless("S002", "R-4", "SKU-1", "changed_mind"), WEEK2),
    ]  # fmt: skip
    for store, wires in (("S001", s1), ("S002", s2)):
        batch = [proto.MESSAGE.validate_python(w) for w in wires]
        results = service.push_messages(engine, store, batch, now=NOW)
        assert [r.status for r in results] == ["accepted"] * len(batch), results


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
