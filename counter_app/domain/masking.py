"""Masking a customer's contact details for a store that only needs to take a return.

Another store's order is answered with what a return needs; the customer's name, e-mail and
phone are shown masked ("L•••", "m•••@example.com", "•••• 1234"), enough to match a receipt
or a card in hand, useless for harvesting contacts. Pure.
"""

from __future__ import annotations

MASK = "•"


def is_masked(value: str | None) -> bool:
    return value is not None and MASK in value


def mask_name(name: str) -> str:
    return (name.strip()[:1] or "?") + MASK * 3


def mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, at, domain = email.rpartition("@")
    if not at:
        return MASK * 3
    return (local[:1] or "?") + MASK * 3 + "@" + domain


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = [c for c in phone if c.isdigit()]
    return MASK * 4 + (" " + "".join(digits[-4:]) if len(digits) >= 8 else "")
