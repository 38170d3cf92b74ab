"""The shape of counter_app/cli/: every group is listed, every command dispatches the same
way, and the one secret reader never echoes."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import counter_app.cli
from counter_app.cli import common
from counter_app.cli import main as cli_main
from counter_app.cli.main import COMMANDS, build_parser, chosen_command

NOT_GROUPS = {"__main__", "common", "main", "returns_receiptless"}  # the last: part of returns


def test_every_command_group_module_is_in_the_list() -> None:
    modules = {m.name for m in pkgutil.iter_modules(counter_app.cli.__path__)} - NOT_GROUPS
    listed = {module for _name, module, _help in COMMANDS}
    assert {f"counter_app.cli.{name}" for name in modules} <= listed
    assert "counter_app.central.cli" in listed


def test_the_command_table_is_what_each_module_registers() -> None:
    """The table lists a command without importing it: name, order and help must be the
    module's own."""
    registered: list[tuple[str, str, str]] = []
    for module in dict.fromkeys(module for _name, module, _help in COMMANDS):
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered += [(a.dest, module, str(a.help)) for a in sub._choices_actions]
    assert registered == list(COMMANDS)


@pytest.mark.parametrize(
    ("argv", "chosen"),
    [
        ([], None),
        (["--help"], None),
        (["returns", "show", "R-1"], "returns"),
        (["--db", "sqlite:///x.db", "--home", "report", "stock", "list"], "stock"),
        (["--home=day", "day", "show"], "day"),
        (["--ho", "orders", "receipt", "R-1"], "receipt"),
        (["no-such-command"], None),
    ],
)
def test_the_chosen_command_is_found_past_the_top_level_options(
    argv: list[str], chosen: str | None
) -> None:
    assert chosen_command(argv) == chosen


def test_only_the_chosen_commands_module_is_imported_and_help_lists_all() -> None:
    """A fresh interpreter: `--help` imports no command module and names every command;
    `policy check` imports its own module and no other."""
    script = (
        "import contextlib, io, json, sys\n"
        "from counter_app.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    code = main(sys.argv[1:])\n"
        "print(json.dumps([code, out.getvalue(), sorted(sys.modules)]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    groups = {module for _name, module, _help in COMMANDS}

    def run(*argv: str) -> tuple[int, str, set[str]]:
        done = subprocess.run(
            [sys.executable, "-c", script, *argv], env=env, capture_output=True, text=True,
            check=True, timeout=60,
        )
        code, text, modules = json.loads(done.stdout.splitlines()[-1])
        return code, text, set(modules)

    code, text, modules = run("--help")
    assert code == 0 and all(f"    {name}" in text for name, _m, _h in COMMANDS)
    assert not modules & groups
    assert not {m for m in modules if m.startswith(("sqlalchemy", "counter_app.services"))}
    policy = root / "resources" / "policy" / "default.toml"
    code, _text, modules = run("policy", "check", str(policy))
    assert code == 0 and modules & groups == {"counter_app.cli.policy"}


def test_a_command_whose_module_cannot_be_imported_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = [(n, "counter_app.cli.no_such_module" if n == "returns" else m, h)
             for n, m, h in COMMANDS]
    monkeypatch.setattr(cli_main, "COMMANDS", tuple(table))
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        cli_main.main(["returns", "list"])
    with pytest.raises(ModuleNotFoundError):
        build_parser()  # the whole tree (what the option tests walk) fails too
    assert cli_main.main(["--help"]) == 0  # the listing itself needs no module


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def test_every_command_sets_func_and_nothing_else_dispatches() -> None:
    commands = list(_commands(build_parser()))
    assert len(commands) > 50
    for path, parser in commands:
        defaults = parser._defaults
        assert "handler" not in defaults, path
        has_actions = any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
        if not has_actions:
            assert callable(defaults.get("func")), path


def test_dash_reads_one_line_of_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n987654\n"))
    assert common.read_secret("-", "PIN: ") == "1234"
    assert common.read_secret("-", "manager PIN: ") == "987654"


def test_a_pin_on_the_command_line_is_refused_without_showing_it() -> None:
    with pytest.raises(common.CommandError) as caught:
        common.read_secret("2468", "PIN: ")
    assert "2468" not in str(caught.value) and "--pin only takes '-'" in str(caught.value)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_omitted_on_a_terminal_asks_without_echo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []

    def hidden(prompt: str) -> str:
        asked.append(prompt)
        return "5555"

    monkeypatch.setattr("sys.stdin", _Terminal(""))
    monkeypatch.setattr("getpass.getpass", hidden)
    assert common.read_secret(None, "manager PIN: ") == "5555"
    assert asked == ["manager PIN: "]
    assert "5555" not in "".join(capsys.readouterr())


def test_omitted_without_a_terminal_names_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    with pytest.raises(common.CommandError, match="standard input with --manager-pin -"):
        common.read_secret(None, "manager PIN: ", option="--manager-pin")


def test_a_signed_in_manager_never_shows_the_pin() -> None:
    from counter_app.domain.model import User

    signed_in = common.ManagerSignIn(User(1, "maria", "Maria Rossi", "manager"), "987654")
    assert "987654" not in repr(signed_in) and "maria" in repr(signed_in)
