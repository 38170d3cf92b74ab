"""Admin work needs an administrator's sign-in; the audit trail names them; a new store gets
its first administrator with `setup`. Every refusal is one line on stderr, its exit code, and
nothing changed: every row of every table and the config file are compared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from counter_app.adapters.db.engine import make_engine
from counter_app.services import auth
from tests.cli_helpers import (
    ADMIN_PIN,
    AS_ADMIN,
    admin_cli,
    cli,
    sign_in_bookkeeping,
    store_state,
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("admin")
    code, _out, err = cli(home, "demo", "--orders", "80", "--returns", "4")
    assert code == 0, err
    return home


@pytest.fixture
def engine(home: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    yield engine
    engine.dispose()


def a_return_line(engine: Engine) -> str:
    with engine.connect() as conn:
        subject: str = conn.execute(
            text(
                "select r.ref || '#' || rl.line_no from return_lines rl "
                "join returns r on r.id = rl.return_id order by r.id limit 1"
            )
        ).scalar_one()
    return subject


# Each admin command with the lines of standard input it reads after the admin PIN.
ADMIN_WORK: list[tuple[tuple[str, ...], str]] = [
    (("users", "add", "mallory", "--role", "admin", "--pin", "-"), "1111\n"),
    (("users", "list", "--json"), ""),
    (("users", "set-pin", "maria", "--pin", "-"), "1111\n"),
    (("users", "disable", "admin"), ""),
    (("users", "unlock", "maria"), ""),
    (("config", "set", "central_url", "https://evil.example.com"), ""),
    (("config", "set", "idle_lock_minutes", "15"), ""),
    (("config", "set", "voucher_secret", "-"), "not-so-secret\n"),
    (("notify", "retry", "1"), ""),
    (("report", "frequent_returners", "--json"), ""),
]
IDS = [" ".join(args[:2]) for args, _ in ADMIN_WORK]


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("counter-app: "), err
    return lines[0]


@pytest.mark.parametrize(("args", "stdin"), ADMIN_WORK, ids=IDS)
def test_admin_work_without_an_admin_is_refused_and_changes_nothing(
    home: Path, engine: Engine, args: tuple[str, ...], stdin: str
) -> None:
    before = store_state(engine, home)
    code, out, err = cli(home, *args, stdin=stdin)
    assert (code, out) == (1, "")
    assert "needs an administrator: give --admin USER" in one_line(err)
    assert store_state(engine, home) == before


@pytest.mark.parametrize(("args", "stdin"), ADMIN_WORK, ids=IDS)
@pytest.mark.parametrize("who", ["admin", "nobody"])
def test_a_wrong_pin_or_unknown_admin_gets_one_generic_line(
    home: Path, engine: Engine, args: tuple[str, ...], stdin: str, who: str
) -> None:
    before = store_state(engine, home)
    code, out, err = cli(home, *args, "--admin", who, "--admin-pin", "-", stdin=f"9999\n{stdin}")
    assert (code, out) == (1, "")
    assert one_line(err) == f"counter-app: {auth.SIGN_IN_REFUSED}"
    assert sign_in_bookkeeping(store_state(engine, home)) == sign_in_bookkeeping(before)
    assert admin_cli(home, "users", "list")[0] == 0  # the right PIN clears the failed count


@pytest.mark.parametrize(("args", "stdin"), ADMIN_WORK, ids=IDS)
@pytest.mark.parametrize(("who", "pin"), [("alice", "1234"), ("maria", "987654")])
def test_a_cashier_or_manager_is_not_an_administrator(
    home: Path, engine: Engine, args: tuple[str, ...], stdin: str, who: str, pin: str
) -> None:
    before = store_state(engine, home)
    code, out, err = cli(home, *args, "--admin", who, "--admin-pin", "-", stdin=f"{pin}\n{stdin}")
    assert (code, out) == (1, "")
    assert f"this needs an administrator; {who} is a" in one_line(err)
    assert store_state(engine, home) == before


def last_audit(engine: Engine, action: str) -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "select actor, subject, data_json from audit_entries where action = :a "
                "order by seq desc limit 1"
            ),
            {"a": action},
        ).one()
    return row.actor, row.subject, row.data_json


def test_the_audit_trail_names_the_administrator_who_signed_in(home: Path, engine: Engine) -> None:
    code, out, err = admin_cli(
        home, "users", "add", "olga", "--role", "admin", "--pin", "-", then="555555\n"
    )
    assert code == 0, err
    assert last_audit(engine, "user.added")[:2] == ("admin", "olga")
    as_olga = ("--admin", "olga", "--admin-pin", "-")
    code, _, err = cli(home, "users", "add", "ivan", "--pin", "-", *as_olga, stdin="555555\n3333\n")
    assert code == 0, err
    assert last_audit(engine, "user.added")[:2] == ("olga", "ivan")
    assert (
        cli(home, "users", "set-pin", "ivan", "--pin", "-", *as_olga, stdin="555555\n4444\n")[0]
        == 0
    )
    assert last_audit(engine, "user.pin_changed")[:2] == ("olga", "ivan")
    assert cli(home, "users", "disable", "ivan", *as_olga, stdin="555555\n")[0] == 0
    assert last_audit(engine, "user.disabled")[:2] == ("olga", "ivan")
    code, _, err = cli(home, "config", "set", "central_key", "-", *as_olga, stdin="555555\nK-42\n")
    assert code == 0, err
    actor, subject, data = last_audit(engine, "config.changed")
    assert (actor, subject, json.loads(data)) == ("olga", "central_key", {"value": "(set)"})
    assert "K-42" not in data
    code, out, err = cli(home, "report", "frequent_returners", "--json", *as_olga, stdin="555555\n")
    assert code == 0, err
    assert json.loads(out)["report"] == "frequent_returners"
    assert last_audit(engine, "report.viewed")[:2] == ("olga", "frequent_returners")


def test_stock_label_is_a_managers_and_names_them(home: Path, engine: Engine) -> None:
    subject = a_return_line(engine)
    before = store_state(engine, home)
    code, _, err = cli(home, "stock", "label", subject, "--manager", "alice", "--pin", "-",
                       stdin="1234\n")  # fmt: skip
    assert code == 1 and "this needs a manager or an administrator" in one_line(err)
    assert store_state(engine, home) == before
    code, _out, err = cli(
        home, "stock", "label", subject, "--manager", "maria", "--pin", "-", stdin="987654\n"
    )
    assert code == 0, err
    assert last_audit(engine, "label.reprint")[:2] == ("maria", subject)


def test_setup_creates_the_first_admin_once(tmp_path: Path) -> None:
    home = tmp_path / "new-store"
    code, out, err = cli(home, "setup", "--admin", "root", "--name", "Owner", "--pin", "-",
                         stdin="246813\n")  # fmt: skip
    assert code == 0, err
    assert "administrator root created" in out and "246813" not in out + err
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    try:
        assert last_audit(engine, "user.added")[:2] == ("setup", "root")
        before = store_state(engine, home)
        code, out, err = cli(home, "setup", "--admin", "eve", "--pin", "-", stdin="135791\n")
        assert (code, out) == (1, "")
        assert "already has an administrator" in one_line(err)
        assert store_state(engine, home) == before
        code, out, err = cli(home, "users", "list", "--admin", "root", "--admin-pin", "-",
                             stdin="246813\n")  # fmt: skip
        assert code == 0 and "Owner" in out, err
    finally:
        engine.dispose()


def test_setup_refuses_on_the_demo_store(home: Path, engine: Engine) -> None:
    before = store_state(engine, home)
    code, _, err = cli(home, "setup", "--admin", "root", "--pin", "-", stdin="2468\n")
    assert code == 1 and "already has an administrator" in one_line(err)
    assert store_state(engine, home) == before


def test_a_secret_config_value_is_never_taken_from_the_command_line(
    home: Path, engine: Engine
) -> None:
    before = store_state(engine, home)
    for key, value in [
        ("central_key", "K-ON-ARGV"),
        ("smtp_url", "smtps://shop:PW-ON-ARGV@mail.example.com"),
    ]:
        code, out, err = cli(home, "config", "set", key, value, *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
        assert (code, out) == (1, "")
        line = one_line(err)
        assert f"{key} holds a secret: give '-'" in line and "ON-ARGV" not in line
    assert store_state(engine, home) == before


def test_the_first_admin_is_in_the_help(home: Path) -> None:
    code, out, _ = cli(home, "--help")
    assert code == 0
    assert "admin sign-in:" in out and "--admin USER" in out and "--admin-pin -" in out
    assert "counter-app setup --admin USER" in out and "PIN 0000" in out


def test_users_unlock_lifts_a_lockout_and_names_the_admin(home: Path, engine: Engine) -> None:
    """A manager locked out by wrong PINs signs in again once an administrator unlocks them."""
    from counter_app.services.clock import SystemClock
    from counter_app.services.errors import SignInFailed

    clock = SystemClock()
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(SignInFailed):
            auth.authenticate(engine, clock, "maria", "000001")
    with pytest.raises(SignInFailed):  # locked: even the right PIN is refused
        auth.authenticate(engine, clock, "maria", "987654")
    code, out, err = admin_cli(home, "users", "unlock", "maria")
    assert code == 0, err
    assert "maria can sign in again" in out
    assert auth.authenticate(engine, clock, "maria", "987654").username == "maria"
    with engine.connect() as conn:
        actor = conn.execute(
            text("select actor from audit_entries where action = 'user.unlocked' order by seq desc")
        ).scalar()
    assert actor == "admin"
