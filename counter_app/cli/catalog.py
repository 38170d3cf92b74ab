"""`counter-app catalog import FILE`: load products from a file (JSON lines of CatalogItem)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from counter_app.cli.common import EXIT_ERROR, EXIT_OK, app_from, bounded_path


def register(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="the product catalog").add_subparsers(metavar="ACTION")
    ci = catalog.add_parser(
        "import", help="add or update products from a JSON-lines file (the catalog pull format)"
    )
    ci.add_argument("file", type=bounded_path)
    ci.add_argument("--json", action="store_true")
    ci.set_defaults(func=cmd_catalog_import)


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from counter_app.services.imports import import_catalog

    return run_import(import_catalog, args)


def run_import(action: Any, args: argparse.Namespace) -> int:
    """Run an import; a refused file prints every problem, one line each, and exits 1."""
    from counter_app.services.imports import ImportRefused

    try:
        report = action(app_from(args).engine, args.file)
    except ImportRefused as refused:
        for problem in refused.problems:
            print(f"counter-app: {problem}", file=sys.stderr)
        print(
            f"counter-app: {args.file.name} was not imported (nothing was written)", file=sys.stderr
        )
        return EXIT_ERROR
    print_report(report, args.json)
    return EXIT_OK


def print_report(report: Any, as_json: bool) -> None:
    """One line for people, or the counts as JSON."""
    if as_json:
        print(
            json.dumps(
                {
                    "file": report.file,
                    "kind": report.kind,
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }
            )
        )
    else:
        print(report.summary())
