"""Which of head office's page languages (English, Chinese) a browser asks for.

The `Accept-Language` header is read with its q-values (RFC 9110) and matched with Babel's
`negotiate_locale` (so `zh-CN`, `zh-TW`, `zh` all pick Chinese); anything else, a missing or
malformed header included, is English. Pure.
"""

from __future__ import annotations

from typing import Literal

from babel.core import negotiate_locale

Lang = Literal["en", "zh"]
AVAILABLE = ("en", "zh")
_MAX_HEADER = 512
_MAX_TAGS = 20


def preferred(header: str | None) -> list[str]:
    """The header's language tags, most wanted first (q=0 and `*` left out)."""
    tags: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "")[:_MAX_HEADER].split(",")[:_MAX_TAGS]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0 and tag.replace("-", "").isalnum():
            tags.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(tags)]


def pick(header: str | None, override: str | None = None) -> Lang:
    """`override` (a `?lang=` value) when it names a page language, else the header's."""
    if override in AVAILABLE:
        return "zh" if override == "zh" else "en"
    chosen = negotiate_locale(preferred(header), list(AVAILABLE), sep="-")
    return "zh" if chosen == "zh" else "en"
