"""`counter-app audit verify`: check the audit trail's hash chain, that it knows every
return, refund, override, stock movement and day close, and (``--central``) that it is
the chain head office anchored. Exit 1 with one line per problem."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import EXIT_ERROR, EXIT_OK, app_from

# Problems printed one per line; the rest are counted.
SHOWN = 20


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="audit trail").add_subparsers(
        metavar="ACTION", required=True
    )
    av = audit.add_parser("verify", help="check the audit trail against the store's rows")
    av.add_argument(
        "--central", action="store_true", help="also compare with head office's anchored head"
    )
    av.set_defaults(func=cmd_audit_verify)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from counter_app.services.audit import compare_with_central, verify_audit_trail

    app = app_from(args)
    count, problems = verify_audit_trail(app.engine)
    unanchored = None
    if getattr(args, "central", False):
        from counter_app.cli.sync import make_client

        with make_client(app.settings) as client:
            anchored = client.audit_anchor()
        unanchored, central_problems = compare_with_central(app.engine, anchored)
        problems += central_problems
    if problems:
        for problem in problems[:SHOWN]:
            print(f"TAMPERED: {problem}")
        if len(problems) > SHOWN:
            print(f"TAMPERED: ... and {len(problems) - SHOWN} more problem(s)")
        print(
            f"audit trail FAILED verification ({len(problems)} problem(s), {count} entries)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"audit trail intact: {count} entries")
    if unanchored is not None:
        print(f"head office anchored it; {unanchored} newer entries not anchored yet")
    return EXIT_OK
