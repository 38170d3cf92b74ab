"""`counter-app policy check|show`: validate a policy file, or name the one in force."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import EXIT_OK, app_from, bounded_path


def register(sub: Any) -> None:
    policy = sub.add_parser("policy", help="return policy").add_subparsers(
        metavar="ACTION", required=True
    )
    pc = policy.add_parser("check", help="check a policy file before publishing it")
    pc.add_argument("file", type=bounded_path)
    pc.set_defaults(func=cmd_policy_check)
    ps = policy.add_parser("show", help="which policy is in force")
    ps.set_defaults(func=cmd_policy_show)


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
