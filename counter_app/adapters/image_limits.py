"""A pixel budget for every image the app decodes (scan-image files, photos, logos).

A 20000×20000 PNG is a few hundred KB on disk and 1.2 GB once decoded, so the size is read
from the file's header (Pillow opens lazily: no pixel is decoded) and refused before any
decoder allocates. Pillow's own bomb check and OpenCV's pixel limit are set to the same
budget, for the formats one of them reads and the other does not.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import BinaryIO

from counter_app.adapters.scanning.errors import UnreadableImage

MAX_PIXELS = 40_000_000  # 40 Mpx: a phone photo is 12–50 Mpx; a barcode needs far fewer
_OPENCV_LIMIT = "OPENCV_IO_MAX_IMAGE_PIXELS"


class ImageTooLarge(UnreadableImage):
    """The image has more pixels than the budget; nothing was decoded."""


def limit_decoders(max_pixels: int = MAX_PIXELS) -> None:
    """Make Pillow and OpenCV refuse images over the budget themselves.

    OpenCV reads its limit when it is first imported, so this runs before that."""
    os.environ.setdefault(_OPENCV_LIMIT, str(max_pixels))
    from PIL import Image

    # Pillow raises DecompressionBombError over twice this, and warns over it.
    Image.MAX_IMAGE_PIXELS = max_pixels


def image_size(path: str | Path) -> tuple[int, int] | None:
    """(width, height) from the file's header, or None when Pillow cannot identify it."""
    try:
        with open(path, "rb") as fp:
            return _header_size(fp, str(path))
    except OSError:
        return None


def _header_size(fp: BinaryIO, name: str) -> tuple[int, int] | None:
    """Pillow's plugins are asked directly, as Image.open does, but without its bomb check:
    that check refuses without saying the size, and its limit is a process-wide setting."""
    from PIL import Image

    Image.init()
    prefix = fp.read(16)
    for plugin in Image.ID:
        factory, accept = Image.OPEN[plugin]
        accepted = accept(prefix) if accept is not None else True
        if isinstance(accepted, str) or not accepted:  # str: a warning, not a yes
            continue
        fp.seek(0)
        try:
            im = factory(fp, name)  # parses the header; no pixel is decoded
        except (SyntaxError, IndexError, TypeError, ValueError, OSError, struct.error):
            continue
        width, height = im.size
        return int(width), int(height)
    return None


def check_image_data(data: bytes, max_pixels: int = MAX_PIXELS) -> None:
    """Raise ImageTooLarge when the encoded image in `data` is over the pixel budget."""
    _check(_header_size(io.BytesIO(data), ""), max_pixels)


def check_pixels(width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    """Raise ImageTooLarge for an in-memory image (a camera frame) over the budget."""
    _check((width, height), max_pixels)


def image_fits(path: str | Path, max_pixels: int = MAX_PIXELS) -> bool:
    """Is the file within the budget (or not an image Pillow knows, left to the decoder)?"""
    try:
        check_image_file(path, max_pixels)
    except ImageTooLarge:
        return False
    return True


def check_image_file(path: str | Path, max_pixels: int = MAX_PIXELS) -> None:
    """Raise ImageTooLarge (one line) when the image in `path` is over the pixel budget."""
    _check(image_size(path), max_pixels)


def _check(size: tuple[int, int] | None, max_pixels: int) -> None:
    if size is None:
        return
    width, height = size
    if width * height > max_pixels:
        raise ImageTooLarge(_message(width, height, max_pixels))


def _message(width: int, height: int, max_pixels: int) -> str:
    return (
        f"image too large: {width}×{height} pixels ({width * height / 1e6:.0f} Mpx); "
        f"the limit is {max_pixels / 1e6:.0f} Mpx"
    )
