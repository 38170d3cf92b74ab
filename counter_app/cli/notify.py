"""`counter-app notify run|list|retry`: customer e-mails (`notify run` is for cron)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    MAX_ID,
    CommandError,
    add_admin_options,
    app_from,
    bounded_int,
    local_time,
    sign_in_admin,
)


def register(sub: Any) -> None:
    notify_parser = sub.add_parser("notify", help="customer e-mails")
    notify_parser.set_defaults(func=cmd_notify_list, status=None)
    notify = notify_parser.add_subparsers(metavar="ACTION")
    nr = notify.add_parser("run", help="send every waiting e-mail once and exit (for cron)")
    nr.set_defaults(func=cmd_notify_run)
    nl = notify.add_parser("list", help="customer e-mails, newest first")
    nl.add_argument("--status", choices=["pending", "sent", "failed"])
    nl.set_defaults(func=cmd_notify_list)
    nt = notify.add_parser("retry", help="put a failed e-mail back in line (administrator)")
    nt.add_argument("id", type=bounded_int(1, MAX_ID))
    add_admin_options(nt)
    nt.set_defaults(func=cmd_notify_retry)


def cmd_notify_run(args: argparse.Namespace) -> int:
    from counter_app.services.notifications import notifier_from_settings

    app = app_from(args)
    notifier = notifier_from_settings(app.engine, app.clock, app.settings)
    if notifier is None:
        raise CommandError(f"e-mail is not configured: set smtp_url in {app.settings.config_file}")
    results = notifier.run_pending()
    sent = sum(1 for r in results if r.status == "sent")
    for r in results:
        if r.status != "sent":
            print(f"e-mail {r.id} ({r.ref}) is {r.status}: {r.error}", file=sys.stderr)
    print(f"{sent} of {len(results)} customer e-mail(s) sent")
    return EXIT_OK if sent == len(results) else EXIT_ERROR


def cmd_notify_list(args: argparse.Namespace) -> int:
    from counter_app.services.notifications import list_notifications

    app = app_from(args)
    zone = app.policies.current.timezone
    for n in list_notifications(app.engine, args.status):
        error = f"  {n.last_error}" if n.last_error else ""
        print(
            f"{n.id:>5}  {local_time(n.created_at, zone)}  {n.ref:<18} {n.status:<8} "
            f"{n.attempts:>2}  {n.recipient}{error}"
        )
    return EXIT_OK


def cmd_notify_retry(args: argparse.Namespace) -> int:
    from counter_app.services.notifications import retry_notification

    app = app_from(args)
    admin = sign_in_admin(app, args)
    retry_notification(app.engine, args.id, actor=admin.user.username, clock=app.clock)
    print(f"customer e-mail {args.id} will be sent again")
    return EXIT_OK
