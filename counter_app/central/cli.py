"""`counter-app central ...`: run and feed the reference head-office service.

`register(subparsers)` adds the `central` group; every command sets `func(args) -> int`.
The database URL comes from `--db`, else $COUNTER_CENTRAL_DB, else `sqlite:///central.db`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from counter_app import sync_protocol as proto
from counter_app.central import cli_access as access
from counter_app.central.cli_authorize import register_authorizations

DEFAULT_DB = "sqlite:///central.db"
M = TypeVar("M", bound=BaseModel)


def _db_url(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("COUNTER_CENTRAL_DB") or DEFAULT_DB)


def _engine(args: argparse.Namespace) -> Any:
    from counter_app.central.db import make_engine

    return make_engine(_db_url(args))


def _jsonl(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Non-empty lines of a JSON Lines file, with their line numbers for error messages."""
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError(f"{path}:{number}: expected a JSON object")
                yield number, record


def _load(path: str, parse: Callable[[dict[str, Any]], M]) -> list[M]:
    out = []
    for number, record in _jsonl(path):
        try:
            out.append(parse(record))
        except ValidationError as exc:
            first = exc.errors(include_input=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{path}:{number}: {where}: {first['msg']}") from None
    return out


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the HTTP service with uvicorn; migrate once first, before any worker starts."""
    import uvicorn

    from counter_app.central.app import CentralSettings, create_app
    from counter_app.central.db import upgrade
    from counter_app.central.master_key import MasterKey

    options = access.serve_options(args)
    url = _db_url(args)
    admin_key = access.admin_key(args)
    master = MasterKey.resolve()
    smtp_url, mail_from = access.smtp_settings(args)
    if not options["ssl_certfile"] and options["host"] not in ("127.0.0.1", "::1", "localhost"):
        print("warning: serving plain http beyond this machine; stores refuse it "
              "(give --tls-cert/--tls-key)", file=sys.stderr)  # fmt: skip
    upgrade(url)
    if args.workers > 1:
        # Each worker builds its app from the environment (secrets never go on argv).
        os.environ["COUNTER_CENTRAL_DB"] = url
        os.environ[access.ADMIN_KEY_ENV] = admin_key or ""
        os.environ["COUNTER_CENTRAL_OPENAPI"] = "1" if args.openapi else ""
        os.environ[access.SMTP_URL_ENV] = smtp_url or ""
        os.environ[access.MAIL_FROM_ENV] = mail_from
        os.environ[access.PUBLIC_URL_ENV] = access.public_url(args) or ""
        uvicorn.run(
            "counter_app.central.app:app_from_environment",
            factory=True,
            workers=args.workers,
            **options,
        )
        return 0
    settings = CentralSettings(
        db_url=url, admin_key=admin_key, master_key=master, openapi=args.openapi,
        smtp_url=smtp_url, mail_from=mail_from, public_url=access.public_url(args),
    )  # fmt: skip
    uvicorn.run(create_app(settings), **options)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from counter_app.central.db import upgrade

    upgrade(_db_url(args))
    print("central database is up to date")
    return 0


def cmd_add_store(args: argparse.Namespace) -> int:
    from counter_app.central.service import add_store

    key = add_store(_engine(args), args.code, args.name)
    print(f"store {args.code} added.")
    print("\n".join(access.store_setup_lines(args.code, key)))
    return 0


def cmd_settle(args: argparse.Namespace) -> int:
    from counter_app.central.service import settle

    done = settle(_engine(args), args.ref, args.gateway_ref)
    if not done:
        print(f"{args.ref}: nothing left to settle")
    for s in done:
        print(f"{s.return_ref}: {s.tender} {s.amount_minor} settled as {s.gateway_ref}")
    return 0


def cmd_publish_orders(args: argparse.Namespace) -> int:
    from counter_app.central.service import publish_orders

    orders = _load(args.file, proto.Order.model_validate)
    print(f"published {publish_orders(_engine(args), orders)} orders")
    return 0


def cmd_publish_catalog(args: argparse.Namespace) -> int:
    from counter_app.central.service import publish_catalog

    items = _load(args.file, proto.CatalogItem.model_validate)
    print(f"published {publish_catalog(_engine(args), items)} products")
    return 0


def cmd_publish_policy(args: argparse.Namespace) -> int:
    from counter_app.central.service import publish_policy

    text = Path(args.file).read_text(encoding="utf-8")
    publish_policy(_engine(args), args.version, text)
    print(f"published policy version {args.version}")
    return 0


def cmd_publish_staff(args: argparse.Namespace) -> int:
    from counter_app.central.service import publish_staff, staff_from_record

    members = []
    for number, record in _jsonl(args.file):
        try:
            members.append(staff_from_record(record))
        except ValidationError as exc:
            first = exc.errors(include_input=False)[0]
            raise ValueError(f"{args.file}:{number}: {first['loc']}: {first['msg']}") from None
    print(f"published {publish_staff(_engine(args), members)} staff accounts")
    return 0


def _guard(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn expected failures (bad file, unknown ref) into one clear line and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            access.use_master_key_file(args)
            return func(args)
        except (ValueError, LookupError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def cmd_demo(args: argparse.Namespace) -> int:
    """Publish the demo data; stores fetch it with `counter-app sync`."""
    from counter_app.central.db import upgrade
    from counter_app.central.demo import publish_demo

    upgrade(_db_url(args))
    stores = [code.strip() for code in args.stores.split(",") if code.strip()]
    count = publish_demo(_engine(args), stores, orders=args.orders)
    print(f"published the demo catalog, staff and {count} orders for stores {', '.join(stores)}")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    """Print the API contract (OpenAPI 3.1 JSON) for integrators; needs no database."""
    from counter_app.central.app import CentralSettings, create_app

    app = create_app(CentralSettings(db_url="sqlite://", openapi=True))
    print(json.dumps(app.openapi(), indent=2, sort_keys=True))
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `central` and its commands to an argparse subparsers object."""
    central: argparse.ArgumentParser = subparsers.add_parser(
        "central", help="the reference head-office service"
    )
    commands = central.add_subparsers(dest="central_command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> Any:
        parser = commands.add_parser(name, help=help, allow_abbrev=False)
        parser.add_argument(
            "--db", help=f"SQLAlchemy URL (default $COUNTER_CENTRAL_DB or {DEFAULT_DB})"
        )
        parser.add_argument(
            "--master-key-file", help="file holding the master key (or $CENTRAL_MASTER_KEY)"
        )
        parser.set_defaults(func=_guard(func))
        return parser

    def with_engine(func: Callable[[argparse.Namespace, Any], int]) -> Any:
        return lambda args: func(args, _engine(args))

    serve = add("serve", cmd_serve, "run the HTTP service")
    access.add_serve_arguments(serve)
    engine_command = lambda name, func, help: add(name, with_engine(func), help)  # noqa: E731
    access.register_access(engine_command, commands, _guard)
    register_authorizations(engine_command)
    store = add("add-store", cmd_add_store, "register a store and print its key once")
    store.add_argument("code")
    store.add_argument("--name", required=True)

    settle = add("settle", cmd_settle, "mark the card refunds of a return settled")
    settle.add_argument("ref")
    settle.add_argument("--gateway-ref")

    for name, func, what in (
        ("publish-orders", cmd_publish_orders, "orders"),
        ("publish-catalog", cmd_publish_catalog, "products"),
        ("publish-staff", cmd_publish_staff, "staff (with `pin` or `pin_hash`)"),
    ):
        add(name, func, f"publish {what} from a JSON Lines file").add_argument("file")

    policy = add("publish-policy", cmd_publish_policy, "publish a policy TOML as a version")
    policy.add_argument("file")
    policy.add_argument("--version", required=True)

    demo = add("demo", cmd_demo, "publish the demo catalog, staff and orders for stores")
    demo.add_argument("--stores", default="S001,S002", help="store codes, comma-separated")
    demo.add_argument("--orders", type=int, default=600)

    api = commands.add_parser("openapi", help="print the API contract (OpenAPI JSON)")
    api.set_defaults(func=_guard(cmd_openapi))

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="central_db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply the central migrations")
    upgrade.add_argument("--db", help="SQLAlchemy URL")
    upgrade.add_argument("--master-key-file", help="file holding the master key")
    upgrade.set_defaults(func=_guard(cmd_db_upgrade))
    return central


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (`python -m counter_app.central.cli ...`)."""
    parser = argparse.ArgumentParser(prog="counter-app")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
