"""`counter-app`: the GUI by default, and the command line of §9 for everything else.

Every command answers bad input with one line on stderr and a non-zero exit, and changes
nothing. Each command group is a module with `register(subparsers)`; every command sets
`func(args) -> int` with set_defaults.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from counter_app.central import cli as central
from counter_app.cli import (
    audit,
    catalog,
    config,
    day,
    db,
    demo,
    notify,
    orders,
    policy,
    printing,
    reports,
    returns,
    scan,
    stock,
    sync,
    users,
)
from counter_app.cli.common import EXIT_ERROR, CommandError, settings_from
from counter_app.config import Settings


class CommandGroup(Protocol):
    """A module that adds its commands to the `counter-app` subparsers."""

    def register(self, sub: Any) -> object: ...


# In the order `counter-app --help` lists them.
COMMAND_GROUPS: tuple[CommandGroup, ...] = (
    db,
    demo,
    users,
    returns,
    orders,
    catalog,
    audit,
    config,
    policy,
    scan,
    printing,
    sync,
    reports,
    day,
    stock,
    notify,
    central,
)


def main(argv: Sequence[str] | None = None, gui: Callable[[Settings], int] | None = None) -> int:
    """Run a command; with none, start the window through `gui` (the ui package passes it,
    so the core itself never imports Qt)."""
    args = build_parser().parse_args(argv)
    args.gui = gui
    return _guard(args.func, args)


def _guard(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one command: any failure becomes one line on stderr and exit 1."""
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"counter-app: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(exc: BaseException) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        return f"database error: {str(orig or exc).splitlines()[0]}"
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return message if len(message) <= 300 else message[:299] + "…"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="counter-app", description="Returns Counter")
    parser.add_argument("--db", help="database URL (default: config file or COUNTER_APP_DB)")
    parser.add_argument("--home", type=Path, help="data/config folder (or COUNTER_APP_HOME)")
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def cmd_gui(args: argparse.Namespace) -> int:
    if args.gui is None:
        raise CommandError("no window in this build: give a command (see --help)")
    code: int = args.gui(settings_from(args))
    return code


if __name__ == "__main__":
    sys.exit(main())
