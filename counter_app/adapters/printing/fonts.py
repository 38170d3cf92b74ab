"""Fonts found at run time, and drawing one receipt line as an image.

Text a printer cannot print from its code pages (Chinese on a Western printer, emoji, mixed
scripts) is drawn here and sent as a raster image; the PNG preview uses the same drawing so
the screen shows what the paper will. Glyphs come from the first font in the chain that has
them: DejaVu Sans Mono (Latin, Greek, Cyrillic), then a CJK font (WenQuanYi Zen Hei, Noto CJK,
Microsoft YaHei...). A character no font has is drawn as an empty box, never as '?'.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from counter_app.adapters.printing.errors import FontNotFound
from counter_app.adapters.printing.layout import char_width

MONO = (
    "DejaVuSansMono.ttf",
    "NotoSansMono-Regular.ttf",
    "LiberationMono-Regular.ttf",
    "consola.ttf",
    "Menlo.ttc",
    "cour.ttf",
)
MONO_BOLD = (
    "DejaVuSansMono-Bold.ttf",
    "NotoSansMono-Bold.ttf",
    "LiberationMono-Bold.ttf",
    "consolab.ttf",
    "courbd.ttf",
)
SANS = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf", "arial.ttf")
CJK = (
    "wqy-zenhei.ttc",
    "wqy-microhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansSC-Regular.otf",
    "NotoSansCJKsc-Regular.otf",
    "msyh.ttc",
    "simsun.ttc",
    "PingFang.ttc",
    "Hiragino Sans GB.ttc",
)
EMOJI = ("NotoEmoji-Regular.ttf", "Symbola.ttf", "seguisym.ttf", "seguiemj.ttf")


def _font_dirs() -> list[Path]:
    dirs = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        Path.home() / ".local/share/fonts",
        Path.home() / ".fonts",
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
        Path.home() / "Library/Fonts",
    ]
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        dirs.insert(0, Path(windir) / "Fonts")
    extra = os.environ.get("COUNTER_APP_FONT_DIR")
    if extra:
        dirs.insert(0, Path(extra))
    return [d for d in dirs if d.is_dir()]


@lru_cache(maxsize=1)
def _font_index() -> dict[str, Path]:
    index: dict[str, Path] = {}
    for d in _font_dirs():
        for root, _dirs, files in os.walk(d):
            for f in files:
                if f.lower().endswith((".ttf", ".ttc", ".otf")):
                    index.setdefault(f.lower(), Path(root) / f)
    return index


def find_font(candidates: Iterable[str]) -> Path | None:
    """First installed font file among `candidates` (file names, case-insensitive)."""
    index = _font_index()
    for name in candidates:
        hit = index.get(name.lower())
        if hit:
            return hit
    return None


@dataclass(frozen=True)
class FontChain:
    """Fonts tried in order for each character, at one pixel size."""

    fonts: tuple[ImageFont.FreeTypeFont, ...]
    wide_index: int  # first font used for wide (CJK) characters


@lru_cache(maxsize=16)
def font_chain(cell_px: int, bold: bool) -> FontChain:
    """Fonts sized so that a narrow character is `cell_px` wide and a wide one twice that."""
    mono = find_font(MONO_BOLD if bold else MONO) or find_font(MONO)
    if mono is None:
        raise FontNotFound(
            "No monospace font found for printing receipts as images. Install DejaVu fonts "
            "(Debian/Ubuntu: sudo apt install fonts-dejavu-core) or set COUNTER_APP_FONT_DIR."
        )
    # DejaVu Sans Mono advances 0.602 em; size it so one column is cell_px wide.
    fonts = [ImageFont.truetype(str(mono), max(6.0, cell_px / 0.60205))]
    sans = find_font(SANS)
    cjk = find_font(CJK)
    wide_index = 0
    if cjk is not None:
        wide_index = len(fonts)
        fonts.append(ImageFont.truetype(str(cjk), max(6, round(2 * cell_px * 0.92))))
    if sans is not None:
        fonts.append(ImageFont.truetype(str(sans), max(6, round(cell_px / 0.62))))
    emoji = find_font(EMOJI)
    if emoji is not None:
        # Bitmap-only colour emoji fonts cannot be scaled freely: skip them.
        with contextlib.suppress(OSError):
            fonts.append(ImageFont.truetype(str(emoji), max(6, round(2 * cell_px * 0.85))))
    return FontChain(tuple(fonts), wide_index)


def _glyph_bitmap(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    size = int(font.size * 2) + 4
    img = Image.new("L", (size, size), 0)
    ImageDraw.Draw(img).text((2, 2), ch, font=font, fill=255)
    return img.tobytes()


@lru_cache(maxsize=64)
def _notdef(font: ImageFont.FreeTypeFont) -> bytes:
    return _glyph_bitmap(font, "\U0010fffd")


@lru_cache(maxsize=8192)
def _has_glyph(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    """Pillow has no glyph lookup: compare with the font's 'missing glyph' drawing."""
    if ch.isspace():
        return True
    bitmap = _glyph_bitmap(font, ch)
    return any(bitmap) and bitmap != _notdef(font)


def _pick(chain: FontChain, ch: str) -> ImageFont.FreeTypeFont | None:
    order = list(chain.fonts)
    if char_width(ch) == 2 and chain.wide_index:
        order.insert(0, order.pop(chain.wide_index))
    for f in order:
        if _has_glyph(f, ch):
            return f
    return None


def _runs(chain: FontChain, text: str) -> list[tuple[ImageFont.FreeTypeFont | None, int, str]]:
    """Split into runs of (font, char width, text) so each run is one draw call."""
    runs: list[tuple[ImageFont.FreeTypeFont | None, int, str]] = []
    for ch in text:
        w = char_width(ch)
        if w == 0 and runs:
            f, rw, t = runs[-1]
            runs[-1] = (f, rw, t + ch)  # combining mark stays with its base character
            continue
        font = None if ch == " " else _pick(chain, ch)
        if ch == " " and runs and runs[-1][1] == 1 and runs[-1][0] is chain.fonts[0]:
            font = chain.fonts[0]  # keep spaces inside a monospace run
        if runs and runs[-1][0] is font and runs[-1][1] == w:
            f, rw, t = runs[-1]
            runs[-1] = (f, rw, t + ch)
        else:
            runs.append((font, w, ch))
    return runs


def draw_text_line(
    text: str,
    width_px: int,
    cell_px: float,
    align: str = "left",
    bold: bool = False,
    double: bool = False,
    line_height: int | None = None,
) -> Image.Image:
    """One line of text on a white 'L' image `width_px` wide, laid out on the column grid.

    Drawn without anti-aliasing: the thermal head has only black and white dots.
    """
    scale = 2 if double else 1
    cell = cell_px * scale
    height = (line_height or round(cell_px * 2.5)) * scale
    img = Image.new("L", (width_px, height), 255)
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"
    chain = font_chain(round(cell), bold)
    mono = chain.fonts[0]
    cols = sum(char_width(c) for c in text)
    total = cols * cell
    x0 = 0.0
    if align == "center":
        x0 = max(0.0, (width_px - total) / 2)
    elif align == "right":
        x0 = max(0.0, width_px - total)
    baseline = round(height * 0.78)
    col = 0
    for font, w, run in _runs(chain, text):
        run_cols = sum(char_width(c) for c in run)
        x = x0 + col * cell
        col += run_cols
        if font is None:
            for i, ch in enumerate(run):
                if ch == " ":
                    continue
                # No font has it: an empty box, never a question mark.
                bx = round(x + i * cell * w)
                box_w = round(cell * w) - 3
                draw.rectangle(
                    (bx + 1, baseline - round(cell * 1.5), bx + box_w, baseline), outline=0
                )
            continue
        if font is mono:
            draw.text((x, baseline), run, font=font, fill=0, anchor="ls")
            continue
        for ch in run:  # other fonts: centre each glyph in its cell(s) on the shared grid
            cw = char_width(ch)
            gx = x + (cell * cw - font.getlength(ch)) / 2
            draw.text((gx, baseline), ch, font=font, fill=0, anchor="ls")
            if bold:
                draw.text((gx + 1, baseline), ch, font=font, fill=0, anchor="ls")
            x += cell * cw
    return img
