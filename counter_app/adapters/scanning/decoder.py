"""Barcode decoding: the `Decoder` interface, the real two-engine pipeline and a fake.

Real webcam frames and phone photos are rarely clean, so :class:`PipelineDecoder` tries a
short list of image variants, cheapest first (plain grayscale, rescaled, contrast-stretched,
thresholded, inverted, slightly rotated), runs zxing-cpp and pyzbar on each and stops at
the first variant that yields a believable code. Both engines stay: on the reference photo
set each reads codes the other misses, and where both read the same symbology their
agreement is used to drop misreads. Libraries are imported when the decoder is built, never
at import of ``counter_app``, and a missing one raises :class:`ScannerUnavailable`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from counter_app.adapters.image_limits import check_image_data
from counter_app.adapters.scanning.errors import ScannerUnavailable, UnreadableImage
from counter_app.domain.scanning import DecodedCode, normalise_code

Image = npt.NDArray[np.uint8]
Effort = Literal["fast", "thorough"]

_LINEAR_EAN = frozenset({"EAN13", "EAN8", "UPCA", "UPCE"})


class Decoder(Protocol):
    """Finds barcodes in one image (BGR or grayscale uint8 array)."""

    def decode(self, image: Image) -> list[DecodedCode]:
        """Return the codes found, in canonical form; an empty list when there are none."""
        ...


class FakeDecoder:
    """In-memory decoder for tests: returns scripted results, one list per call.

    ``results`` is consumed in order; when it runs out, ``default`` is returned. Each image
    seen is counted in ``calls`` so tests can assert on decode throttling.
    """

    def __init__(
        self,
        results: Sequence[Sequence[DecodedCode]] = (),
        default: Sequence[DecodedCode] = (),
        by_image: Callable[[Image], list[DecodedCode]] | None = None,
    ) -> None:
        self._results = [list(r) for r in results]
        self._default = list(default)
        self._by_image = by_image
        self.calls = 0

    def decode(self, image: Image) -> list[DecodedCode]:
        """Return the next scripted result (or ask ``by_image`` about the image)."""
        self.calls += 1
        if self._by_image is not None:
            return self._by_image(image)
        if self._results:
            return self._results.pop(0)
        return list(self._default)


def load_cv2() -> Any:
    """Import OpenCV or raise ScannerUnavailable saying what to install."""
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ScannerUnavailable(
            "OpenCV is not installed: pip install opencv-python-headless"
        ) from exc
    return cv2


def _load_pyzbar() -> Any:
    try:
        from pyzbar import pyzbar
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ScannerUnavailable(
            "the zbar barcode library is missing: pip install pyzbar, and the system "
            "library (Debian/Ubuntu: apt-get install libzbar0; macOS: brew install zbar)"
        ) from exc
    return pyzbar


def _load_zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ScannerUnavailable("zxing-cpp is not installed: pip install zxing-cpp") from exc
    return zxingcpp


class PipelineDecoder:
    """The real decoder: image variants x (zxing-cpp, pyzbar), cheap first.

    ``effort="thorough"`` (files, condition photos) walks all variants; ``effort="fast"``
    (live camera frames, decoded many times a second) works on the frame scaled to
    ``max_side`` 640 and tries only the plain and one contrast variant, so a 1280x720
    frame stays within the frame budget. ``engines`` picks the engines; both are on by
    default.
    """

    def __init__(
        self,
        effort: Effort = "thorough",
        engines: Sequence[str] = ("zxing", "pyzbar"),
        max_side: int | None = None,
        confirm: bool = True,
    ) -> None:
        unknown = set(engines) - {"zxing", "pyzbar"}
        if unknown or not engines:
            raise ValueError(f"engines must be 'zxing' and/or 'pyzbar', got {list(engines)}")
        self.effort: Effort = effort
        self.max_side = max_side or (640 if effort == "fast" else 1280)
        self.confirm = confirm
        self._cv2 = load_cv2()
        self._zx: Any = _load_zxing() if "zxing" in engines else None
        self._zb: Any = _load_pyzbar() if "pyzbar" in engines else None
        self._zb_symbols: list[Any] = []
        self._zx_formats: Any = None
        if self._zb is not None:
            from pyzbar.pyzbar import ZBarSymbol

            # UPC-A left out on purpose: zbar then reports it as a 13-digit EAN (our
            # canonical form). UPC-E stays on so its reads are labelled UPCE: zbar misreads
            # half a UPC-A as a UPC-E, so those reads need zxing-cpp to confirm them.
            self._zb_symbols = [
                ZBarSymbol.EAN13,
                ZBarSymbol.UPCE,
                ZBarSymbol.EAN8,
                ZBarSymbol.CODE39,
                ZBarSymbol.CODE93,
                ZBarSymbol.CODE128,
                ZBarSymbol.I25,
                ZBarSymbol.CODABAR,
                ZBarSymbol.QRCODE,
            ]
        if self._zx is not None:
            f = self._zx.BarcodeFormat
            wanted = [f.EAN13, f.EAN8, f.UPCA, f.UPCE, f.Code39, f.Code93, f.Code128]
            wanted += [f.ITF, f.Codabar, f.QRCode]
            try:  # zxing-cpp 3 takes a list; 2.x only the | operator
                self._zx_formats = self._zx.BarcodeFormats(wanted)
            except TypeError:
                formats = wanted[0] | wanted[1]
                for fmt in wanted[2:]:
                    formats = formats | fmt
                self._zx_formats = formats

    # -- engines -----------------------------------------------------------------------
    def _zxing(self, gray: Image, thorough: bool) -> list[DecodedCode]:
        if self._zx is None:
            return []
        found = self._zx.read_barcodes(
            gray,
            formats=self._zx_formats,
            try_rotate=True,
            try_downscale=thorough,
            try_invert=True,
        )
        out = []
        for r in found:
            code = normalise_code(r.text, str(r.format).split(".")[-1])
            if code is not None:
                out.append(code)
        return out

    def _pyzbar(self, gray: Image) -> list[DecodedCode]:
        if self._zb is None or min(gray.shape[:2]) < 1:
            return []
        try:
            found = self._zb.decode(gray, symbols=self._zb_symbols)
        except Exception:  # zbar refuses some degenerate shapes; that is "no code"
            return []
        out = []
        for r in found:
            try:
                text = r.data.decode("utf-8")
            except UnicodeDecodeError:
                text = r.data.decode("latin-1")
            code = normalise_code(text, r.type)
            if code is not None:
                out.append(code)
        return out

    @staticmethod
    def _combine(zx: list[DecodedCode], zb: list[DecodedCode]) -> list[DecodedCode]:
        """Merge both engines' reads of one variant, using agreement to drop misreads.

        Per symbology family, when both engines read something: keep the texts both agree
        on; if they agree on none, trust zxing-cpp (it decodes FNC4/ECI text correctly) —
        except for ITF, where the union goes to :meth:`_resolve_itf` so a full-length read
        by either engine beats partial reads by the other.
        """

        def family(c: DecodedCode) -> str:
            return "EANUPC" if c.symbology in _LINEAR_EAN else c.symbology

        out: list[DecodedCode] = []
        for fam in dict.fromkeys([family(c) for c in zx + zb]):
            a = [c for c in zx if family(c) == fam]
            b = [c for c in zb if family(c) == fam]
            if a and b and fam == "ITF":
                out.extend(a + b)
            elif a and b:
                texts_b = {c.text for c in b}
                agreed = [c for c in a if c.text in texts_b]
                out.extend(agreed or a)
            else:
                out.extend(a or b)
        seen: set[tuple[str, str]] = set()
        unique = []
        for c in out:
            if (c.text, c.symbology) not in seen:
                seen.add((c.text, c.symbology))
                unique.append(c)
        return PipelineDecoder._resolve_itf(PipelineDecoder._drop_partial_upce(unique))

    @staticmethod
    def _resolve_itf(codes: list[DecodedCode]) -> list[DecodedCode]:
        """Drop ITF reads that look like partial scan lines across a tilted code.

        ITF has no fixed length and no check character, so a scan line leaving the bars
        half-way yields a shorter valid-looking code. Reads contained in a longer read are
        dropped; if what is left overlaps (one's tail is another's head), the reads are
        fragments of one code and none is trusted for this variant.
        """
        itf = [c.text for c in codes if c.symbology == "ITF"]
        if len(itf) < 2:
            return codes
        keep = PipelineDecoder._itf_survivors(itf)
        return [c for c in codes if c.symbology != "ITF" or c.text in keep]

    # -- preprocessing -----------------------------------------------------------------
    def to_gray(self, image: Image) -> Image:
        """Grayscale properly: pyzbar would read only the first (blue) channel of BGR."""
        cv2 = self._cv2
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

    def _rotate(self, gray: Image, angle: float) -> Image:
        cv2 = self._cv2
        h, w = gray.shape[:2]
        rad = math.radians(angle)
        nw = int(w * abs(math.cos(rad)) + h * abs(math.sin(rad)))
        nh = int(h * abs(math.cos(rad)) + w * abs(math.sin(rad)))
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        m[0, 2] += (nw - w) / 2
        m[1, 2] += (nh - h) / 2
        return np.asarray(
            cv2.warpAffine(
                gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            ),
            dtype=np.uint8,
        )

    def _scale(self, gray: Image, factor: float) -> Image:
        cv2 = self._cv2
        interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        h, w = gray.shape[:2]
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        return np.asarray(cv2.resize(gray, size, interpolation=interp), dtype=np.uint8)

    def variants(self, image: Image) -> Iterator[tuple[str, Image]]:
        """Yield (name, grayscale image) to try, cheapest and likeliest first."""
        cv2 = self._cv2
        gray = self.to_gray(image)
        h, w = gray.shape[:2]
        side = max(h, w)
        base = gray
        if side > self.max_side:
            base = self._scale(gray, self.max_side / side)
        yield "gray", base
        clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
        if self.effort == "fast":
            yield "clahe", np.asarray(clahe.apply(base), dtype=np.uint8)
            return
        small = side < 640
        if small:
            yield "up2", self._scale(base, 2.0)
        yield "clahe", np.asarray(clahe.apply(base), dtype=np.uint8)
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
            yield "vblur-clahe-up", self._scale(along_v, 1.5)
            yield "hblur-clahe-up", self._scale(along_h, 1.5)
        if small:
            yield "up3", self._scale(base, 3.0)
            yield "up2-otsu", self._scale(np.asarray(otsu, dtype=np.uint8), 2.0)
        tilt_base = base if side <= 800 else self._scale(base, 800 / max(base.shape[:2]))
        for angle in (10, -10, 20, -20, 30, -30, 45, -45):
            yield f"rot{angle}", self._rotate(tilt_base, angle)
        if side < 640 and min(h, w) >= 8:
            yield "down-half", self._scale(base, 0.5)
        if side > self.max_side:
            yield "full", gray

    # -- the interface -----------------------------------------------------------------
    def decode(self, image: Image) -> list[DecodedCode]:
        """Decode, stopping at the first variant that makes a code sure.

        A code is sure when both engines read it in one variant, or when it is read again
        in a later variant. In thorough mode a code read only once is dropped when
        ``confirm`` is set (default), since a single weak read is how misreads happen; the
        fast (camera) mode returns single reads because the camera worker already demands
        consistent reads over several frames.

        ITF has no check character and no fixed length, so a scan line crossing a tilted
        ITF code yields shorter, perfectly valid-looking codes. Once any ITF read shows up,
        thorough mode walks every variant (the rotated ones read the whole code) and keeps
        only ITF texts that are no fragment of a longer read; fast mode accepts only
        ITF-14 (GS1 check digit).
        """
        if image is None or image.size == 0 or image.ndim not in (2, 3):
            return []
        thorough = self.effort == "thorough"
        zx_votes: dict[DecodedCode, int] = {}
        zb_votes: dict[DecodedCode, int] = {}
        itf_seen = False
        for name, variant in self.variants(image):
            zx = self._zxing(variant, thorough)
            # zbar is the slow engine on noisy frames: in fast mode only on the plain frame
            zb = self._pyzbar(variant) if thorough or name == "gray" else []
            found = self._combine(zx, zb)
            if not thorough:
                found = [c for c in found if c.symbology != "ITF" or len(c.text) == 14]
                if found:
                    return found
                continue
            for c in found + [c for c in zx + zb if c.symbology == "ITF"]:
                zx_votes.setdefault(c, 0)
                zb_votes.setdefault(c, 0)
            for c in found:
                zx_votes[c] += c in zx
                zb_votes[c] += c in zb
            itf_seen = itf_seen or any(c.symbology == "ITF" for c in zx_votes)
            if not itf_seen:
                sure = [c for c in zx_votes if self._is_sure(zx_votes[c], zb_votes[c], c)]
                if sure:
                    return self._drop_partial_upce(sure)
        if not zx_votes:
            return []
        itf_keep = self._itf_survivors([c.text for c in zx_votes if c.symbology == "ITF"])
        if itf_keep:
            # stray ITF reads from rotated/thresholded variants are weak next to the code
            # that nearly every variant reads: keep those with at least half the top votes
            strength = {
                t: zx_votes[DecodedCode(t, "ITF")] + zb_votes[DecodedCode(t, "ITF")]
                for t in itf_keep
            }
            top = max(strength.values())
            itf_keep = {t for t in itf_keep if strength[t] * 2 >= top}
        candidates = [c for c in zx_votes if c.symbology != "ITF" or c.text in itf_keep]
        if self.confirm:
            candidates = [c for c in candidates if self._is_sure(zx_votes[c], zb_votes[c], c)]
        return self._drop_partial_upce(candidates)

    @staticmethod
    def _itf_survivors(texts: list[str]) -> set[str]:
        """ITF texts that are not fragments: not inside a longer read, not overlapping one."""
        keep = [t for t in set(texts) if not any(t != o and t in o for o in texts)]
        for a in keep:
            for b in keep:
                if a != b and any(a.endswith(b[:n]) for n in range(2, min(len(a), len(b)))):
                    return set()
        return set(keep)

    @staticmethod
    def _is_sure(zx: int, zb: int, code: DecodedCode) -> bool:
        """Both engines agree, or one engine read it twice (pyzbar alone never for UPC-E)."""
        if zx and zb:
            return True
        if code.symbology == "UPCE" and not zx:
            return False
        return zx + zb >= 2

    @staticmethod
    def _drop_partial_upce(codes: list[DecodedCode]) -> list[DecodedCode]:
        """A UPC-E beside a UPC-A/EAN-13 in one image is a misread of half of it."""
        if any(c.symbology in ("UPCA", "EAN13") for c in codes):
            return [c for c in codes if c.symbology != "UPCE"]
        return codes


def read_image(path: str | Path) -> Image:
    """Read png/webp/jpg/... from bytes (so non-ASCII paths work) into a BGR array."""
    cv2 = load_cv2()
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableImage(f"file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise UnreadableImage(f"is a folder, not an image: {p}") from exc
    except OSError as exc:
        raise UnreadableImage(f"cannot read file: {p} ({exc.strerror or exc})") from exc
    if not data:
        raise UnreadableImage(f"file is empty: {p}")
    check_image_data(data)  # from the header, before any decoder allocates the pixels
    img = None
    try:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        finally:
            cv2.utils.logging.setLogLevel(level)
    except cv2.error:
        img = None
    if img is None:
        img = _read_with_pillow(data)
    if img is None:
        raise UnreadableImage(f"not an image (or an unsupported format): {p}")
    return np.asarray(img, dtype=np.uint8)


def _read_with_pillow(data: bytes) -> Image | None:
    """Fallback for images OpenCV refuses (e.g. tiny WebP files)."""
    try:
        import io

        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except Exception:
        return None
    return np.ascontiguousarray(rgb[:, :, ::-1])


_default_decoder: PipelineDecoder | None = None


def decode_file(path: str | Path, decoder: Decoder | None = None) -> list[DecodedCode]:
    """Decode one image file; raises UnreadableImage for missing/unreadable/non-image files."""
    global _default_decoder
    image = read_image(path)
    if decoder is None:
        if _default_decoder is None:
            _default_decoder = PipelineDecoder()
        decoder = _default_decoder
    return decoder.decode(image)
