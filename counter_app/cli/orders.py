"""`counter-app orders show`: an order with what each line sold and has had returned."""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli.common import EXIT_OK, NAME, app_from


def register(sub: Any) -> None:
    orders = sub.add_parser("orders", help="orders").add_subparsers(metavar="ACTION", required=True)
    os_ = orders.add_parser("show", help="show an order with each line's eligibility")
    os_.add_argument("code", type=NAME)
    os_.add_argument("--json", action="store_true")
    os_.set_defaults(func=cmd_orders_show)


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
        f"Order {order.number}  {order.placed_at:%Y-%m-%d}  {order.channel}  "
        f"customer {order.customer.name if order.customer else '-'}"
    )
    for ln in order.lines:
        print(
            f"  {ln.line_no}. {ln.name} [{ln.sku}] sold {ln.quantity} returned "
            f"{ln.returned_quantity}  paid {ln.paid}"
        )
    print("  paid with: " + ", ".join(f"{p.label()} {p.amount}" for p in order.payments))
    return EXIT_OK
