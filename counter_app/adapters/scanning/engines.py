"""The two barcode engines behind :class:`PipelineDecoder`, each behind one small interface.

An :class:`Engine` turns one grayscale image into canonical :class:`DecodedCode` reads. The
pipeline only talks to engines, so tests can count calls with a fake engine instead of
patching a library. Libraries are imported when an engine is built, never at import of
``counter_app``; a missing one raises :class:`ScannerUnavailable` saying what to install.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from counter_app.adapters.scanning.errors import ScannerUnavailable
from counter_app.domain.scanning import DecodedCode, normalise_code

Image = npt.NDArray[np.uint8]


class Engine(Protocol):
    """One decoding library: reads codes from a grayscale uint8 image."""

    name: str

    def read(self, gray: Image, thorough: bool) -> list[DecodedCode]:
        """Canonical reads; ``thorough`` allows the engine's slower search options."""
        ...


def _load_pyzbar() -> Any:
    try:
        from pyzbar import pyzbar
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ScannerUnavailable(
            "the zbar barcode library is missing: pip install pyzbar, and the system "
            "library (Debian/Ubuntu: apt-get install libzbar0; macOS: brew install zbar)"
        ) from exc
    return pyzbar


def _load_zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ScannerUnavailable("zxing-cpp is not installed: pip install zxing-cpp") from exc
    return zxingcpp


class ZxingEngine:
    """zxing-cpp: the fast, primary engine (decodes Code 39 Full ASCII and ECI itself).

    ``binarizer`` names a zxing-cpp binarizer (``LocalAverage`` default, ``GlobalHistogram``,
    ``FixedThreshold``); the thorough search also lets zxing-cpp try downscaled copies.
    """

    name = "zxing"

    def __init__(self, binarizer: str = "LocalAverage") -> None:
        zx = _load_zxing()
        self._zx = zx
        self._binarizer = getattr(zx.Binarizer, binarizer)
        f = zx.BarcodeFormat
        # In zxing-cpp 3 "Code39" is the family: standard, Full ASCII ("Code39Ext"), and
        # the pharma Code 32 and PZN (the reference photos expect Code 32 decoded).
        wanted = [f.EAN13, f.EAN8, f.UPCA, f.UPCE, f.Code39, f.Code93, f.Code128]
        wanted += [f.ITF, f.Codabar, f.QRCode]
        try:  # zxing-cpp 3 takes a list; 2.x only the | operator
            self.formats: Any = zx.BarcodeFormats(wanted)
        except TypeError:  # pragma: no cover - zxing-cpp 2.x
            formats = wanted[0] | wanted[1]
            for fmt in wanted[2:]:
                formats = formats | fmt
            self.formats = formats

    def read(self, gray: Image, thorough: bool) -> list[DecodedCode]:
        """zxing-cpp's reads, format names taken from the enum name (``Code39Ext``)."""
        found = self._zx.read_barcodes(
            gray,
            formats=self.formats,
            try_rotate=True,
            try_downscale=thorough,
            try_invert=True,
            binarizer=self._binarizer,
        )
        out = []
        for r in found:
            # str() of a format is its display name ("Code 39 Extended"); .name is the
            # identifier ("Code39Ext") that normalise_symbology knows
            fmt = getattr(r.format, "name", None) or str(r.format).split(".")[-1]
            code = normalise_code(r.text, fmt)
            if code is not None:
                out.append(code)
        return out


class PyzbarEngine:
    """zbar via pyzbar: slower, the fallback; reads some damaged 1-D codes zxing-cpp misses."""

    name = "pyzbar"

    def __init__(self) -> None:
        self._zb = _load_pyzbar()
        from pyzbar.pyzbar import ZBarSymbol

        # UPC-A left out on purpose: zbar then reports it as a 13-digit EAN (our canonical
        # form). UPC-E stays on so its reads are labelled UPCE: zbar misreads half a UPC-A
        # as a UPC-E, so those reads need zxing-cpp to confirm them.
        self._symbols = [
            ZBarSymbol.EAN13,
            ZBarSymbol.UPCE,
            ZBarSymbol.EAN8,
            ZBarSymbol.CODE39,
            ZBarSymbol.CODE93,
            ZBarSymbol.CODE128,
            ZBarSymbol.I25,
            ZBarSymbol.CODABAR,
            ZBarSymbol.QRCODE,
        ]

    def read(self, gray: Image, thorough: bool) -> list[DecodedCode]:
        """zbar's reads; Code 39 Full ASCII pairs decoded here (zbar returns them raw)."""
        if min(gray.shape[:2]) < 1:
            return []
        try:
            found = self._zb.decode(gray, symbols=self._symbols)
        except Exception:  # zbar refuses some degenerate shapes; that is "no code"
            return []
        out = []
        for r in found:
            try:
                text = r.data.decode("utf-8")
            except UnicodeDecodeError:
                text = r.data.decode("latin-1")
            if r.type == "CODE39":
                text = code39_full_ascii(text) or text
            code = normalise_code(text, r.type)
            if code is not None:
                out.append(code)
        return out


def _full_ascii_table() -> dict[str, str]:
    """Code 39 Full ASCII: a shift character ($ % / +) and a letter stand for one ASCII."""
    table: dict[str, str] = {}
    for i, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        table["$" + letter] = chr(1 + i)
        table["+" + letter] = chr(ord("a") + i)
    for i, letter in enumerate("ABCDEFGHIJKLMNO"):
        table["/" + letter] = chr(ord("!") + i)
    table["/Z"] = ":"
    percent = dict(zip("ABCDE", map(chr, range(27, 32)), strict=True))
    percent.update(zip("FGHIJ", ";<=>?", strict=True))
    percent.update(zip("KLMNO", "[\\]^_", strict=True))
    percent.update(zip("PQRST", "{|}~\x7f", strict=True))
    percent.update({"U": "\x00", "V": "@", "W": "`", "X": "\x7f", "Y": "\x7f", "Z": "\x7f"})
    table.update({"%" + k: v for k, v in percent.items()})
    return table


_FULL_ASCII = _full_ascii_table()


def code39_full_ascii(raw: str) -> str | None:
    """Decode a raw Code 39 read in Full ASCII mode, or None when it is not one.

    Like zxing-cpp: a read counts as Full ASCII only when it has shift characters and every
    one of them starts a valid pair; anything else is standard Code 39 and stays as read.
    """
    if not any(ch in "$%/+" for ch in raw):
        return None
    out, i = [], 0
    while i < len(raw):
        if raw[i] in "$%/+":
            pair = _FULL_ASCII.get(raw[i : i + 2])
            if pair is None:
                return None
            out.append(pair)
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)
