"""`counter-app stock ...`: returned stock by disposition, vendor returns, manager moves.

    counter-app stock move HOM-1 --from vendor --to open_box --qty 1 --reason "works" \\
        --manager maria --pin -
    counter-app stock label R-S001-C1-000042#1 --manager maria --pin -
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli.common import (
    EXIT_OK,
    FILE_OR_DASH,
    MANAGER_OR_ADMIN,
    NAME,
    REASON,
    add_secret_option,
    app_from,
    authenticate_manager,
    bounded_int,
    bounded_text,
    local_time,
    sign_in,
    write_csv,
)
from counter_app.domain.money import Money
from counter_app.domain.stock import LOCATIONS

LOCATION_CHOICES = list(LOCATIONS)


def register(sub: Any) -> None:
    stock_parser = sub.add_parser("stock", help="returned stock by disposition")
    stock_parser.set_defaults(func=cmd_stock_list, location=None, json=False)
    stock = stock_parser.add_subparsers(metavar="ACTION")
    sl = stock.add_parser("list", help="units on hand per SKU and place")
    sl.add_argument("--location", choices=LOCATION_CHOICES)
    sl.add_argument("--json", action="store_true")
    sl.set_defaults(func=cmd_stock_list)
    sr = stock.add_parser("received", help="what returns brought in, newest first")
    sr.add_argument("--location", choices=LOCATION_CHOICES)
    sr.add_argument("--limit", type=bounded_int(1, 10_000), default=100)
    sr.set_defaults(func=cmd_stock_received)
    sv = stock.add_parser("vendors", help="the return-to-vendor list")
    sv.add_argument("--vendor", type=bounded_text(200))
    sv.add_argument("--csv", type=FILE_OR_DASH, help="write CSV to this file ('-' for stdout)")
    sv.set_defaults(func=cmd_stock_vendors)
    sm = stock.add_parser("move", help="move units between dispositions (manager)")
    sm.add_argument("sku", type=NAME)
    sm.add_argument("--from", dest="source", required=True, choices=LOCATION_CHOICES)
    sm.add_argument("--to", dest="target", required=True, choices=LOCATION_CHOICES)
    sm.add_argument("--qty", type=bounded_int(1, 10_000), default=1)
    sm.add_argument("--reason", required=True, type=REASON)
    sm.add_argument("--manager", required=True, type=NAME)
    add_secret_option(sm, "--pin", "the manager's")
    sm.add_argument("--label", metavar="REF#LINE", type=NAME, help="queue the open-box shelf label")
    sm.set_defaults(func=cmd_stock_move)
    # A manager suffices: a label is shop-floor work that moves no money and shows no customer.
    lb = stock.add_parser("label", help="queue an open-box shelf label again (manager)")
    lb.add_argument("subject", metavar="REF#LINE", type=NAME)
    lb.add_argument("--manager", required=True, type=NAME, help="manager or administrator")
    add_secret_option(lb, "--pin", "the manager's")
    lb.set_defaults(func=cmd_stock_label)


def cmd_stock_list(args: argparse.Namespace) -> int:
    from counter_app.services.stock import stock_on_hand

    lines = stock_on_hand(app_from(args).engine, args.location)
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
        return EXIT_OK
    for s in lines:
        print(f"{s.location:<9} {s.sku:<16} {s.on_hand:>5}  {s.name}")
    if not lines:
        print("no returned stock on hand")
    return EXIT_OK


def cmd_stock_received(args: argparse.Namespace) -> int:
    from counter_app.services.stock import received_items

    app = app_from(args)
    zone = app.policies.current.timezone
    for item in received_items(app.engine, args.location, limit=args.limit):
        label = f"  label {item.label_subject}" if item.label_subject else ""
        print(
            f"{local_time(item.received_at, zone)}  {item.ref:<18} {item.location:<9} "
            f"{item.sku:<14} {item.quantity:>3}  {item.condition:<10} {item.name}{label}"
        )
    return EXIT_OK


def cmd_stock_vendors(args: argparse.Namespace) -> int:
    from counter_app.services.stock import vendor_csv, vendor_returns

    lines = vendor_returns(app_from(args).engine)
    if args.csv:
        write_csv(args.csv, vendor_csv(lines, args.vendor))
        return EXIT_OK
    for line in lines:
        if args.vendor is None or line.vendor == args.vendor:
            print(
                f"{line.vendor:<20} {line.sku:<14} {line.units:>4}  "
                f"{Money(line.value_minor, line.currency)}  {line.name}"
            )
    return EXIT_OK


def cmd_stock_move(args: argparse.Namespace) -> int:
    from counter_app.services.stock import move_stock

    app = app_from(args)
    manager = authenticate_manager(app, args.manager, args.pin)  # move_stock checks the role
    move = move_stock(
        app.engine,
        app.clock,
        manager=manager.user,
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
    return EXIT_OK


def cmd_stock_label(args: argparse.Namespace) -> int:
    from counter_app.services.stock import reprint_label

    app = app_from(args)
    manager = sign_in(app, args.manager, args.pin, MANAGER_OR_ADMIN)
    job = reprint_label(
        app.engine,
        app.clock,
        subject=args.subject,
        counter_code=app.settings.counter_code,
        actor=manager.user.username,
    )
    print(f"shelf label queued (print job {job})")
    return EXIT_OK
