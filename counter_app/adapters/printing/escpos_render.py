"""Render a Document to ESC/POS through python-escpos.

Text is decided per line before anything is sent: plain ASCII goes as is; a line every
character of which one of the profile's code pages can encode goes as text with explicit
code-page switches (ESC t); on a profile declared CJK-capable, a line GBK can encode goes as
GB18030 double-byte text in Chinese mode (FS & ... FS .); anything else is drawn and sent as a
raster image. We never call ``printer.text()`` for non-ASCII because python-escpos's magic
encoding silently prints '?' for what it cannot encode and sends any line containing a Chinese
character as raw GB18030 whatever the printer.
"""

from __future__ import annotations

from functools import lru_cache

from escpos.constants import GS, QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.image import EscposImage
from escpos.magicencode import Encoder
from escpos.printer import Dummy
from PIL import Image

from counter_app.adapters.printing.fonts import draw_text_line
from counter_app.adapters.printing.layout import BARCODE_MODULE_DOTS, Line, layout
from counter_app.adapters.printing.png_render import barcode_image, qr_image
from counter_app.adapters.printing.profile import PrintProfile, load_profile
from counter_app.domain.documents import QR, Barcode, CashDrawer, Cut, Document, Feed

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."
QR_MODULE_DOTS = {58: 5, 80: 6}

Segment = tuple[str | None, str]  # (code page or None for ASCII / "GB18030", text)


def plan_text(text: str, profile: PrintProfile, encoder: Encoder) -> list[Segment] | None:
    """How to send one line as text, or None when it must go as an image.

    Segments are (encoding, text); encoding None means ASCII, "GB18030" means Chinese mode.
    """
    if text.isascii():
        return [(None, text)]
    if profile.cjk:
        try:
            text.encode("gbk")  # the two-byte part of GB18030 printer fonts have
            return [("GB18030", text)]
        except UnicodeEncodeError:
            pass
    pages = [enc for _slot, enc in profile.code_pages]
    if not pages:
        return None
    segments: list[Segment] = []
    current: str | None = None
    for ch in text:
        if ch.isascii() or (current is not None and encoder.can_encode(current, ch)):
            enc = current
        else:
            enc = next((p for p in pages if encoder.can_encode(p, ch)), None)
            if enc is None:
                return None
        if segments and segments[-1][0] == enc:
            segments[-1] = (enc, segments[-1][1] + ch)
        else:
            segments.append((enc, ch))
        current = enc if enc is not None else current
    return segments


def _emit_image(printer: Escpos, img: Image.Image, profile: PrintProfile) -> None:
    """Send a picture; GS v 0 written here so nothing is printed to stdout by escpos."""
    if profile.supports("bitImageRaster") or not profile.features:
        im = EscposImage(img)
        for top in range(0, im.height, 960):
            part = EscposImage(img.crop((0, top, img.width, min(img.height, top + 960))))
            header = (
                GS
                + b"v0\x00"
                + part.width_bytes.to_bytes(2, "little")
                + part.height.to_bytes(2, "little")
            )
            printer._raw(header + part.to_raster_format())
        return
    impl = "graphics" if profile.supports("graphics") else "bitImageColumn"
    printer.image(img, impl=impl, center=False)


def _centered(img: Image.Image, width: int) -> Image.Image:
    if img.width >= width:
        return img
    canvas = Image.new("L", (width, img.height), 255)
    canvas.paste(img.convert("L"), ((width - img.width) // 2, 0))
    return canvas


def _write_text(printer: Escpos, segments: list[Segment], profile: PrintProfile) -> None:
    for enc, seg in segments:
        if enc is None:
            printer._raw(seg.encode("ascii"))
        elif enc == "GB18030":
            printer._raw(FS_CHINESE_ON + seg.encode("gb18030") + FS_CHINESE_OFF)
        else:
            printer.magic.write_with_encoding(enc, seg)


@lru_cache(maxsize=32)
def _encoder(profile: PrintProfile) -> Encoder:
    """One Encoder per profile: building its character tables is the slow part of encoding."""
    return Encoder({enc: slot for slot, enc in profile.code_pages})


def render_escpos(doc: Document, printer: Escpos, profile: PrintProfile) -> None:
    """Write `doc` onto any python-escpos printer (Dummy for bytes, or a real connection)."""
    encoder = _encoder(profile)
    printer.magic.encoder = encoder
    printer.hw("INIT")
    printer.magic.encoding = None  # ESC @ resets the code page: force a switch when needed
    if profile.cjk:
        printer._raw(FS_CHINESE_OFF)
    style = _Style(printer)
    for item in layout(doc, profile.columns, profile.width_px):
        if isinstance(item, Line):
            _emit_line(printer, item, profile, encoder, style)
        elif isinstance(item, Barcode):
            style("center", False, False)
            _emit_barcode(printer, item, profile)
        elif isinstance(item, QR):
            style("center", False, False)
            _emit_qr(printer, item, profile)
        elif isinstance(item, Feed):
            printer._raw(b"\n" * max(0, min(item.lines, 20)))
        elif isinstance(item, Cut):
            printer.cut()
        elif isinstance(item, CashDrawer):
            printer.cashdraw(2)
    style("left", False, False)


class _Style:
    """Alignment, bold and size as last sent: a command only when one of them changes."""

    def __init__(self, printer: Escpos) -> None:
        self._printer = printer
        self._state: dict[str, object] = {}

    def __call__(self, align: str, bold: bool, double: bool) -> None:
        printer, state = self._printer, self._state
        if state.get("align") != align:
            printer.set(align=align)
            state["align"] = align
        if state.get("bold") != bold:
            printer.set(bold=bold)
            state["bold"] = bold
        if state.get("double") != double:
            if double:
                printer.set(double_width=True, double_height=True)
            else:
                printer.set(normal_textsize=True)
            state["double"] = double


def _emit_line(
    printer: Escpos, item: Line, profile: PrintProfile, encoder: Encoder, style: _Style
) -> None:
    """A line as text when the printer can show every character, else as a picture."""
    double = item.size == "double"
    plan = plan_text(item.text, profile, encoder)
    if plan is not None:
        style(item.align, item.bold, double)
        _write_text(printer, plan, profile)
        printer._raw(b"\n")
    else:
        style("left", False, False)
        img = draw_text_line(
            item.text, profile.width_px, profile.col_px, item.align, item.bold, double
        )
        _emit_image(printer, img, profile)


def _emit_barcode(printer: Escpos, item: Barcode, profile: PrintProfile) -> None:
    if profile.supports("barcodeB"):
        printer._hw_barcode(
            "{B" + item.data,
            "CODE128",
            height=80,
            width=BARCODE_MODULE_DOTS,
            pos="OFF",
            font="A",
            align_ct=True,
            function_type="B",
        )
        printer._raw(b"\n")
    else:
        img = barcode_image(item.data, BARCODE_MODULE_DOTS, 80)
        _emit_image(printer, _centered(img, profile.width_px), profile)


def _emit_qr(printer: Escpos, item: QR, profile: PrintProfile) -> None:
    module = QR_MODULE_DOTS[58 if profile.paper_mm <= 58 else 80]
    if profile.supports("qrCode"):
        printer.qr(item.data, ec=QR_ECLEVEL_M, size=module, native=True)
        printer._raw(b"\n")
    else:
        img = qr_image(item.data, module)
        _emit_image(printer, _centered(img, profile.width_px), profile)


def render_escpos_bytes(doc: Document, profile: PrintProfile | str | None = None) -> bytes:
    """The complete ESC/POS job for `doc` as bytes (rendered on a Dummy printer)."""
    prof = profile if isinstance(profile, PrintProfile) else load_profile(profile)
    dummy = Dummy(profile=prof.name)
    render_escpos(doc, dummy, prof)
    return bytes(dummy.output)
