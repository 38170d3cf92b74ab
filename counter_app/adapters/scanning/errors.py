"""Named errors of the scanning adapters, so the UI can say what is wrong and what to do."""

from __future__ import annotations


class ScannerUnavailable(RuntimeError):
    """A decoding or camera library (or its system library) is not installed."""


class UnreadableImage(ValueError):
    """A file is missing, unreadable, or not an image we can decode."""


class CameraUnavailable(RuntimeError):
    """The camera could not be opened or stopped delivering frames."""
