"""`counter-app central authorize / cancel-authorization / add-portal-key / revoke-portal-key`.

`authorize ORDER --line N:QTY:REASON ...` does what the returns portal does (same checks, same
code, QR and e-mail) for head-office staff taking a return by phone. Every bad input is one
line and exit code 2, checked before anything is written.
"""

from __future__ import annotations

import argparse
import base64
import getpass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from counter_app import sync_protocol as proto
from counter_app.central import cli_access as access


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def parse_line(text: str) -> proto.AuthorizationRequestLine:
    """`N:QTY:REASON`, e.g. `2:1:wrong_size`."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        raise ValueError(f"--line {text[:60]!r}: write LINE:QUANTITY:REASON, e.g. 2:1:wrong_size")
    return proto.AuthorizationRequestLine(
        line_no=int(parts[0]), quantity=int(parts[1]), reason=parts[2]
    )


def _request(args: argparse.Namespace) -> proto.AuthorizationRequest:
    try:
        return proto.AuthorizationRequest(
            order_number=args.order,
            lines=[parse_line(text) for text in args.line],
            refund=args.refund,
            email=args.email,
        )
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where or 'request'}: {first['msg']}") from None


def _writable(path: str | None) -> Path | None:
    if path is None:
        return None
    target = Path(path)
    if not target.parent.is_dir():
        raise ValueError(f"{path}: no such directory {target.parent}")
    return target


def cmd_authorize(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.auth_mail import send_authorization_email
    from counter_app.central.service import AuthorizationRefused, create_authorization
    from counter_app.central.service.tx import utcnow

    request = _request(args)
    png, svg = _writable(args.qr_png), _writable(args.qr_svg)
    smtp_url, sender = access.smtp_settings(args)
    link = access.public_url(args)
    try:
        created = create_authorization(engine, request, utcnow(), _who())
    except AuthorizationRefused as exc:
        raise ValueError(f"{exc.code}: {exc}") from None
    auth = created.authorization
    print(f"return code {created.display_code} for order {auth.order_number}")
    print(f"expires {auth.expires_at.isoformat(timespec='minutes')}")
    print(f"status page {created.status_path}")
    if png is not None:
        png.write_bytes(base64.b64decode(created.qr_png_base64))
        print(f"QR (PNG) written to {png}")
    if svg is not None:
        svg.write_text(created.qr_svg, encoding="utf-8")
        print(f"QR (SVG) written to {svg}")
    if request.email:
        if smtp_url is None:
            print("e-mail not sent: no mail server (--smtp or $CENTRAL_SMTP_URL)")
        elif send_authorization_email(engine, auth.code, smtp_url, sender, public_url=link):
            print("e-mail sent to the customer")
        else:
            print("e-mail not sent (see the log); give the customer the code above")
    return 0


def cmd_cancel_authorization(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.service import AuthorizationRefused, cancel_authorization
    from counter_app.central.service.tx import utcnow
    from counter_app.domain.auth_code import display_code

    try:
        done = cancel_authorization(engine, args.code, utcnow(), _who())
    except AuthorizationRefused as exc:
        raise ValueError(f"{exc.code}: {exc}") from None
    print(f"return code {display_code(done.code)} cancelled; its items are free again")
    return 0


def cmd_add_portal_key(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.service import add_portal_key
    from counter_app.central.service.tx import utcnow

    key = add_portal_key(engine, args.name, utcnow())
    print(f"portal key {args.name} added. Give the returns portal this key (shown only once);")
    print("it sends it as `Authorization: Bearer <key>` to POST /v1/return-authorizations:")
    print(key)
    return 0


def cmd_revoke_portal_key(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.service import revoke_portal_key
    from counter_app.central.service.tx import utcnow

    revoke_portal_key(engine, args.name, utcnow())
    print(f"portal key {args.name} revoked; `central add-portal-key {args.name}` issues a new one")
    return 0


def register_authorizations(add: Any) -> None:
    """Add the commands; `add(name, func, help)` gives --db, the engine and the guard."""
    auth = add("authorize", cmd_authorize, "authorize a return of an order (code, QR, e-mail)")
    auth.add_argument("order")
    auth.add_argument(
        "--line", action="append", required=True, metavar="N:QTY:REASON",
        help="an order line, the quantity and the customer's reason code (repeatable)",
    )  # fmt: skip
    auth.add_argument(
        "--refund", choices=("original", "store_credit", "exchange"), default="original"
    )
    auth.add_argument("--email", help="e-mail the code and QR to this address")
    auth.add_argument("--qr-png", help="write the QR code as PNG to this file")
    auth.add_argument("--qr-svg", help="write the QR code as SVG to this file")
    access.add_smtp_arguments(auth)
    cancel = add("cancel-authorization", cmd_cancel_authorization, "cancel a return code")
    cancel.add_argument("code", help="as printed (RA-XXXXX-XXXXX-C) or without hyphens")
    key = add("add-portal-key", cmd_add_portal_key, "make a returns-portal key, printed once")
    key.add_argument("name")
    revoke = add("revoke-portal-key", cmd_revoke_portal_key, "revoke a returns-portal key")
    revoke.add_argument("name")
