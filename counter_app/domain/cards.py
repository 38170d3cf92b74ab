"""Keeping card numbers out: only brand and last 4 are ever stored, logged, printed or synced."""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Message ids (UUIDs) and hashes (hex): their digit runs can pass Luhn by chance.
_UUID = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z]))"
)
REDACTED = "[card number removed]"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def redact_card_numbers(text: str) -> str:
    """Replace anything that looks like a full card number (13–19 digits, Luhn-valid)."""

    def _sub(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        return REDACTED if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)

    parts = _UUID.split(text)  # odd indexes are the UUIDs themselves, kept as they are
    return "".join(p if i % 2 else _CANDIDATE.sub(_sub, p) for i, p in enumerate(parts))


def contains_card_number(text: str) -> bool:
    return redact_card_numbers(text) != text


def last4(value: str | None) -> str | None:
    """The last four digits of whatever card identifier was given, never more."""
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) < 4:
        raise ValueError("a card needs its last 4 digits")
    return digits[-4:]
