"""`counter-app db upgrade`: create or upgrade this counter's database schema."""

from __future__ import annotations

import argparse
from typing import Any

from counter_app.cli.common import EXIT_OK, settings_from


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        metavar="ACTION", required=True
    )
    up = db.add_parser("upgrade", help="create or upgrade the database schema")
    up.set_defaults(func=cmd_db_upgrade)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from counter_app.adapters.db.engine import make_engine
    from counter_app.adapters.db.migrate import upgrade

    settings = settings_from(args)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    print(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")
    return EXIT_OK
