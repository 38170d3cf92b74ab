"""`counter-app orders show|import`: an order with what each line sold and has had returned,
and loading orders from a POS export (JSON lines of the orders pull format)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from counter_app.cli.common import EXIT_OK, NAME, app_from, bounded_path, local_iso, local_time
from counter_app.domain.model import User

if TYPE_CHECKING:
    from counter_app.domain.model import Order, OrderLine
    from counter_app.domain.policy_model import Decision


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


# The counter's badge for each outcome (ui/counter/lines_model.py badge_for), in words.
VERDICTS = {
    "approve": "returnable",
    "approve_with_fee": "returnable with a fee",
    "refer": "needs a manager",
    "deny": "not returnable",
}
NOBODY = User(0, "cli", "command line", "cashier")  # eligibility does not depend on who asks


def cmd_orders_show(args: argparse.Namespace) -> int:
    """The order and, per line, the decision the counter shows before inspection (one unit,
    unopened, the customer changed their mind): `ReturnDesk.eligibility`."""
    app = app_from(args)
    order = app.desk.find_order(args.code)
    decisions = app.desk.eligibility(app.desk.start_return(order, NOBODY))
    zone = app.policies.current.timezone
    if args.json:
        print(json.dumps(_order_json(order, decisions, zone), ensure_ascii=False))
        return EXIT_OK
    print(
        f"Order {order.number}  {local_time(order.placed_at, zone)} {zone}  {order.channel}  "
        f"customer {order.customer.name if order.customer else '-'}"
    )
    for ln in order.lines:
        print(
            f"  {ln.line_no}. {ln.name} [{ln.sku}] sold {ln.quantity} returned "
            f"{ln.returned_quantity}  paid {ln.paid}  -> {_verdict(ln, decisions)}"
        )
        decision = decisions.get(ln.line_no)
        for reason in decision.reasons if decision else ():
            print(f"       {reason.code}: {reason.message}")
    print("  paid with: " + ", ".join(f"{p.label()} {p.amount}" for p in order.payments))
    return EXIT_OK


def _verdict(line: OrderLine, decisions: Mapping[int, Decision]) -> str:
    decision = decisions.get(line.line_no)
    if line.returnable_quantity <= 0 or decision is None:
        return "already returned"
    verdict = VERDICTS.get(decision.outcome, decision.outcome)
    if decision.outcome == "deny" and decision.overridable:
        verdict += " (a manager may override)"
    if decision.outcome in ("approve", "approve_with_fee", "refer"):
        verdict += f", refund {decision.refund} per unit"
    return verdict


def _order_json(order: Order, decisions: Mapping[int, Decision], zone: str) -> dict[str, Any]:
    def eligibility(line: OrderLine) -> dict[str, Any] | None:
        d = decisions.get(line.line_no)
        if d is None:
            return None  # nothing left to return
        return {
            "outcome": d.outcome,
            "overridable": d.overridable,
            "refund_minor": d.refund.minor,
            "fee_minor": d.fee.minor,
            "reasons": [{"code": r.code, "message": r.message} for r in d.reasons],
        }

    return {
        "number": order.number,
        "channel": order.channel,
        "placed_at": local_iso(order.placed_at, zone),
        "customer": order.customer.name if order.customer else None,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "returned": ln.returned_quantity,
                "paid_minor": ln.paid.minor,
                "eligibility": eligibility(ln),
            }
            for ln in order.lines
        ],
        "payments": [p.label() for p in order.payments],
    }
