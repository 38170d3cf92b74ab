"""One sanitizer for every free-text field (notes, reasons, names, resolutions, addresses).

Free text reaches the database, the audit trail, the outbox, head office, receipts and
e-mails, so it is scrubbed once, here, before any of them: invisible control characters and
bidi overrides/isolates (which reorder what a cashier sees) are removed, full card numbers
and card security codes are redacted, and the length is bounded. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from counter_app.domain.cards import redact_card_numbers

MAX_TEXT = 2000
SECURITY_CODE_REMOVED = "[security code removed]"
ELLIPSIS = "…"

# Bidi embeddings, overrides and isolates, plus the marks; all are category Cf, listed so the
# intent is explicit (and kept even where a caller allows other format characters).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# "CVV 737", "cvc: 1234", "CVC2=123", "security code is 123", "card code #4321".
_SECURITY_CODE = re.compile(
    r"(?i)(?<![a-z0-9])(?:cvv2?|cvc2?|cvn|cid|csc|security[ -]?code|card[ -]?code|"
    r"verification[ -]?code)(?![a-z])"
    r"(?:\s*(?:is|was|no\.?|number)?\s*[:#=-]?\s*)\d{3,4}(?!\d)"
)
_TRAILING_DIGITS = re.compile(r"[\d \-]+$")


class TextTooLong(ValueError):
    """The text is longer than its field allows; `limit` says how long it may be."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} characters")
        self.limit = limit


def strip_controls(text: str, *, multiline: bool = True) -> str:
    """Drop control, format (incl. bidi) and unassigned characters; keep newline and tab
    only for multi-line fields (a newline in a one-line field becomes a space)."""
    kept: list[str] = []
    for ch in text:
        if ch in "\n\t":
            kept.append(ch if multiline else " ")
        elif ch == "\r" or ch in BIDI_CONTROLS or unicodedata.category(ch)[0] == "C":
            continue
        elif unicodedata.category(ch) in ("Zl", "Zp"):  # U+2028/2029 line/paragraph separators
            kept.append("\n" if multiline else " ")
        else:
            kept.append(ch)
    return "".join(kept)


def redact_security_codes(text: str) -> str:
    """Replace a card security code written next to its name ("CVV 737")."""
    return _SECURITY_CODE.sub(SECURITY_CODE_REMOVED, text)


def redact_payment_data(text: str) -> str:
    """Full card numbers (Luhn-valid, 13–19 digits, spaces or dashes between) and CVV/CVC."""
    return redact_security_codes(redact_card_numbers(text))


def sanitize(text: str, *, limit: int = MAX_TEXT, multiline: bool = True) -> str:
    """The text fit to store: controls removed, payment data redacted, trimmed, bounded.

    Raises TextTooLong when the text as typed is over `limit` (the person typing should
    know); redaction can lengthen a text, so the result is also cut to `limit`."""
    if len(text) > limit:
        raise TextTooLong(limit)
    cleaned = redact_payment_data(strip_controls(text, multiline=multiline)).strip()
    if len(cleaned) > limit:
        # Cut where no digit run ends: a cut run's prefix could read as a new card number.
        cut = _TRAILING_DIGITS.sub("", cleaned[: max(0, limit - 1)]).rstrip()
        cleaned = cut + ELLIPSIS
    return cleaned


def is_clean_line(text: str) -> bool:
    """True when the text has no control, format or bidi character at all (settings, codes)."""
    return strip_controls(text, multiline=False) == text and "\t" not in text
