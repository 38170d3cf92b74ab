"""Scanning adapters: barcode decoding, webcam, keyboard-wedge detection.

Importing this package loads nothing heavy: names are resolved on first use (PEP 562), so
the wedge detector does not pull in numpy, and decoder/camera libraries (OpenCV, zbar,
zxing-cpp) are imported only when a decoder or camera is created; a missing one raises
ScannerUnavailable.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from counter_app.adapters.scanning.camera import (
        Camera,
        CameraScanner,
        FakeCamera,
        OpenCVCamera,
        encode_png,
        photo_digest,
    )
    from counter_app.adapters.scanning.decoder import (
        Decoder,
        FakeDecoder,
        PipelineDecoder,
        decode_file,
        read_image,
    )
    from counter_app.adapters.scanning.errors import (
        CameraUnavailable,
        ScannerUnavailable,
        UnreadableImage,
    )
    from counter_app.adapters.scanning.wedge import WedgeDecision, WedgeDetector

_WHERE = {
    "Camera": "camera",
    "CameraScanner": "camera",
    "FakeCamera": "camera",
    "OpenCVCamera": "camera",
    "encode_png": "camera",
    "photo_digest": "camera",
    "Decoder": "decoder",
    "FakeDecoder": "decoder",
    "PipelineDecoder": "decoder",
    "decode_file": "decoder",
    "read_image": "decoder",
    "CameraUnavailable": "errors",
    "ScannerUnavailable": "errors",
    "UnreadableImage": "errors",
    "WedgeDecision": "wedge",
    "WedgeDetector": "wedge",
}

__all__ = [
    "Camera",
    "CameraScanner",
    "CameraUnavailable",
    "Decoder",
    "FakeCamera",
    "FakeDecoder",
    "OpenCVCamera",
    "PipelineDecoder",
    "ScannerUnavailable",
    "UnreadableImage",
    "WedgeDecision",
    "WedgeDetector",
    "decode_file",
    "encode_png",
    "photo_digest",
    "read_image",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
