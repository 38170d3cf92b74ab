"""`counter-app sync`: for cron, systemd timers and Windows Task Scheduler (exit code = result)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from counter_app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    MAX_ID,
    NAME,
    REASON,
    CommandError,
    add_secret_option,
    app_from,
    authenticate_manager,
    bounded_int,
    local_iso,
    local_time,
)
from counter_app.config import Settings


def register(sub: Any) -> None:
    sync = sub.add_parser("sync", help="send returns to head office and fetch its updates")
    sync.add_argument(
        "--attempts", type=bounded_int(1, 100), default=5, help="tries when head office is down"
    )
    sync.set_defaults(func=cmd_sync)
    actions = sync.add_subparsers(metavar="ACTION")
    status = actions.add_parser("status", help="messages waiting, last success, problems")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_sync_status)
    problems = actions.add_parser("exceptions", help="messages head office rejected")
    problems.set_defaults(func=cmd_sync_exceptions)
    resolve = actions.add_parser("resolve", help="a manager resolves a rejected message")
    resolve.add_argument("id", type=bounded_int(1, MAX_ID))
    resolve.add_argument("--manager", required=True, type=NAME)
    add_secret_option(resolve, "--pin", "the manager's")
    resolve.add_argument("--note", required=True, type=REASON)
    resolve.set_defaults(func=cmd_sync_resolve)


def make_client(settings: Settings) -> Any:
    from counter_app.adapters.central_client import HttpCentralClient

    if not settings.central_url or not settings.central_key:
        raise CommandError(
            "head office is not configured: set central_url and central_key in "
            f"{settings.config_file}"
        )
    try:
        return HttpCentralClient(
            settings.central_url,
            settings.store_code,
            settings.central_key,
            ca_file=settings.central_ca_file or None,
        )
    except ValueError as exc:  # plain http:// to another machine
        raise CommandError(str(exc)) from None


def cmd_sync(args: argparse.Namespace) -> int:
    from counter_app.services.sync import run_sync

    app = app_from(args)
    with make_client(app.settings) as client:
        report = run_sync(app.engine, client, app.clock, app.policies, attempts=args.attempts)
    if not report.ok:
        print(f"counter-app: sync failed: {report.error}", file=sys.stderr)
        return EXIT_ERROR
    pulled = ", ".join(f"{k} {v}" for k, v in report.pulled.items())
    print(
        f"sync done: sent {report.pushed} (already there {report.duplicates}), "
        f"rejected {report.rejected}; received {pulled}"
    )
    if report.policy_warning:
        print(f"warning: {report.policy_warning}", file=sys.stderr)
    return EXIT_OK


def cmd_sync_status(args: argparse.Namespace) -> int:
    from counter_app.services.sync import sync_status

    app = app_from(args)
    zone = app.policies.current.timezone
    status = sync_status(app.engine)
    if args.json:
        print(
            json.dumps(
                {
                    "waiting": status.waiting,
                    "last_success": local_iso(status.last_success, zone),
                    "last_error": status.last_error,
                    "open_exceptions": status.open_exceptions,
                }
            )
        )
    else:
        last = f"{local_time(status.last_success, zone)} {zone}" if status.last_success else "never"
        print(
            f"{status.waiting} message(s) waiting; last successful sync: {last}; "
            f"{status.open_exceptions} problem(s) to resolve"
        )
        if status.last_error:
            print(f"last error: {status.last_error}")
    return EXIT_OK


def cmd_sync_exceptions(args: argparse.Namespace) -> int:
    from counter_app.services.sync import list_exceptions

    app = app_from(args)
    zone = app.policies.current.timezone
    for problem in list_exceptions(app.engine):
        print(
            f"{problem.id:>4}  {local_time(problem.created_at, zone)}  {problem.kind:<18} "
            f"{problem.reason}"
        )
    return EXIT_OK


def cmd_sync_resolve(args: argparse.Namespace) -> int:
    from counter_app.services.sync import resolve_exception

    app = app_from(args)
    manager = authenticate_manager(app, args.manager, args.pin)
    resolve_exception(
        app.engine,
        app.clock,
        args.id,
        manager.user.username,
        args.note,
        store_code=app.settings.store_code,
    )
    print(f"problem {args.id} resolved")
    return EXIT_OK
