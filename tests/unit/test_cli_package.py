"""The shape of counter_app/cli/: every group is listed, every command dispatches the same
way, and the one secret reader never echoes."""

from __future__ import annotations

import argparse
import io
import pkgutil
from collections.abc import Iterator

import pytest

import counter_app.cli
from counter_app.cli import common
from counter_app.cli.main import COMMAND_GROUPS, build_parser

NOT_GROUPS = {"__main__", "common", "main", "returns_receiptless"}  # the last: part of returns


def test_every_command_group_module_is_in_the_list() -> None:
    modules = {m.name for m in pkgutil.iter_modules(counter_app.cli.__path__)} - NOT_GROUPS
    listed = {getattr(group, "__name__", "") for group in COMMAND_GROUPS}
    assert {f"counter_app.cli.{name}" for name in modules} <= listed
    assert "counter_app.central.cli" in listed


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
