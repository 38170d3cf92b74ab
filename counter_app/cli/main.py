"""`counter-app`: the GUI by default, and the command line of §9 for everything else.

Every command answers bad input with one line on stderr and a non-zero exit, and changes
nothing. Each command group is a module with `register(subparsers)`; every command sets
`func(args) -> int` with set_defaults.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol, cast

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


# (command, module that registers it, help) in the order `counter-app --help` lists them. A
# module is imported only when its command is chosen: the window and `--help` import none of
# them (reports, head office, SQLAlchemy...). tests/unit/test_cli_package.py checks this table
# against what each module registers.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("db", "counter_app.cli.db", "database maintenance"),
    (
        "setup",
        "counter_app.cli.setup",
        "first run: create the database and the store's first administrator",
    ),
    ("demo", "counter_app.cli.demo", "create a demo store with orders, products and staff"),
    ("users", "counter_app.cli.users", "staff accounts (administrator)"),
    ("returns", "counter_app.cli.returns", "returns"),
    ("orders", "counter_app.cli.orders", "orders"),
    ("catalog", "counter_app.cli.catalog", "the product catalog"),
    ("audit", "counter_app.cli.audit", "audit trail"),
    ("config", "counter_app.cli.config", "this counter's settings"),
    ("policy", "counter_app.cli.policy", "return policy"),
    ("scan-image", "counter_app.cli.scan", "decode barcodes in image files (JSON lines)"),
    (
        "receipt",
        "counter_app.cli.printing",
        "render a return's receipt (or an order's gift receipt) to a file",
    ),
    ("printer", "counter_app.cli.printing", "receipt printer: test page and print queue"),
    ("credit", "counter_app.cli.credit", "store credit: look up a voucher"),
    ("sync", "counter_app.cli.sync", "send returns to head office and fetch its updates"),
    ("report", "counter_app.cli.reports", "manager reports (table on stdout, or CSV)"),
    ("day", "counter_app.cli.day", "end of day: summary and Z-report"),
    ("stock", "counter_app.cli.stock", "returned stock by disposition"),
    ("notify", "counter_app.cli.notify", "customer e-mails"),
    ("central", "counter_app.central.cli", "the reference head-office service"),
)
_VALUE_OPTIONS = ("--db", "--home")  # the top-level options that take a value


def command_group(module: str) -> CommandGroup:
    """The module of a command group. An ImportError propagates: a command whose code is
    missing or broken fails loudly, it is never skipped."""
    return cast(CommandGroup, importlib.import_module(module))


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is neither an option
    nor a top-level option's value), if it is one of COMMANDS."""
    words = iter(argv)
    for word in words:
        if word == "--":
            break
        if word.startswith("-"):
            takes_value = len(word) > 2 and any(o.startswith(word) for o in _VALUE_OPTIONS)
            if takes_value:
                next(words, None)  # `--home DIR` (argparse also takes `--ho DIR`)
            continue
        return word if word in {name for name, _m, _h in COMMANDS} else None
    return None


def main(argv: Sequence[str] | None = None, gui: Callable[[Settings], int] | None = None) -> int:
    """Run a command; with none, start the window through `gui` (the ui package passes it,
    so the core itself never imports Qt)."""
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        chosen = chosen_command(words)
        args = build_parser({chosen} if chosen else set()).parse_args(words)
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


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line. `commands`: only these get their real parsers (their modules
    are imported); the others are listed by name and help. None: every command in full."""
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
    wanted = {m for name, m, _h in COMMANDS if commands is None or name in commands}
    for name, module, help_text in COMMANDS:
        if module in wanted:
            wanted.discard(module)
            command_group(module).register(sub)
        elif name not in sub.choices:
            sub.add_parser(name, help=help_text)
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
