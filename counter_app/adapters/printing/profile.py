"""Printer profiles: which python-escpos capabilities profile, paper width, code pages, CJK.

A profile spec is the python-escpos profile name optionally followed by ``+`` options:
``"TM-T88V"``, ``"ZJ-5870+cjk"`` (the printer has a GB18030 Chinese font),
``"default+58mm"`` (override the paper width). Widths come from the escpos profile when it
knows them (e.g. TM-T88V: 512 dots, 42 columns), otherwise from the paper: 58 mm = 384 dots and
32 columns, 80 mm = 576 dots and 48 columns (font A, 12 x 24 dots).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from escpos.capabilities import get_profile
from escpos.magicencode import Encoder

from counter_app.adapters.printing.errors import PrinterConfigError

PAPER_DEFAULTS = {58: (384, 32), 80: (576, 48)}


@dataclass(frozen=True, slots=True)
class PrintProfile:
    """Everything the renderers need to know about a printer model."""

    name: str = "default"
    paper_mm: int = 80
    width_px: int = 576
    columns: int = 48
    cjk: bool = False
    code_pages: tuple[tuple[int, str], ...] = ()  # (ESC t slot, encoding) usable as text
    features: frozenset[str] = frozenset()

    @property
    def col_px(self) -> float:
        """Dots per character column (font A is 12 dots wide)."""
        return self.width_px / self.columns

    @property
    def preview_width_px(self) -> int:
        """Width of the on-screen / preview:// image: the whole paper roll."""
        return 384 if self.paper_mm <= 58 else 576

    def supports(self, feature: str) -> bool:
        return feature in self.features

    def spec(self) -> str:
        opts = [self.name, f"{self.paper_mm}mm"] + (["cjk"] if self.cjk else [])
        return "+".join(opts)


def _usable_code_pages(escpos_profile: object) -> tuple[tuple[int, str], ...]:
    """Code pages that python-escpos can actually encode (skips 'Unknown' slots)."""
    pages: list[tuple[int, str]] = []
    mapping = escpos_profile.get_code_pages()  # type: ignore[attr-defined]
    for enc, slot in mapping.items():
        try:
            Encoder._get_codepage_char_list(enc)
        except Exception:  # LookupError, KeyError: no table for this slot
            continue
        pages.append((int(slot), enc))
    pages.sort()
    return tuple(pages)


@lru_cache(maxsize=64)
def load_profile(spec: str | None = None) -> PrintProfile:
    """Parse a profile spec (see module doc); unknown names raise PrinterConfigError."""
    spec = (spec or "default").strip() or "default"
    name, *opts = spec.split("+")
    paper: int | None = None
    cjk = False
    for opt in (o.strip().lower() for o in opts):
        if opt in ("cjk", "gb18030"):
            cjk = True
        elif opt in ("58", "58mm"):
            paper = 58
        elif opt in ("80", "80mm"):
            paper = 80
        elif opt:
            raise PrinterConfigError(
                f"Unknown printer profile option '{opt}'. Use cjk, 58mm or 80mm."
            )
    try:
        ep = get_profile(name)
    except Exception as exc:
        raise PrinterConfigError(
            f"Unknown printer model profile '{name}'. Use a python-escpos profile name such "
            "as 'default', 'TM-T88V', 'TM-T20II' or 'ZJ-5870'."
        ) from exc
    data = ep.profile_data
    features = frozenset(k for k, v in data.get("features", {}).items() if v)
    media = data.get("media", {}).get("width", {})
    pixels = media.get("pixels")
    try:
        font_a_cols = int(data["fonts"]["0"]["columns"])
    except (KeyError, TypeError, ValueError):
        font_a_cols = 0
    if paper is None and isinstance(pixels, int) and font_a_cols:
        width_px, columns = pixels, font_a_cols
        paper = 58 if pixels <= 420 else 80
    else:
        paper = paper or 80
        width_px, columns = PAPER_DEFAULTS[paper]
    return PrintProfile(
        name=name,
        paper_mm=paper,
        width_px=width_px,
        columns=columns,
        cjk=cjk,
        code_pages=_usable_code_pages(ep),
        features=features,
    )
