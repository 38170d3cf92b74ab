"""QR codes of return authorizations (segno): the display code, as PNG and as SVG.

The QR carries the display form (`RA-XXXXX-XXXXX-C`), the very text a cashier could type, so a
counter's scanner and its keyboard path read the same thing.
"""

from __future__ import annotations

import base64
import io

import segno


def qr_png(text: str, scale: int = 8) -> bytes:
    """A PNG of `text` (error correction M, the standard 4-module quiet zone)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_png_base64(text: str) -> str:
    return base64.b64encode(qr_png(text)).decode("ascii")


def qr_svg(text: str, scale: int = 4) -> str:
    """An SVG document of `text`, without an XML declaration (embeddable in HTML)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", scale=scale, border=4, xmldecl=False
    )
    return out.getvalue().decode("utf-8")
