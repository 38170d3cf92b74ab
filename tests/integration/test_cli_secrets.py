"""`--pin -`, `--manager-pin -` and `--admin-pin -` read the PIN from standard input on every
command that takes one (so scripts never put a PIN on the command line, where `ps` shows it);
a PIN given on the command line itself is refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from counter_app.adapters.central_client import FakeCentral
from counter_app.adapters.db.engine import make_engine
from counter_app.cli.main import main
from counter_app.services import auth
from counter_app.services.clock import SystemClock
from counter_app.services.errors import SignInFailed
from counter_app.services.sync import list_exceptions, push_outbox, with_retries
from tests.cli_helpers import AS_ADMIN


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("secrets")
    assert main(["--home", str(home), "demo", "--orders", "120", "--returns", "6"]) == 0
    return home


@pytest.fixture
def engine(home: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    yield engine
    engine.dispose()


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`counter-app --home HOME ARGS...` with `stdin` as standard input: (exit, out, err)."""

    def run(stdin: str, *args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--home", str(home), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def signs_in(engine: Engine, username: str, pin: str) -> bool:
    try:
        auth.authenticate(engine, SystemClock(), username, pin)
    except SignInFailed:
        return False
    return True


def test_users_add_reads_the_pin_from_stdin(cli: Run, home: Path, engine: Engine) -> None:
    code, out, err = cli("000000\n4321\n", "users", "add", "dora", "--pin", "-", *AS_ADMIN)
    assert code == 0, err
    assert "added dora" in out and "4321" not in out + err
    assert signs_in(engine, "dora", "4321")


def test_users_set_pin_reads_the_pin_from_stdin(cli: Run, home: Path, engine: Engine) -> None:
    assert cli("000000\n1111\n", "users", "add", "finn", "--pin", "-", *AS_ADMIN)[0] == 0
    code, _, err = cli("000000\n2222\n", "users", "set-pin", "finn", "--pin", "-", *AS_ADMIN)
    assert code == 0, err
    assert signs_in(engine, "finn", "2222") and not signs_in(engine, "finn", "1111")


def test_returns_create_reads_the_cashier_pin_from_stdin(
    cli: Run, home: Path, engine: Engine
) -> None:
    number = _order(engine, "o.placed_at > datetime('now', '-20 days')")
    code, out, err = cli(
        "1234\n",
        *("returns", "create", number, "--cashier", "alice", "--pin", "-"),
        *("--line", "1:1:wrong_size:new", "--tender", "store_credit", "--json"),
    )
    assert code == 0, err
    assert json.loads(out)["ref"].startswith("R-")


def test_returns_create_reads_the_manager_pin_from_stdin_after_the_cashiers(
    cli: Run, home: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Bought long ago: outside every window, so the line needs a manager's override.
    number = _order(engine, "o.placed_at < datetime('now', '-75 days')")
    args = ("returns", "create", number, "--cashier", "alice", "--line", "1:1:wrong_size:new")
    code, _, err = cli("1234\n", *args, "--pin", "-")
    assert code == 1 and "needs a manager" in err
    code, out, err = cli(
        "1234\n987654\n",
        *args,
        *("--pin", "-", "--manager", "maria", "--manager-pin", "-", "--json"),
    )
    assert code == 0, err
    ref = json.loads(out)["ref"]
    assert main(["--home", str(home), "returns", "show", ref, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(o["line_no"], o["manager"]) for o in shown["overrides"]] == [(1, "maria")]


def test_day_close_reads_the_pin_from_stdin(cli: Run, home: Path) -> None:
    code, out, err = cli(
        "987654\n",
        *("day", "close", "--date", "2026-11-02", "--manager", "maria", "--pin", "-"),
    )
    assert code == 0, err
    assert "closed by Maria Rossi" in out


def test_stock_move_reads_the_pin_from_stdin(
    cli: Run, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", str(home), "stock", "list", "--location", "sellable", "--json"]) == 0
    sku = json.loads(capsys.readouterr().out)[0]["sku"]
    code, out, err = cli(
        "987654\n",
        *("stock", "move", sku, "--from", "sellable", "--to", "scrap", "--reason", "crushed"),
        *("--manager", "maria", "--pin", "-"),
    )
    assert code == 0, err
    assert f"moved 1 × {sku} from sellable to scrap" in out


def test_sync_resolve_reads_the_pin_from_stdin(cli: Run, home: Path, engine: Engine) -> None:
    central = FakeCentral()
    central.reject = lambda _message: "refunded online already"
    retry = lambda action: with_retries(action, attempts=1, sleep=lambda _s: None)  # noqa: E731
    push_outbox(engine, central, SystemClock(), retry=retry)
    problem = list_exceptions(engine)[0]
    code, out, err = cli(
        "987654\n",
        *("sync", "resolve", str(problem.id), "--manager", "maria", "--pin", "-"),
        *("--note", "called the customer"),
    )
    assert code == 0, err
    assert f"problem {problem.id} resolved" in out
    assert problem.id not in [p.id for p in list_exceptions(engine)]


PIPER = ("users", "add", "piper", "--pin", "-", *AS_ADMIN)


def test_a_real_pipe_into_the_executable(home: Path, engine: Engine) -> None:
    """The same through a real process and pipe, as a script would run it."""
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--home", str(home), *PIPER],
        input="000000\n8642\n",
        capture_output=True,
        text=True,
        env={**os.environ, "COUNTER_APP_HOME": str(home)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "8642" not in result.stdout + result.stderr
    assert signs_in(engine, "piper", "8642")


def test_an_omitted_pin_without_a_terminal_is_one_line_not_a_hang(cli: Run, home: Path) -> None:
    code, _, err = cli("000000\n", "users", "add", "nopin", *AS_ADMIN)
    assert code == 1
    assert (
        err
        == "counter-app: give the PIN on standard input with --pin - (or type it at a terminal)\n"
    )


def _order(engine: Engine, when: str) -> str:
    """An apparel order whose first line (not serialised) has not been returned yet."""
    with engine.connect() as conn:
        number: str = conn.execute(
            text(
                "select o.number from orders o join order_lines l on l.order_id = o.id "
                "join products p on p.sku = l.sku where p.category = 'apparel' and "
                "not p.serialised and l.line_no = 1 and l.returned_quantity = 0 "
                f"and {when} order by o.placed_at limit 1"
            )
        ).scalar_one()
    return number
