"""`counter-app config show|set`: this counter's settings (secrets are never printed).

`config set` is administrator work: the value is checked first, then the administrator signs
in, then the file is replaced atomically and the change is audited under their name.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import Any

from counter_app.cli.common import (
    EXIT_OK,
    NAME,
    CommandError,
    add_admin_options,
    app_from,
    bounded_text,
    read_secret,
    settings_from,
    sign_in_admin,
)
from counter_app.config import (
    SECRET_SETTINGS,
    URL_SETTINGS,
    ConfigError,
    mask_url,
    masked_settings,
    parse_setting,
    save_settings,
)


def register(sub: Any) -> None:
    config = sub.add_parser("config", help="this counter's settings").add_subparsers(
        metavar="ACTION", required=True
    )
    cs = config.add_parser("show", help="the settings in force (secrets masked)")
    cs.set_defaults(func=cmd_config_show)
    cset = config.add_parser("set", help="change one setting in the config file (administrator)")
    cset.add_argument("key", type=NAME)
    cset.add_argument(
        "value",
        type=bounded_text(2000, printable=False),  # parse_setting names the key
        help="the new value; '-' reads it from standard input (required for secrets)",
    )
    add_admin_options(cset)
    cset.set_defaults(func=cmd_config_set)


def cmd_config_show(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    print(f"config file: {settings.config_file}")
    shown = masked_settings(settings)
    for f in fields(settings):
        print(f"{f.name} = {shown[f.name]}")
    return EXIT_OK


def cmd_config_set(args: argparse.Namespace) -> int:
    from counter_app.services.audit import record

    settings = settings_from(args)
    known = {f.name for f in fields(settings) if f.name != "home"}
    if args.key not in known:
        raise CommandError(f"unknown setting {args.key!r}; see `counter-app config show`")
    from_stdin = args.value == "-"
    value = None if from_stdin else _parsed(args.key, args.value)
    if not from_stdin and _is_secret(args.key, args.value):
        raise CommandError(
            f"{args.key} holds a secret: give '-' and the value on standard input "
            "(the line after the admin PIN), never on the command line"
        )
    app = app_from(args)
    admin = sign_in_admin(app, args)
    if value is None:
        secret = read_secret(None if sys.stdin.isatty() else "-", f"{args.key}: ", option="VALUE")
        value = _parsed(args.key, secret)
    updated = save_settings(settings, **{args.key: value})
    record(
        app.engine,
        app.clock,
        actor=admin.user.username,
        action="config.changed",
        subject=args.key,
        data={"value": masked_settings(updated)[args.key]},
    )
    print(f"{args.key} saved in {settings.config_file}")
    return EXIT_OK


def _is_secret(key: str, value: str) -> bool:
    """A secret setting, or a URL with a password in it."""
    return key in SECRET_SETTINGS or (key in URL_SETTINGS and mask_url(value) != value)


def _parsed(key: str, raw: str) -> Any:
    try:
        return parse_setting(key, raw)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
