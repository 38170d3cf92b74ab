"""`counter-app scan-image FILE...`: decode barcodes in image files, one JSON line each."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from counter_app.cli.common import bounded_text


def register(sub: Any) -> None:
    scan = sub.add_parser("scan-image", help="decode barcodes in image files (JSON lines)")
    scan.add_argument("files", nargs="+", type=bounded_text(4096))
    scan.set_defaults(func=cmd_scan_image)


def cmd_scan_image(args: argparse.Namespace) -> int:
    from counter_app.scan_image import scan_image_main

    return scan_image_main(list(args.files), sys.stdout)
