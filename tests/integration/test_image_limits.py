"""Images over the pixel budget are refused from their header: a 20000×20000 PNG (small on
disk, 400 Mpx decoded) costs `scan-image` neither gigabytes of memory nor seconds."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from counter_app.adapters.image_limits import (
    MAX_PIXELS,
    ImageTooLarge,
    check_image_file,
    image_size,
)

ROOT = Path(__file__).resolve().parents[2]
# The CLI, run in a fresh parent so RUSAGE_CHILDREN is that one process's peak memory.
_MEASURE = """
import resource, subprocess, sys
result = subprocess.run([sys.executable, "-m", "counter_app.cli", "scan-image", *sys.argv[1:]],
                        capture_output=True, text=True)
sys.stdout.write(result.stdout)
sys.stderr.write(result.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(result.returncode)
"""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: Path, width: int, height: int) -> None:
    """A white 8-bit grey PNG, compressed row by row (never the whole image in memory)."""
    row = b"\x00" + b"\xff" * width
    packer = zlib.compressobj(9)
    parts = []
    block = row * 500
    for _ in range(height // 500):
        parts.append(packer.compress(block))
    parts.append(packer.compress(row * (height % 500)))
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "big.png"
    write_png(path, 20_000, 20_000)
    assert path.stat().st_size < 2_000_000  # small on disk, 400 Mpx decoded
    return path


def test_scan_image_refuses_a_huge_png_fast_and_in_little_memory(bomb: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(bomb)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["file"] == str(bomb) and "codes" not in record
    assert record["error"] == ("image too large: 20000×20000 pixels (400 Mpx); the limit is 40 Mpx")
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024  # Linux: kilobytes
    assert peak_mb < 300, f"scan-image peaked at {peak_mb:.0f} MB"  # decoded: over 1200 MB


def test_the_budget_reads_only_the_header(bomb: Path, tmp_path: Path) -> None:
    assert image_size(bomb) == (20_000, 20_000)
    with pytest.raises(ImageTooLarge, match="20000×20000"):
        check_image_file(bomb)
    ok = tmp_path / "ok.png"
    write_png(ok, 8000, 5000)  # exactly 40 Mpx: allowed
    check_image_file(ok)
    assert MAX_PIXELS == 8000 * 5000
    over = tmp_path / "over.png"
    write_png(over, 8001, 5000)
    with pytest.raises(ImageTooLarge, match=r"^image too large: 8001×5000 pixels"):
        check_image_file(over)
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    check_image_file(text)  # not an image: left to the decoder's own "not an image" line
