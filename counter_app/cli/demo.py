"""`counter-app demo`: a demo store with orders, products and staff (for trying the app)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from counter_app.cli.common import EXIT_OK, CommandError, app_from, bounded_int


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="create a demo store with orders, products and staff")
    demo.add_argument("--orders", type=bounded_int(1, 2_000_000), default=1200)
    demo.add_argument("--returns", type=bounded_int(0, 100_000), default=24)
    demo.add_argument("--seed", type=bounded_int(0, 2**31), default=7)
    demo.add_argument(
        "--if-missing", action="store_true", help="do nothing if the database already has a store"
    )
    demo.set_defaults(func=cmd_demo)


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
        desk = ReturnDesk(
            app.engine,
            clock,
            app.policies,
            store_code=app.settings.store_code,
            counter_code=app.settings.counter_code,
        )
        desk.id_secret = app.desk.id_secret  # receiptless demo: the store's ID-document secret
        return desk

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
    print("  (admin work signs in as the demo admin: --admin admin, PIN 000000)")
    for username, name, role, pin in result.staff:
        print(f"  {username:<8} {role:<8} {pin}   ({name})")
    return EXIT_OK
