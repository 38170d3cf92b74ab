"""`counter-app users ...`: staff accounts (add, list, set-pin, disable, unlock), for admins.

Every action signs the administrator in first (`--admin USER`, PIN asked or `--admin-pin -`);
a new PIN is read after theirs (the next line of standard input with `--pin -`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli.common import (
    EXIT_OK,
    NAME,
    add_admin_options,
    add_secret_option,
    app_from,
    bounded_text,
    read_secret,
    sign_in_admin,
)


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="staff accounts (administrator)").add_subparsers(
        metavar="ACTION", required=True
    )
    add = users.add_parser("add", help="add a user")
    add.add_argument("username", type=NAME)
    add.add_argument("--name", default="", type=bounded_text(200))
    add.add_argument("--role", choices=["cashier", "manager", "admin"], default="cashier")
    add_secret_option(add, "--pin", "the new user's")
    add.set_defaults(func=cmd_users_add)
    lst = users.add_parser("list", help="list users")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_users_list)
    setpin = users.add_parser("set-pin", help="set a user's PIN")
    setpin.add_argument("username", type=NAME)
    add_secret_option(setpin, "--pin", "the new")
    setpin.set_defaults(func=cmd_users_set_pin)
    disable = users.add_parser("disable", help="disable a user")
    disable.add_argument("username", type=NAME)
    disable.set_defaults(func=cmd_users_disable)
    unlock = users.add_parser("unlock", help="lift a PIN lockout (the only way out of the last)")
    unlock.add_argument("username", type=NAME)
    unlock.set_defaults(func=cmd_users_unlock)
    for action in (add, lst, setpin, disable, unlock):
        add_admin_options(action)


def cmd_users_add(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    admin = sign_in_admin(app, args)
    pin = read_secret(args.pin, "PIN: ")
    user = auth.add_user(
        app.engine,
        app.clock,
        args.username,
        args.name or args.username,
        args.role,
        pin,
        actor=admin.user.username,
    )
    print(f"added {user.username} ({user.role})")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    sign_in_admin(app, args)
    for user in auth.list_users(app.engine):
        if args.json:
            print(
                json.dumps(
                    {
                        "username": user.username,
                        "name": user.display_name,
                        "role": user.role,
                        "active": user.active,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            state = "" if user.active else "  (disabled)"
            print(f"{user.username:<16} {user.role:<8} {user.display_name}{state}")
    return EXIT_OK


def cmd_users_set_pin(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    admin = sign_in_admin(app, args)
    pin = read_secret(args.pin, "new PIN: ")
    auth.set_pin(app.engine, app.clock, args.username, pin, actor=admin.user.username)
    print(f"PIN changed for {args.username}")
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    admin = sign_in_admin(app, args)
    auth.disable_user(app.engine, app.clock, args.username, actor=admin.user.username)
    print(f"{args.username} is disabled")
    return EXIT_OK


def cmd_users_unlock(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    admin = sign_in_admin(app, args)
    auth.unlock_user(app.engine, app.clock, args.username, actor=admin.user.username)
    print(f"{args.username} can sign in again")
    return EXIT_OK
