"""Day close: totals per tender equal the day's returns, stored once, Z-report from storage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.printing import FakePrinter, render_text
from counter_app.config import Settings
from counter_app.services.day_close import (
    DayAlreadyClosed,
    DaySummary,
    close_day,
    day_summary,
    get_day_close,
    list_day_closes,
    z_report_document,
)
from counter_app.services.errors import BadInput, OverrideRefused
from counter_app.services.print_queue import PrintQueue
from counter_app.services.unit_of_work import UnitOfWork
from tests.factories import Store
from tests.integration.test_reports import TZ, build_fixture

DAY = date(2026, 11, 19)  # R3 (cash 79.98), R4 (card 49.99, override), R5 (card 25.00)


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = build_fixture(store_engine)
    s.clock.at = datetime(2026, 11, 20, 2, tzinfo=UTC)  # 21:00 local on the 19th
    return s


def _args(store: Store) -> dict[str, Any]:
    return {"store_code": "S001", "counter_code": "C1", "timezone": TZ, "currency": "USD"}


def test_totals_per_tender_equal_the_days_returns(store: Store) -> None:
    summary = day_summary(store.engine, store.clock, **_args(store))
    assert summary.business_date == DAY
    assert summary.returns_count == 3 and summary.units == 4
    assert summary.refunds_by_tender == {"card": 4999 + 2500, "cash": 7998}
    assert summary.cash_paid_out_minor == 7998
    assert summary.refund_total_minor == 15497
    # the same from the database, independently: the day's refunds summed per tender
    start, end = datetime(2026, 11, 19, 5, tzinfo=UTC), datetime(2026, 11, 20, 5, tzinfo=UTC)
    r, rf = t.returns.c, t.refunds.c
    with UnitOfWork(store.engine) as uow:
        per_tender = dict(
            uow.conn.execute(
                select(rf.tender, func.sum(rf.amount_minor))
                .join(t.returns, r.id == rf.return_id)
                .where(r.created_at >= start, r.created_at < end)
                .group_by(rf.tender)
            ).all()
        )
        totals = uow.conn.execute(
            select(func.sum(r.total_refund_minor)).where(r.created_at >= start, r.created_at < end)
        ).scalar_one()
    assert summary.refunds_by_tender == per_tender
    assert sum(summary.refunds_by_tender.values()) == totals == summary.refund_total_minor
    assert [(o.ref, o.manager, o.sku) for o in summary.overrides] == [
        ("R-S001-C1-000006", "maria", "FIN-1")
    ]
    other_day = day_summary(
        store.engine, store.clock, business_date=date(2026, 11, 18), **_args(store)
    )
    assert other_day.returns_count == 1 and other_day.refunds_by_tender == {"card": 11049}


def test_close_stores_once_warns_and_prints_the_stored_summary(
    store: Store, tmp_path: Path
) -> None:
    summary = day_summary(store.engine, store.clock, **_args(store))
    assert summary.messages_waiting > 0 and summary.print_jobs_pending > 0
    assert any("head office" in w for w in summary.warnings)
    assert any("print job" in w for w in summary.warnings)
    with pytest.raises(OverrideRefused):
        close_day(store.engine, store.clock, manager=store.user("alice"), **_args(store))
    closed = close_day(store.engine, store.clock, manager=store.user("maria"), **_args(store))
    assert closed.summary.refund_total_minor == 15497
    with pytest.raises(DayAlreadyClosed):
        close_day(store.engine, store.clock, manager=store.user("wei"), **_args(store))
    # later returns do not change what was closed
    with UnitOfWork(store.engine, write=True) as uow:
        uow.conn.execute(update(t.outbox).values(status="sent"))
        uow.commit()
    stored = get_day_close(store.engine, closed.subject)
    assert stored.summary == closed.summary and stored.closed_by == "maria"
    assert DaySummary.from_json(closed.summary.to_json()) == closed.summary
    assert [c.subject for c in list_day_closes(store.engine)] == ["Z-S001-C1-2026-11-19"]
    text = render_text(z_report_document(store.engine, closed.subject))
    for expected in (
        "Z-REPORT",
        "2026-11-19",
        "74.99 USD",
        "79.98 USD",
        "154.97 USD",
        "Maria Rossi",
    ):
        assert expected in text, expected
    printer = FakePrinter()
    settings = Settings(home=tmp_path, db_url=str(store.engine.url), counter_code="C1")
    with UnitOfWork(store.engine, write=True) as uow:
        repo.add_print_job(
            uow.conn,
            kind="z_report",
            subject=closed.subject,
            at=store.clock.now(),
            counter="C1",
            copy="store",
        )
        uow.commit()
    queue = PrintQueue(
        store.engine, store.clock, settings, store.policies, printer_factory=lambda *a, **k: printer
    )
    [result] = [r for r in queue.run_pending() if r.kind == "z_report"]
    assert result.status == "printed"
    assert [d for d in printer.documents if d.kind == "z_report"]
    with UnitOfWork(store.engine) as uow:
        actions = list(uow.conn.execute(select(t.audit_entries.c.action)).scalars())
    assert actions.count("day.closed") == 1


def test_closing_a_future_day_or_a_bad_subject_is_refused(store: Store) -> None:
    with pytest.raises(BadInput):
        close_day(
            store.engine,
            store.clock,
            manager=store.user("maria"),
            business_date=date(2026, 11, 25),
            **_args(store),
        )
    with pytest.raises(BadInput):
        get_day_close(store.engine, "nonsense")


def test_manager_cli(
    sqlite_db_url: str,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`report`, `day`, `stock` and `notify` through counter_app.cli.main on the fixture."""
    import json

    from counter_app.adapters.db.engine import make_engine
    from counter_app.cli.main import main

    engine = make_engine(sqlite_db_url)
    build_fixture(engine)
    engine.dispose()
    monkeypatch.setenv("COUNTER_APP_HOME", str(tmp_path / "home"))
    base = ["--db", sqlite_db_url]
    csv_file = tmp_path / "reasons.csv"
    assert (
        main(
            [
                *base,
                "report",
                "by_reason",
                "--from",
                "2026-11-15",
                "--to",
                "2026-11-20",
                "--csv",
                str(csv_file),
            ]
        )
        == 0
    )
    text = csv_file.read_text(encoding="utf-8-sig")
    assert "changed_mind,Changed mind,3,3,185.48,19.50,1,too itchy" in text
    assert (
        main(
            [*base, "report", "by_cashier", "--from", "2026-11-15", "--to", "2026-11-20", "--json"]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["rows"]
    assert {r["key"]: r["returns"] for r in rows} == {"alice": 3, "bob": 3}
    assert main([*base, "day", "show", "--date", "2026-11-19", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["refunds_by_tender"] == {"card": 7499, "cash": 7998}
    assert (
        with_stdin(
            monkeypatch,
            "1234\n",
            [*base, "day", "close", "--date", "2026-11-19", *("--manager", "alice", "--pin", "-")],
        )
        == 1
    )
    assert "not a manager" in capsys.readouterr().err
    assert (
        with_stdin(
            monkeypatch,
            "987654\n",
            [*base, "day", "close", "--date", "2026-11-19", *("--manager", "maria", "--pin", "-")],
        )
        == 0
    )
    assert "closed by Maria Rossi" in capsys.readouterr().out
    assert (
        with_stdin(
            monkeypatch,
            "987654\n",
            [*base, "day", "close", "--date", "2026-11-19", *("--manager", "maria", "--pin", "-")],
        )
        == 1
    )
    assert "already closed" in capsys.readouterr().err
    assert main([*base, "day", "report", "--date", "2026-11-19"]) == 0
    assert "154.97 USD" in capsys.readouterr().out
    assert (
        with_stdin(
            monkeypatch,
            "987654\n",
            [
                *base,
                "stock",
                "move",
                "HOM-1",
                "--from",
                "vendor",
                "--to",
                "scrap",
                "--qty",
                "1",
                "--reason",
                "shattered",
                "--manager",
                "maria",
                "--pin",
                "-",
            ],
        )
        == 0
    )
    assert main([*base, "stock", "list", "--location", "scrap", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(out) == [
        {
            "sku": "HOM-1",
            "name": "Desk Lamp",
            "location": "scrap",
            "on_hand": 1,
            "vendor": "Acme",
            "open_box_of": None,
        }
    ]
    assert main([*base, "notify", "run"]) == 1
    assert "not configured" in capsys.readouterr().err


def with_stdin(monkeypatch: pytest.MonkeyPatch, stdin: str, argv: list[str]) -> int:
    """`counter-app ARGV` with `stdin` as standard input (a PIN is never on the command line)."""
    import io

    from counter_app.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)
