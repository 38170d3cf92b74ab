"""A font that has Chinese glyphs, for widgets that do not fall back well.

Qt Charts lays out an axis title with the metrics of the font it was given; when that font
(DejaVu Sans, say) has no CJK glyphs the title is drawn with a fallback face taller than the
space reserved for it, and a rotated Chinese title is elided to "⋮". Giving the charts a
family that has the glyphs itself (fonts-wqy-zenhei, Noto CJK, ...) fixes the layout."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QRawFont

PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
SAMPLE = "退货件数金额"
_chosen: dict[str, str | None] = {}


def has_glyphs(font: QFont, text: str = SAMPLE) -> bool:
    """True when the font's own face (not a fallback) draws every character of `text`."""
    raw = QRawFont.fromFont(font)
    # the code point, not the str: PySide passes a str as a signed 16-bit QChar, so every
    # character above U+7FFF would read as missing
    return raw.isValid() and all(raw.supportsCharacter(ord(ch)) for ch in text if ch.isprintable()
                                 and not ch.isspace())  # fmt: skip


def cjk_family() -> str | None:
    """The first installed family that draws Chinese (preferred ones first), or None."""
    if "family" not in _chosen:
        installed = set(QFontDatabase.families())
        chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
        candidates = [f for f in PREFERRED if f in installed] + list(chinese)
        _chosen["family"] = next((f for f in candidates if has_glyphs(QFont(f))), None)
    return _chosen["family"]


def cjk_font(base: QFont) -> QFont:
    """`base` (size, weight kept) in a family that draws Chinese; `base` if it already does
    or none is installed."""
    if has_glyphs(base):
        return base
    family = cjk_family()
    if family is None:
        return base
    font = QFont(base)
    font.setFamily(family)
    return font
