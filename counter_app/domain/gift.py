"""Gift receipts: the per-line code printed on them, and what a gift return may do.

A gift code is ``G-`` plus 10 Crockford base32 characters (``G-7K3M9QX2PA``): 50 random bits,
made with `secrets`, so it cannot be guessed from the order number; unique company-wide. A
gift return shows the recipient only the line the code names, never a price or the buyer's
payment, and refunds only as store credit or an exchange: the buyer's card or cash never
pays a recipient (`GIFT_TENDERS`, applied by `draft.refund_summary` and the commit).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace

from counter_app.domain.model import Order

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GIFT_PREFIX = "G-"
GIFT_BODY_CHARS = 10
GIFT_CODE_RE = re.compile(r"^G-[0-9A-HJKMNP-TV-Z]{10}$")
# What a typed code may be forgiven: lower case, O for 0, I/L for 1, a missing dash.
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LOOSE_RE = re.compile(r"^G-?([0-9A-Z]{10})$")
# The refund tenders a gift return may use: never the buyer's original tender, never cash.
GIFT_TENDERS = frozenset({"store_credit", "exchange"})
GIFT_TENDER_ONLY = "A gift return is refunded as store credit or an exchange only."


def new_gift_code() -> str:
    """A fresh random gift code (the caller stores it; a clash is simply drawn again)."""
    return GIFT_PREFIX + "".join(secrets.choice(CROCKFORD) for _ in range(GIFT_BODY_CHARS))


def normalise_gift_code(text: str) -> str | None:
    """The canonical gift code in a scan or typed text, or None when it is not one."""
    cleaned = re.sub(r"\s+", "", text or "").upper()
    m = _LOOSE_RE.match(cleaned)
    if m is None:
        return None
    code = GIFT_PREFIX + m.group(1).translate(_TYPO)
    return code if GIFT_CODE_RE.match(code) else None


def is_gift_code(text: str) -> bool:
    return normalise_gift_code(text) is not None


def gift_view(order: Order, line_nos: tuple[int, ...]) -> Order:
    """The order as a gift return may see it: only the named lines, and no buyer (their
    history, e-mail and name are not the recipient's). Its payments stay — the refund is
    charged to them by the ledger rules — but no screen or receipt shows them."""
    lines = tuple(ln for ln in order.lines if ln.line_no in line_nos)
    return replace(order, lines=lines, customer=None)


def gift_tenders(kind: str, tenders: frozenset[str] | set[str]) -> set[str]:
    """The tenders a return of `kind` may use out of `tenders` (a gift: GIFT_TENDERS only)."""
    return set(tenders) & GIFT_TENDERS if kind == "gift" else set(tenders)
