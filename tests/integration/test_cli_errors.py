"""A wrong command line is one line on stderr and exit 2 (no usage block), numbers and text
are bounded before any query, no option takes a secret, and `counter-app ... | head` ends
quietly. Every case checks that nothing changed (every row of every table, the config file)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from counter_app.adapters.db.engine import make_engine
from counter_app.cli.main import build_parser
from tests.cli_helpers import cli, store_state

ROOT = Path(__file__).resolve().parents[2]
BIG = "a" * 120_000

USAGE_ERRORS: list[tuple[str, ...]] = [
    ("no-such-command",),
    ("users",),
    ("users", "add"),
    ("returns", "list", "--limit", "99999999999999999999"),
    ("returns", "list", "--limit", "0"),
    ("returns", "list", "--search", BIG),
    ("returns", "list", "--cashier", "x" * 65),
    ("returns", "show"),
    ("returns", "create", "O-1", "--cashier", "alice", "--line", "1:1:x:new", "--tender", "gold"),
    ("stock", "received", "--limit", "-1"),
    ("stock", "move", "SKU", "--from", "sellable", "--to", "scrap", "--qty", "0"),
    ("stock", "list", "--location", "moon"),
    ("report", "by_reason", "--days", "0"),
    ("report", "by_reason", "--days", "1" * 5000),
    ("report", "no_such_report"),
    ("sync", "--attempts", "1000"),
    ("sync", "resolve", "abc", "--manager", "maria", "--note", "n"),
    ("notify", "retry", "-3"),
    ("printer", "test", "--timeout", "nan"),
    ("printer", "retry", "99999999999999999999999"),
    ("orders", "show", "O\x1b[2J"),
    ("demo", "--orders", "-5"),
    ("--db", "postgresql://app:DB-PASSWORD@db.example.com/shop", "returns", "list"),
    ("returns", "list", "--json", "--bogus-option"),
    ("returns", "list", "\x1b]0;owned\x07\x1b[2J"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("errors")
    code, _out, err = cli(home, "demo", "--orders", "60", "--returns", "3")
    assert code == 0, err
    return home


@pytest.fixture
def engine(home: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{home / 'counter.db'}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=[" ".join(a)[:40] for a in USAGE_ERRORS])
def test_a_wrong_command_line_is_one_line_exit_2_and_changes_nothing(
    home: Path, engine: Engine, args: tuple[str, ...]
) -> None:
    before = store_state(engine, home)
    code, out, err = cli(home, *args, stdin="000000\n")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("counter-app: "), err
    assert len(lines[0]) < 400 and "usage:" not in err and "\x1b" not in err
    assert "DB-PASSWORD" not in err
    assert store_state(engine, home) == before


def _commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, Any]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                # `central` is the head-office service's own command line (its options are
                # checked by its own tests).
                if not (path == "" and name == "central"):
                    yield from _commands(sub, f"{path} {name}".strip())
        else:
            yield path, action


def _value_options() -> list[tuple[str, argparse.Action]]:
    return [
        (path, action)
        for path, action in _commands(build_parser())
        if action.nargs != 0 and not isinstance(action, argparse._HelpAction)
    ]


def test_every_option_that_takes_a_value_is_bounded() -> None:
    unbounded = [
        f"{path} {action.option_strings or action.dest}"
        for path, action in _value_options()
        if not action.choices
        and getattr(action.type, "__name__", "")
        not in (
            "bounded_int",
            "bounded_float",
            "bounded_text",
            "bounded_path",
            "positive_int",
            "db_url_option",
            "secret_source",
            # an exchange balance's card details: fixed patterns, a card number refused
            "card_brand",
            "card_last4",
            "approval_code",
        )
    ]
    assert unbounded == []


SECRET_WORDS = ("pin", "key", "secret", "password", "token")


def test_no_option_takes_a_secret_value(home: Path, engine: Engine) -> None:
    secret = [
        (p, a)
        for p, a in _value_options()
        if a.option_strings and any(w in a.dest for w in SECRET_WORDS)
    ]
    assert len(secret) >= 8  # users add/set-pin, setup, returns create (2), day close...
    before = store_state(engine, home)
    for path, action in secret:
        assert getattr(action.type, "__name__", "") == "secret_source", (path, action.dest)
        option = action.option_strings[0]
        code, out, err = cli(home, *path.split(), option, "4711", stdin="")
        assert code == 2 and out == "", (path, option, err)
        assert len(err.splitlines()) == 1 and "4711" not in err, err
        assert f"{option} only takes '-'" in err, err
    assert store_state(engine, home) == before


def test_a_closed_pipe_ends_quietly(home: Path) -> None:
    """`counter-app returns list | head -0`: the reader is gone before the first write."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COUNTER_APP_HOME": str(home)}
    read, write = os.pipe()
    os.close(read)  # no reader at all: the first write is a broken pipe
    try:
        result = subprocess.run(
            [sys.executable, "-m", "counter_app.cli", "--home", str(home), "returns", "list"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode == 1
