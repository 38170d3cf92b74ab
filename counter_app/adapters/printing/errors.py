"""Printing errors, each with a message a cashier can act on."""

from __future__ import annotations


class PrintingError(Exception):
    """Base class for printing problems."""


class PrinterConfigError(PrintingError):
    """The printer connection string or profile is wrong (fix the settings)."""


class PrinterUnavailable(PrintingError):
    """The connection type needs a library that is not installed."""


class PrintFailed(PrintingError):
    """A print job did not complete; the message says why in plain words."""

    def __init__(self, reason: str, *, possibly_printed: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.possibly_printed = possibly_printed


class FontNotFound(PrintingError):
    """No usable font for rendering text as an image."""
