"""Decoding benchmark: decode rate on the photo folder, per-photo and per-frame timings,
and the preview frame rate of the camera worker while it decodes.

Also the leave-one-folder-out rate that judges decoder tuning on photos it was not tuned
on, and camera-frame decode time as a ratio to bare zxing-cpp on the same frame.

Run: ``python benchmarks/bench_decode.py`` or ``python benchmarks/run_all.py decode``
(prints numbers, asserts nothing). Single
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
from collections.abc import Callable, Iterator
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
from counter_app.adapters.scanning.decoder import Tuning  # noqa: E402
from counter_app.adapters.scanning.variants import (  # noqa: E402
    EXTRA_VARIANTS,
    thorough_variants,
    to_gray,
    working_size,
)
from counter_app.domain.scanning import DecodedCode  # noqa: E402

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


def _photos() -> list[tuple[str, Path, str | None]]:
    """(folder, image path, expected text or None for a false-positive image), sorted."""
    root = photos_dir()
    out = []
    for path in sorted(p for p in root.glob("*/*") if p.suffix.lower() in IMAGE_SUFFIXES):
        folder = path.parent.name
        txt = path.with_suffix(".txt")
        expected = None if folder.startswith("falsepositives-") else txt.read_text("utf-8")
        out.append((folder, path, expected))
    return out


def _hit(expected: str, got: list[str], folder: str) -> bool:
    e = _canonical(expected)
    for g in map(_canonical, got):
        if g == e:
            return True
        codabar = folder.startswith("codabar") and len(e) > 2 and len(g) > 2
        if codabar and (e[1:-1] == g or g[1:-1] == e or e[1:-1] == g[1:-1]):
            return True
    return False


def bench_photos(
    engines: tuple[str, ...], confirm: bool = True, effort: str = "thorough", budget: float = 0.15
) -> dict[str, float]:
    root = photos_dir()
    if not root.is_dir():
        print(f"photo folder missing: {root}")
        return {}
    decoder = PipelineDecoder(
        effort=effort,  # type: ignore[arg-type]
        engines=engines,
        confirm=confirm,
        fallback_budget=budget,
    )
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    times: list[float] = []
    cpu: list[float] = []
    fps = wrong = 0
    for folder, path, expected in _photos():
        image = read_image(path)
        start, start_cpu = time.perf_counter(), time.thread_time()
        codes = decoder.decode(image)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        if expected is None:
            fps += bool(codes)
            continue
        got = [c.text for c in codes]
        per[folder][1] += 1
        ok = _hit(expected, got, folder)
        per[folder][0] += ok
        wrong += any(not _hit(expected, [g], folder) for g in got)
    ok = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    label = f"{effort} " + "+".join(engines) + ("" if confirm else " (no confirm)")
    if effort == "fast":
        label += f", fallback budget {budget:g}"
    print(f"\n== photos, {label}")
    print(f"decode rate       {ok}/{total} = {ok / total:.1%}")
    print(f"false positives   {fps} images with a code in falsepositives-*")
    print(f"misreads          {wrong} photos with a wrong extra code")
    print(f"ms per photo      median {statistics.median(times):.1f}  p95 {_pct(times, 0.95):.1f}")
    print(f"CPU ms per photo  median {statistics.median(cpu):.1f}  p95 {_pct(cpu, 0.95):.1f}")
    if effort == "thorough" and confirm and len(engines) == 2:
        for folder in sorted(per):
            a, n = per[folder]
            print(f"  {folder:18s} {a:3d}/{n:<3d} {a / n:.0%}")
    return {"rate": ok / total, "false_positives": fps, "misreads": wrong}


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


def bench_frames(repeat: int = 200) -> dict[str, float]:
    """Camera-mode decode of a 1280x720 frame as a ratio to bare zxing-cpp on that frame.

    "Bare" is one ``zxingcpp.read_barcodes`` call with the pipeline's own options on the
    frame already grayscale and downscaled to 640 -- the least any zxing-first pipeline
    must spend; the pipeline's time includes its downscale and colour conversion. One
    decoder decodes the frame ``repeat`` times in a row, as the camera worker does, so the
    fallback's time budget is amortised as it is live. Calls alternate with the bare call
    and are timed in thread CPU time (means), so a busy shared machine skews both alike.
    """
    print("\n== 1280x720 frame decode, single thread, fast (camera) effort, CPU time")
    import zxingcpp

    ratios: dict[str, float] = {}
    for name, frame in (("with code", _code_frame()), ("empty", _empty_frame())):
        decoder = PipelineDecoder(effort="fast")
        small = to_gray(cv2, working_size(cv2, frame, 640))
        fmts = getattr(decoder.engines[0], "formats", None)
        ours, bare = _interleaved_cpu_ms(
            lambda f=frame, d=decoder: d.decode(f),
            lambda img=small, fm=fmts: zxingcpp.read_barcodes(img, formats=fm, try_downscale=False),
            repeat,
        )
        ratios[name] = ours / bare
        print(
            f"{name:10s} pipeline {ours:6.2f} ms  bare zxing-cpp {bare:6.2f} ms  "
            f"ratio {ours / bare:4.2f}x"
        )
    thorough = PipelineDecoder()
    for name, frame in (("with code", _code_frame()), ("empty", _empty_frame())):
        ms, _ = _interleaved_cpu_ms(lambda f=frame: thorough.decode(f), lambda: None, 3)
        print(f"thorough  {name:10s} {ms:7.1f} ms CPU (files and photos, not camera frames)")
    return {"ratio_code": ratios["with code"], "ratio_empty": ratios["empty"]}


def _interleaved_cpu_ms(
    a: Callable[[], object], b: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Mean thread-CPU milliseconds of ``a`` and ``b``, called alternately."""
    a(), b()
    ta, tb = [], []
    for _ in range(repeat):
        start = time.thread_time()
        a()
        ta.append(time.thread_time() - start)
        start = time.thread_time()
        b()
        tb.append(time.thread_time() - start)
    return statistics.fmean(ta) * 1000, statistics.fmean(tb) * 1000


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


class PhotoReads:
    """One photo's engine reads per variant, computed on first use and kept.

    Replaying cached reads through :meth:`PipelineDecoder.vote` makes evaluating a tuning
    on the whole folder cost milliseconds, so the folder-out search can try many.
    """

    def __init__(self, decoder: PipelineDecoder, image: np.ndarray) -> None:
        self.decoder = decoder
        self.gray = to_gray(cv2, image)
        self.names = [n for n, _ in self._walk()]
        self.reads: dict[str, tuple[list[DecodedCode], list[DecodedCode]]] = {}

    def _walk(self) -> Iterator[tuple[str, np.ndarray]]:
        return thorough_variants(cv2, self.gray, 1280, ALL_EXTRAS)

    def read(self, name: str) -> tuple[list[DecodedCode], list[DecodedCode]]:
        if name not in self.reads:
            image = next(v for n, v in self._walk() if n == name)
            self.reads[name] = self.decoder._read(image, True)
        return self.reads[name]

    def decode(self, tuning: Tuning) -> list[DecodedCode]:
        names = [n for n in self.names if _allowed(n, tuning)]
        return self.decoder.vote(self.read(n) for n in names)


ALL_EXTRAS = tuple(EXTRA_VARIANTS)
ROTATIONS = [f"rot{a}" for a in (10, -10, 20, -20, 30, -30, 45, -45)]
# General techniques, each a block of variants (standard and extra), cheapest first.
TECHNIQUES: dict[str, list[str]] = {
    "local contrast": ["clahe", "clahe-strong", "clahe-fine", "flatten", "flatten-clahe"],
    "multi-scale": ["up2", "up3", "down-half", "full", "half", "up1.5"],
    "denoise/sharpen": ["blur", "sharpen"],
    "binarize": ["threshold", "otsu", "up2-otsu", "adaptive"],
    "inverted": ["inverted"],
    "blur along bars": ["vblur-clahe", "hblur-clahe", "vblur-clahe-up", "hblur-clahe-up"],
    "rotation": ROTATIONS,
}


def _allowed(name: str, tuning: Tuning) -> bool:
    if name in EXTRA_VARIANTS:
        return name in tuning.extra
    return name not in tuning.skip


class FolderOut:
    """The photo set with cached reads, scored per tuning and per group of folders."""

    def __init__(self) -> None:
        decoder = PipelineDecoder()
        self.decoder = decoder
        self.photos = [
            (folder, path, expected, PhotoReads(decoder, read_image(path)))
            for folder, path, expected in _photos()
        ]
        self.folders = sorted({f for f, _, _, _ in self.photos})
        order: dict[str, list[int]] = defaultdict(list)
        for *_, reads in self.photos:
            for i, n in enumerate(reads.names):
                order[n].append(i)
        self.names = sorted(order, key=lambda n: statistics.fmean(order[n]))
        self.memo: dict[tuple[Tuning, str], tuple[int, int, int]] = {}

    def score(self, tuning: Tuning, folders: list[str]) -> tuple[int, int, int]:
        """(decoded, photos with a code, false positives) over ``folders``."""
        ok = n = fps = 0
        for f in folders:
            key = (tuning, f)
            if key not in self.memo:
                rows = [(e, r.decode(tuning)) for g, _, e, r in self.photos if g == f]
                self.memo[key] = (
                    sum(e is not None and _hit(e, [c.text for c in got], f) for e, got in rows),
                    sum(e is not None for e, _ in rows),
                    sum(e is None and bool(got) for e, got in rows),
                )
            a, b, c = self.memo[key]
            ok, n, fps = ok + a, n + b, fps + c
        return ok, n, fps

    def choose_blocks(self, folders: list[str], start: Tuning) -> Tuning:
        """Like :meth:`choose`, but a technique (a block of variants) goes in or out whole."""
        best = start
        best_ok, _, _ = self.score(best, folders)
        for block in reversed(list(TECHNIQUES.values())):
            extra = tuple(x for x in best.extra if x not in block)
            cand = Tuning(extra=extra, skip=best.skip | set(block))
            if cand == best:
                continue
            ok, _, fps = self.score(cand, folders)
            if fps == 0 and ok >= best_ok:
                best, best_ok = cand, ok
        return best

    def choose(self, folders: list[str], start: Tuning) -> Tuning:
        """Backward elimination on ``folders``: drop each variant (latest first) that reads
        nothing there the others do not, keeping zero false positives."""
        best = start
        best_ok, _, _ = self.score(best, folders)
        for name in reversed(self.names):
            if name == "gray" or not _allowed(name, best):
                continue
            if name in EXTRA_VARIANTS:
                cand = Tuning(extra=tuple(x for x in best.extra if x != name), skip=best.skip)
            else:
                cand = Tuning(extra=best.extra, skip=best.skip | {name})
            ok, _, fps = self.score(cand, folders)
            if fps == 0 and ok >= best_ok:
                best, best_ok = cand, ok
        return best


def bench_leave_one_folder_out() -> dict[str, float]:
    """For each folder: choose the variant list on the other folders, measure this one.

    The knobs are which image variants the thorough search tries: the standard ones and
    the optional general techniques of EXTRA_VARIANTS. On the other folders, backward
    elimination drops every variant -- or, coarser, every technique (TECHNIQUES) -- the
    decode rate there does not need (zero false positives required); the folder left out
    is then decoded with what is left. What is kept only for one folder's photos is
    exactly the tuning that does not carry over to new photos.
    """
    print("\n== leave-one-folder-out (variants chosen on the other folders, rate on the one out)")
    started = time.perf_counter()
    data = FolderOut()
    results: dict[str, float] = {}
    runs = (
        ("lofo", "per variant, standard variants", data.choose, Tuning()),
        ("lofo_extras", "per variant, standard + extras", data.choose, Tuning(extra=ALL_EXTRAS)),
        ("lofo_tech", "per technique, standard variants", data.choose_blocks, Tuning()),
        (
            "lofo_tech_extras",
            "per technique, standard + extras",
            data.choose_blocks,
            Tuning(extra=ALL_EXTRAS),
        ),
    )
    for key, label, choose, start in runs:
        ok_sum = n_sum = fp_sum = 0
        lost = []
        for f in data.folders:
            chosen = choose([g for g in data.folders if g != f], start)
            ok, n, fps = data.score(chosen, [f])
            whole_f, _, _ = data.score(start, [f])
            ok_sum, n_sum, fp_sum = ok_sum + ok, n_sum + n, fp_sum + fps
            if ok < whole_f or fps:
                lost.append(f"{f} {ok}/{n}" + (f" fp {fps}" if fps else ""))
        whole_ok, whole_n, whole_fp = data.score(start, data.folders)
        print(
            f"{label:34s} left-out {ok_sum}/{n_sum} = {ok_sum / n_sum:.1%} ({fp_sum} fp); "
            f"untouched on the whole set {whole_ok}/{whole_n} = {whole_ok / whole_n:.1%} "
            f"({whole_fp} fp)"
        )
        print(f"    folders losing photos when left out: {', '.join(lost) or 'none'}")
        results[f"{key}_rate"] = ok_sum / n_sum
        results[f"{key}_false_positives"] = fp_sum
    whole = data.choose_blocks(data.folders, Tuning(extra=ALL_EXTRAS))
    print(
        f"techniques the whole set needs: {[t for t, b in TECHNIQUES.items() if _uses(whole, b)]}"
    )
    print(f"({time.perf_counter() - started:.0f} s)")
    return results


def _uses(tuning: Tuning, block: list[str]) -> bool:
    return any(_allowed(n, tuning) for n in block)


def main() -> dict[str, object]:
    cv2.setNumThreads(1)
    summary: dict[str, object] = {}
    thorough = bench_photos(("zxing", "pyzbar"))
    summary["photo_rate"] = f"{thorough.get('rate', 0):.1%}"
    summary["photo_false_positives"] = thorough.get("false_positives")
    bench_photos(("pyzbar",))
    bench_photos(("zxing",))
    bench_photos(("zxing", "pyzbar"), confirm=False)
    bench_photos(("zxing",), effort="fast", budget=0)
    bench_photos(("zxing", "pyzbar"), effort="fast", budget=float("inf"))
    frames = bench_frames()
    summary["frame_ratio_code"] = f"{frames['ratio_code']:.2f}x"
    summary["frame_ratio_empty"] = f"{frames['ratio_empty']:.2f}x"
    lofo = bench_leave_one_folder_out()
    for key in ("lofo", "lofo_extras", "lofo_tech", "lofo_tech_extras"):
        summary[f"{key}_rate"] = f"{lofo[key + '_rate']:.1%}"
        summary[f"{key}_false_positives"] = lofo[key + "_false_positives"]
    bench_preview()
    return summary


if __name__ == "__main__":
    main()
