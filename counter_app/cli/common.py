"""What every command group shares: the one error type, the app and settings from the global
options, the one secret reader and the one manager sign-in.

Services are imported inside the functions so that `counter-app --help` stays quick.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def app_from(args: argparse.Namespace) -> Any:
    """The wired-up counter (engine, clock, policies, desk) for the global options."""
    from counter_app.bootstrap import bootstrap

    return bootstrap(settings_from(args))


# ------------------------------------------------------------------ secrets and sign-in


def read_secret(value: str | None, prompt: str, *, option: str = "--pin") -> str:
    """The secret an option stands for: `-` reads one line from standard input (for scripts,
    so it never shows in `ps`); omitted on a terminal, a hidden prompt. Never echoed."""
    if value == "-":
        return sys.stdin.readline().strip()
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CommandError(f"give the PIN with {option} (or {option} - to read it from stdin)")
    return getpass.getpass(prompt)


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


# ------------------------------------------------------------------ argument parsing


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def split_spec(spec: str, parts: int, shape: str) -> list[str]:
    """`spec` cut at ':' into exactly `parts` non-empty pieces (e.g. LINE:SERIAL)."""
    pieces = spec.split(":")
    if len(pieces) != parts or not all(pieces):
        raise CommandError(f"expected {shape}, got {spec[:60]!r}")
    return pieces


def whole_number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"the {what} must be a whole number, got {text[:20]!r}") from None


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
