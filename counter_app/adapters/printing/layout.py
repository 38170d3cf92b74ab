"""Fit a document to a paper width in character columns.

Shared by every renderer so that the PNG preview, the plain text and the paper break lines in
the same places. Widths are display widths: East Asian wide and fullwidth characters take two
columns, combining marks none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from counter_app.domain.documents import (
    QR,
    Align,
    Barcode,
    CashDrawer,
    Columns,
    Cut,
    Document,
    Feed,
    Rule,
    Signature,
    Text,
    TextSize,
)

BARCODE_MODULE_DOTS = 2  # narrowest bar most thermal printers and scanners handle well
BARCODE_QUIET_MODULES = 10


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line of text, already wrapped to the paper width (alignment not applied)."""

    text: str
    align: Align = "left"
    bold: bool = False
    size: TextSize = "normal"


Item = Line | Barcode | QR | Feed | Cut | CashDrawer


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


_WIDE = r"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN_RE = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")


def _hard_split(word: str, width: int) -> list[str]:
    parts: list[str] = []
    cur, w = "", 0
    for ch in word:
        cw = char_width(ch)
        if w + cw > width and cur:
            parts.append(cur)
            cur, w = "", 0
        cur += ch
        w += cw
    if cur:
        parts.append(cur)
    return parts


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by display width; CJK may break between any two characters."""
    width = max(1, width)
    out: list[str] = []
    for para in text.split("\n"):
        body = para.lstrip(" ")
        indent = para[: len(para) - len(body)][: width // 2]
        tokens = _TOKEN_RE.findall(body)
        line, lw = indent, len(indent)
        for tok in tokens:
            tw = display_width(tok)
            if tok.isspace():
                if line and lw + tw <= width:
                    line += tok
                    lw += tw
                continue
            if lw + tw <= width:
                line += tok
                lw += tw
                continue
            if line.strip():
                out.append(line.rstrip())
            # Continuation lines keep the paragraph's indent (hanging indent).
            line, lw = indent, len(indent)
            room = width - lw
            if tw > room:
                pieces = _hard_split(tok, room)
                out.extend(indent + p for p in pieces[:-1])
                line, lw = indent + pieces[-1], lw + display_width(pieces[-1])
            else:
                line, lw = indent + tok, lw + tw
        out.append(line.rstrip())
    return out


def columns_text(left: str, right: str, width: int) -> list[str]:
    """'label ....... amount' lines: the value flush right on the first line."""
    rw = display_width(right)
    if rw >= width - 1:
        rights = [" " * (width - display_width(r)) + r for r in wrap(right, width)]
        return [*wrap(left, width), *rights]
    left_lines = wrap(left, width - rw - 1) or [""]
    first = left_lines[0]
    pad = width - display_width(first) - rw
    return [first + " " * pad + right, *left_lines[1:]]


def barcode_fits(data: str, width_px: int) -> bool:
    """Whether a CODE128 (code set B) of `data` fits the paper at 2-dot modules."""
    if not data or not data.isascii() or not data.isprintable():
        return False
    modules = (len(data) + 3) * 11 + 2 + 2 * BARCODE_QUIET_MODULES
    return modules * BARCODE_MODULE_DOTS <= width_px


def sanitize(text: str) -> str:
    """Drop control and format characters: hostile text must not become printer commands.

    Newlines and tabs become spaces or line breaks; the zero-width joiner (emoji) is kept.
    """
    out = []
    for ch in text.replace("\r\n", "\n").replace("\t", " "):
        cat = unicodedata.category(ch)
        if ch == "\n" or ch == "\u200d":
            out.append(ch)
        elif cat == "Cc":
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def layout(doc: Document, columns: int, width_px: int) -> list[Item]:
    """Turn blocks into fitted lines and device items."""
    items: list[Item] = []
    qr_data = {b.data for b in doc.blocks if isinstance(b, QR)}
    for b in doc.blocks:
        if isinstance(b, Text):
            width = columns // 2 if b.size == "double" else columns
            items += [Line(t, b.align, b.bold, b.size) for t in wrap(sanitize(b.text), width)]
        elif isinstance(b, Columns):
            left, right = sanitize(b.left).replace("\n", " "), sanitize(b.right).replace("\n", " ")
            items += [Line(t, "left", b.bold) for t in columns_text(left, right, columns)]
        elif isinstance(b, Rule):
            items.append(Line("-" * columns))
        elif isinstance(b, Barcode):
            if barcode_fits(b.data, width_px):
                items.append(b)
            elif b.data not in qr_data:  # too wide for the paper: a QR code instead
                items.append(QR(b.data))
        elif isinstance(b, Signature):
            label = sanitize(b.label).replace("\n", " ")
            items += [Feed(2), Line("x" + "_" * (columns - 2)), *map(Line, wrap(label, columns))]
        elif isinstance(b, QR | Feed | Cut | CashDrawer):
            items.append(b)
    return items


def aligned(text: str, align: Align, width: int) -> str:
    """Pad a fitted line for alignment (plain text output)."""
    pad = max(0, width - display_width(text))
    if align == "center":
        return " " * (pad // 2) + text
    if align == "right":
        return " " * pad + text
    return text
