"""The store's own time zone decides window days, business days, receipts and `returns show`.

A Berlin store under the default policy (written for America/New_York): the store row or the
`timezone` setting makes Berlin the zone; with neither, the policy's zone is the default.
Each case is chosen so that Berlin and New York disagree about the local day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, update

from counter_app.adapters.db import tables as t
from counter_app.adapters.mail import FakeSender
from counter_app.adapters.printing import render_text
from counter_app.bootstrap import App, bootstrap
from counter_app.cli.main import main
from counter_app.cli.reports import store_zone
from counter_app.config import ConfigError, Settings, load_settings, set_setting
from counter_app.domain.zones import check_zone
from counter_app.services import auth
from counter_app.services.day_close import day_summary
from counter_app.services.notifications import Notifier
from counter_app.services.receipts import receipt_data, receipt_document
from counter_app.services.unit_of_work import UnitOfWork
from tests.cli_helpers import ADMIN, ADMIN_PIN, admin_cli
from tests.conftest import NOW
from tests.factories import Store, add_order, make_store

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), "America/New_York"


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


def _app(store: Store, home: Path, *, row: str | None = None, setting: str = "") -> App:
    if row is not None:
        with UnitOfWork(store.engine, write=True) as uow:
            uow.conn.execute(update(t.stores).values(timezone=row))
            uow.commit()
    settings = Settings(home=home, db_url="sqlite://", timezone=setting)
    return bootstrap(settings, clock=store.clock, engine=store.engine, migrate=False)


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


@pytest.fixture(params=["store row", "setting", "policy only"])
def zoned(request: pytest.FixtureRequest, store: Store, tmp_path: Path) -> tuple[App, str]:
    """The app with its zone from each source; the expected zone beside it."""
    if request.param == "store row":
        return _app(store, tmp_path, row="Europe/Berlin"), "Europe/Berlin"
    if request.param == "setting":  # the local setting beats the (New York) store row
        return _app(store, tmp_path, setting="Europe/Berlin"), "Europe/Berlin"
    return _app(store, tmp_path), NEW_YORK


# bought (Berlin wall clock), checked (Berlin wall clock), outcome in Berlin, in New York
WINDOW_CASES = [
    pytest.param((2026, 9, 1, 0, 30), (2026, 10, 1, 23, 0), "approve", "deny", id="d30-early-buy"),
    pytest.param((2026, 9, 1, 23, 0), (2026, 10, 1, 23, 30), "approve", "approve", id="d30-late"),
    pytest.param((2026, 9, 1, 23, 0), (2026, 10, 2, 0, 30), "deny", "approve", id="d31-0030"),
    pytest.param((2026, 9, 1, 23, 0), (2026, 10, 2, 23, 0), "deny", "deny", id="d31-late"),
]


@pytest.mark.parametrize(("bought", "checked", "in_berlin", "in_new_york"), WINDOW_CASES)
def test_window_days_are_counted_in_the_store_zone(
    zoned: tuple[App, str],
    store: Store,
    bought: tuple[int, ...],
    checked: tuple[int, ...],
    in_berlin: str,
    in_new_york: str,
) -> None:
    app, zone = zoned
    assert app.policies.current.timezone == zone
    add_order(store.engine, "O-TZ", berlin(*bought), [("APP-1", 1, 2500)])
    store.clock.at = berlin(*checked)
    draft = app.desk.start_return(app.desk.find_order("O-TZ"), store.user("alice"))
    app.desk.select_line(draft, 1)
    app.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    expected = in_berlin if zone == "Europe/Berlin" else in_new_york
    decision = app.desk.evaluate(draft)[1]
    assert decision.outcome == expected
    assert (decision.outcome == "deny") == any(r.code == "WINDOW_EXPIRED" for r in decision.reasons)
    assert app.desk.eligibility(draft)[1].outcome == expected


def _return_at(app: App, store: Store, number: str, at: datetime) -> str:
    add_order(store.engine, number, berlin(2026, 9, 20, 12, 0), [("APP-1", 1, 2500)])
    store.clock.at = at
    draft = app.desk.start_return(app.desk.find_order(number), store.user("alice"))
    app.desk.select_line(draft, 1)
    app.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    app.desk.evaluate(draft)
    return app.desk.commit_return(draft, "original").ref


def test_business_day_receipt_and_returns_show_use_the_store_zone(
    store: Store, store_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(store, tmp_path, row="Europe/Berlin")
    _return_at(app, store, "O-A", berlin(2026, 10, 1, 23, 30))
    late = _return_at(app, store, "O-B", berlin(2026, 10, 2, 0, 30))  # Oct 1 in New York
    zone = store_zone(app)
    assert zone == "Europe/Berlin"
    args = {"store_code": "S001", "counter_code": "C1", "timezone": zone, "currency": "USD"}
    for day, count in ((1, 1), (2, 1)):
        summary = day_summary(
            store.engine, store.clock, business_date=datetime(2026, 10, day).date(), **args
        )
        assert summary.returns_count == count, day
    store.clock.at = berlin(2026, 10, 2, 0, 45)
    today = day_summary(store.engine, store.clock, **args)
    assert (today.business_date.day, today.returns_count) == (2, 1)

    data = receipt_data(store.engine, app.settings, app.policies.current, late)
    assert data.timezone == "Europe/Berlin"
    assert "2026-10-02 00:30" in render_text(
        receipt_document(store.engine, app.settings, app.policies.current, late)
    )

    home = tmp_path / "cli"
    assert main(["--home", str(home), "--db", store_db_url, "returns", "show", late]) == 0
    assert "2026-10-02 00:30 Europe/Berlin" in capsys.readouterr().out


def test_the_local_setting_beats_the_row_and_a_bad_zone_is_one_line(
    store: Store, store_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(store, tmp_path, row="America/Los_Angeles")
    ref = _return_at(app, store, "O-C", berlin(2026, 10, 2, 0, 30))
    home = tmp_path / "cli"
    assert main(["--home", str(home), "config", "set", "timezone", "Mars/Olympus"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "counter-app: timezone must be an IANA time zone like Europe/Berlin, not 'Mars/Olympus'"
    ]
    auth.add_user(store.engine, store.clock, ADMIN, "Store Admin", "admin", ADMIN_PIN)
    code, _out, err = admin_cli(
        home, "--db", store_db_url, "config", "set", "timezone", "Europe/Berlin"
    )
    assert code == 0, err
    assert load_settings(home).timezone == "Europe/Berlin"
    assert main(["--home", str(home), "--db", store_db_url, "returns", "show", ref]) == 0
    assert "2026-10-02 00:30 Europe/Berlin" in capsys.readouterr().out
    assert (
        main(["--home", str(tmp_path / "other"), "--db", store_db_url, "returns", "show", ref]) == 0
    )
    assert "2026-10-01 15:30 America/Los_Angeles" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", " Europe/Berlin", "x" * 100, "../etc"])
def test_a_zone_name_is_checked(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be an IANA time zone like Europe/Berlin"):
        check_zone(bad)
    if bad:
        with pytest.raises(ConfigError, match=r"^timezone "):
            set_setting(tmp_path, "timezone", bad)
    assert check_zone("Asia/Kolkata") == "Asia/Kolkata"


@pytest.mark.parametrize(("row", "setting"), [("Europe/Berlin", ""), (NEW_YORK, "Europe/Berlin")])
def test_the_customer_email_dates_the_return_in_the_store_zone(
    store: Store, tmp_path: Path, row: str, setting: str
) -> None:
    app = _app(store, tmp_path, row=row, setting=setting)
    app.desk.email_language = "en"
    customer = {"code": "C9", "name": "Lin", "email": "lin@example.com"}
    add_order(store.engine, "O-M", berlin(2026, 9, 20, 12), [("APP-1", 1, 2500)], customer=customer)
    store.clock.at = berlin(2026, 10, 2, 0, 30)  # still 1 October in New York
    draft = app.desk.start_return(app.desk.find_order("O-M"), store.user("alice"))
    app.desk.select_line(draft, 1)
    app.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    app.desk.evaluate(draft)
    app.desk.commit_return(draft, "original")
    sender = FakeSender()
    notifier = Notifier(store.engine, store.clock, sender, from_address="r@x.example", zone=setting)
    result = notifier.process_once()
    assert result is not None and result.status == "sent"
    body = sender.sent[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Oct 2, 2026" in text and "Oct 1, 2026" not in text
