"""`audit verify` knows the store's business: every return, refund, override, stock movement
and day close against its audit entry, and the chain against the heads the outbox published.
Real stores on SQLite and PostgreSQL, returns made through the real ReturnDesk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from counter_app.adapters.db import tables as t
from counter_app.cli.main import main
from counter_app.services.audit import verify_audit_trail
from counter_app.services.day_close import close_day
from counter_app.services.stock import move_stock
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.test_reports import build_fixture


def sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


@pytest.fixture
def store(store_engine: Engine) -> Store:
    """Seven returns (one with an override, open-box lines), a manager's stock move and a
    day close."""
    store = build_fixture(store_engine)
    store.clock.at = datetime(2026, 11, 20, 2, tzinfo=UTC)
    move_stock(
        store.engine,
        store.clock,
        manager=store.user("maria"),
        sku="HOM-1",
        from_location="vendor",
        to_location="open_box",
        quantity=1,
        reason="works after re-test",
        store_code="S001",
        counter_code="C1",
    )
    close_day(
        store.engine,
        store.clock,
        manager=store.user("maria"),
        store_code="S001",
        counter_code="C1",
        timezone="America/New_York",
        currency="USD",
    )
    return store


def problems(store: Store) -> list[str]:
    return verify_audit_trail(store.engine)[1]


def first_ref(store: Store) -> str:
    with UnitOfWork(store.engine) as uow:
        return str(uow.conn.execute(select(t.returns.c.ref).order_by(t.returns.c.id)).first()[0])  # type: ignore[index]


def test_a_clean_store_with_returns_stock_moves_and_a_day_close_verifies(store: Store) -> None:
    count, found = verify_audit_trail(store.engine)
    assert found == [] and count > 9


def test_all_audit_rows_and_the_head_deleted_is_tampering(store: Store) -> None:
    sql(store.engine, "DELETE FROM audit_entries", "DELETE FROM audit_head")
    found = problems(store)
    assert any(p.startswith("audit trail missing: 7 returns have no audit entry") for p in found)
    assert any("1 override has no audit entry" in p for p in found)
    assert any("1 day close has no audit entry" in p for p in found)
    assert any("2 stock movements have no audit entry" in p for p in found)
    assert any("the outbox published entry" in p for p in found)


def test_tail_deleted_and_head_moved_back_is_found(store: Store) -> None:
    with UnitOfWork(store.engine) as uow:
        last = int(uow.conn.execute(text("SELECT max(seq) FROM audit_entries")).scalar_one())
    keep = last - 3  # the last return, the stock move and the day close go
    sql(
        store.engine,
        f"DELETE FROM audit_entries WHERE seq > {keep}",
        f"UPDATE audit_head SET seq = {keep}, hash = "
        f"(SELECT hash FROM audit_entries WHERE seq = {keep})",
    )
    found = problems(store)
    assert any(p.startswith("audit trail missing: 1 return has") for p in found)
    assert any("day close has no audit entry" in p for p in found)
    assert any(f"the outbox published entry {last}" in p for p in found)


def test_tail_deleted_with_its_outbox_heads_is_still_found_by_the_rows(store: Store) -> None:
    with UnitOfWork(store.engine) as uow:
        last = int(uow.conn.execute(text("SELECT max(seq) FROM audit_entries")).scalar_one())
    sql(
        store.engine,
        f"DELETE FROM audit_entries WHERE seq > {last - 2}",
        f"UPDATE audit_head SET seq = {last - 2}, hash = "
        f"(SELECT hash FROM audit_entries WHERE seq = {last - 2})",
        "DELETE FROM outbox WHERE kind = 'audit.head'",
    )
    found = problems(store)
    assert any("stock movements have no audit entry" in p for p in found)
    assert any("day close has no audit entry" in p for p in found)


def test_a_refund_amount_edited_while_the_chain_is_untouched(store: Store) -> None:
    ref = first_ref(store)
    sql(
        store.engine,
        "UPDATE refunds SET amount_minor = amount_minor + 9000 WHERE id = "
        f"(SELECT min(f.id) FROM refunds f JOIN returns r ON r.id = f.return_id "
        f"WHERE r.ref = '{ref}')",
    )
    found = problems(store)
    assert any(p.startswith(f"return {ref}: refunds in the database") for p in found), found
    assert any(f"return {ref}: its refunds add up to" in p for p in found)
    sql(
        store.engine,
        f"UPDATE returns SET total_refund_minor = total_refund_minor + 9000 WHERE ref = '{ref}'",
    )
    found = problems(store)
    assert any(f"return {ref}: the refund total is" in p for p in found), found
    assert not any("its refunds add up to" in p for p in found)  # now consistent, still wrong


def test_a_line_refund_and_a_stock_movement_edited(store: Store) -> None:
    ref = first_ref(store)
    sql(
        store.engine,
        "UPDATE return_lines SET refund_minor = refund_minor + 1 WHERE return_id = "
        f"(SELECT id FROM returns WHERE ref = '{ref}')",
        "UPDATE stock_movements SET quantity = 5 WHERE id = "
        "(SELECT max(id) FROM stock_movements WHERE cause = 'disposition_change')",
    )
    found = problems(store)
    assert any(p.startswith(f"return {ref}: line 1") for p in found), found
    assert any("1 stock movement has no audit entry" in p for p in found)


def test_an_actor_edited(store: Store) -> None:
    ref = first_ref(store)
    sql(
        store.engine,
        "UPDATE returns SET cashier_id = (SELECT id FROM users WHERE username = 'bob') "
        f"WHERE ref = '{ref}'",
        "UPDATE overrides SET manager_id = (SELECT id FROM users WHERE username = 'wei')",
        "UPDATE day_closes SET closed_by = (SELECT id FROM users WHERE username = 'wei')",
    )
    found = problems(store)
    assert any(f"return {ref}: the cashier is bob in the database but alice" in p for p in found)
    assert any("approved by wei in the database but by maria" in p for p in found)
    assert any("closed by wei in the database but by maria" in p for p in found)


def _store_with_returns(engine: Engine, count: int) -> Store:
    store = make_store(engine, NOW)
    for n in range(count):
        number = f"O-{n}"
        add_order(engine, number, days_before(NOW, 2), [("APP-1", 1, 2500)])
        desk = store.desk
        draft = desk.start_return(desk.find_order(number), store.user("alice"))
        desk.select_line(draft, 1, 1)
        desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
        desk.evaluate(draft)
        desk.commit_return(draft, "original")
    return store


def test_cli_reports_an_emptied_trail_of_24_returns_bounded(
    store_engine: Engine, store_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store_with_returns(store_engine, 24)
    home = ["--home", str(tmp_path), "--db", store_db_url]
    assert main([*home, "audit", "verify"]) == 0
    assert "audit trail intact" in capsys.readouterr().out
    # many problems: at most 20 lines of them, and a count of the rest
    sql(store.engine, "UPDATE refunds SET amount_minor = amount_minor + 1")
    assert main([*home, "audit", "verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 21 and lines[-1] == "TAMPERED: ... and 28 more problem(s)"
    sql(store.engine, "DELETE FROM audit_entries", "DELETE FROM audit_head")
    assert main([*home, "audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "TAMPERED: audit trail missing: 24 returns have no audit entry" in out
    assert "FAILED" in err


def test_the_demo_store_verifies_clean(
    store_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = ["--home", str(tmp_path), "--db", store_db_url]
    assert main([*home, "demo", "--orders", "200", "--returns", "24"]) == 0
    capsys.readouterr()
    assert main([*home, "audit", "verify"]) == 0
    assert "audit trail intact" in capsys.readouterr().out
