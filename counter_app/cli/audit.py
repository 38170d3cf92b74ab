"""`counter-app audit verify`: check the audit trail's hash chain (exit 1 when broken)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import EXIT_ERROR, EXIT_OK, app_from


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="audit trail").add_subparsers(
        metavar="ACTION", required=True
    )
    av = audit.add_parser("verify", help="check the audit trail's hash chain")
    av.set_defaults(func=cmd_audit_verify)


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
