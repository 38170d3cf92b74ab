"""Benchmark: build + render a 10-line return receipt to ESC/POS bytes and to PNG.

Prints median and p95 milliseconds; no assertions (numbers are compared on the same machine).
Run: .venv/bin/python benchmarks/bench_receipt.py
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.png_render import render_png
from counter_app.adapters.printing.profile import load_profile
from counter_app.adapters.printing.samples import sample_receipt_data
from counter_app.adapters.printing.text_render import render_text
from counter_app.domain.documents import build_return_receipt


def _measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm caches (fonts, glyph coverage, code-page tables)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    runs = int(os.environ.get("COUNTER_APP_BENCH_RECEIPT_RUNS", "50"))
    data = sample_receipt_data(lines=10, tenders=("card", "cash"))
    for spec in ("TM-T88V", "default+58mm", "ZJ-5870+cjk"):
        prof = load_profile(spec)
        cases = {
            "build only": lambda: build_return_receipt(data),
            "build + ESC/POS bytes": lambda p=prof: render_escpos_bytes(
                build_return_receipt(data), p
            ),
            "build + PNG": lambda p=prof: render_png(build_return_receipt(data), p),
            "build + text": lambda p=prof: render_text(build_return_receipt(data), p),
        }
        for name, fn in cases.items():
            median, p95 = _measure(fn, runs)
            print(f"{spec:14s} {name:24s} median {median:7.2f} ms   p95 {p95:7.2f} ms")
    size = len(render_escpos_bytes(build_return_receipt(data), "TM-T88V"))
    print(f"10-line receipt, TM-T88V: {size} bytes of ESC/POS")


if __name__ == "__main__":
    main()
