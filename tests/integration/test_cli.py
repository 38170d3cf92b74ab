"""The command line as support staff and cron use it: real database, real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.adapters.db.engine import make_engine
from counter_app.cli.main import main
from tests.cli_helpers import AS_ADMIN, admin_cli, cli, first_admin
from tests.factories import snapshot


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    assert main(["--home", str(home), "demo", "--orders", "300", "--returns", "6"]) == 0
    return home


def run(
    home: Path, *args: str, capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    capsys.readouterr()
    return cli(home, *args, stdin=stdin)


def test_demo_store_has_what_the_issue_asks_for(demo_home: Path) -> None:
    engine = make_engine(f"sqlite:///{demo_home / 'counter.db'}")
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).scalar_one()  # noqa: E731
        assert q("select count(*) from products where open_box_of is null") >= 200
        assert q("select count(distinct category) from products") >= 5
        assert q("select count(*) from products where name glob '*[一-龥]*'") > 20
        assert q("select count(*) from orders where number not like 'X-%'") == 300
        # one exchange of each outcome (demo_exchange): their sales are orders of their own
        assert q("select count(*) from returns where exchange_order_id is not null") == 3
        assert q("select count(distinct channel) from orders") == 2
        assert q("select count(distinct tender) from payments") >= 3
        assert (
            q(
                "select count(*) from (select order_id from payments group by order_id "
                "having count(*) > 1)"
            )
            > 0
        )
        assert q("select count(*) from order_lines where discount_minor > 0") > 0
        assert q("select count(*) from products where serialised") > 0
        assert q("select count(*) from returns") >= 6
        assert q("select count(*) from overrides") >= 1
        assert q("select count(*) from users where role = 'manager'") >= 1
    engine.dispose()


def test_returns_list_and_show_json(demo_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(demo_home, "returns", "list", "--json", capsys=capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(r["ref"].startswith("R-S001-C1-") for r in rows)
    code, out, _ = run(demo_home, "returns", "show", rows[0]["ref"], "--json", capsys=capsys)
    assert code == 0
    shown = json.loads(out)
    assert shown["ref"] == rows[0]["ref"] and shown["lines"]
    code, out, _ = run(demo_home, "returns", "show", rows[0]["ref"], capsys=capsys)
    assert code == 0 and rows[0]["ref"] in out


def test_a_return_end_to_end_from_the_command_line(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{demo_home / 'counter.db'}")
    with engine.connect() as conn:
        number = conn.execute(
            text(
                "select o.number from orders o join order_lines l on l.order_id = o.id "
                "join products p on p.sku = l.sku where p.category = 'apparel' and "
                "l.returned_quantity = 0 and l.line_no = 1 "
                "and o.placed_at > datetime('now', '-20 days') "
                "limit 1"
            )
        ).scalar_one()
    engine.dispose()
    code, out, err = run(
        demo_home,
        "returns",
        "create",
        number,
        "--cashier",
        "alice",
        "--pin",
        "-",
        "--line",
        "1:1:wrong_size:new",
        "--tender",
        "store_credit",
        "--json",
        capsys=capsys,
        stdin="1234\n",
    )
    assert code == 0, err
    made = json.loads(out)
    code, out, _ = run(demo_home, "returns", "show", made["ref"], "--json", capsys=capsys)
    assert json.loads(out)["order_number"] == number
    code, out, _ = run(demo_home, "audit", "verify", capsys=capsys)
    assert code == 0 and "intact" in out


_CREATE = ("returns", "create", "O-0000001", "--cashier", "alice", "--pin", "-", "--line")


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["returns", "show", "R-NOPE-1"], ""),
        (["returns", "show", "x" * 100_000], ""),
        (["returns", "show", "\x1b[2J; rm -rf /"], ""),
        (["orders", "show", "O-9999999"], ""),
        ([*_CREATE, "1:-1:wrong_size:new"], "1234\n"),
        ([*_CREATE, "1:1:made_up_reason:new"], "1234\n"),
        (["users", "add", "eve", "--pin", "-", *AS_ADMIN], "000000\n12\n"),
        (["users", "add", "bad name!", "--pin", "-", *AS_ADMIN], "000000\n1234\n"),
        (["users", "set-pin", "nobody", "--pin", "-", *AS_ADMIN], "000000\n1234\n"),
    ],
)
def test_bad_input_gets_one_line_and_changes_nothing(
    demo_home: Path, capsys: pytest.CaptureFixture[str], args: list[str], stdin: str
) -> None:
    engine = make_engine(f"sqlite:///{demo_home / 'counter.db'}")
    before = snapshot(engine)
    code, _out, err = run(demo_home, *args, capsys=capsys, stdin=stdin)
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and err.startswith("counter-app: ")
    assert "Traceback" not in err and "\x1b" not in err
    assert snapshot(engine) == before
    engine.dispose()


def test_ten_megabytes_on_stdin_is_refused_in_one_line(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{demo_home / 'counter.db'}")
    before = snapshot(engine)
    code, _, err = run(
        demo_home,
        *("users", "add", "mallory", "--pin", "-", *AS_ADMIN),
        capsys=capsys,
        stdin="000000\n" + "7" * 10_000_000 + "\n",
    )
    assert code == 1 and "PIN is 4 to 12 digits" in err and len(err) < 300
    assert snapshot(engine) == before
    engine.dispose()


def test_broken_policy_file_is_named_with_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.domain.policy import default_policy_path

    bad = tmp_path / "store-policy.toml"
    text = default_policy_path().read_text(encoding="utf-8")
    bad.write_text(text.replace("window_days = 60", "window_days = -60"), encoding="utf-8")
    code = main(["--home", str(tmp_path), "policy", "check", str(bad)])
    err = capsys.readouterr().err
    line = text.splitlines().index("window_days = 60") + 1
    assert code == 1
    assert "store-policy.toml" in err and f"line {line}" in err and "window_days" in err
    assert main(["--home", str(tmp_path), "policy", "check", str(default_policy_path())]) == 0


def test_wrong_pin_is_refused_and_only_the_failed_attempt_is_recorded(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{demo_home / 'counter.db'}")
    before = snapshot(engine)
    code, _, err = run(
        demo_home,
        "returns",
        "create",
        "O-0000001",
        "--cashier",
        "alice",
        "--pin",
        "-",
        "--line",
        "1:1:wrong_size:new",
        capsys=capsys,
        stdin="000000\n",
    )
    assert code == 1 and "Wrong user name or PIN" in err
    after = snapshot(engine)
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before
    engine.dispose()


def test_users_add_list_set_pin_disable(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("users", "add", "zoe", "--name", "Zoe", "--role", "cashier", "--pin", "-")
    assert admin_cli(demo_home, *add, then="4321\n")[0] == 0
    _code, out, _ = admin_cli(demo_home, "users", "list", "--json")
    assert "zoe" in [json.loads(line)["username"] for line in out.splitlines()]
    assert admin_cli(demo_home, "users", "set-pin", "zoe", "--pin", "-", then="5678\n")[0] == 0
    assert admin_cli(demo_home, "users", "disable", "zoe")[0] == 0
    _code, out, _ = admin_cli(demo_home, "users", "list")
    assert "zoe" in out and "disabled" in out


@pytest.mark.parametrize(
    "tamper",
    [
        "update audit_entries set data_json = replace(data_json, '\"total_minor\":', "
        "'\"total_minor\":1') where seq = "
        "(select min(seq) from audit_entries where action = 'return.committed')",
        "delete from audit_entries where seq = 4",
        "update audit_entries set seq = -seq where seq in (2, 3); "
        "update audit_entries set seq = 3 where seq = -2; update audit_entries set seq = 2 "
        "where seq = -3",
        "delete from audit_entries where seq = (select max(seq) from audit_entries)",
        "update audit_entries set actor = 'mallory' where seq = 2",
    ],
    ids=["edit", "delete", "reorder", "truncate", "actor"],
)
def test_audit_verify_detects_tampering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: str
) -> None:
    home = tmp_path / "home"
    assert main(["--home", str(home), "demo", "--orders", "60", "--returns", "4"]) == 0
    capsys.readouterr()
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    with engine.begin() as conn:
        for statement in tamper.split("; "):
            conn.exec_driver_sql(statement)
    engine.dispose()
    code, out, err = run(home, "audit", "verify", capsys=capsys)
    assert code == 1
    assert "TAMPERED" in out and "FAILED" in err


def test_db_upgrade_runs_twice_on_sqlite_and_postgresql(tmp_path: Path, pg_server) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "COUNTER_APP_HOME": str(tmp_path)}
    for url in (f"sqlite:///{tmp_path / 'x.db'}", pg_server.create_database()):
        for _ in range(2):
            result = subprocess.run(
                [sys.executable, "-m", "counter_app.cli", "--db", url, "db", "upgrade"],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            assert "up to date" in result.stdout


def test_demo_on_postgresql(pg_server, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = pg_server.create_database()
    assert (
        main(["--home", str(tmp_path), "--db", url, "demo", "--orders", "120", "--returns", "3"])
        == 0
    )
    capsys.readouterr()
    code = main(["--home", str(tmp_path), "--db", url, "returns", "list", "--json"])
    out = capsys.readouterr().out
    assert code == 0 and len(out.splitlines()) >= 3


def test_config_set_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first_admin(tmp_path)
    assert admin_cli(tmp_path, "config", "set", "idle_lock_minutes", "9")[0] == 0
    assert admin_cli(tmp_path, "config", "set", "central_key", "-", then="s3cret\n")[0] == 0
    code, out, _ = cli(tmp_path, "config", "show")
    assert code == 0
    assert "idle_lock_minutes = 9" in out and "central_key = (set)" in out and "s3cret" not in out
    assert admin_cli(tmp_path, "config", "set", "idle_lock_minutes", "soon")[0] == 1
    code, _, err = admin_cli(tmp_path, "config", "set", "no_such", "1")
    assert code == 1 and "unknown setting" in err


def test_central_demo_then_a_store_syncs_from_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.central import db as central_db
    from counter_app.central import service as central
    from counter_app.central.app import CentralSettings, create_app
    from counter_app.central.testing import ServerThread

    central_url = f"sqlite:///{tmp_path / 'central.db'}"
    assert main(["central", "demo", "--db", central_url, "--orders", "80"]) == 0
    key = central.add_store(central_db.make_engine(central_url), "S001", "Downtown")
    with ServerThread(create_app(CentralSettings(db_url=central_url))) as server:
        store = tmp_path / "store"
        home = ["--home", str(store)]
        first_admin(store)
        assert admin_cli(store, "config", "set", "central_url", server.base_url)[0] == 0
        assert admin_cli(store, "config", "set", "central_key", "-", then=f"{key}\n")[0] == 0
        capsys.readouterr()
        assert main([*home, "sync"]) == 0
        out = capsys.readouterr().out
        assert "catalog 200" in out and "staff 5" in out
        assert main([*home, "sync", "status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["waiting"] == 0
        assert admin_cli(store, "config", "set", "central_key", "-", then="wrong\n")[0] == 0
        capsys.readouterr()
        assert main([*home, "sync"]) == 1
        assert "sync failed" in capsys.readouterr().err
