"""`counter-app scan-image FILE...`: decode image files, one JSON line per file.

Lets a store test a barcode photo (or a support engineer a customer's screenshot) with the
same decoder the webcam uses. A bad file is reported on its own line, never a crash; an
image over the pixel budget (see adapters/image_limits.py) is refused from its header, before
any decoding, so a small file that decodes to gigabytes costs neither memory nor time.
"""

from __future__ import annotations

import json
import time
from typing import TextIO

from counter_app.adapters.image_limits import check_image_file, limit_decoders
from counter_app.adapters.scanning.decoder import Decoder, PipelineDecoder, decode_file
from counter_app.adapters.scanning.errors import ScannerUnavailable, UnreadableImage


def scan_image_main(paths: list[str], out: TextIO, decoder: Decoder | None = None) -> int:
    """Decode each path and print ``{"file", "codes", "ms"}`` or ``{"file", "error"}``.

    Returns 0 when every file could be read (even with no code found), 1 when any file
    failed, 2 when no decoder is available at all.
    """
    limit_decoders()  # before OpenCV is first imported: it reads its pixel limit then
    if decoder is None:
        try:
            decoder = PipelineDecoder()
        except ScannerUnavailable as exc:
            for path in paths:
                _emit(out, {"file": path, "error": f"barcode decoding unavailable: {exc}"})
            return 2
    status = 0
    for path in paths:
        start = time.perf_counter()
        try:
            check_image_file(path)
            codes = decode_file(path, decoder)
        except UnreadableImage as exc:
            _emit(out, {"file": path, "error": str(exc)})
            status = 1
            continue
        except Exception as exc:  # keep going: one odd file must not stop the batch
            _emit(out, {"file": path, "error": f"could not decode: {exc}"})
            status = 1
            continue
        ms = round((time.perf_counter() - start) * 1000, 1)
        record = {
            "file": path,
            "codes": [{"text": c.text, "symbology": c.symbology} for c in codes],
            "ms": ms,
        }
        _emit(out, record)
    return status


def _emit(out: TextIO, record: dict[str, object]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
