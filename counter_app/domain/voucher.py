"""Store-credit voucher codes with a tamper-evident check value.

Code layout: ``<SERIAL>-<CUR><AMOUNT>-<MAC>``, e.g. ``7K3M9Q-USD2500-8H4KQ2ZT``. The MAC is
HMAC-SHA256 over the serial, currency and amount (minor units), truncated to 40 bits and
written in Crockford base32 (digits and capitals without I, L, O, U), so the code is short
enough for a CODE128 barcode, scans reliably and is hard to misread when typed. Editing the
amount or the serial, or inventing a code, makes the check value fail.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from counter_app.domain.money import Money

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_MAC_CHARS = 8  # 40 bits
_SERIAL_RE = re.compile(r"^[0-9A-Z]{1,12}$")
_CODE_RE = re.compile(r"^([0-9A-Z]{1,12})-([A-Z]{3})(\d{1,10})-([0-9A-Z]{8})$")
# Typing mistakes Crockford base32 forgives: O->0, I/L->1.
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


class VoucherRejected(ValueError):
    """The voucher code is not one this company issued (forged, altered or mistyped)."""


@dataclass(frozen=True, slots=True)
class VoucherInfo:
    serial: str
    amount: Money


def _b32(data: bytes, chars: int) -> str:
    n = int.from_bytes(data, "big")
    bits = len(data) * 8
    out = []
    for i in range(chars):
        shift = bits - 5 * (i + 1)
        out.append(_ALPHABET[(n >> shift) & 31])
    return "".join(out)


def _mac(serial: str, amount: Money, secret: bytes) -> str:
    msg = f"voucher/v1|{serial}|{amount.currency}|{amount.minor}".encode()
    digest = hmac.new(secret, msg, hashlib.sha256).digest()
    return _b32(digest[:5], _MAC_CHARS)


def make_voucher_code(serial: str, amount: Money, secret: bytes) -> str:
    """Issue the printable code for voucher `serial` worth `amount`."""
    if not secret:
        raise ValueError("a voucher secret is required")
    serial = serial.strip().upper()
    if not _SERIAL_RE.match(serial):
        raise ValueError("voucher serial must be 1-12 letters or digits")
    if amount.minor <= 0:
        raise ValueError("a voucher must be worth more than zero")
    return f"{serial}-{amount.currency}{amount.minor}-{_mac(serial, amount, secret)}"


def verify_voucher_code(code: str, secret: bytes) -> VoucherInfo:
    """Check a scanned or typed code and return what it is worth, or raise VoucherRejected."""
    cleaned = re.sub(r"\s+", "", code or "").upper()
    m = _CODE_RE.match(cleaned)
    if not m:
        raise VoucherRejected("This is not a store-credit voucher code. Check it and try again.")
    serial, currency, minor_text, mac = m.groups()
    mac = mac.translate(_TYPO)
    if any(ch not in _ALPHABET for ch in mac):
        raise VoucherRejected("This voucher code contains characters a voucher never has.")
    if minor_text != str(int(minor_text)):
        raise VoucherRejected("This voucher code has been altered and cannot be accepted.")
    amount = Money(int(minor_text), currency)
    expected = _mac(serial, amount, secret)
    if not hmac.compare_digest(expected, mac):
        raise VoucherRejected(
            "This voucher code does not check out: it was altered or is not genuine. "
            "Do not accept it; call a manager."
        )
    return VoucherInfo(serial=serial, amount=amount)
