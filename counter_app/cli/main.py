"""`counter-app`: the GUI by default, and the command line of §9 for everything else.

Every command answers bad input with one line on stderr and a non-zero exit, and changes
nothing. Each command group is a module with `register(subparsers)`; every command sets
`func(args) -> int` with set_defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from counter_app.central import cli as central
from counter_app.cli import (
    audit,
    catalog,
    config,
    credit,
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
    setup,
    stock,
    sync,
    users,
)
from counter_app.cli.common import (
    EXIT_ERROR,
    CommandError,
    Parser,
    bounded_path,
    bounded_text,
    settings_from,
)
from counter_app.config import Settings


class CommandGroup(Protocol):
    """A module that adds its commands to the `counter-app` subparsers."""

    def register(self, sub: Any) -> object: ...


# In the order `counter-app --help` lists them.
COMMAND_GROUPS: tuple[CommandGroup, ...] = (
    db,
    setup,
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
    credit,
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
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a wrong command line (2, one line already)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except BrokenPipeError:  # `counter-app --help | head -1`
        _drop_stdout()
        return EXIT_ERROR
    args.gui = gui
    return _guard(args.func, args)


def _guard(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one command: any failure becomes one line on stderr and exit 1; a closed pipe
    (`counter-app ... | head`) ends quietly."""
    try:
        code = func(args)
        sys.stdout.flush()  # a closed pipe shows here, not as a message at interpreter exit
        return code
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"counter-app: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _drop_stdout() -> None:
    """The reader went away: point stdout at the null device so the final flush at exit
    cannot fail again (the way the Python documentation handles SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's captured stdout)
        pass


def _one_line(exc: BaseException) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        return f"database error: {str(orig or exc).splitlines()[0]}"
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return message if len(message) <= 300 else message[:299] + "…"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="counter-app",
        description="Returns Counter",
        epilog=SIGN_IN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        type=db_url_option,
        help="database URL without a password (default: config file or COUNTER_APP_DB)",
    )
    parser.add_argument(
        "--home", type=bounded_path, help="data/config folder (or COUNTER_APP_HOME)"
    )
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


SIGN_IN_HELP = """\
admin sign-in:
  users, config set, notify retry and reports that list customers need an
  administrator: --admin USER, and the PIN typed at the hidden prompt or read
  from standard input with --admin-pin -  (a PIN is never taken on the command
  line). The audit trail names that administrator. A new store gets its first
  administrator with `counter-app setup --admin USER`; the demo store has
  `admin` (PIN 000000). Manager commands (day close, stock move, stock label,
  sync resolve) take --manager USER and --pin - the same way.

  echo 0000 | counter-app config set idle_lock_minutes 10 --admin admin --admin-pin -
"""


def db_url_option(text: str) -> str:
    """`--db`: a database URL, never with a password in it (that belongs in COUNTER_APP_DB or
    the config file, where `ps` and the shell history cannot see it)."""
    from urllib.parse import urlsplit

    url = bounded_text(2000)(text)
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        raise argparse.ArgumentTypeError(
            "no password on the command line: set COUNTER_APP_DB or db_url in the config file"
        )
    return url


def cmd_gui(args: argparse.Namespace) -> int:
    if args.gui is None:
        raise CommandError("no window in this build: give a command (see --help)")
    code: int = args.gui(settings_from(args))
    return code


if __name__ == "__main__":
    sys.exit(main())
