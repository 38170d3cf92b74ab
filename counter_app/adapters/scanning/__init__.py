"""Scanning adapters: barcode decoding, webcam, keyboard-wedge detection.

Importing this package loads no decoder or camera library; engines are imported when a
decoder or camera is created, and a missing one raises ScannerUnavailable.
"""

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
