"""Render a Document as monospace plain text (logs, e-mail, ``--format text``)."""

from __future__ import annotations

from counter_app.adapters.printing.layout import Line, aligned, display_width, layout
from counter_app.adapters.printing.profile import PrintProfile, load_profile
from counter_app.domain.documents import QR, Barcode, CashDrawer, Cut, Document, Feed


def render_text(
    doc: Document, profile: PrintProfile | str | None = None, columns: int | None = None
) -> str:
    """The document as lines of at most `columns` display columns (default: the profile's)."""
    prof = profile if isinstance(profile, PrintProfile) else load_profile(profile)
    width = columns or prof.columns
    out: list[str] = []
    for item in layout(doc, width, 10**6):
        if isinstance(item, Line):
            text = item.text.upper() if item.size == "double" and item.text.isascii() else item.text
            out.append(aligned(text, item.align, width).rstrip())
        elif isinstance(item, Barcode):
            out.append(aligned(f"[barcode {item.data}]", "center", width))
        elif isinstance(item, QR):
            out.append(aligned(f"[QR {item.data}]", "center", width))
        elif isinstance(item, Feed):
            out.extend([""] * max(0, min(item.lines, 20)))
        elif isinstance(item, Cut):
            mark = " cut "
            side = max(0, (width - display_width(mark)) // 2)
            out.append("-" * side + mark + "-" * (width - side - len(mark)))
        elif isinstance(item, CashDrawer):
            out.append(aligned("[cash drawer opened]", "center", width))
    return "\n".join(out) + "\n"
