"""The blocks a print document is made of, the document itself, and card-number hygiene.

A document is a flat tuple of blocks (text, label/amount columns, rules, codes, feeds, cut,
drawer kick, signature line) that every renderer (ESC/POS, PNG, plain text) understands, and
that round-trips through JSON for the persisted print queue. The builders are in documents.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Literal

Align = Literal["left", "center", "right"]
TextSize = Literal["normal", "double"]


# ---------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph; renderers wrap it to the paper width."""

    text: str
    align: Align = "left"
    bold: bool = False
    size: TextSize = "normal"


@dataclass(frozen=True, slots=True)
class Columns:
    """A label on the left and a value (usually an amount) flush right."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal separator across the paper."""


@dataclass(frozen=True, slots=True)
class Barcode:
    """A 1D barcode; renderers fall back to a QR code when it would not fit the paper."""

    data: str
    symbology: Literal["CODE128"] = "CODE128"


@dataclass(frozen=True, slots=True)
class QR:
    data: str


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True, slots=True)
class Cut:
    """Cut the paper (a no-op on printers without a cutter)."""


@dataclass(frozen=True, slots=True)
class CashDrawer:
    """Kick the cash drawer attached to the printer."""


@dataclass(frozen=True, slots=True)
class Signature:
    """A labelled line to sign on (store copies)."""

    label: str


Block = Text | Columns | Rule | Barcode | QR | Feed | Cut | CashDrawer | Signature

_BLOCK_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Text, Columns, Rule, Barcode, QR, Feed, Cut, CashDrawer, Signature)
}


@dataclass(frozen=True, slots=True)
class Document:
    """What to print: an ordered tuple of blocks plus a kind and title for logs and files."""

    kind: str
    title: str
    blocks: tuple[Block, ...]

    def texts(self) -> list[str]:
        """Every human-readable string in the document (for checks such as "no PAN")."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Text):
                out.append(b.text)
            elif isinstance(b, Columns):
                out.extend((b.left, b.right))
            elif isinstance(b, Barcode | QR):
                out.append(b.data)
            elif isinstance(b, Signature):
                out.append(b.label)
        return out

    def to_json(self) -> str:
        """Serialise for the persisted print queue (a reprint renders the same document)."""
        blocks = [{"type": type(b).__name__, **asdict(b)} for b in self.blocks]
        return json.dumps(
            {"v": 1, "kind": self.kind, "title": self.title, "blocks": blocks},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Document:
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("v") != 1:
            raise ValueError("not a version-1 print document")
        blocks: list[Block] = []
        for item in raw["blocks"]:
            item = dict(item)
            kind = _BLOCK_TYPES.get(item.pop("type", ""))
            if kind is None:
                raise ValueError("unknown block type in print document")
            blocks.append(kind(**item))
        return cls(kind=str(raw["kind"]), title=str(raw["title"]), blocks=tuple(blocks))


# ---------------------------------------------------------------------------------------------
# Card-number hygiene
# ---------------------------------------------------------------------------------------------

_PAN_RE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def scrub_pan(text: str) -> str:
    """Mask anything that looks like a full card number (13-19 digits, Luhn-valid).

    Card numbers must never be printed; this is the last line of defence for free text
    (notes, names) that a person may have typed a card number into.
    """

    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            return "****" + digits[-4:]
        return m.group(0)

    return _PAN_RE.sub(repl, text)


def card_last4(value: str | None) -> str:
    """Only the last four digits of whatever was given (a longer string is cut down)."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-4:]


def _clean(text: str) -> str:
    return scrub_pan(text.replace("\r", " ").replace("\t", " "))
