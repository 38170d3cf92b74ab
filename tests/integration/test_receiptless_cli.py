"""`counter-app returns create --no-receipt` and the demo store's receiptless returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.adapters.db.engine import make_engine
from counter_app.bootstrap import bootstrap
from counter_app.cli.main import main
from counter_app.config import load_settings
from counter_app.services.demo import build_demo
from counter_app.services.demo_receiptless import demo_receiptless
from counter_app.services.returns import ReturnDesk
from tests.cli_helpers import cli


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "demo", "--orders", "60", "--returns", "0"]) == 0
    return home


def _barcode(home: Path, category: str, order: str = "p.price_minor") -> str:
    """A product of `category`: the cheapest (or by `order`)."""
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    with engine.connect() as conn:
        code = conn.execute(
            text(
                "select b.barcode from product_barcodes b join products p on p.sku = b.sku "
                f"where p.category = :c and p.open_box_of is null order by {order} limit 1"
            ),
            {"c": category},
        ).scalar_one()
    engine.dispose()
    return str(code)


_CREATE = ("returns", "create", "--no-receipt", "--cashier", "alice", "--pin", "-")


def test_demo_has_two_receiptless_returns(home: Path) -> None:
    code, out, err = cli(home, "returns", "list", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    made = [r for r in rows if r["kind"] == "receiptless"]
    assert len(made) == 2 and all(r["order_number"] is None for r in made)
    # --returns 0: no order returns but the demo's exchanges
    assert all(r["kind"] == "receiptless" or r["exchange"] for r in rows)


def test_a_return_without_receipt_from_the_command_line(home: Path) -> None:
    code_ = _barcode(home, "home")
    code, out, err = cli(
        home, *_CREATE, "--customer", "zoe@example.com", "--id-document", "-",
        "--item", f"{code_}:changed_mind:new", "--item", f"{code_}:wrong_size:new", "--json",
        stdin="1234\nP99887766\n",
    )  # fmt: skip
    assert code == 0, err
    made = json.loads(out)
    assert made["kind"] == "receiptless" and made["tender"] == "store_credit"
    assert made["store_credit"]
    assert "P99887766" not in out + err
    code, out, _ = cli(home, "returns", "show", made["ref"], "--json")
    shown = json.loads(out)
    assert shown["kind"] == "receiptless" and shown["order_number"] is None
    assert len(shown["lines"]) == 2
    code, out, _ = cli(home, "returns", "show", made["ref"])
    assert "No receipt" in out
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    with engine.connect() as conn:
        digest = conn.execute(
            text("select id_document_hash from customers where email = 'zoe@example.com'")
        ).scalar_one()
    engine.dispose()
    assert digest and len(digest) == 64 and "P99887766" not in digest
    assert (home / "id_document.key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--customer", "x", "--item", "1:changed_mind:new"), "1234\n", "phone number"),
        (("--item", "1:changed_mind:new"), "1234\n", "--customer"),
        (("--customer", "a@b.example"), "1234\n", "--item"),
        (("--customer", "a@b.example", "--item", "nope"), "1234\n", "BARCODE:REASON:CONDITION"),
        (("--customer", "a@b.example", "--item", "0000:changed_mind:new"), "1234\n", "catalog"),
        (("--customer", "a@b.example", "--id-document", "X123"), "", "only takes '-'"),
        (("--customer", "a@b.example", "--item", "1:x:n", "--tender", "cash"), "", "store credit"),
    ],
)
def test_bad_receiptless_input_gets_one_line(
    home: Path, args: tuple[str, ...], stdin: str, message: str
) -> None:
    code, out, err = cli(home, *_CREATE, *args, stdin=stdin)
    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_a_category_that_needs_a_receipt_is_refused(home: Path) -> None:
    item = f"{_barcode(home, 'electronics')}:changed_mind:new"
    code, _out, err = cli(home, *_CREATE, "--customer", "+1 555 222 3333", "--item", item,
                          stdin="1234\n")  # fmt: skip
    assert code == 1 and "without the order or receipt" in err, err
    assert "--manager" in err


def test_over_the_value_limit_a_manager_approves(home: Path) -> None:
    item = f"{_barcode(home, 'home', 'p.price_minor desc')}:changed_mind:new"
    many = [a for _ in range(3) for a in ("--item", item)]
    code, _out, err = cli(home, *_CREATE, "--customer", "+1 555 444 5555", *many, stdin="1234\n")
    assert code == 1 and "needs a manager" in err, err
    code, out, err = cli(
        home, *_CREATE, "--customer", "+1 555 444 5555", *many, "--manager", "maria",
        "--manager-pin", "-", "--json", stdin="1234\n987654\n",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["kind"] == "receiptless"


def test_the_demo_refuses_the_third_return_by_the_customers_limit(tmp_path: Path) -> None:
    app = bootstrap(load_settings(home=tmp_path))
    build_demo(app.engine, app.clock, orders=40, returns=0)

    def factory(clock: object) -> ReturnDesk:
        desk = ReturnDesk(app.engine, clock, app.policies, store_code="S001", counter_code="C1")  # type: ignore[arg-type]
        desk.id_secret = app.desk.id_secret
        return desk

    assert demo_receiptless(app.engine, app.clock.now(), factory) == (2, 1)
    app.close()


def test_the_receipt_says_no_receipt_in_text_png_and_escpos(home: Path, tmp_path: Path) -> None:
    from counter_app.adapters.printing.inspect import parse_escpos, text_lines
    from counter_app.adapters.printing.profile import load_profile

    _code, out, _err = cli(home, "returns", "list", "--json")
    # the demo's first (oldest) receiptless return: a Chinese-named product
    ref = [json.loads(x)["ref"] for x in out.splitlines() if '"receiptless"' in x][-1]
    code, _out, err = cli(home, "receipt", ref, "--out", str(tmp_path / "r.txt"))
    assert code == 0, err
    out = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert "No receipt — store credit at the lowest" in out and "Order date" not in out
    for profile in ("TM-T88V+cjk", "TM-T88V"):
        target = tmp_path / f"{profile}.bin"
        code, _out, err = cli(home, "receipt", ref, "--format", "escpos", "--profile", profile,
                              "--out", str(target))  # fmt: skip
        assert code == 0, err
        lines = text_lines(parse_escpos(target.read_bytes(), load_profile(profile)))
        assert "No receipt — store credit at the lowest" in lines
        assert "price of the last 90 days" in lines
        chinese = [ln for ln in lines if any("\u4e00" <= ch <= "\u9fff" for ch in ln)]
        assert bool(chinese) == profile.endswith("+cjk")  # else drawn as an image
    png = tmp_path / "receipt.png"
    code, _out, err = cli(home, "receipt", ref, "--format", "png", "--out", str(png))
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG"), err
