"""Render a Document as an image that looks like the paper (on-screen preview, preview://).

384 px wide for 58 mm paper, 576 px for 80 mm; white background, black text drawn on the same
column grid as the printer uses, real barcodes (python-barcode) and QR codes (segno).
"""

from __future__ import annotations

import io

import barcode
import segno
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw

from counter_app.adapters.printing.fonts import draw_text_line
from counter_app.adapters.printing.layout import (
    BARCODE_MODULE_DOTS,
    BARCODE_QUIET_MODULES,
    Line,
    layout,
)
from counter_app.adapters.printing.profile import PrintProfile, load_profile
from counter_app.domain.documents import QR, Barcode, CashDrawer, Cut, Document, Feed

BARCODE_HEIGHT_DOTS = 80


def barcode_image(data: str, module_px: int = BARCODE_MODULE_DOTS, height: int = 80) -> Image.Image:
    """A CODE128 barcode, `module_px` pixels per module, with quiet zones, no text."""
    code = barcode.get_barcode_class("code128")(data, writer=ImageWriter())
    bars = code.build()[0]
    quiet = BARCODE_QUIET_MODULES
    width = (len(bars) + 2 * quiet) * module_px
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(bars):
        if bit == "1":
            x = (quiet + i) * module_px
            draw.rectangle((x, 0, x + module_px - 1, height - 1), fill=0)
    return img


def qr_image(data: str, module_px: int = 6, border: int = 2) -> Image.Image:
    """A QR code (error correction M) with `module_px` pixels per module."""
    qr = segno.make(data, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix)
    small = Image.new("L", (n + 2 * border, n + 2 * border), 255)
    px = small.load()
    assert px is not None
    for y, row in enumerate(matrix):
        for x, v in enumerate(row):
            if v:
                px[x + border, y + border] = 0
    return small.resize(
        (small.width * module_px, small.height * module_px), Image.Resampling.NEAREST
    )


def _paste_center(page: Image.Image, img: Image.Image, y: int) -> None:
    page.paste(img.convert("L"), ((page.width - img.width) // 2, y))


def render_image(doc: Document, profile: PrintProfile | str | None = None) -> Image.Image:
    """The document as a paper-like greyscale image."""
    prof = profile if isinstance(profile, PrintProfile) else load_profile(profile)
    page_w = prof.preview_width_px
    text_w = min(prof.width_px, page_w)
    margin = (page_w - text_w) // 2
    line_h = round(prof.col_px * 2.5)
    module = 5 if prof.paper_mm <= 58 else 6
    parts: list[tuple[Image.Image, bool]] = []  # (image, centred)
    for item in layout(doc, prof.columns, prof.width_px):
        if isinstance(item, Line):
            img = draw_text_line(
                item.text, text_w, prof.col_px, item.align, item.bold, item.size == "double"
            )
            parts.append((img, False))
        elif isinstance(item, Barcode):
            parts.append((barcode_image(item.data, BARCODE_MODULE_DOTS, BARCODE_HEIGHT_DOTS), True))
            parts.append((Image.new("L", (1, line_h // 3), 255), True))
        elif isinstance(item, QR):
            parts.append((qr_image(item.data, module), True))
        elif isinstance(item, Feed):
            parts.append((Image.new("L", (1, line_h * max(0, min(item.lines, 20))), 255), True))
        elif isinstance(item, Cut):
            cut = Image.new("L", (page_w, line_h * 2), 255)
            d = ImageDraw.Draw(cut)
            for x in range(0, page_w, 12):
                d.line((x, line_h, x + 6, line_h), fill=0)
            parts.append((cut, True))
        elif isinstance(item, CashDrawer):
            continue
    pad = 16
    height = pad * 2 + sum(p.height for p, _ in parts)
    page = Image.new("L", (page_w, height), 255)
    y = pad
    for img, centred in parts:
        if centred:
            _paste_center(page, img, y)
        else:
            page.paste(img, (margin, y))
        y += img.height
    return page


def render_png(doc: Document, profile: PrintProfile | str | None = None) -> bytes:
    """The document as PNG bytes."""
    buf = io.BytesIO()
    page = render_image(doc, profile).convert("1", dither=Image.Dither.NONE)  # 1-bit like paper
    page.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
