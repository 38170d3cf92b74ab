"""Read ESC/POS bytes back into operations (tests, debugging a customer's printout).

Understands the commands our renderer and python-escpos emit. Text is decoded with the code
page selected at that point (ESC t) or GB18030 in Chinese mode (FS &), strictly: bytes that do
not decode raise, so mojibake cannot slip through a test unnoticed.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from escpos.magicencode import Encoder
from PIL import Image

from counter_app.adapters.printing.profile import PrintProfile

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
_ESC_ONE_ARG = {
    ord(c): name
    for c, name in {
        "a": "align",
        "E": "bold",
        "!": "mode",
        "t": "codepage",
        "d": "feed",
        "M": "font",
        "-": "underline",
        "G": "double_strike",
        "{": "upside_down",
        "V": "rotate",
        "3": "spacing",
        "J": "feed_dots",
        "r": "color",
    }.items()
}
_GS_ONE_ARG = {
    ord(c): name
    for c, name in {
        "!": "size",
        "h": "barcode_height",
        "w": "barcode_width",
        "f": "hri_font",
        "H": "hri_position",
        "B": "invert",
        "b": "smooth",
    }.items()
}


@dataclass
class Op:
    kind: str
    value: object = None
    extra: dict[str, object] = field(default_factory=dict)


def _decode_single(data: bytes, encoding: str) -> str:
    """Decode with python-escpos's own table for the page (what the printer would show)."""
    enc = Encoder({encoding: 0})
    table = enc._get_codepage_char_list(encoding)
    out = []
    for b in data:
        if b < 0x80:
            out.append(chr(b))
        else:
            ch = table[b - 0x80]
            if not ch or ch == " ":
                raise ValueError(f"byte {b:#x} has no character in {encoding}")
            out.append(ch)
    return "".join(out)


def parse_escpos(data: bytes, profile: PrintProfile) -> list[Op]:
    """Operations in `data`; text ops carry the decoded str and the code page used."""
    return _Parser(data, profile).run()


class _Parser:
    """One pass over the bytes; each command handler returns the index after its command."""

    def __init__(self, data: bytes, profile: PrintProfile) -> None:
        self.data = data
        self.slots = {slot: enc for slot, enc in profile.code_pages}
        self.ops: list[Op] = []
        self.codepage: str | None = None
        self.chinese = False
        self.text = bytearray()

    def run(self) -> list[Op]:
        data, i, n = self.data, 0, len(self.data)
        while i < n:
            b = data[i]
            if b in (0x0A, ESC, GS, FS, DLE):
                self.flush()
            if b == 0x0A:
                self.ops.append(Op("lf"))
                i += 1
            elif b == ESC:
                i = self.esc(i)
            elif b == GS:
                i = self.gs(i)
            elif b == FS:
                i = self.fs(i)
            elif b == DLE:
                self.ops.append(Op("status_query", data[i + 2]))
                i += 3
            elif b < 0x20 and b not in (0x0D, 0x09):
                raise ValueError(f"unexpected control byte {b:#x} at {i}")
            else:
                self.text.append(b)
                i += 1
        self.flush()
        return self.ops

    def flush(self) -> None:
        """The text collected since the last command, decoded as the printer would."""
        if not self.text:
            return
        raw = bytes(self.text)
        self.text.clear()
        if self.chinese and any(b >= 0x80 for b in raw):
            decoded = codecs.decode(raw, "gb18030", "strict")
            self.ops.append(Op("text", decoded, {"encoding": "GB18030", "raw": raw}))
        elif any(b >= 0x80 for b in raw):
            if self.codepage is None:
                raise ValueError("non-ASCII text sent before any code page was selected")
            self.ops.append(
                Op(
                    "text",
                    _decode_single(raw, self.codepage),
                    {"encoding": self.codepage, "raw": raw},
                )
            )
        else:
            self.ops.append(Op("text", raw.decode("ascii"), {"encoding": "ASCII", "raw": raw}))

    def esc(self, i: int) -> int:
        data, ops = self.data, self.ops
        c = data[i + 1]
        if c == ord("@"):
            ops.append(Op("init"))
            self.codepage, self.chinese = None, False
            return i + 2
        if c == ord("p"):
            ops.append(Op("drawer", data[i + 2]))
            return i + 5
        if c == ord("2"):
            ops.append(Op("spacing_reset"))
            return i + 2
        if c in _ESC_ONE_ARG:
            name = _ESC_ONE_ARG[c]
            arg = data[i + 2]
            if name == "codepage":
                if arg not in self.slots:
                    raise ValueError(f"code page slot {arg} is not in the profile")
                self.codepage = self.slots[arg]
                ops.append(Op("codepage", self.codepage))
            else:
                ops.append(Op(name, arg))
            return i + 3
        raise ValueError(f"unknown command ESC {c:#x} at {i}")

    def gs(self, i: int) -> int:
        data, ops = self.data, self.ops
        c = data[i + 1]
        if c in _GS_ONE_ARG:
            ops.append(Op(_GS_ONE_ARG[c], data[i + 2]))
            return i + 3
        if c == ord("V"):
            m = data[i + 2]
            ops.append(Op("cut", m))
            return i + 4 if m in (65, 66) else i + 3
        if c == ord("k"):
            return self.barcode(i)
        if c == ord("v") and data[i + 2] == ord("0"):
            return self.raster(i)
        if c == ord("(") and data[i + 2] in (ord("k"), ord("L")):
            return self.paren(i)
        raise ValueError(f"unknown command GS {c:#x} at {i}")

    def barcode(self, i: int) -> int:
        data = self.data
        m = data[i + 2]
        if m >= 65:
            length = data[i + 3]
            payload = data[i + 4 : i + 4 + length]
            i += 4 + length
        else:
            end = data.index(b"\x00", i + 3)
            payload = data[i + 3 : end]
            i = end + 1
        self.ops.append(Op("barcode", payload.decode("ascii"), {"type": m}))
        return i

    def raster(self, i: int) -> int:
        data = self.data
        xw = int.from_bytes(data[i + 4 : i + 6], "little")
        yh = int.from_bytes(data[i + 6 : i + 8], "little")
        raster = data[i + 8 : i + 8 + xw * yh]
        img = Image.frombytes("1", (xw * 8, yh), raster)
        # ESC/POS: 1 = black dot; PIL "1": 1 = white. Invert for a normal picture.
        img = Image.eval(img.convert("L"), lambda v: 255 - v)
        self.ops.append(Op("image", img))
        return i + 8 + xw * yh

    def paren(self, i: int) -> int:
        data = self.data
        length = int.from_bytes(data[i + 3 : i + 5], "little")
        body = data[i + 5 : i + 5 + length]
        if data[i + 2] == ord("k") and body[:2] == b"1P":
            self.ops.append(Op("qr_data", body[3:].decode("utf-8")))
        elif data[i + 2] == ord("k") and body[:2] == b"1Q":
            self.ops.append(Op("qr_print"))
        else:
            self.ops.append(Op("gs_paren", bytes(body[:2])))
        return i + 5 + length

    def fs(self, i: int) -> int:
        c = self.data[i + 1]
        if c == ord("&"):
            self.chinese = True
        elif c == ord("."):
            self.chinese = False
        else:
            raise ValueError(f"unknown command FS {c:#x} at {i}")
        self.ops.append(Op("chinese", self.chinese))
        return i + 2


def text_lines(ops: list[Op]) -> list[str]:
    """The text printed as characters, one string per printed line."""
    lines: list[str] = []
    cur: list[str] = []
    for op in ops:
        if op.kind == "text":
            cur.append(str(op.value))
        elif op.kind == "lf":
            lines.append("".join(cur))
            cur = []
    if cur:
        lines.append("".join(cur))
    return lines
