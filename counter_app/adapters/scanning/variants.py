"""Image variants for the thorough decoder search: grayscale, rescaled, filtered, rotated.

Real phone photos are rarely clean; each variant undoes one common defect (low contrast,
glare, blur, small modules, tilt). They are yielded cheapest and likeliest first so the
search usually stops early. :data:`EXTRA_VARIANTS` are optional general techniques that a
:class:`~counter_app.adapters.scanning.decoder.Tuning` may switch on; which ones pay off is
judged on photos they were not chosen on (benchmarks/bench_decode.py, leave-one-folder-out).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def to_gray(cv2: Any, image: Image) -> Image:
    """Grayscale properly: pyzbar would read only the first (blue) channel of BGR."""
    if image.ndim == 2:
        gray = image
    elif image.shape[2] == 4:
        gray = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    elif image.shape[2] == 3:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    else:
        gray = image[:, :, 0]
    if gray.dtype != np.uint8:
        gray = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.ascontiguousarray(gray)


def rotate(cv2: Any, gray: Image, angle: float) -> Image:
    """Rotate about the centre into a canvas big enough for the whole image."""
    h, w = gray.shape[:2]
    rad = math.radians(angle)
    nw = int(w * abs(math.cos(rad)) + h * abs(math.sin(rad)))
    nh = int(h * abs(math.cos(rad)) + w * abs(math.sin(rad)))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    return np.asarray(
        cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
        dtype=np.uint8,
    )


def scale(cv2: Any, gray: Image, factor: float) -> Image:
    """Resize by ``factor``: area averaging down, cubic up."""
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    h, w = gray.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(cv2.resize(gray, size, interpolation=interp), dtype=np.uint8)


def working_size(cv2: Any, image: Image, max_side: int) -> Image:
    """The image (gray or colour) scaled down so its longer side is at most ``max_side``."""
    side = max(image.shape[:2])
    return scale(cv2, image, max_side / side) if side > max_side else image


def _flatten(cv2: Any, base: Image) -> Image:
    """Divide by the blurred background: evens out glare and shading (flat-field)."""
    sigma = max(8.0, max(base.shape[:2]) / 24)
    background = cv2.GaussianBlur(base, (0, 0), sigma).astype(np.float32) + 1.0
    flat = base.astype(np.float32) / background * 160.0
    return np.asarray(np.clip(flat, 0, 255), dtype=np.uint8)


def _clahe_fine(cv2: Any, base: Image) -> Image:
    """Local contrast on small tiles: a glare patch gets its own histogram."""
    return np.asarray(cv2.createCLAHE(3.0, (16, 16)).apply(base), dtype=np.uint8)


def _adaptive(cv2: Any, base: Image) -> Image:
    """Binarised against the local mean (another binarizer than zxing-cpp's own)."""
    block = max(15, (max(base.shape[:2]) // 40) | 1)
    out = cv2.adaptiveThreshold(base, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5)
    return np.asarray(out, dtype=np.uint8)


def _up15(cv2: Any, base: Image) -> Image:
    """Multi-scale: small modules read better a bit larger."""
    return scale(cv2, base, 1.5) if max(base.shape[:2]) <= 1000 else base


def _half(cv2: Any, base: Image) -> Image:
    """Multi-scale: blur and noise of big photos average out at half size."""
    return scale(cv2, base, 0.5) if min(base.shape[:2]) >= 200 else base


def _flatten_clahe(cv2: Any, base: Image) -> Image:
    """Flat-field then local contrast: glare first removed, then the bars stretched."""
    return _clahe_fine(cv2, _flatten(cv2, base))


EXTRA_VARIANTS: dict[str, Callable[[Any, Image], Image]] = {
    "flatten": _flatten,
    "clahe-fine": _clahe_fine,
    "adaptive": _adaptive,
    "up1.5": _up15,
    "half": _half,
    "flatten-clahe": _flatten_clahe,
}


def thorough_variants(
    cv2: Any, gray: Image, max_side: int, extra: tuple[str, ...] = ()
) -> Iterator[tuple[str, Image]]:
    """Yield (name, grayscale image) to try, cheapest and likeliest first."""
    h, w = gray.shape[:2]
    side = max(h, w)
    base = working_size(cv2, gray, max_side)
    yield "gray", base
    small = side < 640
    if small:
        yield "up2", scale(cv2, base, 2.0)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    yield "clahe", np.asarray(clahe.apply(base), dtype=np.uint8)
    # the extras work at most at 800 px: on a big empty frame they would cost more than
    # all standard variants together, and small modules get their own "up1.5" anyway
    extra_base = base if side <= 800 else working_size(cv2, base, 800)
    for name in extra:
        yield name, EXTRA_VARIANTS[name](cv2, extra_base)
    blur = np.asarray(cv2.GaussianBlur(base, (3, 3), 0), dtype=np.uint8)
    yield "blur", blur
    _, fixed = cv2.threshold(base, 127, 255, cv2.THRESH_BINARY)
    yield "threshold", np.asarray(fixed, dtype=np.uint8)
    _, otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    yield "otsu", np.asarray(otsu, dtype=np.uint8)
    yield "inverted", np.asarray(255 - base, dtype=np.uint8)
    sharp = cv2.addWeighted(base, 1.8, cv2.GaussianBlur(base, (0, 0), 2.0), -0.8, 0)
    yield "sharpen", np.asarray(sharp, dtype=np.uint8)
    strong = cv2.createCLAHE(clipLimit=4.0, tileGridSize=(4, 4))
    yield "clahe-strong", np.asarray(strong.apply(base), dtype=np.uint8)
    # Averaging along the bars removes glare, speckle and print noise of 1-D codes
    # while keeping the bar edges; both orientations, then at 1.5x.
    along_v = np.asarray(clahe.apply(cv2.blur(base, (1, 15))), dtype=np.uint8)
    yield "vblur-clahe", along_v
    along_h = np.asarray(clahe.apply(cv2.blur(base, (15, 1))), dtype=np.uint8)
    yield "hblur-clahe", along_h
    if side <= 800:
        yield "vblur-clahe-up", scale(cv2, along_v, 1.5)
        yield "hblur-clahe-up", scale(cv2, along_h, 1.5)
    if small:
        yield "up3", scale(cv2, base, 3.0)
        yield "up2-otsu", scale(cv2, np.asarray(otsu, dtype=np.uint8), 2.0)
    tilt_base = base if side <= 800 else scale(cv2, base, 800 / max(base.shape[:2]))
    for angle in (10, -10, 20, -20, 30, -30, 45, -45):
        yield f"rot{angle}", rotate(cv2, tilt_base, angle)
    if side < 640 and min(h, w) >= 8:
        yield "down-half", scale(cv2, base, 0.5)
    if side > max_side:
        yield "full", gray
