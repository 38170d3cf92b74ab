"""`counter-app returns ...`: list and show returns, and run a whole return from the shell."""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli import returns_receiptless as receiptless
from counter_app.cli.common import (
    EXIT_OK,
    NAME,
    REASON,
    CommandError,
    ManagerSignIn,
    add_secret_option,
    app_from,
    approval_code,
    authenticate_manager,
    bounded_int,
    bounded_text,
    card_brand,
    card_last4,
    local_iso,
    local_time,
    read_secret,
    split_spec,
    whole_number,
)


def register(sub: Any) -> None:
    returns = sub.add_parser("returns", help="returns").add_subparsers(
        metavar="ACTION", required=True
    )
    rl = returns.add_parser("list", help="list returns, newest first")
    rl.add_argument("--json", action="store_true")
    rl.add_argument("--search", type=bounded_text(100), help="part of a reference or order number")
    rl.add_argument("--cashier", type=NAME)
    rl.add_argument("--limit", type=bounded_int(1, 10_000), default=50)
    rl.set_defaults(func=cmd_returns_list)
    rs = returns.add_parser("show", help="show one return")
    rs.add_argument("ref", type=NAME)
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_returns_show)
    rc = returns.add_parser("create", help="run a whole return from the command line")
    rc.add_argument(
        "order", type=NAME, nargs="?",
        help="the order number or a gift receipt's code (not with --no-receipt)",
    )
    rc.add_argument("--cashier", required=True, type=NAME)
    add_secret_option(rc, "--pin", "the cashier's")
    rc.add_argument(
        "--line",
        action="append",
        default=[],
        type=bounded_text(200),
        metavar="LINE:QTY:REASON:CONDITION",
        help="a line to return, e.g. 1:1:wrong_size:new (repeatable)",
    )
    rc.add_argument(
        "--serial", action="append", default=[], type=bounded_text(200), metavar="LINE:SERIAL"
    )
    rc.add_argument(
        "--tender", default="original", choices=["original", "cash", "store_credit", "exchange"]
    )
    rc.add_argument(
        "--take",
        action="append",
        default=[],
        type=bounded_text(80),
        metavar="BARCODE[:QTY]",
        help="an item the customer takes instead (an exchange; repeatable)",
    )
    rc.add_argument(
        "--balance", choices=["cash", "card"], help="how the customer paid a balance owed"
    )
    rc.add_argument("--card-brand", type=card_brand, help="card balance: the card's brand")
    rc.add_argument("--card-last4", type=card_last4, help="card balance: last 4 digits only")
    rc.add_argument(
        "--approval-code", type=approval_code, help="card balance: the terminal's approval code"
    )
    rc.add_argument("--manager", type=NAME, help="manager user name, for lines that need approval")
    add_secret_option(rc, "--manager-pin", "the manager's (the line after the cashier's)")
    rc.add_argument("--override-reason", default="manager_discretion", type=REASON)
    rc.add_argument("--json", action="store_true")
    receiptless.add_options(rc)
    rc.set_defaults(func=cmd_returns_create)


def cmd_returns_list(args: argparse.Namespace) -> int:
    from counter_app.services.exchange_history import exchanges_of
    from counter_app.services.history import list_returns

    app = app_from(args)
    rows = list_returns(app.engine, text=args.search, cashier=args.cashier, limit=args.limit)
    zone = app.policies.current.timezone  # the store's zone (bootstrap put it on the policy)
    exchanges = exchanges_of(app.engine, [row.ref for row in rows]) if args.json else {}
    for row in rows:
        ex = exchanges.get(row.ref)
        if args.json:
            print(
                json.dumps(
                    {
                        "ref": row.ref,
                        "kind": row.kind,
                        "created_at": local_iso(row.created_at, zone),
                        "order_number": row.order_number,
                        "cashier": row.cashier,
                        "total_minor": row.total.minor,
                        "currency": row.total.currency,
                        "tender": row.tender,
                        "exchange": ex.items_json() if ex else [],
                        "balance_minor": ex.balance.minor if ex else 0,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(
                f"{row.ref:<22} {local_time(row.created_at, zone)}  "
                f"{row.order_number or '-':<10} "
                f"{row.cashier:<10} {row.total!s:>14}  {row.tender}"
            )
    return EXIT_OK


def cmd_returns_show(args: argparse.Namespace) -> int:
    from counter_app.domain.auth_code import display_code
    from counter_app.services.exchange_history import exchanges_of
    from counter_app.services.history import get_return

    app = app_from(args)
    view = get_return(app.engine, args.ref)
    ex = exchanges_of(app.engine, [view.ref]).get(view.ref)
    zone = app.policies.current.timezone  # the store's zone (bootstrap put it on the policy)
    if args.json:
        data = view.as_json() | {"created_at": local_iso(view.created_at, zone)}
        data["exchange"] = ex.items_json() if ex else []
        data["balance_minor"] = ex.balance.minor if ex else 0
        data["exchange_order"] = ex.number if ex else None
        print(json.dumps(data, ensure_ascii=False))
        return EXIT_OK
    print(
        f"Return {view.ref}  {local_time(view.created_at, zone)} {zone}"
        f"  counter {view.counter_code}"
        f"  cashier {view.cashier_name}"
    )
    source = "No receipt" if view.kind == "receiptless" else f"Order {view.order_number}"
    print(f"{source}   customer {view.customer_name or '-'}")
    if view.authorization_code:
        print(f"Return code {display_code(view.authorization_code)} (started online)")
    for ln in view.lines:
        fee = f" (fee {ln.fee})" if ln.fee else ""
        print(
            f"  {ln.line_no}. {ln.name} [{ln.sku}] x{ln.quantity}  {ln.condition}, "
            f"{ln.reason_code}  -> {ln.refund}{fee}  {ln.disposition}"
        )
    for o in view.overrides:
        print(f"  override on line {o.line_no} by {o.manager_name}: {o.reason}")
    for r in view.refunds:
        card = f" {r.card_brand} •••• {r.card_last4}" if r.card_last4 else ""
        print(f"  refund {r.tender}{card}: {r.amount} ({r.status})")
    if view.store_credit_code:
        print(f"  store credit {view.store_credit_code}: {view.store_credit_amount}")
    print(f"Total refund {view.total} via {view.tender}")
    if ex is not None:
        print(f"Exchange sale {ex.number}: {ex.total}, balance {ex.balance}")
        for item in ex.items:
            print(f"  out: {item.name} [{item.sku}] x{item.quantity} at {item.unit_price}")
    return EXIT_OK


def cmd_returns_create(args: argparse.Namespace) -> int:
    from counter_app.services import auth
    from counter_app.services.gift import open_return

    receiptless.check_options(args)
    if args.no_receipt:
        return receiptless.cmd_receiptless_create(args, _approve_lines)
    app = app_from(args)
    desk = app.desk
    cashier = auth.authenticate(app.engine, app.clock, args.cashier, read_secret(args.pin, "PIN: "))
    draft = open_return(desk, args.order, cashier)  # an order number or a gift code
    _inspect_lines(desk, draft, args.line, args.serial)
    _approve_lines(app, draft, args)
    for spec in args.take:
        barcode, _, qty = spec.partition(":")
        desk.add_replacement(draft, barcode, whole_number(qty, "quantity") if qty else 1)
    committed = desk.commit_return(draft, args.tender, _balance(args))
    ex = committed.exchange
    if args.json:
        print(
            json.dumps(
                {
                    "ref": committed.ref,
                    "total_minor": committed.total.minor,
                    "currency": committed.total.currency,
                    "tender": committed.tender,
                    "store_credit": committed.store_credit_code,
                    "exchange_order": committed.exchange_number,
                    "outcome": ex.kind if ex else None,
                    "balance_minor": ex.balance.minor if ex else 0,
                }
            )
        )
    else:
        print(f"return {committed.ref} committed: {committed.total} via {committed.tender}")
        if ex is not None:
            print(f"exchange sale {committed.exchange_number}: {_outcome_text(ex)}")
    return EXIT_OK


def _balance(args: argparse.Namespace) -> Any:
    """How the customer paid a balance owed (--balance cash | card with its details)."""
    from counter_app.domain.exchange import BalancePayment

    card = (args.card_brand, args.card_last4, args.approval_code)
    if args.balance == "card":
        if not all(card):
            raise CommandError(
                "--balance card needs --card-brand, --card-last4 and --approval-code"
            )
        return BalancePayment.card(args.card_brand, args.card_last4, args.approval_code)
    if any(card):
        raise CommandError("card details are only for --balance card")
    return BalancePayment.cash() if args.balance == "cash" else None


def _outcome_text(ex: Any) -> str:
    if ex.kind == "balance_owed":
        return f"the customer paid {ex.balance_owed}"
    if ex.kind == "refundable":
        return f"{ex.refundable} refunded"
    return "even"


def _inspect_lines(desk: Any, draft: Any, specs: list[str], serial_specs: list[str]) -> None:
    """Pick each LINE:QTY:REASON:CONDITION, with its serial number when one was given."""
    serials = dict(split_spec(s, 2, "LINE:SERIAL") for s in serial_specs)
    for spec in specs:
        line_s, qty_s, reason, condition = split_spec(spec, 4, "LINE:QTY:REASON:CONDITION")
        line_no, qty = whole_number(line_s, "line"), whole_number(qty_s, "quantity")
        desk.select_line(draft, line_no, qty)
        if line_s in serials:
            desk.set_serial(draft, line_no, serials[line_s])
        desk.record_inspection(draft, line_no, reason_code=reason, condition=condition)


def _approve_lines(app: Any, draft: Any, args: argparse.Namespace) -> None:
    """Check the lines against the policy; the manager (signed in once) approves the rest."""
    manager: ManagerSignIn | None = None
    for line_no, decision in app.desk.evaluate(draft).items():
        if decision.outcome not in ("refer", "deny"):
            continue
        reasons = "; ".join(r.message for r in decision.reasons)
        if not decision.overridable:
            raise CommandError(f"line {line_no} cannot be returned: {reasons}")
        if not args.manager:
            raise CommandError(f"line {line_no} needs a manager (--manager): {reasons}")
        if manager is None:
            manager = authenticate_manager(
                app, args.manager, args.manager_pin, prompt="manager PIN: ", option="--manager-pin"
            )
        app.desk.authorize_override(
            draft,
            line_no,
            manager_username=args.manager,
            pin=manager.pin,
            reason=args.override_reason,
        )
