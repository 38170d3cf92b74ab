"""Input checks shared by every entry point (scanner, keyboard, CLI): refuse junk early."""

from __future__ import annotations

import re
import unicodedata

from counter_app.domain.text import MAX_TEXT, TextTooLong, sanitize
from counter_app.services.errors import BadInput

MAX_CODE = 64
__all__ = ["MAX_CODE", "MAX_TEXT", "clean_code", "clean_text", "printable"]
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.:/+]*$")


def clean_code(text: str, what: str = "code") -> str:
    """A scanned or typed code, trimmed; refuses control characters, junk and huge input."""
    if not isinstance(text, str):
        raise BadInput(f"That {what} could not be read. Scan it again or type it.")
    stripped = text.strip()
    if not stripped:
        raise BadInput(f"No {what} was entered. Scan the barcode or type the number.")
    if len(stripped) > MAX_CODE:
        raise BadInput(f"That {what} is too long to be real. Scan it again or type it.")
    if not _CODE.match(stripped):
        raise BadInput(
            f"'{printable(stripped)}' is not a valid {what}. Scan it again or type the number."
        )
    return stripped


def clean_text(
    text: str, what: str = "note", limit: int = MAX_TEXT, *, multiline: bool = True
) -> str:
    """Free text (notes, reasons, names): scrubbed by the one sanitizer (controls and bidi
    removed, card numbers and security codes redacted), bounded length. One-line fields
    (names, short reasons) get newlines as spaces."""
    if not isinstance(text, str):
        raise BadInput(f"The {what} could not be read.")
    try:
        return sanitize(text, limit=limit, multiline=multiline)
    except TextTooLong:
        raise BadInput(f"The {what} is too long (at most {limit} characters).") from None


def printable(text: str, limit: int = 40) -> str:
    """Text safe to echo back in a message: control characters removed, shortened."""
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
