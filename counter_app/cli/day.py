"""`counter-app day show|close|report`: end of day, the manager's close and the Z-report.

counter-app day close --manager maria --pin - --print
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    NAME,
    add_secret_option,
    app_from,
    authenticate_manager,
    bounded_text,
)
from counter_app.cli.reports import day_arg, store_zone
from counter_app.domain.money import Money

_DAY = bounded_text(10)  # YYYY-MM-DD, checked by reports.parse_day


def register(sub: Any) -> None:
    # A group without an action does its most common one (never falls through to the GUI).
    day_parser = sub.add_parser("day", help="end of day: summary and Z-report")
    day_parser.set_defaults(func=cmd_day_show, date=None, json=False)
    day = day_parser.add_subparsers(metavar="ACTION")
    show = day.add_parser("show", help="the day so far (nothing is stored)")
    show.add_argument("--date", type=_DAY, help="local business day (default: today)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_day_show)
    close = day.add_parser("close", help="close the day (manager): store and print the Z-report")
    close.add_argument("--manager", required=True, type=NAME)
    add_secret_option(close, "--pin", "the manager's")
    close.add_argument("--date", type=_DAY, help="local business day (default: today)")
    close.add_argument("--print", dest="print_", action="store_true", help="print the Z-report")
    close.add_argument("--json", action="store_true")
    close.set_defaults(func=cmd_day_close)
    zr = day.add_parser("report", help="a closed day's Z-report as text (or print it again)")
    zr.add_argument("--date", type=_DAY, help="local business day (default: today)")
    zr.add_argument("--print", dest="print_", action="store_true")
    zr.set_defaults(func=cmd_day_report)


def _day_args(app: Any) -> dict[str, Any]:
    return {
        "store_code": app.settings.store_code,
        "counter_code": app.settings.counter_code,
        "timezone": store_zone(app),
        "currency": app.policies.current.currency,
    }


def _print_summary(summary: Any) -> None:
    money = summary.currency
    print(
        f"Day {summary.business_date} — store {summary.store_code}, counter {summary.counter_code}"
    )
    print(f"  returns: {summary.returns_count} ({summary.units} unit(s))")
    print(f"  refunds: {Money(summary.refund_total_minor, money)}")
    for tender, minor in summary.refunds_by_tender.items():
        print(f"    {tender:<13} {Money(minor, money)}")
    print(f"  cash paid out: {Money(summary.cash_paid_out_minor, money)}")
    print(f"  cash taken in (exchanges): {Money(summary.cash_taken_in_minor, money)}")
    print(f"  overrides: {len(summary.overrides)}")
    for o in summary.overrides:
        print(f"    {o.ref} {o.sku}: {o.manager_name} — {o.reason}")
    print(f"  messages waiting to sync: {summary.messages_waiting}")
    print(
        f"  print jobs failed / waiting: {summary.print_jobs_failed} / {summary.print_jobs_pending}"
    )
    print(
        f"  customer e-mails failed / waiting: {summary.notifications_failed} / "
        f"{summary.notifications_pending}"
    )
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_day_show(args: argparse.Namespace) -> int:
    from counter_app.services.day_close import day_summary

    app = app_from(args)
    summary = day_summary(app.engine, app.clock, business_date=day_arg(args.date), **_day_args(app))
    if args.json:
        print(summary.to_json())
    else:
        _print_summary(summary)
    return EXIT_OK


def _print_z(app: Any, subject: str, *, queued: bool = False) -> int:
    """Print the Z-report through the counter's print queue (so it is never lost when the
    printer is off: the job waits, `counter-app printer run` prints it later)."""
    from counter_app.adapters.db import repository as repo
    from counter_app.services.print_queue import PrintQueue
    from counter_app.services.unit_of_work import UnitOfWork

    if not queued:
        with UnitOfWork(app.engine, write=True) as uow:
            repo.add_print_job(
                uow.conn,
                kind="z_report",
                subject=subject,
                at=app.clock.now(),
                counter=app.settings.counter_code,
                copy="store",
            )
            uow.commit()
    queue = PrintQueue(app.engine, app.clock, app.settings, app.policies)
    results = [r for r in queue.run_pending() if r.kind == "z_report" and r.subject == subject]
    if not results or results[-1].status != "printed":
        reason = results[-1].reason if results else "the printer queue did not take it"
        print(f"counter-app: the Z-report waits in the print queue: {reason}", file=sys.stderr)
        return EXIT_ERROR
    print(f"Z-report {subject} printed")
    return EXIT_OK


def cmd_day_close(args: argparse.Namespace) -> int:
    from counter_app.services.day_close import close_day

    app = app_from(args)
    manager = authenticate_manager(app, args.manager, args.pin)
    closed = close_day(
        app.engine,
        app.clock,
        manager=manager.user,
        business_date=day_arg(args.date),
        queue_print=args.print_,
        **_day_args(app),
    )
    if args.json:
        print(closed.summary.to_json())
    else:
        _print_summary(closed.summary)
        print(f"closed by {closed.closed_by_name}: {closed.subject}")
    return _print_z(app, closed.subject, queued=True) if args.print_ else EXIT_OK


def cmd_day_report(args: argparse.Namespace) -> int:
    from counter_app.adapters.printing import render_text
    from counter_app.services.day_close import local_today, z_report_document, z_report_subject

    app = app_from(args)
    zone = store_zone(app)
    day = day_arg(args.date) or local_today(app.clock.now(), zone)
    subject = z_report_subject(app.settings.store_code, app.settings.counter_code, day)
    if args.print_:
        return _print_z(app, subject)
    print(render_text(z_report_document(app.engine, subject)))
    return EXIT_OK
