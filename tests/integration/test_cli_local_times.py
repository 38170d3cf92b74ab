"""The command line speaks the store's time, like the screen and the receipt, and `orders show`
gives each line the eligibility the counter shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from counter_app.bootstrap import App, bootstrap
from counter_app.cli.main import main
from counter_app.config import load_settings
from counter_app.domain.model import User
from counter_app.domain.zones import local_datetime
from counter_app.services.history import get_return, list_returns
from counter_app.services.stock import received_items
from tests.cli_helpers import admin_cli, cli

ZONE = "Asia/Tokyo"  # nine hours from UTC, no daylight saving: a UTC time is never right


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "demo", "--orders", "120", "--returns", "4"]) == 0
    code, _out, err = admin_cli(home, "config", "set", "timezone", ZONE)
    assert code == 0, err
    return home


@pytest.fixture(scope="module")
def core(home: Path) -> Iterator[App]:
    app = bootstrap(load_settings(home=home))
    assert app.policies.current.timezone == ZONE
    yield app
    app.close()


def _local(moment: datetime) -> str:
    return f"{local_datetime(moment, ZONE):%Y-%m-%d %H:%M}"


def test_returns_and_stock_print_the_stores_time(home: Path, core: App) -> None:
    engine = core.engine
    rows = list_returns(engine, limit=10)
    assert rows
    code, out, err = cli(home, "returns", "list")
    assert code == 0, err
    for row in rows:
        assert f"{row.ref:<22} {_local(row.created_at)}" in out
    view = get_return(engine, rows[0].ref)
    code, out, _ = cli(home, "returns", "show", view.ref)
    assert f"{_local(view.created_at)} {ZONE}" in out.splitlines()[0]
    code, out, _ = cli(home, "returns", "show", view.ref, "--json")
    assert json.loads(out)["created_at"].endswith("+09:00")
    code, out, _ = cli(home, "returns", "list", "--json")
    assert all(json.loads(x)["created_at"].endswith("+09:00") for x in out.splitlines())
    items = received_items(engine, None, limit=5)
    code, out, _ = cli(home, "stock", "received")
    assert items and all(_local(i.received_at) in out for i in items)


def test_orders_show_gives_each_line_the_counters_eligibility(home: Path, core: App) -> None:
    desk = core.desk
    nobody = User(0, "t", "t", "cashier")
    shown = 0
    for number in [f"O-{n:07d}" for n in range(1, 40)]:
        order = desk.find_order(number)
        decisions = desk.eligibility(desk.start_return(order, nobody))
        code, out, err = cli(home, "orders", "show", number, "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["placed_at"].endswith("+09:00")
        for ln, shown_line in zip(order.lines, data["lines"], strict=True):
            decision = decisions.get(ln.line_no)
            if decision is None:
                assert shown_line["eligibility"] is None
                continue
            shown += 1
            got = shown_line["eligibility"]
            assert got["outcome"] == decision.outcome
            assert got["refund_minor"] == decision.refund.minor
            assert [r["code"] for r in got["reasons"]] == list(decision.reason_codes())
        code, text, _ = cli(home, "orders", "show", number)
        for ln in order.lines:
            decision = decisions.get(ln.line_no)
            line = next(x for x in text.splitlines() if x.startswith(f"  {ln.line_no}. "))
            if decision is None:
                assert line.endswith("-> already returned")
            else:
                assert "-> " in line and ("returnable" in line or "manager" in line)
                for code_ in decision.reason_codes():
                    assert f"{code_}: " in text
    assert shown > 5  # lines of every kind were compared, not only returned ones
