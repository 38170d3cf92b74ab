"""`counter-app returns create --no-receipt`: a return without a receipt from the shell.

The customer is named by phone or e-mail (`--customer`); `--id-document -` reads their ID
document number from standard input (never from the command line; only its keyed hash is
stored). Each `--item BARCODE:REASON:CONDITION` is one unit. The refund is store credit at
the lowest price of the policy's last N days. Secrets are read in the order: the cashier's
PIN, the ID document number, the manager's PIN.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from counter_app.cli.common import (
    EXIT_OK,
    CommandError,
    app_from,
    bounded_text,
    read_secret,
    secret_source,
    split_spec,
)


def add_options(rc: argparse.ArgumentParser) -> None:
    """The options of `returns create` for a return without a receipt."""
    rc.add_argument(
        "--no-receipt",
        action="store_true",
        help="the customer has no receipt: name them with --customer and scan --item",
    )
    rc.add_argument(
        "--customer",
        type=bounded_text(254),
        metavar="PHONE_OR_EMAIL",
        help="with --no-receipt: the customer's phone number or e-mail (required)",
    )
    rc.add_argument(
        "--id-document",
        type=secret_source("--id-document"),
        metavar="-",
        help="'-' reads the customer's ID document number from standard input (after the "
        "cashier's PIN); only its keyed hash is stored",
    )
    rc.add_argument(
        "--item",
        action="append",
        default=[],
        type=bounded_text(200),
        metavar="BARCODE:REASON:CONDITION",
        help="with --no-receipt: one unit to return, e.g. 2000000000015:changed_mind:new "
        "(repeatable)",
    )


def check_options(args: argparse.Namespace) -> None:
    """One shape or the other: ORDER with --line, or --no-receipt with --customer and --item."""
    if args.no_receipt:
        if args.order or args.line or args.serial:
            raise CommandError("--no-receipt takes no ORDER, --line or --serial; use --item")
        if not args.customer or not args.item:
            raise CommandError("--no-receipt needs --customer PHONE_OR_EMAIL and an --item")
        if args.tender not in ("original", "store_credit"):
            raise CommandError("a return without a receipt is refunded in store credit only")
        return
    if args.customer or args.item or args.id_document:
        raise CommandError("--customer, --item and --id-document go with --no-receipt")
    if not args.order or not args.line:
        raise CommandError("give the ORDER and at least one --line (or --no-receipt)")


def cmd_receiptless_create(
    args: argparse.Namespace, approve: Callable[[Any, Any, argparse.Namespace], None]
) -> int:
    """Identify the customer, scan the items, let a manager approve what needs it, commit."""
    from counter_app.services import auth
    from counter_app.services.receiptless import ReceiptlessCustomer

    items = [split_spec(spec, 3, "BARCODE:REASON:CONDITION") for spec in args.item]
    app = app_from(args)
    desk = app.desk
    cashier = auth.authenticate(app.engine, app.clock, args.cashier, read_secret(args.pin, "PIN: "))
    document = None
    if args.id_document is not None:
        document = read_secret(args.id_document, "ID document: ", option="--id-document")
    draft = desk.start_receiptless(ReceiptlessCustomer(args.customer, document), cashier)
    for barcode, reason, condition in items:
        desk.add_receiptless_item(draft, barcode, reason_code=reason, condition=condition)
    approve(app, draft, args)
    committed = desk.commit_return(draft, "store_credit")
    if args.json:
        print(
            json.dumps(
                {
                    "ref": committed.ref,
                    "kind": "receiptless",
                    "total_minor": committed.total.minor,
                    "currency": committed.total.currency,
                    "tender": committed.tender,
                    "store_credit": committed.store_credit_code,
                }
            )
        )
    else:
        print(
            f"return {committed.ref} committed without receipt: {committed.total} in store "
            f"credit {committed.store_credit_code or ''}".rstrip()
        )
    return EXIT_OK
