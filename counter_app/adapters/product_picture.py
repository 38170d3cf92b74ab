"""The demo catalog's product pictures: a coloured shape and the product's name, drawn with
Pillow. Deterministic (the colour and shape come from the SKU and category), so the demo's
head office and store hold the same picture and a test can compare them."""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

from counter_app.adapters.printing.fonts import CJK, SANS, find_font

SIZE = 160
_SHAPES = {"apparel": "square", "electronics": "circle", "home": "triangle"}


def product_picture(sku: str, name: str, category: str) -> bytes:
    """A small PNG for the product: its colour from the SKU, its shape from the category."""
    digest = hashlib.sha256(sku.encode("utf-8")).digest()
    colour = (64 + digest[0] % 160, 64 + digest[1] % 160, 64 + digest[2] % 160)
    image = Image.new("RGB", (SIZE, SIZE), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    box = (30, 14, SIZE - 30, SIZE - 50)
    shape = _SHAPES.get(category, "diamond")
    if shape == "square":
        draw.rounded_rectangle(box, radius=12, fill=colour)
    elif shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "triangle":
        draw.polygon([(SIZE // 2, box[1]), (box[2], box[3]), (box[0], box[3])], fill=colour)
    else:
        mid_x, mid_y = SIZE // 2, (box[1] + box[3]) // 2
        draw.polygon([(mid_x, box[1]), (box[2], mid_y), (mid_x, box[3]), (box[0], mid_y)],
                     fill=colour)  # fmt: skip
    font = _font()
    text = name if len(name) <= 18 else name[:17] + "…"
    width = draw.textlength(text, font=font)
    draw.text(((SIZE - width) / 2, SIZE - 38), text, fill=(30, 30, 30), font=font)
    draw.text((6, SIZE - 16), sku, fill=(110, 110, 110), font=_font(10))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def product_picture_base64(sku: str, name: str, category: str) -> str:
    return base64.b64encode(product_picture(sku, name, category)).decode("ascii")


def _font(size: int = 14) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font with Chinese glyphs when one is installed (the demo has Chinese names)."""
    path = find_font(CJK) or find_font(SANS)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)
