"""A catalog picture from head office, checked before the store keeps it.

Head office (or whoever answers in its name) sends base64 text; what the store keeps is a
PNG it encoded itself from pixels Pillow decoded within a budget: the header's size is read
first (no pixel decoded), Pillow's `verify()` checks the file's structure, the picture is
scaled down to what the counter screen shows, and only then re-encoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings

from counter_app.adapters.image_limits import ImageTooLarge, check_image_data

MAX_BASE64 = 400_000  # the protocol's bound (sync_types.MAX_IMAGE_BASE64)
MAX_PIXELS = 4_000_000  # 2000×2000: more than a product photo for a screen needs
MAX_SIDE = 512  # kept at most this wide and high (the line's picture is ~200 px)
FORMATS = ("PNG", "JPEG")


class BadCatalogImage(ValueError):
    """The picture is not a PNG or JPEG Pillow can read within the budget (one line)."""


def clean_catalog_image(text: object) -> tuple[bytes, str]:
    """(PNG bytes, their SHA-256 hex) of the picture in `text`; BadCatalogImage otherwise."""
    if not isinstance(text, str) or not text or len(text) > MAX_BASE64:
        raise BadCatalogImage(f"the picture must be base64 text of at most {MAX_BASE64} characters")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadCatalogImage("the picture is not base64") from None
    try:
        check_image_data(data, MAX_PIXELS)
    except ImageTooLarge as exc:
        raise BadCatalogImage(str(exc)) from None
    png = _reencode(data)
    return png, hashlib.sha256(png).hexdigest()


def _reencode(data: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise BadCatalogImage("the picture must be a PNG or a JPEG")
                if probe.width * probe.height > MAX_PIXELS:
                    raise BadCatalogImage("the picture has too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                picture = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except BadCatalogImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as exc:
        raise BadCatalogImage(f"the picture cannot be read: {str(exc)[:120]}") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
