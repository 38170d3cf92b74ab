"""Gift codes arriving with orders (the orders pull and `orders import`): checked, then kept.

A line keeps the first gift code it gets; a code already on another line is never moved (a
gift receipt in a recipient's hands must keep naming the line it was printed for). An import
refuses such a file with the line and field; the pull, which cannot refuse head office's
page, leaves the line without that code and logs it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection

from counter_app.adapters.db import gifts
from counter_app.domain.gift import GIFT_CODE_RE

log = logging.getLogger(__name__)
NOT_A_CODE = "is not a gift-receipt code (G- and 10 Crockford base32 characters, e.g. G-7K3M9QX2PA)"


def gift_code_problems(conn: Connection, item: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for each gift code in order `item` the store cannot take."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, line in enumerate(item["lines"]):
        code = line.get("gift_code")
        if code is None:
            continue
        field = f"lines.{i}.gift_code"
        if not GIFT_CODE_RE.match(str(code)):
            found.append((field, NOT_A_CODE))
            continue
        if code in seen:
            found.append((field, f"{code} is on two lines of this order"))
        seen.add(code)
        owner = gifts.gift_code_owner(conn, code)
        if owner is not None and owner != (str(item["number"]), int(line["line_no"])):
            found.append((field, f"{code} is already the gift code of order {owner[0]} line "
                                 f"{owner[1]}"))  # fmt: skip
    return found


def apply_gift_codes(conn: Connection, order_id: int, item: dict[str, Any]) -> None:
    """Give each line of the applied order the gift code it came with, when it has none."""
    for line in item["lines"]:
        code = line.get("gift_code")
        if not code or not GIFT_CODE_RE.match(str(code)):
            continue
        row = gifts.order_line_id(conn, order_id, int(line["line_no"]))
        if row is None or row[1] is not None:
            continue
        owner = gifts.gift_code_owner(conn, code)
        if owner is not None:
            log.warning("gift code %s of order %s line %s is already on order %s line %s; "
                        "not applied", code, item["number"], line["line_no"], *owner)  # fmt: skip
            continue
        gifts.set_line_gift_code(conn, row[0], code)
