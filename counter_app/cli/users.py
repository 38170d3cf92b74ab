"""`counter-app users ...`: staff accounts (add, list, set-pin, disable)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli.common import EXIT_OK, app_from, read_secret


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="staff accounts").add_subparsers(metavar="ACTION")
    add = users.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=["cashier", "manager", "admin"], default="cashier")
    add.add_argument("--pin", help="PIN (asked for when not given; '-' reads stdin)")
    add.set_defaults(func=cmd_users_add)
    lst = users.add_parser("list", help="list users")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_users_list)
    setpin = users.add_parser("set-pin", help="set a user's PIN")
    setpin.add_argument("username")
    setpin.add_argument("--pin")
    setpin.set_defaults(func=cmd_users_set_pin)
    disable = users.add_parser("disable", help="disable a user")
    disable.add_argument("username")
    disable.set_defaults(func=cmd_users_disable)


def cmd_users_add(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    pin = read_secret(args.pin, "PIN: ")
    user = auth.add_user(
        app.engine, app.clock, args.username, args.name or args.username, args.role, pin
    )
    print(f"added {user.username} ({user.role})")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
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
    auth.set_pin(app.engine, app.clock, args.username, read_secret(args.pin, "new PIN: "))
    print(f"PIN changed for {args.username}")
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    auth.disable_user(app.engine, app.clock, args.username)
    print(f"{args.username} is disabled")
    return EXIT_OK
