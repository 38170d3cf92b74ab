"""Scan events and barcode text rules, shared by every scan source.

Pure: no camera, no decoder library. The webcam, the handheld (keyboard-wedge) scanner, typed
entry and `counter-app scan-image` all produce the same :class:`ScanEvent`, so the services
that look up orders and products never care where a code came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from counter_app.domain.gift import is_gift_code

ScanSource = Literal["camera", "wedge", "keyboard", "image"]
Symbology = Literal[
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
    "CODE39",
    "CODE93",
    "CODE128",
    "ITF",
    "CODABAR",
    "QRCODE",
    "UNKNOWN",
]

SCAN_SOURCES: frozenset[str] = frozenset(get_args(ScanSource))
SYMBOLOGIES: frozenset[str] = frozenset(get_args(Symbology))

# Engine spellings (pyzbar, zxing-cpp, python-barcode, free text) -> our names.
_ALIASES: dict[str, str] = {
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "CODE39": "CODE39",
    "CODE39STD": "CODE39",
    "CODE39EXT": "CODE39",
    "CODE32": "CODE39",
    "PZN": "CODE39",
    "PHARMAZENTRALNUMMER": "CODE39",
    "CODE93": "CODE93",
    "CODE128": "CODE128",
    "ITF": "ITF",
    "ITF14": "ITF",
    "I25": "ITF",
    "INTERLEAVED2OF5": "ITF",
    "CODABAR": "CODABAR",
    "QRCODE": "QRCODE",
    "QR": "QRCODE",
    "QRCODEMODEL2": "QRCODE",
}

_MIN_LENGTH: dict[str, int] = {
    "CODE39": 3,
    "CODE93": 3,
    "CODE128": 3,
    "ITF": 4,
    "CODABAR": 5,  # start + at least 3 data characters + stop
    "QRCODE": 1,
}


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One code found in an image: its text and normalised symbology name."""

    text: str
    symbology: str


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """A code that reached the app, whatever the source; what services consume."""

    text: str
    symbology: str
    source: str
    at: datetime

    def __post_init__(self) -> None:
        if self.source not in SCAN_SOURCES:
            raise ValueError(f"unknown scan source {self.source!r}")
        if self.symbology not in SYMBOLOGIES:
            raise ValueError(f"unknown symbology {self.symbology!r}")


ScanKind = Literal["gift", "code"]


def classify_scan(text: str) -> ScanKind:
    """What a scanned code opens: a gift receipt's code ("gift", `domain.gift`), or any other
    code ("code": an order number, a product or a receipt, looked up as before)."""
    return "gift" if is_gift_code(text) else "code"


def normalise_symbology(name: str) -> str:
    """Map an engine's symbology spelling ("EAN-13", "I25", "QR Code") to ours, or UNKNOWN."""
    key = "".join(ch for ch in name.upper() if ch.isalnum())
    return _ALIASES.get(key, "UNKNOWN")


def gs1_check_digit_ok(digits: str) -> bool:
    """True when the last digit is the GS1 (EAN/UPC/ITF-14) check digit of the others."""
    if len(digits) < 2 or not digits.isdigit():
        return False
    body = digits[:-1]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(digits[-1])


def expand_upce(code: str) -> str:
    """Expand an 8-digit UPC-E (number system, 6 data, check) to its 12-digit UPC-A."""
    if len(code) != 8 or not code.isdigit():
        raise ValueError(f"not a UPC-E code: {code!r}")
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def normalise_code(text: str, symbology: str) -> DecodedCode | None:
    """Put a raw read into the app's canonical form, or None when it is not believable.

    Canonical forms follow the reference photo set: UPC-A and UPC-E become the 13-digit
    GTIN (leading 0), an EAN-13 starting with 0 is reported as UPCA, Codabar keeps its
    start/stop letters. Reads with a wrong check digit, wrong charset or implausible length
    are rejected: a missed scan costs a second try, a wrong one costs a wrong refund.
    """
    sym = normalise_symbology(symbology)
    if sym == "UNKNOWN" or not text:
        return None
    if sym in ("EAN13", "UPCA", "UPCE"):
        if sym == "UPCE" and len(text) in (7, 8) and text.isdigit():
            text = expand_upce(text if len(text) == 8 else "0" + text)
        if len(text) == 12:
            text = "0" + text
        if len(text) != 13 or not gs1_check_digit_ok(text):
            return None
        if sym == "EAN13" and text.startswith("0"):
            sym = "UPCA"
        return DecodedCode(text, sym)
    if sym == "EAN8":
        ok = len(text) == 8 and gs1_check_digit_ok(text)
        return DecodedCode(text, sym) if ok else None
    if len(text) < _MIN_LENGTH.get(sym, 1):
        return None
    if sym == "ITF":
        if not text.isdigit() or len(text) % 2:
            return None
        if len(text) == 14 and not gs1_check_digit_ok(text):
            return None
    elif sym == "CODABAR":
        starts = "ABCD"
        if text[0].upper() not in starts or text[-1].upper() not in starts:
            return None
    if sym != "QRCODE" and any(ord(ch) < 32 and ch not in "\x1d" for ch in text):
        return None
    return DecodedCode(text, sym)
