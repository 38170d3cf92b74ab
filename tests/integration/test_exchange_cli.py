"""`counter-app returns create --take ...` and `returns list --json` for exchanges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.adapters.db.engine import make_engine
from counter_app.cli.main import main
from tests.cli_helpers import cli


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "demo", "--orders", "200", "--returns", "2"]) == 0
    return home


def _query(home: Path, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def _open_apparel(home: Path) -> tuple[str, int]:
    """An apparel order line nobody returned yet (recent): (order number, line paid)."""
    [(number, paid)] = _query(
        home,
        "select o.number, l.paid_minor from orders o join order_lines l on l.order_id = o.id "
        "join products p on p.sku = l.sku where p.category = 'apparel' and l.quantity = 1 and "
        "l.line_no = 1 and l.returned_quantity = 0 and o.number like 'O-%' and "
        "o.placed_at > datetime('now', '-20 days') order by o.number desc limit 1",
    )
    return str(number), int(paid)  # type: ignore[call-overload]


def _barcode(home: Path, cheaper_than: int | None = None, dearer_than: int | None = None) -> str:
    cond = f"p.price_minor < {cheaper_than}" if cheaper_than else f"p.price_minor > {dearer_than}"
    [(code,)] = _query(
        home,
        "select b.barcode from product_barcodes b join products p on p.sku = b.sku join "
        "stock_levels s on s.sku = p.sku and s.location = 'sellable' where s.on_hand > 0 and "
        f"p.category = 'apparel' and {cond} order by p.sku limit 1",
    )
    return str(code)


def _create(home: Path, number: str, *extra: str) -> tuple[int, str, str]:
    return cli(
        home, "returns", "create", number, "--cashier", "alice", "--pin", "-",
        "--line", "1:1:wrong_size:new", "--json", *extra, stdin="1234\n",
    )  # fmt: skip


def test_balance_owed_by_card_then_listed(home: Path) -> None:
    number, paid = _open_apparel(home)
    take = _barcode(home, dearer_than=paid)
    code, out, err = _create(
        home, number, "--take", take, "--balance", "card", "--card-brand", "Visa",
        "--card-last4", "4242", "--approval-code", "A1B2C3",
    )  # fmt: skip
    assert code == 0, err
    made = json.loads(out)
    assert made["outcome"] == "balance_owed" and made["balance_minor"] > 0
    assert made["exchange_order"].startswith("X-S001-C1-")
    code, out, _ = cli(home, "returns", "list", "--json")
    rows = {r["ref"]: r for r in map(json.loads, out.splitlines())}
    listed = rows[made["ref"]]
    assert listed["balance_minor"] == made["balance_minor"]
    assert [i["quantity"] for i in listed["exchange"]] == [1]
    assert set(listed["exchange"][0]) == {"sku", "name", "quantity", "unit_price_minor"}
    assert all(r["balance_minor"] == 0 for r in rows.values() if not r["exchange"])
    code, out, _ = cli(home, "returns", "show", made["ref"], "--json")
    shown = json.loads(out)
    assert shown["exchange_order"] == made["exchange_order"] and shown["exchange"]
    code, out, _ = cli(home, "returns", "show", made["ref"])
    assert f"Exchange sale {made['exchange_order']}" in out and "  out: " in out
    [(approval,)] = _query(home, "select approval_code from payments where tender = 'card' "
                           "and approval_code is not null and card_last4 = '4242' "
                           "order by id desc limit 1")  # fmt: skip
    assert approval == "A1B2C3"


def test_refundable_difference_and_quantity(home: Path) -> None:
    number, paid = _open_apparel(home)
    take = _barcode(home, cheaper_than=paid)
    code, out, err = _create(home, number, "--take", f"{take}:1", "--tender", "store_credit")
    assert code == 0, err
    made = json.loads(out)
    assert made["outcome"] == "refundable" and made["balance_minor"] < 0
    assert made["store_credit"]  # the difference went back as store credit


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--take", "0000000000000"], "No product with the barcode"),
        (["--take", "X:zero"], "quantity must be a whole number"),
        (["--balance", "card", "--card-brand", "Visa"], "needs --card-brand, --card-last4"),
        (["--card-last4", "4242424242424242"], "never type the full card number"),
        (["--card-brand", "4111 1111 1111 1111"], "never type the full card number"),
        (["--approval-code", "no!"], "4 to 12 letters or digits"),
    ],
)
def test_refused_in_one_line(home: Path, extra: list[str], message: str) -> None:
    number, _ = _open_apparel(home)
    before = _query(home, "select count(*) from returns")
    code, out, err = _create(home, number, *extra)
    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert "4242424242424242" not in err and "4111 1111" not in err
    assert _query(home, "select count(*) from returns") == before


def test_balance_owed_needs_a_balance(home: Path) -> None:
    number, paid = _open_apparel(home)
    code, _, err = _create(home, number, "--take", _barcode(home, dearer_than=paid))
    assert code != 0 and "owes" in err and len(err.strip().splitlines()) == 1


def test_catalog_import_takes_style_size_and_colour(home: Path, tmp_path: Path) -> None:
    item = {"sku": "TEE-S", "name": "圆领T恤 S", "category": "apparel", "barcodes": ["TEE-S"],
            "price_minor": 1500, "currency": "USD", "style": "TEE", "size": "S",
            "colour": "白色"}  # fmt: skip
    path = tmp_path / "catalog.jsonl"
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = cli(home, "catalog", "import", str(path))
    assert code == 0, err
    row = _query(home, "select style, size, colour from products where sku = 'TEE-S'")
    assert row == [("TEE", "S", "白色")]
    item["size"] = "M"  # a changed variant is an update, not "unchanged"
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = cli(home, "catalog", "import", str(path))
    assert code == 0 and "1 updated" in out + err, out + err
    assert _query(home, "select size from products where sku = 'TEE-S'") == [("M",)]
