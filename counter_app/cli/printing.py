"""`counter-app receipt` and `counter-app printer ...`: receipts, test page and the print queue."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from counter_app.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    FILE_OR_DASH,
    MAX_ID,
    NAME,
    CommandError,
    actor,
    app_from,
    bounded_float,
    bounded_int,
    bounded_text,
    local_iso,
    settings_from,
)

FORMATS = ("escpos", "png", "text")


def register(sub: Any) -> None:
    rc = sub.add_parser(
        "receipt", help="render a return's receipt (or an order's gift receipt) to a file"
    )
    rc.add_argument("ref", metavar="RETURN_REF|ORDER", type=NAME)
    rc.add_argument(
        "--gift", action="store_true", help="the gift receipt of order ORDER (no prices)"
    )
    rc.add_argument("--language", choices=["en", "zh_CN"], help="gift receipt language")
    rc.add_argument("--format", choices=FORMATS, default="text")
    rc.add_argument(
        "--out", default="-", type=FILE_OR_DASH, help="file to write, or '-' for stdout (default)"
    )
    rc.add_argument("--profile", type=NAME, help="printer profile (default: the configured one)")
    rc.add_argument("--copy", choices=["customer", "store"], default="customer")
    rc.set_defaults(func=cmd_receipt)

    printer = sub.add_parser("printer", help="receipt printer: test page and print queue")
    printer.set_defaults(func=cmd_printer_queue, status=None, json=False)
    actions = printer.add_subparsers(metavar="ACTION")
    test = actions.add_parser("test", help="print the test page")
    test.add_argument(
        "--url", type=bounded_text(2000), help="printer connection (default: the configured one)"
    )
    test.add_argument("--profile", type=NAME, help="printer profile (default: the configured one)")
    test.add_argument("--timeout", type=bounded_float(0.1, 120), default=5.0)
    test.set_defaults(func=cmd_printer_test)
    queue = actions.add_parser("queue", help="list print jobs, newest first")
    queue.add_argument("--status", choices=["pending", "printing", "printed", "failed"])
    queue.add_argument("--json", action="store_true")
    queue.set_defaults(func=cmd_printer_queue)
    retry = actions.add_parser("retry", help="put a waiting or failed job back in line now")
    retry.add_argument("id", type=bounded_int(1, MAX_ID))
    retry.add_argument("--by", default="", type=NAME, help="who asks (for the audit trail)")
    retry.set_defaults(func=cmd_printer_retry)
    reprint = actions.add_parser("reprint", help="print a return's receipt again")
    reprint.add_argument("ref", metavar="RETURN_REF", type=NAME)
    reprint.add_argument("--copy", choices=["customer", "store"], default="customer")
    reprint.add_argument("--by", default="", type=NAME, help="who asks (for the audit trail)")
    reprint.add_argument("--no-print", action="store_true", help="only queue it")
    reprint.set_defaults(func=cmd_printer_reprint)
    run = actions.add_parser("run", help="print every waiting job once and exit (for cron)")
    run.set_defaults(func=cmd_printer_run)


def _write(out: str, data: bytes, binary: bool) -> None:
    if out == "-":
        if binary and sys.stdout.isatty():
            raise CommandError("that format is binary: give --out FILE")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from exc


def cmd_receipt(args: argparse.Namespace) -> int:
    from counter_app.adapters.printing import render_escpos_bytes, render_png, render_text
    from counter_app.cli.credit import gift_document
    from counter_app.services.receipts import print_profile, receipt_document

    app = app_from(args)
    try:
        profile = print_profile(app.settings, args.profile)
        if args.gift:
            doc = gift_document(app, args.ref, args.language)
        else:
            policy = app.policies.current
            doc = receipt_document(app.engine, app.settings, policy, args.ref, args.copy)
    finally:
        app.close()
    if args.format == "escpos":
        _write(args.out, render_escpos_bytes(doc, profile), True)
    elif args.format == "png":
        _write(args.out, render_png(doc, profile), True)
    else:
        _write(args.out, (render_text(doc, profile) + "\n").encode("utf-8"), False)
    if args.out != "-":
        print(f"receipt {doc.title} written to {args.out} ({args.format})", file=sys.stderr)
    return EXIT_OK


def cmd_printer_test(args: argparse.Namespace) -> int:
    from counter_app.services.print_queue import send_document
    from counter_app.services.receipts import printer_test_page, profile_spec

    settings = settings_from(args)
    url = args.url or settings.printer_url
    page = printer_test_page(settings, url, args.profile)
    result = send_document(page, url, profile_spec(settings, args.profile), args.timeout)
    if not result.printed:
        raise CommandError(f"the test page did not print: {result.reason}")
    print(f"test page printed on {url.split('?')[0]}")
    return EXIT_OK


def _queue(args: argparse.Namespace) -> Any:
    from counter_app.services.print_queue import PrintQueue

    app = app_from(args)
    return app, PrintQueue(app.engine, app.clock, app.settings, app.policies)


def cmd_printer_queue(args: argparse.Namespace) -> int:
    app, queue = _queue(args)
    try:
        jobs = queue.list_jobs(args.status)
    finally:
        app.close()
    zone = app.policies.current.timezone
    for job in jobs:
        if args.json:
            print(
                json.dumps(
                    {
                        "id": job.id,
                        "kind": job.kind,
                        "subject": job.subject,
                        "copy": job.copy,
                        "status": job.status,
                        "attempts": job.attempts,
                        "last_error": job.last_error,
                        "created_at": local_iso(job.created_at, zone),
                        "printed_at": local_iso(job.printed_at, zone),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            reason = f"  {job.last_error}" if job.last_error and job.status != "printed" else ""
            print(
                f"{job.id:>6} {job.status:<8} {job.kind:<15} {job.subject:<26} {job.copy:<8} "
                f"tries {job.attempts}{reason}"
            )
    if not jobs and not args.json:
        print("no print jobs" + (f" with status {args.status}" if args.status else ""))
    return EXIT_OK


def cmd_printer_retry(args: argparse.Namespace) -> int:
    app, queue = _queue(args)
    try:
        job = queue.retry(args.id, actor(args.by))
    finally:
        app.close()
    print(f"print job {job.id} ({job.subject}) is back in line")
    return EXIT_OK


def cmd_printer_reprint(args: argparse.Namespace) -> int:
    app, queue = _queue(args)
    try:
        job_id = queue.reprint(args.ref, actor(args.by), args.copy)
        if args.no_print:
            print(f"reprint of {args.ref} queued as job {job_id}")
            return EXIT_OK
        results = [r for r in queue.run_pending() if r.job_id == job_id]
    finally:
        app.close()
    if results and results[0].printed:
        print(f"receipt {args.ref} reprinted (job {job_id})")
        return EXIT_OK
    reason = results[0].reason if results else "it is waiting in the queue"
    print(f"counter-app: reprint of {args.ref} queued as job {job_id}: {reason}", file=sys.stderr)
    return EXIT_ERROR


def cmd_printer_run(args: argparse.Namespace) -> int:
    app, queue = _queue(args)
    try:
        results = queue.run_pending()
    finally:
        app.close()
    printed = sum(1 for r in results if r.printed)
    waiting = [r for r in results if r.status == "pending"]
    failed = [r for r in results if r.status == "failed"]
    print(f"printed {printed}, still waiting {len(waiting)}, failed {len(failed)}")
    for r in waiting + failed:
        print(f"  job {r.job_id} {r.subject}: {r.reason}", file=sys.stderr)
    return EXIT_OK if not waiting and not failed else EXIT_ERROR
