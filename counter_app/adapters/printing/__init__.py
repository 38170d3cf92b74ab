"""Printing: documents to ESC/POS, PNG or text, and connection strings to printers.

Public API (import from here):
- ``connect(url, profile=None, timeout=10.0) -> Printer`` and ``open_printer`` (raw escpos)
- ``Printer`` protocol, ``PrinterStatus``, ``FakePrinter``, ``PreviewPrinter``
- ``PrintSender().send_job(document_or_bytes, printer) -> JobResult``, ``job_fingerprint``
- ``render_escpos_bytes``, ``render_escpos``, ``render_png``, ``render_image``, ``render_text``
- ``load_profile(spec) -> PrintProfile``
- errors: ``PrinterConfigError``, ``PrinterUnavailable``, ``PrintFailed``, ``FontNotFound``

Importing this package opens no device and loads no optional driver library.
"""

from counter_app.adapters.printing.connections import (
    FakePrinter,
    PreviewPrinter,
    Printer,
    PrinterStatus,
    connect,
    open_printer,
    parse_printer_url,
)
from counter_app.adapters.printing.errors import (
    FontNotFound,
    PrinterConfigError,
    PrinterUnavailable,
    PrintFailed,
    PrintingError,
)
from counter_app.adapters.printing.escpos_render import render_escpos, render_escpos_bytes
from counter_app.adapters.printing.png_render import render_image, render_png
from counter_app.adapters.printing.profile import PrintProfile, load_profile
from counter_app.adapters.printing.sender import JobResult, PrintSender, job_fingerprint
from counter_app.adapters.printing.text_render import render_text

__all__ = [
    "FakePrinter",
    "FontNotFound",
    "JobResult",
    "PreviewPrinter",
    "PrintFailed",
    "PrintProfile",
    "PrintSender",
    "Printer",
    "PrinterConfigError",
    "PrinterStatus",
    "PrinterUnavailable",
    "PrintingError",
    "connect",
    "job_fingerprint",
    "load_profile",
    "open_printer",
    "parse_printer_url",
    "render_escpos",
    "render_escpos_bytes",
    "render_image",
    "render_png",
    "render_text",
]
