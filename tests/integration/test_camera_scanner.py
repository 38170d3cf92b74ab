"""The camera worker fed from a real video file and from fakes: events, throttling, loss, stop."""

from __future__ import annotations

import hashlib
import io
import itertools
import threading
import time
from pathlib import Path

import barcode
import cv2
import numpy as np
import pytest
import segno
from barcode.writer import ImageWriter
from PIL import Image as PILImage

from counter_app.adapters.scanning import (
    CameraScanner,
    CameraUnavailable,
    FakeCamera,
    FakeDecoder,
    OpenCVCamera,
    PipelineDecoder,
    photo_digest,
)
from counter_app.domain.scanning import DecodedCode, ScanEvent

W, H = 640, 480


def _frame_with(code_bgr: np.ndarray | None, shade: int = 190) -> np.ndarray:
    frame = np.full((H, W, 3), shade, np.uint8)
    cv2.putText(frame, "counter", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1, (60, 60, 60), 2)
    if code_bgr is not None:
        ch, cw = code_bgr.shape[:2]
        y, x = (H - ch) // 2, (W - cw) // 2
        frame[y : y + ch, x : x + cw] = code_bgr
    return frame


def _qr(text: str) -> np.ndarray:
    buf = io.BytesIO()
    segno.make_qr(text, error="m").save(buf, kind="png", scale=6, border=4)
    return np.asarray(PILImage.open(io.BytesIO(buf.getvalue())).convert("RGB"))[:, :, ::-1].copy()


def _ean13(digits12: str) -> np.ndarray:
    im = barcode.get("ean13", digits12, writer=ImageWriter()).render(
        {"write_text": False, "module_width": 0.33, "module_height": 15, "quiet_zone": 6}
    )
    return np.asarray(im.convert("RGB"))[:, :, ::-1].copy()


QR_TEXT = "R-0012-03-000045"
EAN = "5901234123457"


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MJPG .avi at 30 fps: blank, QR (held), blank, EAN-13 (held), blank."""
    path = tmp_path_factory.mktemp("video") / "counter.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (W, H))
    assert writer.isOpened(), "OpenCV cannot write MJPG video on this machine"
    qr, ean = _frame_with(_qr(QR_TEXT)), _frame_with(_ean13(EAN[:12]))
    blank = _frame_with(None)
    for frame in [blank] * 10 + [qr] * 24 + [blank] * 10 + [ean] * 24 + [blank] * 10:
        writer.write(frame)
    writer.release()
    return path


class Recorder:
    def __init__(self) -> None:
        self.scans: list[ScanEvent] = []
        self.status: list[str] = []
        self.frames = 0
        self.lock = threading.Lock()

    def on_scan(self, ev: ScanEvent) -> None:
        with self.lock:
            self.scans.append(ev)

    def on_status(self, text: str) -> None:
        with self.lock:
            self.status.append(text)

    def on_frame(self, frame: np.ndarray) -> None:
        self.frames += 1


def _run_to_end(scanner: CameraScanner, timeout: float = 60) -> None:
    scanner.start()
    scanner.join(timeout)
    assert not scanner.is_alive(), "worker did not finish at end of stream"


EXPECTED = [(QR_TEXT, "QRCODE", "camera"), (EAN, "EAN13", "camera")]


def test_video_file_gives_each_code_once_and_reports_end(video: Path) -> None:
    """Synchronous decoding: every 2nd frame decoded, counts are exact."""
    rec = Recorder()
    scanner = CameraScanner(
        OpenCVCamera(str(video)),
        PipelineDecoder(effort="fast"),
        rec.on_scan,
        rec.on_frame,
        rec.on_status,
        decode_every=2,
        max_decodes_per_second=0,  # decode every 2nd frame whatever the speed
        confirmations=2,
        cooldown=60,
        max_retries=0,
        decode_in_background=False,
    )
    _run_to_end(scanner)
    assert [(e.text, e.symbology, e.source) for e in rec.scans] == EXPECTED
    assert rec.frames == scanner.frames_seen == 78
    assert scanner.decodes == 39
    assert any(s.startswith("camera lost") for s in rec.status)
    assert scanner.stop()


def test_video_file_background_decoding_paced_like_a_camera(video: Path) -> None:
    """The production set-up: reader paced at 30 fps, decoder thread at most 10/s."""
    rec = Recorder()
    scanner = CameraScanner(
        OpenCVCamera(str(video)),
        PipelineDecoder(effort="fast"),
        rec.on_scan,
        rec.on_frame,
        rec.on_status,
        max_decodes_per_second=10,
        cooldown=60,
        max_retries=0,
        frame_interval=1 / 30,
    )
    _run_to_end(scanner)
    assert [(e.text, e.symbology, e.source) for e in rec.scans] == EXPECTED
    assert rec.frames == 78
    assert 4 <= scanner.decodes < 78
    assert rec.status[-1].startswith("camera lost")
    assert scanner.stop()
    assert not any(t.name in ("camera-scanner", "camera-decoder") for t in threading.enumerate())


def test_single_read_is_not_accepted_when_two_are_required() -> None:
    blank = np.zeros((4, 4, 3), np.uint8)
    code = DecodedCode("R-1", "QRCODE")
    rec = Recorder()
    dec = FakeDecoder([[code], [], [code], []])
    scanner = CameraScanner(
        FakeCamera([blank] * 4),
        dec,
        rec.on_scan,
        on_status=rec.on_status,
        max_decodes_per_second=0,
        max_retries=0,
        decode_in_background=False,
    )
    _run_to_end(scanner, 10)
    assert rec.scans == [] and dec.calls == 4


def test_consider_rules_with_injected_clock() -> None:
    scanner = CameraScanner(
        FakeCamera([]), FakeDecoder(), lambda e: None, confirmations=2, cooldown=3
    )
    a, b = DecodedCode("A-1", "CODE128"), DecodedCode("B-2", "QRCODE")
    assert scanner.consider([a], 0.0) == []
    assert scanner.consider([a, b], 0.1) == [a]  # a confirmed
    assert scanner.consider([a, b], 0.2) == [b]  # a in cooldown, b confirmed
    assert scanner.consider([a], 1.0) == []
    assert scanner.consider([a], 2.9) == []  # still within 3 s of acceptance at 0.1
    assert scanner.consider([a], 3.3) == [a]  # cooldown over, two consistent reads
    # reads too far apart do not confirm each other
    c = DecodedCode("C-3", "EAN8")
    assert scanner.consider([c], 10.0) == []
    assert scanner.consider([c], 12.0) == []
    assert scanner.consider([c], 12.1) == [c]


def test_decode_every_nth_frame() -> None:
    frames = [np.zeros((4, 4, 3), np.uint8)] * 30
    dec = FakeDecoder()
    scanner = CameraScanner(
        FakeCamera(frames),
        dec,
        lambda e: None,
        decode_every=3,
        max_decodes_per_second=0,
        max_retries=0,
        decode_in_background=False,
    )
    _run_to_end(scanner, 10)
    assert scanner.frames_seen == 30 and dec.calls == 10


def test_decodes_at_most_k_per_second() -> None:
    frames = [np.zeros((4, 4, 3), np.uint8)] * 40
    dec = FakeDecoder()
    scanner = CameraScanner(
        FakeCamera(frames),
        dec,
        lambda e: None,
        max_decodes_per_second=10,
        frame_interval=0.01,
        max_retries=0,
    )
    start = time.monotonic()
    _run_to_end(scanner, 20)
    elapsed = time.monotonic() - start
    assert scanner.frames_seen == 40
    assert 1 <= dec.calls <= elapsed * 10 + 1
    assert dec.calls < 40


def test_missing_camera_reports_retries_and_stops_cleanly(tmp_path: Path) -> None:
    rec = Recorder()
    scanner = CameraScanner(
        OpenCVCamera(str(tmp_path / "no-such-camera.avi")),
        FakeDecoder(),
        rec.on_scan,
        on_status=rec.on_status,
        retry_initial=0.02,
        retry_max=0.05,
    )
    scanner.start()
    deadline = time.monotonic() + 10
    while len(rec.status) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scanner.stop(timeout=2)
    assert len(rec.status) >= 3
    assert all(s.startswith("camera lost") for s in rec.status)


def test_reconnects_after_failed_opens() -> None:
    rec = Recorder()
    code = DecodedCode("R-9", "QRCODE")
    cam = FakeCamera([np.zeros((4, 4, 3), np.uint8)] * 3, fail_opens=2)
    scanner = CameraScanner(
        cam,
        FakeDecoder(default=[code]),
        rec.on_scan,
        on_status=rec.on_status,
        max_decodes_per_second=0,
        retry_initial=0.01,
        max_retries=3,
        decode_in_background=False,
    )
    _run_to_end(scanner, 10)
    assert cam.opens >= 3
    assert rec.status[:2] == ["camera lost: fake camera unplugged"] * 2
    assert "camera ready" in rec.status
    assert [e.text for e in rec.scans] == ["R-9"]


def test_stop_while_streaming_and_capture_still() -> None:
    frame = np.full((48, 64, 3), 77, np.uint8)
    cam = FakeCamera([frame] * 100000)
    scanner = CameraScanner(cam, FakeDecoder(), lambda e: None, frame_interval=0.001)
    with pytest.raises(CameraUnavailable):
        scanner.capture_still()
    scanner.start()
    deadline = time.monotonic() + 5
    while scanner.latest_frame() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    png = scanner.capture_still()
    assert png.startswith(b"\x89PNG")
    assert photo_digest(png) == hashlib.sha256(png).hexdigest()
    back = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert back.shape == frame.shape and int(back[0, 0, 0]) == 77
    assert scanner.stop(timeout=2)
    assert not cam.is_open


def test_slow_decoder_does_not_stall_the_preview() -> None:
    frame_times: list[float] = []

    def slow(image: np.ndarray) -> list[DecodedCode]:
        time.sleep(0.3)
        return []

    scanner = CameraScanner(
        FakeCamera([np.zeros((4, 4, 3), np.uint8)] * 60),
        FakeDecoder(by_image=slow),
        lambda e: None,
        lambda f: frame_times.append(time.monotonic()),
        max_decodes_per_second=0,
        frame_interval=0.005,
        max_retries=0,
    )
    _run_to_end(scanner, 20)
    assert len(frame_times) == 60
    gaps = [b - a for a, b in itertools.pairwise(frame_times)]
    assert max(gaps) < 0.25, "a decode blocked the preview"
    assert scanner.frames_skipped > 0 and scanner.decodes < 10
