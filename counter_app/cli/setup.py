"""`counter-app setup --admin USER`: a new store's first administrator (once).

Every other administrator is added by an administrator (`users add ... --admin USER`), so
this is the one command that creates an account without a sign-in; it refuses as soon as
the store has an active administrator.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import (
    EXIT_OK,
    NAME,
    CommandError,
    add_secret_option,
    app_from,
    bounded_text,
    read_secret,
)


def register(sub: Any) -> None:
    setup = sub.add_parser(
        "setup", help="first run: create the database and the store's first administrator"
    )
    setup.add_argument("--admin", required=True, metavar="USER", type=NAME)
    setup.add_argument("--name", default="", type=bounded_text(200), help="display name")
    add_secret_option(setup, "--pin", "the new administrator's")
    setup.set_defaults(func=cmd_setup)


def cmd_setup(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)  # creates or upgrades the schema
    if any(u.role == "admin" and u.active for u in auth.list_users(app.engine)):
        raise CommandError(
            "this store already has an administrator: they add users with `users add --admin`"
        )
    pin = read_secret(args.pin, "new admin PIN: ")
    typed = args.pin is None and sys.stdin.isatty()
    if typed and read_secret(None, "the same PIN again: ") != pin:
        raise CommandError("the two PINs differ; nothing was changed")
    user = auth.add_user(
        app.engine, app.clock, args.admin, args.name or args.admin, "admin", pin, actor="setup"
    )
    print(f"administrator {user.username} created; sign in with --admin {user.username}")
    return EXIT_OK
