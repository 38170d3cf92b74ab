"""Manager reports against a small store whose every number is worked out by hand below."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.services.commit import CommittedReturn
from counter_app.services.reports import REPORTS, Period, Report, from_csv, run_report, to_csv
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.invariants import check_invariants

TZ = "America/New_York"  # UTC-5 in November
PERIOD = Period(date(2026, 11, 15), date(2026, 11, 20), TZ)
C1 = {
    "code": "C1",
    "name": "Ann Lee",
    "email": "ann@example.com",
    "phone": "+1555001",
    "loyalty_tier": None,
}
C2 = {"code": "C2", "name": "Bo Wu", "email": None, "phone": "+1555002", "loyalty_tier": None}


def do_return(
    store: Store,
    order: str,
    lines: Sequence[tuple[int, int, str, str] | tuple[int, int, str, str, str]],
    *,
    at: datetime,
    cashier: str = "alice",
    tender: str = "original",
    manager: tuple[str, str] | None = None,
    serials: dict[int, str] | None = None,
) -> CommittedReturn:
    """One return through the desk at time `at`: lines are (line_no, qty, reason, condition
    [, feedback]); a manager (user, pin) approves whatever the policy refers or denies."""
    store.clock.at = at
    desk = store.desk
    draft = desk.start_return(desk.find_order(order), store.user(cashier))
    for line in lines:
        line_no, qty, reason, condition = line[:4]
        desk.select_line(draft, line_no, qty)
        if serials and line_no in serials:
            desk.set_serial(draft, line_no, serials[line_no])
        feedback = line[4] if len(line) > 4 else ""  # type: ignore[misc]
        desk.record_inspection(
            draft, line_no, reason_code=reason, condition=condition, feedback=feedback
        )
    decisions = desk.evaluate(draft)
    for line_no, decision in decisions.items():
        if decision.outcome not in ("approve", "approve_with_fee"):
            assert manager is not None, decision
            desk.authorize_override(
                draft, line_no, manager_username=manager[0], pin=manager[1], reason="goodwill"
            )
    return desk.commit_return(draft, tender)


def same_customer(engine: Engine, order: str, like: str) -> None:
    o = t.orders.c
    with UnitOfWork(engine, write=True) as uow:
        cid = uow.conn.execute(select(o.customer_id).where(o.number == like)).scalar_one()
        uow.conn.execute(update(t.orders).where(o.number == order).values(customer_id=cid))
        uow.commit()


def build_fixture(engine: Engine) -> Store:
    """The store of the expectations in this file (and of the day-close and GUI tests)."""
    store = make_store(engine, NOW)
    placed = days_before(NOW, 5)  # 2026-11-15 10:00 local
    add_order(engine, "O-0", days_before(NOW, 30), [("APP-1", 2, 5000)], customer=C2)
    add_order(engine, "O-1", placed, [("APP-1", 2, 5000), ("HOM-1", 1, 3999)], customer=C1)
    add_order(engine, "O-2", placed, [("APP-1", 1, 2500), ("ELE-1", 1, 12999)], serials={2: "SN1"})
    add_order(engine, "O-3", placed, [("HOM-1", 2, 7998)], [("cash", 7998)])
    same_customer(engine, "O-2", "O-1")
    same_customer(engine, "O-3", "O-0")
    add_order(engine, "O-4", placed, [("FIN-1", 1, 4999)])
    add_order(engine, "O-5", placed, [("APP-2", 3, 5997), ("APP-1", 3, 7500)])
    utc = UTC
    # R7: before the period (11-10), C2 by O-0.
    do_return(
        store, "O-0", [(1, 1, "wrong_size", "new")], at=datetime(2026, 11, 10, 15, tzinfo=utc)
    )
    # R1: 11-17 09:00 local, alice, two lines.
    do_return(
        store,
        "O-1",
        [(1, 1, "wrong_size", "new"), (2, 1, "defective", "like_new", "lamp flickers")],
        at=datetime(2026, 11, 17, 14, tzinfo=utc),
    )
    # R2: 11-18 04:30 UTC = 11-17 23:30 local, bob.
    do_return(
        store,
        "O-2",
        [(1, 1, "changed_mind", "new", "too itchy")],
        at=datetime(2026, 11, 18, 4, 30, tzinfo=utc),
        cashier="bob",
    )
    # R6: 11-18 10:00 local, bob, opened earbuds: 15 % fee = 19.50.
    do_return(
        store,
        "O-2",
        [(2, 1, "changed_mind", "opened")],
        serials={2: "SN1"},
        at=datetime(2026, 11, 18, 15, tzinfo=utc),
        cashier="bob",
    )
    # R3: 11-19 11:00 local, alice, two defective lamps, paid in cash.
    do_return(
        store,
        "O-3",
        [(1, 2, "defective", "defective")],
        tender="cash",
        at=datetime(2026, 11, 19, 16, tzinfo=utc),
    )
    # R4: 11-19 12:00 local, bob, final sale overridden by maria.
    do_return(
        store,
        "O-4",
        [(1, 1, "changed_mind", "new")],
        cashier="bob",
        manager=("maria", "987654"),
        at=datetime(2026, 11, 19, 17, tzinfo=utc),
    )
    # R5: 11-19 13:00 local, alice, the second unit of O-0.
    do_return(
        store, "O-0", [(1, 1, "wrong_size", "new")], at=datetime(2026, 11, 19, 18, tzinfo=utc)
    )
    store.clock.at = NOW
    return store


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """Built once per database: the reports only read it."""
    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_store_template")
        target = tmp_path_factory.mktemp("reports") / "store.db"
        shutil.copyfile(template, target)
        url = f"sqlite:///{target}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create_database(template=request.getfixturevalue("_pg_store_template"))
    engine = make_engine(url)
    yield build_fixture(engine)
    engine.dispose()


def report(store: Store, name: str, period: Period = PERIOD) -> Report:
    return run_report(store.engine, name, period, store.policies.current, NOW)


def by_key(rep: Report, *keys: str) -> dict[str, dict[str, Any]]:
    return {r["key"]: {k: r[k] for k in keys} for r in rep.rows}


def test_fixture_is_consistent(store: Store) -> None:
    assert check_invariants(store.engine) == []


def test_by_reason_with_feedback(store: Store) -> None:
    rep = report(store, "by_reason")
    assert by_key(rep, "returns", "units", "refund_minor", "fee_minor", "feedback_count") == {
        "changed_mind": dict(
            returns=3, units=3, refund_minor=2500 + 4999 + 11049, fee_minor=1950, feedback_count=1
        ),
        "defective": dict(
            returns=2, units=3, refund_minor=3999 + 7998, fee_minor=0, feedback_count=1
        ),
        "wrong_size": dict(returns=2, units=2, refund_minor=5000, fee_minor=0, feedback_count=0),
    }
    feedback = {r["key"]: r["feedback"] for r in rep.rows}
    assert feedback["defective"] == "lamp flickers" and feedback["changed_mind"] == "too itchy"
    assert rep.rows[0]["key"] == "changed_mind"  # most units first, then value
    assert {r["label"] for r in rep.rows} >= {"Defective / does not work"}


def test_by_category_product_cashier(store: Store) -> None:
    assert by_key(report(store, "by_category"), "returns", "units", "refund_minor") == {
        "apparel": dict(returns=3, units=3, refund_minor=7500),
        "home": dict(returns=2, units=3, refund_minor=11997),
        "electronics": dict(returns=1, units=1, refund_minor=11049),
        "final_sale": dict(returns=1, units=1, refund_minor=4999),
    }
    products = report(store, "by_product")
    assert by_key(products, "units", "refund_minor", "category") == {
        "APP-1": dict(units=3, refund_minor=7500, category="apparel"),
        "HOM-1": dict(units=3, refund_minor=11997, category="home"),
        "ELE-1": dict(units=1, refund_minor=11049, category="electronics"),
        "FIN-1": dict(units=1, refund_minor=4999, category="final_sale"),
    }
    assert [r["key"] for r in products.rows] == ["HOM-1", "ELE-1", "APP-1", "FIN-1"]
    assert by_key(report(store, "by_cashier"), "returns", "units", "refund_minor") == {
        "alice": dict(returns=3, units=5, refund_minor=2500 + 3999 + 7998 + 2500),
        "bob": dict(returns=3, units=3, refund_minor=2500 + 11049 + 4999),
    }


def test_by_day_uses_the_store_time_zone(store: Store) -> None:
    rep = report(store, "by_day")
    assert [r["key"] for r in rep.rows] == [f"2026-11-{d}" for d in range(15, 21)]
    assert by_key(rep, "returns", "units", "refund_minor")["2026-11-17"] == dict(
        returns=2,
        units=3,
        refund_minor=2500 + 3999 + 2500,  # R2 at 23:30 local counts here
    )
    assert by_key(rep, "returns", "units", "refund_minor")["2026-11-18"] == dict(
        returns=1, units=1, refund_minor=11049
    )
    assert by_key(rep, "returns", "units", "refund_minor")["2026-11-19"] == dict(
        returns=3, units=4, refund_minor=7998 + 4999 + 2500
    )
    assert rep.total("returns") == 6 and rep.chart.kind == "line"
    # one local day: 11-10 holds only R7
    day = report(store, "by_day", Period(date(2026, 11, 10), date(2026, 11, 10), TZ))
    assert by_key(day, "returns", "refund_minor") == {
        "2026-11-10": dict(returns=1, refund_minor=2500)
    }


def test_return_rates(store: Store) -> None:
    assert by_key(report(store, "rate_by_product"), "sold", "returned", "rate") == {
        "APP-1": dict(sold=6, returned=3, rate=0.5),
        "APP-2": dict(sold=3, returned=0, rate=0.0),
        "HOM-1": dict(sold=3, returned=3, rate=1.0),
        "ELE-1": dict(sold=1, returned=1, rate=1.0),
        "FIN-1": dict(sold=1, returned=1, rate=1.0),
    }
    assert by_key(report(store, "rate_by_category"), "sold", "returned", "rate") == {
        "apparel": dict(sold=9, returned=3, rate=0.3333),
        "home": dict(sold=3, returned=3, rate=1.0),
        "electronics": dict(sold=1, returned=1, rate=1.0),
        "final_sale": dict(sold=1, returned=1, rate=1.0),
    }


def test_reason_vs_condition_flags_claimed_faults_graded_sellable(store: Store) -> None:
    rep = report(store, "reason_vs_condition")
    rows = by_key(rep, "units", "mismatch", "top_product", "top_units")
    assert rows == {
        "defective / like_new": dict(units=1, mismatch=True, top_product="HOM-1", top_units=1),
        "defective / defective": dict(units=2, mismatch=False, top_product="HOM-1", top_units=2),
        "wrong_size / new": dict(units=2, mismatch=False, top_product="APP-1", top_units=2),
        "changed_mind / new": dict(units=2, mismatch=False, top_product="APP-1", top_units=1),
        "changed_mind / opened": dict(units=1, mismatch=False, top_product="ELE-1", top_units=1),
    }
    assert rep.rows[0]["key"] == "defective / like_new"  # mismatches lead


def test_overrides_by_manager_and_rule(store: Store) -> None:
    managers = report(store, "overrides_by_manager")
    assert by_key(managers, "name", "overrides", "refund_minor") == {
        "maria": dict(name="Maria Rossi", overrides=1, refund_minor=4999)
    }
    rules = by_key(report(store, "overrides_by_rule"), "overrides", "refund_minor")
    assert rules["FINAL_SALE"] == dict(overrides=1, refund_minor=4999)
    empty = report(store, "overrides_by_manager", Period(date(2026, 11, 1), date(2026, 11, 16), TZ))
    assert empty.rows == []


def test_frequent_returners_with_the_policy_limit(store: Store) -> None:
    rep = report(store, "frequent_returners")
    # 30 days up to now: C1 has R1, R2, R6; C2 has R7 (11-10), R3, R5; R4 has no customer.
    assert by_key(rep, "returns", "refund_minor", "over_limit") == {
        "C1": dict(returns=3, refund_minor=6499 + 2500 + 11049, over_limit=False),
        "C2": dict(returns=3, refund_minor=2500 + 7998 + 2500, over_limit=False),
    }
    rule = store.policies.current.frequent_returner
    assert rep.chart.limit == float(rule.max_returns)
    assert str(rule.lookback_days) in rep.chart.limit_label


def test_csv_round_trip(store: Store) -> None:
    for name in REPORTS:
        rep = report(store, name)
        text = to_csv(rep)
        assert text.splitlines()[0].split(",")[0] == rep.columns[0].title
        back = from_csv(text, rep.columns)
        expected = [{c.key: row.get(c.key) for c in rep.columns} for row in rep.rows]
        assert back == expected, name


def test_unknown_report_and_bad_period(store: Store) -> None:
    from counter_app.services.errors import BadInput

    with pytest.raises(BadInput, match="no report"):
        report(store, "nope")
    with pytest.raises(BadInput):
        Period(date(2026, 11, 2), date(2026, 11, 1), TZ)
    assert Period.last_days(7, NOW, TZ) == Period(date(2026, 11, 14), date(2026, 11, 20), TZ)
    # 01:00 UTC on the 21st is still the 20th in New York
    assert Period.last_days(1, NOW + timedelta(hours=10), TZ).first == date(2026, 11, 20)
