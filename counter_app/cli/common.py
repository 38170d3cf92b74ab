"""What every command group shares: the one error type, the app and settings from the global
options, the one secret reader, the one sign-in (manager or administrator) and the one
argparse class and bounded option types.

Services are imported inside the functions so that `counter-app --help` stays quick.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from counter_app.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from counter_app.domain.model import User

EXIT_OK, EXIT_ERROR = 0, 1


class CommandError(Exception):
    """A problem to report in one line; nothing was changed."""


# ------------------------------------------------------------------ wiring


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings in force for `--home` / `--db` (config file and environment otherwise)."""
    try:
        return load_settings(home=args.home, db_url=args.db)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc


def local_time(moment: datetime, zone: str) -> str:
    """A stored instant as the store's wall-clock time (`YYYY-MM-DD HH:MM`), the way the
    screen and the receipt show it: every time the command line prints is in the store's
    zone (`app.policies.current.timezone`), never UTC."""
    return f"{in_zone(moment, zone):%Y-%m-%d %H:%M}"


def local_iso(moment: datetime | None, zone: str) -> str | None:
    """ISO 8601 in the store's zone, with its UTC offset (JSON output)."""
    return None if moment is None else in_zone(moment, zone).isoformat()


def in_zone(moment: datetime, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # stored UTC
    return aware.astimezone(ZoneInfo(zone))


def app_from(args: argparse.Namespace) -> Any:
    """The wired-up counter (engine, clock, policies, desk) for the global options."""
    from counter_app.bootstrap import bootstrap

    return bootstrap(settings_from(args))


# ------------------------------------------------------------------ secrets and sign-in


def read_secret(value: str | None, prompt: str, *, option: str = "--pin") -> str:
    """The secret an option stands for: `-` reads one line from standard input (for scripts;
    several secrets are read one line each, in the order the command asks for them);
    omitted on a terminal, a hidden prompt. A secret is never taken from the command line,
    where `ps` and the shell history would show it."""
    if value == "-":
        return sys.stdin.readline().strip()
    if value is not None:
        raise CommandError(_NO_SECRET_ON_ARGV.format(option=option))
    if not sys.stdin.isatty():
        raise CommandError(
            f"give the PIN on standard input with {option} - (or type it at a terminal)"
        )
    return getpass.getpass(prompt)


_NO_SECRET_ON_ARGV = "{option} only takes '-' (the PIN on standard input), never the PIN itself"


def secret_source(option: str) -> Callable[[str], str]:
    """argparse type for a secret option: only `-` (standard input) is accepted, so a PIN typed
    on the command line is refused before anything runs (and never echoed in the message)."""

    def parse(text: str) -> str:
        if text != "-":
            raise argparse.ArgumentTypeError(_NO_SECRET_ON_ARGV.format(option=option))
        return text

    parse.__name__ = "secret_source"
    return parse


def add_secret_option(parser: argparse.ArgumentParser, option: str, whose: str) -> None:
    """`option -`: the PIN of `whose` from standard input (asked without echo when omitted)."""
    parser.add_argument(
        option,
        type=secret_source(option),
        metavar="-",
        help=f"'-' reads {whose} PIN from standard input (asked without echo when omitted)",
    )


@dataclass(frozen=True)
class ManagerSignIn:
    """A manager who proved their PIN. The PIN is kept for the one service that checks it
    itself (the desk's override, which is the authority on who may approve)."""

    user: User
    pin: str = field(repr=False)  # never in a traceback or a log line


def authenticate_manager(
    app: Any,
    username: str,
    secret: str | None,
    *,
    prompt: str = "PIN: ",
    option: str = "--pin",
) -> ManagerSignIn:
    """Sign a manager in through services.auth (lockout and audit included).

    Whether they may do the action (role, own return) is left to the service that does it,
    so each keeps its own message.
    """
    from counter_app.services import auth

    pin = read_secret(secret, prompt, option=option)
    return ManagerSignIn(auth.authenticate(app.engine, app.clock, username, pin), pin)


ADMIN_ONLY: tuple[str, ...] = ("admin",)
MANAGER_OR_ADMIN: tuple[str, ...] = ("manager", "admin")


def add_admin_options(parser: argparse.ArgumentParser) -> None:
    """`--admin USER [--admin-pin -]`: the administrator who signs in for this command."""
    parser.add_argument(
        "--admin",
        metavar="USER",
        type=bounded_text(64),
        help="the administrator who signs in for this (required)",
    )
    add_secret_option(parser, "--admin-pin", "the administrator's")


def sign_in_admin(
    app: Any, args: argparse.Namespace, roles: tuple[str, ...] = ADMIN_ONLY
) -> ManagerSignIn:
    """The administrator of `--admin` / `--admin-pin`, signed in (lockout and audit included)
    and checked for the role; their user name is the actor in the audit trail."""
    if not getattr(args, "admin", None):
        raise CommandError(
            "this needs an administrator: give --admin USER (PIN asked or --admin-pin -)"
        )
    return sign_in(
        app, args.admin, args.admin_pin, roles, prompt="admin PIN: ", option="--admin-pin"
    )


def sign_in(
    app: Any,
    username: str,
    secret: str | None,
    roles: tuple[str, ...],
    *,
    prompt: str = "PIN: ",
    option: str = "--pin",
) -> ManagerSignIn:
    """`authenticate_manager`, then the role: one line naming the role that is needed."""
    signed_in = authenticate_manager(app, username, secret, prompt=prompt, option=option)
    if signed_in.user.role not in roles:
        needed = " or ".join("an administrator" if r == "admin" else f"a {r}" for r in roles)
        raise CommandError(
            f"this needs {needed}; {signed_in.user.username} is a {signed_in.user.role}"
        )
    return signed_in


# ------------------------------------------------------------------ argument parsing


EXIT_USAGE = 2  # a wrong command line, as argparse and every Unix tool answer it


class Parser(argparse.ArgumentParser):
    """argparse with the command line's one-line errors: `counter-app: CMD: what is wrong`
    and exit 2, no usage block. `add_subparsers` makes every sub-parser of this class too."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("counter-app").strip()
        where = f"{command}: " if command else ""
        text = " ".join("".join(ch for ch in message if ch.isprintable() or ch == " ").split())
        text = text if len(text) <= 300 else text[:299] + "…"
        self.exit(EXIT_USAGE, f"counter-app: {where}{text} (see --help)\n")


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """argparse type: a whole number from `lo` to `hi` (a database never sees a bigger one)."""

    def parse(text: str) -> int:
        digits = text.strip()
        if not re.fullmatch(r"[+-]?\d+", digits):
            raise argparse.ArgumentTypeError(f"not a whole number: {_shown(text)}")
        value = int(digits) if len(digits) <= 30 else None  # int() of 5,000 digits is slow
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {_shown(digits)}")
        return value

    parse.__name__ = "bounded_int"  # argparse names the type in its own messages
    return parse


def bounded_float(lo: float, hi: float) -> Callable[[str], float]:
    """argparse type: a number (e.g. seconds) from `lo` to `hi`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {_shown(text)}") from None
        if not lo <= value <= hi:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be from {lo:g} to {hi:g}")
        return value

    parse.__name__ = "bounded_float"
    return parse


def bounded_text(longest: int, *, printable: bool = True) -> Callable[[str], str]:
    """argparse type: one line of text of at most `longest` characters (no control
    characters), so a 120 KB `--search` is refused before it reaches a query.
    `printable=False` leaves the characters to a later check that names the field."""

    def parse(text: str) -> str:
        if len(text) > longest:
            raise argparse.ArgumentTypeError(f"at most {longest} characters, got {len(text)}")
        if printable and any(not ch.isprintable() for ch in text):
            raise argparse.ArgumentTypeError("control characters are not allowed")
        return text

    parse.__name__ = "bounded_text"
    return parse


FILE_OR_DASH = bounded_text(4096)  # an output file, or '-' for stdout


def bounded_path(text: str) -> Path:
    """argparse type: a file or folder name (bounded like any text)."""
    return Path(bounded_text(4096)(text))


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (and at most a database integer)."""
    return bounded_int(1, MAX_ID)(text)


MAX_ID = 2**53  # an id or count no store reaches, and every database takes
NAME = bounded_text(64)  # user names, SKUs, order numbers, return references, codes
REASON = bounded_text(500)  # a free-text reason or note (the sanitizer bounds it again)


def _no_card_number(text: str) -> None:
    from counter_app.domain.cards import contains_card_number

    if contains_card_number(text) or len([ch for ch in text if ch.isdigit()]) > 12:
        raise argparse.ArgumentTypeError("never type the full card number (last 4 digits only)")


def card_last4(text: str) -> str:
    """argparse type: exactly the last 4 digits of a card (a full number is refused and is
    not echoed back)."""
    _no_card_number(text)
    if not re.fullmatch(r"\d{4}", text):
        raise argparse.ArgumentTypeError("exactly the last 4 digits of the card")
    return text


def card_brand(text: str) -> str:
    """argparse type: a card brand as the terminal printed it (Visa, Mastercard...)."""
    _no_card_number(text)
    return bounded_text(32)(text)


def approval_code(text: str) -> str:
    """argparse type: the standalone terminal's approval code (4 to 12 letters or digits)."""
    _no_card_number(text)
    if not re.fullmatch(r"[A-Za-z0-9]{4,12}", text):
        raise argparse.ArgumentTypeError("4 to 12 letters or digits, as the terminal printed it")
    return text


def _shown(text: str) -> str:
    cleaned = "".join(ch for ch in text if ch.isprintable())
    return repr(cleaned if len(cleaned) <= 20 else cleaned[:19] + "…")


def split_spec(spec: str, parts: int, shape: str) -> list[str]:
    """`spec` cut at ':' into exactly `parts` non-empty pieces (e.g. LINE:SERIAL)."""
    pieces = spec.split(":")
    if len(pieces) != parts or not all(pieces):
        raise CommandError(f"expected {shape}, got {spec[:60]!r}")
    return pieces


def whole_number(text: str, what: str) -> int:
    """A whole number inside a spec (LINE:QTY...): 0 to 999,999,999, or one line."""
    if not re.fullmatch(r"\d{1,9}", text):
        raise CommandError(f"the {what} must be a whole number, got {_shown(text)}")
    return int(text)


# ------------------------------------------------------------------ output


def write_csv(target: str, text: str) -> None:
    """CSV to a file (with a BOM, so spreadsheet programs read UTF-8) or to stdout for '-'."""
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from exc


def actor(given: str = "") -> str:
    """Who a command acts as in the audit trail: the name given, else the shell's user."""
    if given:
        return given
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"
