"""`counter-app credit show CODE`, and the gift receipt of `counter-app receipt ORDER --gift`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.cli.common import EXIT_ERROR, EXIT_OK, actor, app_from, bounded_text


def register(sub: Any) -> None:
    credit = sub.add_parser("credit", help="store credit: look up a voucher").add_subparsers(
        metavar="ACTION", required=True
    )
    show = credit.add_parser(
        "show", help="a voucher's value, what was spent, what is left, and if it is genuine"
    )
    show.add_argument("code", metavar="CODE", type=bounded_text(80))
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_credit_show)


def cmd_credit_show(args: argparse.Namespace) -> int:
    """Exit 1 when the check value is not genuine (do not accept the voucher)."""
    from counter_app.services.credit import credit_status

    app = app_from(args)
    try:
        st = credit_status(app.engine, app.settings, args.code)
    finally:
        app.close()
    money = {"value": st.value, "spent": st.spent, "left": st.left}
    if args.json:
        out: dict[str, Any] = {
            "code": st.looked_up,
            "genuine": st.genuine,
            "check": st.check_text,
            "store_credit": st.store_credit_code,
            "voucher_code": st.voucher_code,
            "return_ref": st.return_ref,
            "issued_at": st.issued_at.isoformat() if st.issued_at else None,
            "currency": None if st.value is None else st.value.currency,
        }
        out.update({f"{k}_minor": None if v is None else v.minor for k, v in money.items()})
        print(json.dumps(out, ensure_ascii=False))
    else:
        if st.store_credit_code:
            print(f"Store credit {st.store_credit_code} (return {st.return_ref})")
        if st.voucher_code:
            print(f"  voucher  {st.voucher_code}")
        for name, amount in money.items():
            if amount is not None:
                print(f"  {name:<8} {amount}")
        print(f"  check    {st.check_text}")
    return EXIT_ERROR if st.genuine is False else EXIT_OK


def gift_document(app: Any, order_number: str, language: str | None, by: str = "") -> Any:
    """The gift receipt Document of an order (codes made for it are stored and queued)."""
    from counter_app.services.gift_receipts import issue_gift_receipt

    receipt = issue_gift_receipt(
        app.engine,
        app.clock,
        order_number=order_number,
        store_code=app.settings.store_code,
        actor=actor(by),
        language=language or app.settings.language,
        timezone=app.settings.timezone or app.policies.current.timezone,
    )
    return receipt.document()
