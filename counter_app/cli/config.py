"""`counter-app config show|set`: this counter's settings (secrets are never printed)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import Any

from counter_app.cli.common import EXIT_OK, CommandError, settings_from, whole_number
from counter_app.config import masked_settings, save_settings

_SECRET_SETTINGS = ("central_key", "voucher_secret")


def register(sub: Any) -> None:
    config = sub.add_parser("config", help="this counter's settings").add_subparsers(
        metavar="ACTION"
    )
    cs = config.add_parser("show", help="the settings in force")
    cs.set_defaults(func=cmd_config_show)
    cset = config.add_parser("set", help="change one setting in the config file")
    cset.add_argument("key")
    cset.add_argument("value", help="the value; '-' reads it from stdin (for secrets)")
    cset.set_defaults(func=cmd_config_set)


def cmd_config_show(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    print(f"config file: {settings.config_file}")
    for f in fields(settings):
        value = masked_settings(settings)[f.name]
        if f.name in _SECRET_SETTINGS and value:
            value = "(set)"
        print(f"{f.name} = {value}")
    return EXIT_OK


def cmd_config_set(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    known = {f.name: f for f in fields(settings) if f.name != "home"}
    if args.key not in known:
        raise CommandError(f"unknown setting {args.key[:40]!r}; see `counter-app config show`")
    current = getattr(settings, args.key)
    if args.value == "-":  # secrets stay off the command line, where `ps` shows them
        args.value = sys.stdin.readline().strip()
    value: Any = args.value
    if isinstance(current, bool):
        if args.value.lower() not in ("true", "false"):
            raise CommandError(f"{args.key} is true or false")
        value = args.value.lower() == "true"
    elif isinstance(current, int):
        value = whole_number(args.value, args.key)
    save_settings(settings, **{args.key: value})
    print(f"{args.key} saved in {settings.config_file}")
    return EXIT_OK
