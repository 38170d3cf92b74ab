"""`counter-app orders show|import`: an order with what each line sold and has had returned,
and loading orders from a POS export (JSON lines of the orders pull format)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli.common import EXIT_OK, NAME, app_from, bounded_path
from counter_app.domain.zones import local_date


def register(sub: Any) -> None:
    orders = sub.add_parser("orders", help="orders").add_subparsers(metavar="ACTION", required=True)
    os_ = orders.add_parser("show", help="show an order with each line's eligibility")
    os_.add_argument("code", type=NAME)
    os_.add_argument("--json", action="store_true")
    os_.set_defaults(func=cmd_orders_show)
    oi = orders.add_parser(
        "import", help="load orders from a JSON-lines file (the orders pull format)"
    )
    oi.add_argument("file", type=bounded_path)
    oi.add_argument("--json", action="store_true")
    oi.set_defaults(func=cmd_orders_import)


def cmd_orders_import(args: argparse.Namespace) -> int:
    """All of the file or nothing; the same order again is a no-op, a changed one refused."""
    from counter_app.cli.catalog import run_import
    from counter_app.services.imports import import_orders

    return run_import(import_orders, args)


def cmd_orders_show(args: argparse.Namespace) -> int:
    app = app_from(args)
    order = app.desk.find_order(args.code)
    if args.json:
        print(
            json.dumps(
                {
                    "number": order.number,
                    "channel": order.channel,
                    "placed_at": order.placed_at.isoformat(),
                    "customer": order.customer.name if order.customer else None,
                    "lines": [
                        {
                            "line_no": ln.line_no,
                            "sku": ln.sku,
                            "name": ln.name,
                            "quantity": ln.quantity,
                            "returned": ln.returned_quantity,
                            "paid_minor": ln.paid.minor,
                        }
                        for ln in order.lines
                    ],
                    "payments": [p.label() for p in order.payments],
                },
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    print(
        f"Order {order.number}  {local_date(order.placed_at, app.policies.current.timezone)}  "
        f"{order.channel}  "
        f"customer {order.customer.name if order.customer else '-'}"
    )
    for ln in order.lines:
        print(
            f"  {ln.line_no}. {ln.name} [{ln.sku}] sold {ln.quantity} returned "
            f"{ln.returned_quantity}  paid {ln.paid}"
        )
    print("  paid with: " + ", ".join(f"{p.label()} {p.amount}" for p in order.payments))
    return EXIT_OK
