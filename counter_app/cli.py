"""`counter-app`: the GUI by default, and the command line of §9 for everything else.

Every command answers bad input with one line on stderr and a non-zero exit, and changes
nothing.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from counter_app.config import ConfigError, Settings, load_settings, masked_settings, save_settings

EXIT_OK, EXIT_ERROR = 0, 1


class CommandError(Exception):
    """A problem to report in one line; nothing was changed."""


def main(argv: Sequence[str] | None = None, gui: Callable[[Settings], int] | None = None) -> int:
    """Run a command; with none, start the window through `gui` (the ui package passes it,
    so the core itself never imports Qt)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.gui = gui
    try:
        # Command groups that live with their feature may set `func` instead of `handler`.
        handler: Callable[[argparse.Namespace], int] = getattr(args, "func", None) or args.handler
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"counter-app: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(exc: BaseException) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        return f"database error: {str(orig or exc).splitlines()[0]}"
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return message if len(message) <= 300 else message[:299] + "…"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="counter-app", description="Returns Counter")
    parser.add_argument("--db", help="database URL (default: config file or COUNTER_APP_DB)")
    parser.add_argument("--home", type=Path, help="data/config folder (or COUNTER_APP_HOME)")
    parser.set_defaults(handler=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    db = sub.add_parser("db", help="database maintenance").add_subparsers(metavar="ACTION")
    up = db.add_parser("upgrade", help="create or upgrade the database schema")
    up.set_defaults(handler=cmd_db_upgrade)

    demo = sub.add_parser("demo", help="create a demo store with orders, products and staff")
    demo.add_argument("--orders", type=_positive_int, default=1200)
    demo.add_argument("--returns", type=int, default=24)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--if-missing", action="store_true", help="do nothing if the database already has a store"
    )
    demo.set_defaults(handler=cmd_demo)

    users = sub.add_parser("users", help="staff accounts").add_subparsers(metavar="ACTION")
    add = users.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=["cashier", "manager", "admin"], default="cashier")
    add.add_argument("--pin", help="PIN (asked for when not given; '-' reads stdin)")
    add.set_defaults(handler=cmd_users_add)
    lst = users.add_parser("list", help="list users")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_users_list)
    setpin = users.add_parser("set-pin", help="set a user's PIN")
    setpin.add_argument("username")
    setpin.add_argument("--pin")
    setpin.set_defaults(handler=cmd_users_set_pin)
    disable = users.add_parser("disable", help="disable a user")
    disable.add_argument("username")
    disable.set_defaults(handler=cmd_users_disable)

    returns = sub.add_parser("returns", help="returns").add_subparsers(metavar="ACTION")
    rl = returns.add_parser("list", help="list returns, newest first")
    rl.add_argument("--json", action="store_true")
    rl.add_argument("--search", help="part of a reference or order number")
    rl.add_argument("--cashier")
    rl.add_argument("--limit", type=_positive_int, default=50)
    rl.set_defaults(handler=cmd_returns_list)
    rs = returns.add_parser("show", help="show one return")
    rs.add_argument("ref")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(handler=cmd_returns_show)
    rc = returns.add_parser("create", help="run a whole return from the command line")
    rc.add_argument("order")
    rc.add_argument("--cashier", required=True)
    rc.add_argument("--pin", required=True)
    rc.add_argument(
        "--line",
        action="append",
        required=True,
        metavar="LINE:QTY:REASON:CONDITION",
        help="a line to return, e.g. 1:1:wrong_size:new (repeatable)",
    )
    rc.add_argument("--serial", action="append", default=[], metavar="LINE:SERIAL")
    rc.add_argument(
        "--tender", default="original", choices=["original", "cash", "store_credit", "exchange"]
    )
    rc.add_argument("--manager", help="manager user name, for lines that need approval")
    rc.add_argument("--manager-pin")
    rc.add_argument("--override-reason", default="manager_discretion")
    rc.add_argument("--json", action="store_true")
    rc.set_defaults(handler=cmd_returns_create)

    orders = sub.add_parser("orders", help="orders").add_subparsers(metavar="ACTION")
    os_ = orders.add_parser("show", help="show an order with each line's eligibility")
    os_.add_argument("code")
    os_.add_argument("--json", action="store_true")
    os_.set_defaults(handler=cmd_orders_show)

    audit = sub.add_parser("audit", help="audit trail").add_subparsers(metavar="ACTION")
    av = audit.add_parser("verify", help="check the audit trail's hash chain")
    av.set_defaults(handler=cmd_audit_verify)

    config = sub.add_parser("config", help="this counter's settings").add_subparsers(
        metavar="ACTION"
    )
    cs = config.add_parser("show", help="the settings in force")
    cs.set_defaults(handler=cmd_config_show)
    cset = config.add_parser("set", help="change one setting in the config file")
    cset.add_argument("key")
    cset.add_argument("value")
    cset.set_defaults(handler=cmd_config_set)

    policy = sub.add_parser("policy", help="return policy").add_subparsers(metavar="ACTION")
    pc = policy.add_parser("check", help="check a policy file before publishing it")
    pc.add_argument("file", type=Path)
    pc.set_defaults(handler=cmd_policy_check)
    ps = policy.add_parser("show", help="which policy is in force")
    ps.set_defaults(handler=cmd_policy_show)

    scan = sub.add_parser("scan-image", help="decode barcodes in image files (JSON lines)")
    scan.add_argument("files", nargs="+")
    scan.set_defaults(handler=cmd_scan_image)

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    """Command groups that live with their feature (printing, sync, central)."""
    found: list[Callable[[Any], None]] = []
    for module in (
        "counter_app.cli_printing",
        "counter_app.cli_sync",
        "counter_app.cli_manager",
        "counter_app.central.cli",
    ):
        try:
            imported = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        found.append(imported.register)
    return found


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# ------------------------------------------------------------------ wiring


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(home=args.home, db_url=args.db)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc


def app_from(args: argparse.Namespace) -> Any:
    from counter_app.bootstrap import bootstrap

    return bootstrap(settings_from(args))


def _read_pin(given: str | None, prompt: str = "PIN: ") -> str:
    if given == "-":
        return sys.stdin.readline().strip()
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CommandError("give the PIN with --pin (or --pin - to read it from stdin)")
    return getpass.getpass(prompt)


# ------------------------------------------------------------------ commands


def cmd_gui(args: argparse.Namespace) -> int:
    if args.gui is None:
        raise CommandError("no window in this build: give a command (see --help)")
    code: int = args.gui(settings_from(args))
    return code


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from counter_app.adapters.db.engine import make_engine
    from counter_app.adapters.db.migrate import upgrade

    settings = settings_from(args)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    print(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from counter_app.services.demo import build_demo, has_store
    from counter_app.services.returns import ReturnDesk

    app = app_from(args)
    if has_store(app.engine):
        if args.if_missing:
            print("the demo store is already there")
            return EXIT_OK
        raise CommandError("this database already has a store; point --db at a new database")
    started = time.perf_counter()

    def desk_for(clock: Any) -> ReturnDesk:
        return ReturnDesk(
            app.engine,
            clock,
            app.policies,
            store_code=app.settings.store_code,
            counter_code=app.settings.counter_code,
        )

    result = build_demo(
        app.engine,
        app.clock,
        orders=args.orders,
        seed=args.seed,
        returns=args.returns,
        desk_factory=desk_for,
        progress=lambda msg: print(f"  {msg}", file=sys.stderr) if args.orders >= 100_000 else None,
    )
    seconds = time.perf_counter() - started
    print(
        f"demo store built in {seconds:.1f} s: {result.products} products, "
        f"{result.customers} customers, {result.orders} orders, {result.returns} returns"
    )
    print("staff (user / role / PIN) — shown once, change them for real use:")
    for username, name, role, pin in result.staff:
        print(f"  {username:<8} {role:<8} {pin}   ({name})")
    return EXIT_OK


def cmd_users_add(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    pin = _read_pin(args.pin)
    user = auth.add_user(
        app.engine, app.clock, args.username, args.name or args.username, args.role, pin
    )
    print(f"added {user.username} ({user.role})")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    for user in auth.list_users(app.engine):
        if args.json:
            print(
                json.dumps(
                    {
                        "username": user.username,
                        "name": user.display_name,
                        "role": user.role,
                        "active": user.active,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            state = "" if user.active else "  (disabled)"
            print(f"{user.username:<16} {user.role:<8} {user.display_name}{state}")
    return EXIT_OK


def cmd_users_set_pin(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    auth.set_pin(app.engine, app.clock, args.username, _read_pin(args.pin, "new PIN: "))
    print(f"PIN changed for {args.username}")
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    auth.disable_user(app.engine, app.clock, args.username)
    print(f"{args.username} is disabled")
    return EXIT_OK


def cmd_returns_list(args: argparse.Namespace) -> int:
    from counter_app.services.history import list_returns

    app = app_from(args)
    rows = list_returns(app.engine, text=args.search, cashier=args.cashier, limit=args.limit)
    for row in rows:
        if args.json:
            print(
                json.dumps(
                    {
                        "ref": row.ref,
                        "created_at": row.created_at.isoformat(),
                        "order_number": row.order_number,
                        "cashier": row.cashier,
                        "total_minor": row.total.minor,
                        "currency": row.total.currency,
                        "tender": row.tender,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(
                f"{row.ref:<22} {row.created_at:%Y-%m-%d %H:%M}  {row.order_number or '-':<10} "
                f"{row.cashier:<10} {row.total!s:>14}  {row.tender}"
            )
    return EXIT_OK


def cmd_returns_show(args: argparse.Namespace) -> int:
    from counter_app.services.history import get_return

    app = app_from(args)
    view = get_return(app.engine, args.ref)
    if args.json:
        print(json.dumps(view.as_json(), ensure_ascii=False))
        return EXIT_OK
    print(
        f"Return {view.ref}  {view.created_at:%Y-%m-%d %H:%M} UTC  counter {view.counter_code}"
        f"  cashier {view.cashier_name}"
    )
    print(f"Order {view.order_number}   customer {view.customer_name or '-'}")
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
    return EXIT_OK


def cmd_returns_create(args: argparse.Namespace) -> int:
    from counter_app.services import auth

    app = app_from(args)
    desk = app.desk
    cashier = auth.authenticate(app.engine, app.clock, args.cashier, args.pin)
    order = desk.find_order(args.order)
    draft = desk.start_return(order, cashier)
    serials = dict(_split(s, 2, "LINE:SERIAL") for s in args.serial)
    for spec in args.line:
        line_s, qty_s, reason, condition = _split(spec, 4, "LINE:QTY:REASON:CONDITION")
        line_no, qty = _int(line_s, "line"), _int(qty_s, "quantity")
        desk.select_line(draft, line_no, qty)
        if line_s in serials:
            desk.set_serial(draft, line_no, serials[line_s])
        desk.record_inspection(draft, line_no, reason_code=reason, condition=condition)
    decisions = desk.evaluate(draft)
    for line_no, decision in decisions.items():
        if decision.outcome in ("refer", "deny"):
            if not decision.overridable:
                reasons = "; ".join(r.message for r in decision.reasons)
                raise CommandError(f"line {line_no} cannot be returned: {reasons}")
            if not args.manager:
                reasons = "; ".join(r.message for r in decision.reasons)
                raise CommandError(f"line {line_no} needs a manager (--manager): {reasons}")
            desk.authorize_override(
                draft,
                line_no,
                manager_username=args.manager,
                pin=_read_pin(args.manager_pin, "manager PIN: "),
                reason=args.override_reason,
            )
    committed = desk.commit_return(draft, args.tender)
    if args.json:
        print(
            json.dumps(
                {
                    "ref": committed.ref,
                    "total_minor": committed.total.minor,
                    "currency": committed.total.currency,
                    "tender": committed.tender,
                    "store_credit": committed.store_credit_code,
                }
            )
        )
    else:
        print(f"return {committed.ref} committed: {committed.total} via {committed.tender}")
    return EXIT_OK


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


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from counter_app.services.audit import verify_audit_trail

    app = app_from(args)
    count, problems = verify_audit_trail(app.engine)
    if problems:
        for problem in problems:
            print(f"TAMPERED: {problem}")
        print(
            f"audit trail FAILED verification ({len(problems)} problem(s), {count} entries)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"audit trail intact: {count} entries")
    return EXIT_OK


_SECRET_SETTINGS = ("central_key", "voucher_secret")


def cmd_config_show(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    print(f"config file: {settings.config_file}")
    for f in fields(settings):
        value = masked_settings(settings)[f.name]
        if f.name in _SECRET_SETTINGS and value:
            value = "(set)"
        print(f"{f.name} = {value}")
    return EXIT_OK


def cmd_config_set(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    known = {f.name: f for f in fields(settings) if f.name != "home"}
    if args.key not in known:
        raise CommandError(f"unknown setting {args.key[:40]!r}; see `counter-app config show`")
    current = getattr(settings, args.key)
    value: Any = args.value
    if isinstance(current, bool):
        if args.value.lower() not in ("true", "false"):
            raise CommandError(f"{args.key} is true or false")
        value = args.value.lower() == "true"
    elif isinstance(current, int):
        value = _int(args.value, args.key)
    save_settings(settings, **{args.key: value})
    print(f"{args.key} saved in {settings.config_file}")
    return EXIT_OK


def cmd_policy_check(args: argparse.Namespace) -> int:
    from counter_app.domain.policy import load_policy_file

    policy = load_policy_file(args.file)
    print(
        f"{args.file.name}: valid policy {policy.version} ({len(policy.categories)} categories, "
        f"time zone {policy.timezone})"
    )
    return EXIT_OK


def cmd_policy_show(args: argparse.Namespace) -> int:
    app = app_from(args)
    policy = app.policies.current
    print(f"policy in force: {policy.version} from {policy.source}")
    if app.policy_warning:
        print(f"warning: {app.policy_warning}", file=sys.stderr)
    return EXIT_OK


def cmd_scan_image(args: argparse.Namespace) -> int:
    from counter_app.scan_image import scan_image_main

    return scan_image_main(list(args.files), sys.stdout)


def _split(spec: str, parts: int, shape: str) -> list[str]:
    pieces = spec.split(":")
    if len(pieces) != parts or not all(pieces):
        raise CommandError(f"expected {shape}, got {spec[:60]!r}")
    return pieces


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"the {what} must be a whole number, got {text[:20]!r}") from None


if __name__ == "__main__":
    sys.exit(main())
