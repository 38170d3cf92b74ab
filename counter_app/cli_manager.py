"""Manager commands: ``report``, ``day``, ``stock`` and ``notify`` (for cron, or a shell).

    counter-app report by_reason --from 2026-11-01 --to 2026-11-30 --csv reasons.csv
    counter-app day close --manager maria --pin 9876 --print
    counter-app stock list --location vendor
    counter-app stock move HOM-1 --from vendor --to open_box --qty 1 --reason "works" \\
        --manager maria --pin 9876
    counter-app notify run
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.domain.money import Money

LOCATION_CHOICES = ["sellable", "open_box", "vendor", "scrap"]


def register(sub: Any) -> None:
    from counter_app.services.reports import REPORTS

    rep = sub.add_parser("report", help="manager reports (table on stdout, or CSV)")
    rep.add_argument("name", choices=[*REPORTS, "list"], help="which report ('list' names them)")
    rep.add_argument("--from", dest="first", help="first local day, YYYY-MM-DD")
    rep.add_argument("--to", dest="last", help="last local day, YYYY-MM-DD (default: today)")
    rep.add_argument("--days", type=int, default=30, help="without --from: the last N days")
    rep.add_argument("--csv", help="write CSV to this file ('-' for stdout)")
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(handler=cmd_report)

    # A group without an action does its most common one (never falls through to the GUI).
    day_parser = sub.add_parser("day", help="end of day: summary and Z-report")
    day_parser.set_defaults(handler=cmd_day_show, date=None, json=False)
    day = day_parser.add_subparsers(metavar="ACTION")
    show = day.add_parser("show", help="the day so far (nothing is stored)")
    show.add_argument("--date", help="local business day (default: today)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_day_show)
    close = day.add_parser("close", help="close the day (manager): store and print the Z-report")
    close.add_argument("--manager", required=True)
    close.add_argument("--pin", required=True, help="PIN ('-' reads it from stdin)")
    close.add_argument("--date", help="local business day (default: today)")
    close.add_argument("--print", dest="print_", action="store_true", help="print the Z-report")
    close.add_argument("--json", action="store_true")
    close.set_defaults(handler=cmd_day_close)
    zr = day.add_parser("report", help="a closed day's Z-report as text (or print it again)")
    zr.add_argument("--date", help="local business day (default: today)")
    zr.add_argument("--print", dest="print_", action="store_true")
    zr.set_defaults(handler=cmd_day_report)

    stock_parser = sub.add_parser("stock", help="returned stock by disposition")
    stock_parser.set_defaults(handler=cmd_stock_list, location=None, json=False)
    stock = stock_parser.add_subparsers(metavar="ACTION")
    sl = stock.add_parser("list", help="units on hand per SKU and place")
    sl.add_argument("--location", choices=LOCATION_CHOICES)
    sl.add_argument("--json", action="store_true")
    sl.set_defaults(handler=cmd_stock_list)
    sr = stock.add_parser("received", help="what returns brought in, newest first")
    sr.add_argument("--location", choices=LOCATION_CHOICES)
    sr.add_argument("--limit", type=int, default=100)
    sr.set_defaults(handler=cmd_stock_received)
    sv = stock.add_parser("vendors", help="the return-to-vendor list")
    sv.add_argument("--vendor")
    sv.add_argument("--csv", help="write CSV to this file ('-' for stdout)")
    sv.set_defaults(handler=cmd_stock_vendors)
    sm = stock.add_parser("move", help="move units between dispositions (manager)")
    sm.add_argument("sku")
    sm.add_argument("--from", dest="source", required=True, choices=LOCATION_CHOICES)
    sm.add_argument("--to", dest="target", required=True, choices=LOCATION_CHOICES)
    sm.add_argument("--qty", type=int, default=1)
    sm.add_argument("--reason", required=True)
    sm.add_argument("--manager", required=True)
    sm.add_argument("--pin", required=True, help="PIN ('-' reads it from stdin)")
    sm.add_argument("--label", metavar="REF#LINE", help="queue the open-box shelf label")
    sm.set_defaults(handler=cmd_stock_move)
    lb = stock.add_parser("label", help="queue an open-box shelf label again")
    lb.add_argument("subject", metavar="REF#LINE")
    lb.add_argument("--by", default="cli")
    lb.set_defaults(handler=cmd_stock_label)

    notify_parser = sub.add_parser("notify", help="customer e-mails")
    notify_parser.set_defaults(handler=cmd_notify_list, status=None)
    notify = notify_parser.add_subparsers(metavar="ACTION")
    nr = notify.add_parser("run", help="send every waiting e-mail once and exit (for cron)")
    nr.set_defaults(handler=cmd_notify_run)
    nl = notify.add_parser("list", help="customer e-mails, newest first")
    nl.add_argument("--status", choices=["pending", "sent", "failed"])
    nl.set_defaults(handler=cmd_notify_list)
    nt = notify.add_parser("retry", help="put a failed e-mail back in line")
    nt.add_argument("id", type=int)
    nt.set_defaults(handler=cmd_notify_retry)


# ------------------------------------------------------------------------------ helpers


def _app(args: argparse.Namespace) -> Any:
    from counter_app.cli import app_from

    return app_from(args)


def _error(text: str) -> Exception:
    from counter_app.cli import CommandError

    return CommandError(text)


def _zone(app: Any) -> str:
    from counter_app.services.day_close import store_zone

    return store_zone(app.engine, app.settings.store_code, app.policies.current.timezone)


def _day(text: str | None) -> date | None:
    from counter_app.services.reports import parse_day

    return parse_day(text) if text else None


def _pin(given: str) -> str:
    return sys.stdin.readline().strip() if given == "-" else given


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise _error(f"cannot write {target}: {exc.strerror or exc}") from exc


def _cell(kind: str, value: Any, currency: str) -> str:
    if value is None:
        return "-"
    if kind == "money":
        return str(Money(int(value), currency))
    if kind == "percent":
        return f"{float(value) * 100:.1f}%"
    if kind == "bool":
        return "yes" if value else ""
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


# ------------------------------------------------------------------------------ report


def cmd_report(args: argparse.Namespace) -> int:
    from counter_app.services.reports import REPORTS, Period, run_report, to_csv

    if args.name == "list":
        for definition in REPORTS.values():
            print(f"{definition.name:<22} {definition.title} — {definition.description}")
        return 0
    app = _app(args)
    zone = _zone(app)
    now = app.clock.now()
    last = _day(args.last) or Period.last_days(1, now, zone).last
    if args.first:
        period = Period(_day(args.first) or last, last, zone)
    else:
        if args.days < 1:
            raise _error("--days must be at least 1")
        period = Period(last.fromordinal(last.toordinal() - args.days + 1), last, zone)
    report = run_report(app.engine, args.name, period, app.policies.current, now)
    if args.csv:
        _write(args.csv, to_csv(report))
        if args.csv != "-":
            print(f"{report.title}: {len(report.rows)} row(s) written to {args.csv}")
        return 0
    if args.json:
        print(
            json.dumps(
                {
                    "report": report.name,
                    "from": period.first.isoformat(),
                    "to": period.last.isoformat(),
                    "currency": report.currency,
                    "rows": report.rows,
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"{report.title}, {period.first} to {period.last} ({zone})")
    cells = [[c.title for c in report.columns]] + [
        [_cell(c.kind, row.get(c.key), report.currency) for c in report.columns]
        for row in report.rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(report.columns))]
    for line in cells:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    for note in report.notes:
        print(f"note: {note}")
    return 0


# ------------------------------------------------------------------------------ day


def _day_args(app: Any) -> dict[str, Any]:
    return {
        "store_code": app.settings.store_code,
        "counter_code": app.settings.counter_code,
        "timezone": _zone(app),
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

    app = _app(args)
    summary = day_summary(app.engine, app.clock, business_date=_day(args.date), **_day_args(app))
    if args.json:
        print(summary.to_json())
    else:
        _print_summary(summary)
    return 0


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
        return 1
    print(f"Z-report {subject} printed")
    return 0


def cmd_day_close(args: argparse.Namespace) -> int:
    from counter_app.services import auth
    from counter_app.services.day_close import close_day

    app = _app(args)
    manager = auth.authenticate(app.engine, app.clock, args.manager, _pin(args.pin))
    closed = close_day(
        app.engine,
        app.clock,
        manager=manager,
        business_date=_day(args.date),
        queue_print=args.print_,
        **_day_args(app),
    )
    if args.json:
        print(closed.summary.to_json())
    else:
        _print_summary(closed.summary)
        print(f"closed by {closed.closed_by_name}: {closed.subject}")
    return _print_z(app, closed.subject, queued=True) if args.print_ else 0


def cmd_day_report(args: argparse.Namespace) -> int:
    from counter_app.adapters.printing import render_text
    from counter_app.services.day_close import local_today, z_report_document, z_report_subject

    app = _app(args)
    zone = _zone(app)
    day = _day(args.date) or local_today(app.clock.now(), zone)
    subject = z_report_subject(app.settings.store_code, app.settings.counter_code, day)
    if args.print_:
        return _print_z(app, subject)
    print(render_text(z_report_document(app.engine, subject)))
    return 0


# ------------------------------------------------------------------------------ stock


def cmd_stock_list(args: argparse.Namespace) -> int:
    from counter_app.services.stock import stock_on_hand

    lines = stock_on_hand(_app(args).engine, args.location)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "sku": s.sku,
                        "name": s.name,
                        "location": s.location,
                        "on_hand": s.on_hand,
                        "vendor": s.vendor,
                        "open_box_of": s.open_box_of,
                    }
                    for s in lines
                ],
                ensure_ascii=False,
            )
        )
        return 0
    for s in lines:
        print(f"{s.location:<9} {s.sku:<16} {s.on_hand:>5}  {s.name}")
    if not lines:
        print("no returned stock on hand")
    return 0


def cmd_stock_received(args: argparse.Namespace) -> int:
    from counter_app.services.stock import received_items

    for item in received_items(_app(args).engine, args.location, limit=max(1, args.limit)):
        label = f"  label {item.label_subject}" if item.label_subject else ""
        print(
            f"{item.received_at:%Y-%m-%d %H:%M}  {item.ref:<18} {item.location:<9} "
            f"{item.sku:<14} {item.quantity:>3}  {item.condition:<10} {item.name}{label}"
        )
    return 0


def cmd_stock_vendors(args: argparse.Namespace) -> int:
    from counter_app.services.stock import vendor_csv, vendor_returns

    lines = vendor_returns(_app(args).engine)
    if args.csv:
        _write(args.csv, vendor_csv(lines, args.vendor))
        return 0
    for line in lines:
        if args.vendor is None or line.vendor == args.vendor:
            print(
                f"{line.vendor:<20} {line.sku:<14} {line.units:>4}  "
                f"{Money(line.value_minor, line.currency)}  {line.name}"
            )
    return 0


def cmd_stock_move(args: argparse.Namespace) -> int:
    from counter_app.services import auth
    from counter_app.services.stock import move_stock

    app = _app(args)
    manager = auth.authenticate(app.engine, app.clock, args.manager, _pin(args.pin))
    move = move_stock(
        app.engine,
        app.clock,
        manager=manager,
        sku=args.sku,
        from_location=args.source,
        to_location=args.target,
        quantity=args.qty,
        reason=args.reason,
        store_code=app.settings.store_code,
        counter_code=app.settings.counter_code,
        label_subject=args.label,
    )
    print(
        f"moved {move.quantity} × {move.from_sku} from {move.from_location} to "
        f"{move.to_location}" + (f" as {move.to_sku}" if move.to_sku != move.from_sku else "")
    )
    return 0


def cmd_stock_label(args: argparse.Namespace) -> int:
    from counter_app.services.stock import reprint_label

    app = _app(args)
    job = reprint_label(
        app.engine,
        app.clock,
        subject=args.subject,
        counter_code=app.settings.counter_code,
        actor=args.by,
    )
    print(f"shelf label queued (print job {job})")
    return 0


# ------------------------------------------------------------------------------ notify


def cmd_notify_run(args: argparse.Namespace) -> int:
    from counter_app.services.notifications import notifier_from_settings

    app = _app(args)
    notifier = notifier_from_settings(app.engine, app.clock, app.settings)
    if notifier is None:
        raise _error(f"e-mail is not configured: set smtp_url in {app.settings.config_file}")
    results = notifier.run_pending()
    sent = sum(1 for r in results if r.status == "sent")
    for r in results:
        if r.status != "sent":
            print(f"e-mail {r.id} ({r.ref}) is {r.status}: {r.error}", file=sys.stderr)
    print(f"{sent} of {len(results)} customer e-mail(s) sent")
    return 0 if sent == len(results) else 1


def cmd_notify_list(args: argparse.Namespace) -> int:
    from counter_app.services.notifications import list_notifications

    for n in list_notifications(_app(args).engine, args.status):
        error = f"  {n.last_error}" if n.last_error else ""
        print(
            f"{n.id:>5}  {n.created_at:%Y-%m-%d %H:%M}  {n.ref:<18} {n.status:<8} "
            f"{n.attempts:>2}  {n.recipient}{error}"
        )
    return 0


def cmd_notify_retry(args: argparse.Namespace) -> int:
    from counter_app.services.notifications import retry_notification

    retry_notification(_app(args).engine, args.id)
    print(f"customer e-mail {args.id} will be sent again")
    return 0
