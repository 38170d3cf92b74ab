"""Decoding benchmark: decode rate on the photo folder, per-photo and per-frame timings,
and the preview frame rate of the camera worker while it decodes.

Run: ``python benchmarks/bench_decode.py`` (prints numbers, asserts nothing). Single
thread (``cv2.setNumThreads(1)``) so numbers compare across machines with more cores.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from counter_app.adapters.scanning import (  # noqa: E402
    CameraScanner,
    OpenCVCamera,
    PipelineDecoder,
    read_image,
)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


def photos_dir() -> Path:
    env = os.environ.get("COUNTER_APP_BARCODE_PHOTOS")
    return Path(env) if env else ROOT.parent / "shared/data/barcode-photos"


def _canonical(text: str) -> str:
    text = text.replace("\r\n", "\n")
    return "0" + text if len(text) == 12 and text.isdigit() else text


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_photos(engines: tuple[str, ...], confirm: bool = True) -> None:
    root = photos_dir()
    if not root.is_dir():
        print(f"photo folder missing: {root}")
        return
    decoder = PipelineDecoder(engines=engines, confirm=confirm)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    times: list[float] = []
    cpu: list[float] = []
    fps = wrong = 0
    for path in sorted(p for p in root.glob("*/*") if p.suffix.lower() in IMAGE_SUFFIXES):
        image = read_image(path)
        start, start_cpu = time.perf_counter(), time.thread_time()
        codes = decoder.decode(image)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        folder = path.parent.name
        if folder.startswith("falsepositives-"):
            fps += bool(codes)
            continue
        expected = _canonical(path.with_suffix(".txt").read_text("utf-8"))
        got = [_canonical(c.text) for c in codes]
        per[folder][1] += 1
        per[folder][0] += expected in got
        wrong += any(g != expected for g in got)
    ok = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    label = "+".join(engines) + ("" if confirm else " (no confirm)")
    print(f"\n== photos, engines {label}")
    print(f"decode rate       {ok}/{total} = {ok / total:.1%}")
    print(f"false positives   {fps} images with a code in falsepositives-*")
    print(f"misreads          {wrong} photos with a wrong extra code")
    print(f"ms per photo      median {statistics.median(times):.1f}  p95 {_pct(times, 0.95):.1f}")
    print(f"CPU ms per photo  median {statistics.median(cpu):.1f}  p95 {_pct(cpu, 0.95):.1f}")
    for folder in sorted(per):
        a, n = per[folder]
        print(f"  {folder:18s} {a:3d}/{n:<3d} {a / n:.0%}")


def _code_frame() -> np.ndarray:
    import segno
    from PIL import Image

    buf = io.BytesIO()
    segno.make_qr("R-0012-03-000045", error="m").save(buf, kind="png", scale=8, border=4)
    code = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))[:, :, ::-1]
    frame = _empty_frame()
    y, x = 200, 500
    frame[y : y + code.shape[0], x : x + code.shape[1]] = code
    return frame


def _empty_frame() -> np.ndarray:
    """A plausible camera frame with no code: gradient, shapes, text, sensor noise."""
    rng = np.random.default_rng(3)
    gx = np.tile(np.linspace(60, 200, 1280, dtype=np.float32), (720, 1))
    frame = np.dstack([gx, gx * 0.9, gx * 0.8]).astype(np.uint8)
    cv2.rectangle(frame, (100, 100), (400, 500), (30, 90, 160), -1)
    cv2.circle(frame, (900, 400), 150, (200, 200, 220), -1)
    cv2.putText(frame, "RETURNS COUNTER", (300, 650), cv2.FONT_HERSHEY_SIMPLEX, 2, (20, 20, 20), 4)
    noise = rng.normal(0, 6, frame.shape)
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def bench_frames(repeat: int = 30) -> None:
    print("\n== 1280x720 frame decode, single thread")
    for effort in ("fast", "thorough"):
        decoder = PipelineDecoder(effort=effort)  # type: ignore[arg-type]
        for name, frame in (("with code", _code_frame()), ("empty", _empty_frame())):
            decoder.decode(frame)
            times, cpu = [], []
            for _ in range(repeat if effort == "fast" else max(3, repeat // 6)):
                start, start_cpu = time.perf_counter(), time.thread_time()
                decoder.decode(frame)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.thread_time() - start_cpu) * 1000)
            print(
                f"{effort:9s} {name:10s} median {statistics.median(times):6.1f} ms wall, "
                f"{statistics.median(cpu):6.1f} ms CPU"
            )


def bench_preview(seconds_of_video: int = 5) -> None:
    print("\n== camera worker preview rate (30 fps video file, decoding as the app does)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cam.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (1280, 720))
        code, empty = _code_frame(), _empty_frame()
        n = 30 * seconds_of_video
        for i in range(n):
            writer.write(code if (i // 30) % 2 else empty)
        writer.release()
        # pace reads at 30 fps like a real camera; the file would otherwise be read flat out
        for rate in (8.0, 0.0):
            scans: list[str] = []
            scanner = CameraScanner(
                OpenCVCamera(str(path)),
                PipelineDecoder(effort="fast"),
                lambda e, out=scans: out.append(e.text),  # type: ignore[misc]
                max_decodes_per_second=rate,
                max_retries=0,
                frame_interval=1 / 30,
            )
            start = time.perf_counter()
            scanner.start()
            scanner.join(120)
            elapsed = time.perf_counter() - start
            limit = f"{rate:g}/s" if rate else "every frame"
            print(
                f"decode {limit:12s} preview {scanner.frames_seen / elapsed:5.1f} fps "
                f"(paced at 30), {scanner.decodes} decodes, {scanner.frames_skipped} frames "
                f"skipped while decoding, {len(scans)} scans accepted"
            )
        # unpaced: how fast the worker can go
        scanner = CameraScanner(
            OpenCVCamera(str(path)),
            PipelineDecoder(effort="fast"),
            lambda e: None,
            max_decodes_per_second=8.0,
            max_retries=0,
        )
        start = time.perf_counter()
        scanner.start()
        scanner.join(120)
        elapsed = time.perf_counter() - start
        print(f"unpaced, decode 8/s  {scanner.frames_seen / elapsed:5.1f} fps max sustainable")


def main() -> None:
    cv2.setNumThreads(1)
    bench_photos(("zxing", "pyzbar"))
    bench_photos(("pyzbar",))
    bench_photos(("zxing",))
    bench_photos(("zxing", "pyzbar"), confirm=False)
    bench_frames()
    bench_preview()


if __name__ == "__main__":
    main()
