"""The webcam in the GUI: a `CameraController` owns one `CameraScanner` and speaks Qt.

The scanning core (`counter_app.adapters.scanning.camera`) is Qt-free and calls back from
its own threads: frames and status from the reader thread, accepted codes from the decode
thread. The controller turns those calls into signals of a QObject living on the UI thread,
so every slot runs there (queued connections); no widget is ever touched from a worker.

- Lazy: nothing is imported or opened until `start()`, and `start()` itself returns at
  once; OpenCV, the decoder engines and the device are loaded by a job on the "io" lane of
  the window's task runner (`tasks`, else the `ctx.tasks` of the first parent that has
  one), so the camera adds nothing to start-up or to the UI thread.
- Preview throttled to what the widget shows: the reader thread scales each frame down to
  the preview size (`set_preview_size`) before it becomes a QImage, at most
  `max_preview_fps` a second, and never queues a frame while the previous one has not been
  shown (a busy UI thread drops preview frames instead of building a backlog).
- `stop()` waits for the start job and ends both scanner threads (join with timeout); a
  stopped controller can be started again (a fresh scanner is made). Lock, close and the
  camera test stop it.
- `hub` is one process-wide QObject the settings use to say "the camera source changed"
  and "the camera test needs the device": running controllers restart or pause.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSize, Signal, Slot
from PySide6.QtGui import QImage

from counter_app import bootstrap
from counter_app.domain.scanning import ScanEvent
from ui.tasks import TaskManager

log = logging.getLogger(__name__)


OFF_WORDS = frozenset({"", "off", "none", "no", "disabled"})
VIDEO_FPS = 30.0  # a video file is played like a 30 fps camera


def parse_source(text: str) -> int | str | None:
    """The settings' camera string: "0" → device 0; a path or URL as is; "off" → None."""
    value = (text or "").strip()
    if value.lower() in OFF_WORDS:
        return None
    if value.isdigit():
        return int(value)
    return value


def is_video_file(source: int | str | None) -> bool:
    """A local file (played at 30 fps), as opposed to a device index or a stream URL."""
    return isinstance(source, str) and "://" not in source and not source.startswith("/dev/")


class CameraHub(QObject):
    """Process-wide camera news: settings changed the source; the camera test runs."""

    source_changed = Signal(str)
    exclusive = Signal(bool)  # True while the camera test dialog holds the device

    def __init__(self) -> None:
        super().__init__()
        self.test_running = 0


_hub: CameraHub | None = None


def hub() -> CameraHub:
    global _hub
    if _hub is None:
        _hub = CameraHub()
    return _hub


def frame_to_qimage(frame: Any, target: tuple[int, int] | None) -> QImage:
    """A BGR (or gray) uint8 frame as a QImage no larger than ``target`` (w, h).

    Scaling happens first, with OpenCV on the calling (worker) thread, so the copy that
    crosses to the UI thread is only as big as the preview.
    """
    import cv2

    h, w = frame.shape[:2]
    if target is not None and target[0] > 0 and target[1] > 0:
        scale = min(target[0] / w, target[1] / h)
        if scale < 1.0:
            size = (max(1, int(w * scale)), max(1, int(h * scale)))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
            h, w = frame.shape[:2]
    if not frame.flags["C_CONTIGUOUS"]:
        import numpy as np

        frame = np.ascontiguousarray(frame)
    fmt = QImage.Format.Format_Grayscale8 if frame.ndim == 2 else QImage.Format.Format_BGR888
    image = QImage(frame.data, w, h, frame.strides[0], fmt)
    return image.copy()  # detach from the numpy buffer


def _quiet_opencv() -> None:
    try:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except Exception:  # an OpenCV without the logging API: the warnings stay, that is all
        pass


CameraFactory = Callable[[int | str], Any]
DecoderFactory = Callable[[], Any]


def _default_camera(source: int | str) -> Any:
    return bootstrap.open_camera(source)


def _default_decoder() -> Any:
    return bootstrap.camera_decoder()


class CameraController(QObject):
    """One camera for one window (or the camera test): start, stop, signals.

    States: "off" (no camera configured), "absent" (a device number is configured and
    no such camera is connected: no retry loop — `ui.devices.camera_list` says when one
    comes), "stopped", "starting", "live", "lost".
    """

    frame = Signal(QImage)
    scanned = Signal(object)  # ScanEvent
    status = Signal(str)  # the scanner's words: "camera lost: ...", "camera ready", ...
    state_changed = Signal(str)

    # internal: emitted from worker threads, received on the UI thread (queued)
    _deliver_frame = Signal(int, QImage)
    _deliver_scan = Signal(int, object)
    _deliver_status = Signal(int, str)

    def __init__(
        self,
        source: str = "0",
        parent: QObject | None = None,
        *,
        camera_factory: CameraFactory | None = None,
        decoder_factory: DecoderFactory | None = None,
        max_preview_fps: float = 30.0,
        tasks: TaskManager | None = None,
        **scanner_options: Any,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.source_text = source
        self.camera_factory = camera_factory or _default_camera
        self.decoder_factory = decoder_factory or _default_decoder
        self.max_preview_fps = max_preview_fps
        # passed to CameraScanner (tests shorten retries, bound them for a video file...)
        self.options: dict[str, Any] = dict(scanner_options)
        self.state = "stopped" if parse_source(source) is not None else "off"
        self.frames_received = 0  # frames read by the worker (this controller's lifetime)
        self.frames_shown = 0  # frames that reached the UI thread
        self.frames_dropped = 0  # skipped: the UI had not shown the previous one yet
        self.scans: list[ScanEvent] = []
        self.last_status = ""
        self._lock = threading.Lock()
        self._generation = 0  # bumps on every start/stop; late deliveries of old ones drop
        self._scanner: Any = None
        self._starter: tuple[TaskManager, int] | None = None  # the start job, until stop()
        self._preview_size: tuple[int, int] | None = None
        self._frame_in_flight = False
        self._next_preview = 0.0
        self._deliver_frame.connect(self._on_frame)
        self._deliver_scan.connect(self._on_scan)
        self._deliver_status.connect(self._on_status)

    # ------------------------------------------------------------------ control
    @property
    def source(self) -> int | str | None:
        return parse_source(self.source_text)

    @property
    def running(self) -> bool:
        """True from start() until stop() (whether or not a picture arrives)."""
        return self.state in ("starting", "live", "lost")

    @property
    def scanner(self) -> Any:
        return self._scanner

    def set_preview_size(self, size: QSize) -> None:
        """The preview's size in device pixels; frames are scaled to fit it."""
        self._preview_size = (max(1, size.width()), max(1, size.height()))

    def set_source(self, text: str) -> None:
        """Use another camera; a running controller restarts on it."""
        if text == self.source_text:
            return
        was_running = self.running
        self.stop()
        self.source_text = text
        self._set_state("stopped" if self.source is not None else "off")
        if was_running:
            self.start()

    def start(self) -> None:
        """Start in the background (returns at once); no-op when running or off."""
        if self.running:
            return
        source = self.source
        if source is None:
            self._set_state("off")
            return
        if self._absent(source):
            self._set_state("absent")
            return
        with self._lock:
            self._generation += 1
            gen = self._generation
            self._frame_in_flight = False
        self._set_state("starting")
        tasks = self._runner()
        job = tasks.run(
            lambda: self._build_and_start(gen, source),
            on_error=lambda exc: log.error("camera start failed: %s", exc),
            lane="io",
        )
        self._starter = (tasks, job)

    def _absent(self, source: int | str) -> bool:
        """A device number with no camera behind it (the real cameras only: a test's camera
        factory is always there)."""
        if not isinstance(source, int) or self.camera_factory is not _default_camera:
            return False
        from ui.devices import camera_list

        return camera_list.present(source) is False

    def _runner(self) -> TaskManager:
        """The task runner given, else the window's (`ctx.tasks` of a parent)."""
        if self.tasks is not None:
            return self.tasks
        owner = self.parent()
        while owner is not None:
            ctx = getattr(owner, "ctx", None)
            tasks = getattr(ctx, "tasks", None)
            if isinstance(tasks, TaskManager):
                return tasks
            owner = owner.parent()
        raise RuntimeError("CameraController needs a task runner: pass tasks= or a parent")

    def stop(self, timeout: float = 3.0) -> bool:
        """Stop the scanner and wait for its threads; True when none is left running."""
        with self._lock:
            self._generation += 1  # the starter sees it and does not start the scanner
            scanner, self._scanner = self._scanner, None
            starter, self._starter = self._starter, None
        ok = True
        if starter is not None:
            tasks, job = starter
            ok = tasks.wait(int(timeout * 1000), jobs=[job])
        if scanner is not None:
            ok = bool(scanner.stop(timeout)) and ok
        if self.state != "off":
            self._set_state("stopped")
        return ok

    def latest_frame(self) -> Any:
        """A copy of the newest full-size frame (numpy BGR), or None."""
        scanner = self._scanner
        return None if scanner is None else scanner.latest_frame()

    def capture_still(self) -> bytes:
        """The newest frame as PNG bytes; CameraUnavailable when there is no picture."""
        scanner = self._scanner
        if scanner is None:
            raise bootstrap.CameraUnavailable("the camera is not running")
        return bytes(scanner.capture_still())

    # ------------------------------------------------------------------ worker side
    def _build_and_start(self, gen: int, source: int | str) -> None:
        """Start job ("io" lane): heavy imports, decoder, camera object, then the scanner."""
        if gen != self._generation:
            return  # stopped before the job's turn came
        try:
            _quiet_opencv()  # a missing webcam is our status message, not a log line per retry

            camera = self.camera_factory(source)
            decoder = self.decoder_factory()
            options = dict(self.options)
            if is_video_file(source):
                options.setdefault("frame_interval", 1.0 / VIDEO_FPS)
            scanner = bootstrap.camera_scanner(
                camera,
                decoder,
                lambda event: self._deliver_scan.emit(gen, event),
                lambda frame: self._frame_from_worker(gen, frame),
                lambda text: self._deliver_status.emit(gen, text),
                **options,
            )
        except Exception as exc:  # no OpenCV / no decoder: say so, keep the counter working
            log.warning("camera cannot start: %s", exc)
            self._deliver_status.emit(gen, f"camera lost: {exc}")
            return
        with self._lock:
            if gen != self._generation:
                return  # stopped meanwhile
            self._scanner = scanner
            scanner.start()

    def _frame_from_worker(self, gen: int, frame: Any) -> None:
        """Reader thread: scale, convert, hand over (or drop when the UI is behind)."""
        self.frames_received += 1
        now = time.monotonic()
        if self.max_preview_fps > 0:
            # at most max_preview_fps on average; a frame a little early (read jitter) passes
            interval = 1.0 / self.max_preview_fps
            if now < self._next_preview - 0.3 * interval:
                return
            self._next_preview = max(self._next_preview, now - interval) + interval
        with self._lock:
            if self._frame_in_flight or gen != self._generation:
                self.frames_dropped += 1
                return
            self._frame_in_flight = True
        try:
            image = frame_to_qimage(frame, self._preview_size)
        except Exception:  # a broken frame must not stop the camera
            with self._lock:
                self._frame_in_flight = False
            return
        self._deliver_frame.emit(gen, image)

    # ------------------------------------------------------------------ UI thread
    @Slot(int, QImage)
    def _on_frame(self, gen: int, image: QImage) -> None:
        with self._lock:
            self._frame_in_flight = False
            current = gen == self._generation
        if not current:
            return
        self.frames_shown += 1
        if self.state != "live":
            self._set_state("live")
        self.frame.emit(image)

    @Slot(int, object)
    def _on_scan(self, gen: int, event: object) -> None:
        if gen != self._generation or not isinstance(event, ScanEvent):
            return
        self.scans.append(event)
        self.scanned.emit(event)

    @Slot(int, str)
    def _on_status(self, gen: int, text: str) -> None:
        if gen != self._generation:
            return
        self.last_status = text
        if text.startswith("camera lost"):
            self._set_state("lost")
        self.status.emit(text)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
