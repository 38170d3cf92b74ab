"""`counter-app report NAME`: manager reports as a table on stdout, JSON or CSV (for cron).

counter-app report by_reason --from 2026-11-01 --to 2026-11-30 --csv reasons.csv
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from counter_app.cli.common import (
    EXIT_OK,
    FILE_OR_DASH,
    add_admin_options,
    app_from,
    bounded_int,
    bounded_text,
    sign_in_admin,
    write_csv,
)
from counter_app.domain.money import Money


def register(sub: Any) -> None:
    from counter_app.services.reports import REPORTS

    rep = sub.add_parser("report", help="manager reports (table on stdout, or CSV)")
    rep.add_argument("name", choices=[*REPORTS, "list"], help="which report ('list' names them)")
    day = bounded_text(10)
    rep.add_argument("--from", dest="first", type=day, help="first local day, YYYY-MM-DD")
    rep.add_argument(
        "--to", dest="last", type=day, help="last local day, YYYY-MM-DD (default: today)"
    )
    rep.add_argument(
        "--days", type=bounded_int(1, 3660), default=30, help="without --from: the last N days"
    )
    rep.add_argument("--csv", type=FILE_OR_DASH, help="write CSV to this file ('-' for stdout)")
    rep.add_argument("--json", action="store_true")
    add_admin_options(rep)  # for the reports that list customers (frequent_returners)
    rep.set_defaults(func=cmd_report)


def store_zone(app: Any) -> str:
    """The store's time zone: local days (reports, day close) are counted in it.

    bootstrap already settled it (setting, store row, policy) on the policy in force."""
    return str(app.policies.current.timezone)


def day_arg(text: str | None) -> date | None:
    """A YYYY-MM-DD option, or None when it was not given."""
    from counter_app.services.reports import parse_day

    return parse_day(text) if text else None


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


def cmd_report(args: argparse.Namespace) -> int:
    from counter_app.services.reports import REPORTS, Period, run_report, to_csv

    if args.name == "list":
        for definition in REPORTS.values():
            print(f"{definition.name:<22} {definition.title} — {definition.description}")
        return EXIT_OK
    app = app_from(args)
    if REPORTS[args.name].lists_customers:
        from counter_app.services.audit import record

        admin = sign_in_admin(app, args)
        record(
            app.engine,
            app.clock,
            actor=admin.user.username,
            action="report.viewed",
            subject=args.name,
            data={},
        )
    zone = store_zone(app)
    now = app.clock.now()
    last = day_arg(args.last) or Period.last_days(1, now, zone).last
    if args.first:
        period = Period(day_arg(args.first) or last, last, zone)
    else:
        period = Period(last.fromordinal(last.toordinal() - args.days + 1), last, zone)
    report = run_report(app.engine, args.name, period, app.policies.current, now)
    if args.csv:
        write_csv(args.csv, to_csv(report))
        if args.csv != "-":
            print(f"{report.title}: {len(report.rows)} row(s) written to {args.csv}")
        return EXIT_OK
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
        return EXIT_OK
    _print_table(report, f"{report.title}, {period.first} to {period.last} ({zone})")
    return EXIT_OK


def _print_table(report: Any, heading: str) -> None:
    print(heading)
    cells = [[c.title for c in report.columns]] + [
        [_cell(c.kind, row.get(c.key), report.currency) for c in report.columns]
        for row in report.rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(report.columns))]
    for line in cells:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    for note in report.notes:
        print(f"note: {note}")
