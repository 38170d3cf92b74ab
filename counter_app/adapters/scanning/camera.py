"""Webcam scanning without Qt: the `Camera` interface, OpenCV and fake cameras, the worker.

:class:`CameraScanner` is a plain thread so the core stays Qt-free; the UI layer wraps its
callbacks in signals. It shows every frame (``on_frame``) but decodes only a few times a
second, accepts a code only after consistent reads, never accepts the same code twice in a
short window, and survives an unplugged camera by reporting it and retrying with backoff.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from counter_app.adapters.image_limits import check_pixels
from counter_app.adapters.scanning.decoder import Decoder, Image, load_cv2
from counter_app.adapters.scanning.errors import CameraUnavailable
from counter_app.domain.scanning import DecodedCode, ScanEvent


class Camera(Protocol):
    """A source of frames (BGR uint8 arrays)."""

    def open(self) -> None:
        """Start delivering frames; raises CameraUnavailable when it cannot."""
        ...

    def read(self) -> Image | None:
        """Next frame, or None at end of stream / on a read failure."""
        ...

    def close(self) -> None:
        """Release the device; safe to call twice."""
        ...


class OpenCVCamera:
    """cv2.VideoCapture on a device index (0), a video file path or a stream URL."""

    def __init__(self, source: int | str, width: int | None = None, height: int | None = None):
        self.source = source
        self.width = width
        self.height = height
        self._cap: Any = None

    def open(self) -> None:
        """Open the device; lazy so a configured camera costs nothing at start-up."""
        cv2 = load_cv2()
        cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"cannot open camera {self.source!r}")
        if self.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self._cap = cap

    def read(self) -> Image | None:
        """Grab the next frame; None means end of stream or a lost device."""
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        return np.asarray(frame, dtype=np.uint8)

    def close(self) -> None:
        """Release the capture."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FakeCamera:
    """In-memory camera for tests: plays ``frames`` then returns None (end of stream).

    ``fail_opens`` makes the first N ``open()`` calls fail, to test reconnection; each
    successful open replays the frames from the start when ``replay`` is set.
    """

    def __init__(self, frames: Iterable[Image], fail_opens: int = 0, replay: bool = False) -> None:
        self.frames = list(frames)
        self.fail_opens = fail_opens
        self.replay = replay
        self.opens = 0
        self.is_open = False
        self._pos = 0

    def open(self) -> None:
        """Open, or fail while ``fail_opens`` lasts."""
        self.opens += 1
        if self.fail_opens > 0:
            self.fail_opens -= 1
            raise CameraUnavailable("fake camera unplugged")
        self.is_open = True
        if self.replay:
            self._pos = 0

    def read(self) -> Image | None:
        """Next scripted frame or None."""
        if not self.is_open or self._pos >= len(self.frames):
            return None
        frame = self.frames[self._pos]
        self._pos += 1
        return frame

    def close(self) -> None:
        """Mark closed."""
        self.is_open = False


def photo_digest(png_bytes: bytes) -> str:
    """SHA-256 hex of a condition photo, stored with the return so edits are detectable."""
    return hashlib.sha256(png_bytes).hexdigest()


def encode_png(frame: Image) -> bytes:
    """Encode a BGR (or gray) frame as PNG bytes (refused over the pixel budget)."""
    check_pixels(int(frame.shape[1]), int(frame.shape[0]))
    cv2 = load_cv2()
    ok, buf = cv2.imencode(".png", frame)
    if not ok:
        raise ValueError("could not encode the frame as PNG")
    return bytes(buf.tobytes())


class CameraScanner(threading.Thread):
    """Worker thread: frames to ``on_frame``, accepted codes to ``on_scan``.

    - Decoding runs at most ``max_decodes_per_second`` times a second and only on every
      ``decode_every``-th frame, so the preview stays smooth while decoding.
    - A code is accepted after ``confirmations`` decodes read it (consecutive decodes of
      that code, within ``confirm_window`` seconds), then not again for ``cooldown``
      seconds (``time.monotonic``), so holding a code in front of the camera scans it once.
    - Camera missing, end of stream or a read failure: ``on_status("camera lost: ...")``,
      then retries ``open()`` with backoff (``retry_initial`` doubling to ``retry_max``).
      ``max_retries`` (None = forever) bounds the retries, e.g. for a video file.
    - Decoding runs on a second thread (``decode_in_background``, default) that always
      takes the newest due frame and skips frames while busy, so a slow decode never
      stalls the preview. ``on_frame`` and ``on_status`` are called from the reader
      thread, ``on_scan`` from the decode thread: the UI must marshal them (Qt signals).
    - ``frame_interval`` paces reads to a steady rate, for video files (1/30 plays a file
      like a 30 fps camera); leave 0 for live cameras, which pace themselves.
    - ``stop()`` asks both threads to end and joins them with a timeout. A stopped
      scanner cannot be restarted: create a new one.
    """

    def __init__(
        self,
        camera: Camera,
        decoder: Decoder,
        on_scan: Callable[[ScanEvent], None],
        on_frame: Callable[[Image], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        *,
        decode_every: int = 1,
        max_decodes_per_second: float = 8.0,
        confirmations: int = 2,
        confirm_window: float = 1.5,
        cooldown: float = 3.0,
        retry_initial: float = 0.5,
        retry_max: float = 8.0,
        max_retries: int | None = None,
        frame_interval: float = 0.0,
        decode_in_background: bool = True,
    ) -> None:
        super().__init__(name="camera-scanner", daemon=True)
        if confirmations < 1 or decode_every < 1:
            raise ValueError("confirmations and decode_every must be at least 1")
        self.camera = camera
        self.decoder = decoder
        self.on_scan = on_scan
        self.on_frame = on_frame
        self.on_status = on_status
        self.decode_every = decode_every
        self.min_decode_gap = 1.0 / max_decodes_per_second if max_decodes_per_second > 0 else 0
        self.confirmations = confirmations
        self.confirm_window = confirm_window
        self.cooldown = cooldown
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.max_retries = max_retries
        self.frame_interval = frame_interval
        self.decode_in_background = decode_in_background
        self.frames_seen = 0
        self.decodes = 0
        self.frames_skipped = 0  # due for decoding but the decoder was still busy
        self._pending: Image | None = None
        self._work = threading.Condition()
        self._busy = False
        self._decoder_thread: threading.Thread | None = None
        self._decoder_quit = False
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._latest: Image | None = None
        self._streak: dict[tuple[str, str], tuple[int, float]] = {}
        self._accepted_at: dict[tuple[str, str], float] = {}

    # -- public API --------------------------------------------------------------------
    def stop(self, timeout: float = 2.0) -> bool:
        """Ask the worker to stop and wait up to ``timeout`` s; True when it has ended.

        The decode thread is joined by the reader thread on its way out, so when this
        returns True no thread of this scanner is left running.
        """
        self._stop_event.set()
        with self._work:
            self._work.notify_all()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        decoder = self._decoder_thread
        if decoder is not None and decoder.is_alive():
            decoder.join(timeout)
        return not self.is_alive() and not (decoder is not None and decoder.is_alive())

    @property
    def stopped(self) -> bool:
        """True once stop() was called."""
        return self._stop_event.is_set()

    def latest_frame(self) -> Image | None:
        """The most recent frame (a copy), or None before the first frame."""
        with self._lock:
            return None if self._latest is None else self._latest.copy()

    def capture_still(self) -> bytes:
        """The latest frame as PNG bytes, for a condition photo."""
        frame = self.latest_frame()
        if frame is None:
            raise CameraUnavailable("no camera picture yet")
        return encode_png(frame)

    # -- consistency / duplicates ----------------------------------------------------
    def consider(self, codes: list[DecodedCode], now: float) -> list[DecodedCode]:
        """Feed one decode's result; return the codes accepted by this decode.

        Kept public and clock-injected so the rules can be tested without a thread.
        """
        accepted: list[DecodedCode] = []
        seen = {(c.text, c.symbology) for c in codes}
        # a decode that does not see a code breaks its streak
        for key in list(self._streak):
            if key not in seen:
                del self._streak[key]
        for code in codes:
            key = (code.text, code.symbology)
            count, first = self._streak.get(key, (0, now))
            if now - first > self.confirm_window:
                count, first = 0, now
            count += 1
            self._streak[key] = (count, first)
            if count < self.confirmations:
                continue
            last = self._accepted_at.get(key)
            if last is not None and now - last < self.cooldown:
                continue
            self._accepted_at[key] = now
            self._streak.pop(key, None)
            accepted.append(code)
        return accepted

    # -- thread body ---------------------------------------------------------------------
    def _status(self, text: str) -> None:
        if self.on_status is not None:
            self.on_status(text)

    def _open_with_retry(self, attempt: int) -> bool:
        """Try to open; False when stopping or out of retries."""
        delay = self.retry_initial
        while not self._stop_event.is_set():
            try:
                self.camera.open()
                if attempt:
                    self._status("camera ready")
                return True
            except Exception as exc:  # any device error is "lost", reported in words
                self._status(f"camera lost: {exc}")
            attempt += 1
            if self.max_retries is not None and attempt > self.max_retries:
                self._status("camera lost: giving up, use manual entry")
                return False
            if self._stop_event.wait(delay):
                return False
            delay = min(delay * 2, self.retry_max)
        return False

    def run(self) -> None:
        """Read, preview, decode (throttled), accept; reconnect when the camera goes."""
        if self.decode_in_background:
            self._decoder_thread = threading.Thread(
                target=self._decode_worker, name="camera-decoder", daemon=True
            )
            self._decoder_thread.start()
        attempts = 0
        try:
            while not self._stop_event.is_set():
                if not self._open_with_retry(attempts):
                    return
                frames_before = self.frames_seen
                self._read_loop()
                self.camera.close()
                if self._stop_event.is_set():
                    return
                self._drain()
                if self.frames_seen > frames_before and self.max_retries is None:
                    attempts = 0  # it worked for a while: a fresh loss starts a fresh backoff
                attempts += 1
                self._status("camera lost: no picture (unplugged or end of stream)")
                if self.max_retries is not None and attempts > self.max_retries:
                    self._status("camera lost: giving up, use manual entry")
                    return
                backoff = min(self.retry_initial * 2 ** (attempts - 1), self.retry_max)
                if self._stop_event.wait(backoff):
                    return
        finally:
            self.camera.close()
            with self._work:
                self._decoder_quit = True
                self._work.notify_all()
            if self._decoder_thread is not None:
                self._decoder_thread.join(5.0)

    def _drain(self) -> None:
        """Wait (briefly) until the decode thread has handled the frame handed to it."""
        deadline = time.monotonic() + 5.0
        with self._work:
            while (self._pending is not None or self._busy) and not self._stop_event.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._work.wait(min(remaining, 0.05))

    def _decode_worker(self) -> None:
        """Background decoder: takes the latest handed frame, decodes, emits scans."""
        while True:
            with self._work:
                while self._pending is None and not self._decoder_quit:
                    if self._stop_event.is_set():
                        return
                    self._work.wait(0.1)
                if self._pending is None or self._stop_event.is_set():
                    return
                frame, self._pending = self._pending, None
                self._busy = True
            try:
                self._decode_and_emit(frame)
            finally:
                with self._work:
                    self._busy = False
                    self._work.notify_all()

    def _decode_and_emit(self, frame: Image) -> None:
        self.decodes += 1
        try:
            codes = self.decoder.decode(frame)
        except Exception as exc:  # a decoder bug must not kill the preview
            self._status(f"decoding failed: {exc}")
            codes = []
        for code in self.consider(codes, time.monotonic()):
            self.on_scan(ScanEvent(code.text, code.symbology, "camera", datetime.now(UTC)))

    def _hand_over(self, frame: Image) -> bool:
        """Give a frame to the decode thread unless it is busy; False when skipped."""
        with self._work:
            if self._pending is not None or self._busy:
                self.frames_skipped += 1
                return False
            self._pending = frame
            self._work.notify_all()
            return True

    def _read_loop(self) -> None:
        last_decode = -1e9
        next_frame = time.monotonic()
        while not self._stop_event.is_set():
            try:
                frame = self.camera.read()
            except Exception as exc:
                self._status(f"camera lost: {exc}")
                return
            if frame is None:
                return
            self.frames_seen += 1
            with self._lock:
                self._latest = frame
            if self.on_frame is not None:
                self.on_frame(frame)
            now = time.monotonic()
            due = self.frames_seen % self.decode_every == 0
            if due and now - last_decode >= self.min_decode_gap:
                if not self.decode_in_background:
                    last_decode = now
                    self._decode_and_emit(frame)
                elif self._hand_over(frame):
                    last_decode = now
            if self.frame_interval:
                # pace to a steady rate (video files): sleep until the next frame is due
                next_frame = max(next_frame + self.frame_interval, time.monotonic() - 1.0)
                self._stop_event.wait(max(0.0, next_frame - time.monotonic()))
