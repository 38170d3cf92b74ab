"""`orders import` / `catalog import`: the pull format from a file, all of it or nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.cli.main import main
from counter_app.domain.money import Money
from counter_app.domain.policy import PolicyHolder, default_policy_path, load_policy_file
from counter_app.services import auth, imports
from counter_app.services.clock import FixedClock
from counter_app.services.imports import ImportRefused, import_catalog, import_orders
from counter_app.services.returns import ReturnDesk
from counter_app.services.unit_of_work import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the store: 'nothing was written' is one comparison."""
    with UnitOfWork(engine) as uow:
        return {
            table.name: int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in t.metadata.sorted_tables
        }


def example_lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (EXAMPLES / name).read_text("utf-8").splitlines()]


def write(path: Path, items: list[Any]) -> Path:
    path.write_text(
        "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items),
        "utf-8",
    )
    return path


def refused(engine: Engine, path: Path) -> list[str]:
    before = row_counts(engine)
    with pytest.raises(ImportRefused) as caught:
        import_orders(engine, path)
    assert row_counts(engine) == before  # nothing was written
    return caught.value.problems


@pytest.fixture
def catalogued(store_engine: Engine) -> Engine:
    import_catalog(store_engine, EXAMPLES / "catalog.jsonl")
    return store_engine


def test_example_files_import_and_the_order_is_returned(
    store_engine: Engine, store_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = ["--home", str(tmp_path), "--db", store_db_url]
    assert main([*cli, "catalog", "import", str(EXAMPLES / "catalog.jsonl")]) == 0
    assert main([*cli, "orders", "import", str(EXAMPLES / "orders.jsonl")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "catalog.jsonl: 3 catalog items added, 0 updated, 0 already here",
        "orders.jsonl: 2 orders added, 0 already here",
    ]
    clock = FixedClock(NOW)
    auth.add_user(store_engine, clock, "alice", "Alice", "cashier", "1234")
    policies = PolicyHolder(load_policy_file(default_policy_path()))
    desk = ReturnDesk(store_engine, clock, policies, store_code="S001", counter_code="C1")
    order = desk.find_order("POS-1001")
    assert order.customer is not None and order.customer.code == "CUST-77"
    assert [p.amount for p in order.payments] == [Money(10000), Money(2419)]
    draft = desk.start_return(order, auth.authenticate(store_engine, clock, "alice", "1234"))
    desk.verify_item(draft, "4006381333931")  # the scarf, by the barcode the catalog brought
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    assert desk.evaluate(draft)[1].outcome == "approve"
    committed = desk.commit_return(draft, "original")
    assert committed.total == Money(3510)  # half of the line's 70.20

    # the same files again: nothing changes, even after the local return
    before = row_counts(store_engine)
    assert main([*cli, "orders", "import", str(EXAMPLES / "orders.jsonl"), "--json"]) == 0
    assert main([*cli, "catalog", "import", str(EXAMPLES / "catalog.jsonl")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[0]) == {
        "file": "orders.jsonl",
        "kind": "orders",
        "added": 0,
        "updated": 0,
        "unchanged": 2,
    }
    assert out[1] == "catalog.jsonl: 0 catalog items added, 0 updated, 3 already here"
    assert row_counts(store_engine) == before
    assert desk.find_order("POS-1001").lines[0].returned_quantity == 1


BAD_FIELDS = [
    (("lines", 0, "quantity"), 0, "field 'lines.0.quantity': must be at least 1"),
    (("lines", 0, "paid_minor"), -1, "field 'lines.0.paid_minor': must be at least 0"),
    (("lines", 0, "quantity"), "2", "field 'lines.0.quantity': must be a whole number"),
    (("channel",), "phone", "field 'channel': must be one of 'online' or 'store'"),
    (("placed_at",), "2026-11-02 10:15", "field 'placed_at': "),
    (("colour",), "red", "field 'colour': is not a field of this format"),
    (("payments", 0, "card_last4"), "4111111111111111", "field 'payments.0.card_last4': "),
    (("lines", 0, "sku"), "NOPE", "field 'lines.0.sku': unknown product 'NOPE'"),
    (("payments", 1, "tender"), "exchange", "field 'payments.1.tender': must be one of"),
    (("number",), "N" * 65, "field 'number': is too long for this store (at most 64"),
]


@pytest.mark.parametrize(("where", "value", "message"), BAD_FIELDS)
def test_a_bad_field_names_its_line_and_field_and_nothing_is_written(
    catalogued: Engine, tmp_path: Path, where: tuple[Any, ...], value: Any, message: str
) -> None:
    good, other = example_lines("orders.jsonl")
    bad = json.loads(json.dumps(good))
    bad["number"] = "POS-2000"
    target = bad
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    problems = refused(catalogued, write(tmp_path / "orders.jsonl", [good, other, bad]))
    assert len(problems) == 1
    assert problems[0].startswith(f"orders.jsonl, line 3, {message}"), problems


def test_a_missing_field_and_a_bad_line(catalogued: Engine, tmp_path: Path) -> None:
    good, other = example_lines("orders.jsonl")
    del other["lines"][0]["paid_minor"]
    lines = [good, "{not json", other, "[1, 2]", "", json.dumps(good)[:-1]]
    problems = refused(catalogued, write(tmp_path / "orders.jsonl", lines))
    assert problems == [
        "orders.jsonl, line 2: is not a JSON object (one per line)",
        "orders.jsonl, line 3, field 'lines.0.paid_minor': is required",
        "orders.jsonl, line 4: is not a JSON object (one per line)",
        "orders.jsonl, line 6: is not a JSON object (one per line)",
    ]


def test_unique_line_numbers_and_the_bounds(
    catalogued: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, _ = example_lines("orders.jsonl")
    twice = json.loads(json.dumps(good))
    twice["lines"][1]["line_no"] = 1
    assert refused(catalogued, write(tmp_path / "orders.jsonl", [twice])) == [
        "orders.jsonl, line 1: order line numbers must be unique"
    ]
    assert refused(catalogued, write(tmp_path / "orders.jsonl", ["", " "])) == [
        "orders.jsonl: has no lines to import"
    ]
    monkeypatch.setattr(imports, "MAX_LINE_BYTES", 1024)
    padded = dict(good, customer=dict(good["customer"], name="x" * 200))
    long_line = json.dumps(padded) + " " * 1024
    assert refused(catalogued, write(tmp_path / "orders.jsonl", [good, long_line])) == [
        "orders.jsonl, line 2: longer than 1 KB"
    ]
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1024 * 1024)
    big = write(tmp_path / "orders.jsonl", [json.dumps(good)] * 2000)
    assert refused(catalogued, big) == ["orders.jsonl: larger than 1 MB"]


def test_duplicates_are_no_ops_and_a_changed_sale_is_refused(
    catalogued: Engine, tmp_path: Path
) -> None:
    good, other = example_lines("orders.jsonl")
    report = import_orders(catalogued, write(tmp_path / "orders.jsonl", [good, good]))
    assert (report.added, report.unchanged) == (1, 1)  # the same order twice in one file

    changed = json.loads(json.dumps(good))
    changed["lines"][0]["quantity"] = 3
    changed["placed_at"] = "2026-11-02T11:15:00-05:00"
    # `other` is new and valid, but the file is all or nothing: it is not written either
    problems = refused(catalogued, write(tmp_path / "orders.jsonl", [other, changed]))
    assert len(problems) == 1
    assert problems[0].startswith(
        "orders.jsonl, line 2: order POS-1001 is already here with a different sale ("
    )
    assert "placed_at 2026-11-02 15:15:00+00:00 here, 2026-11-02 16:15:00+00:00" in problems[0]
    assert "line 1 quantity 2 here, 3 in the file" in problems[0]

    paid = json.loads(json.dumps(good))
    paid["payments"][1]["amount_minor"] += 1
    problems = refused(catalogued, write(tmp_path / "orders.jsonl", [paid]))
    assert "the payments differ" in problems[0]

    fewer = json.loads(json.dumps(other))
    same_in_file = [other, dict(fewer, lines=[dict(fewer["lines"][0], quantity=2)])]
    problems = refused(catalogued, write(tmp_path / "orders.jsonl", same_in_file))
    assert problems == [
        "orders.jsonl, line 2: order POS-1002 is already here with a different sale "
        "(line 1 quantity 1 here, 2 in the file); a sale is not changed by an import"
    ]
    # the same order in another zone's notation is the same instant: still a no-op
    shifted = dict(good, placed_at="2026-11-02T16:15:00+01:00")
    report = import_orders(catalogued, write(tmp_path / "orders.jsonl", [shifted]))
    assert (report.added, report.unchanged) == (0, 1)


def test_catalog_updates_known_items_and_refuses_a_bad_file_whole(
    store_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], store_db_url: str
) -> None:
    items = example_lines("catalog.jsonl")
    import_catalog(store_engine, EXAMPLES / "catalog.jsonl")
    items[0]["price_minor"] = 3900
    items[1]["barcodes"].append("4006381333962")
    report = import_catalog(store_engine, write(tmp_path / "catalog.jsonl", items))
    assert (report.added, report.updated, report.unchanged) == (0, 2, 1)
    with UnitOfWork(store_engine) as uow:
        price = uow.conn.execute(
            select(t.products.c.price_minor).where(t.products.c.sku == "POS-SCARF")
        ).scalar_one()
    assert price == 3900

    new = {"sku": "POS-NEW", "name": "Mug", "category": "home", "price_minor": 800}
    before = row_counts(store_engine)
    path = write(tmp_path / "catalog.jsonl", [new | {"currency": "USD"}, new])
    cli = ["--home", str(tmp_path), "--db", store_db_url, "catalog", "import", str(path)]
    assert main(cli) == 1
    assert capsys.readouterr().err.splitlines() == [
        "counter-app: catalog.jsonl, line 2, field 'currency': is required",
        "counter-app: catalog.jsonl was not imported (nothing was written)",
    ]
    assert row_counts(store_engine) == before
