"""Camera in the GUI: preview frame rate in the real widget while decoding, and memory.

    python benchmarks/bench_camera_gui.py

A 1280x720 MJPG video at 30 fps (cv2.VideoWriter; an order QR every other second on a
noisy, moving background) is the counter's camera (`camera_source` = the file, played at
30 fps like a webcam). Measured, with the decoder running as the app runs it
(PipelineDecoder(effort="fast"), at most 8 decodes a second, on its own thread):

1. The main window (signed in, demo store): new frames painted per second by the scan
   area's `CameraWidget`, frames read by the camera thread, decodes, codes accepted, frames
   the UI had no time for, and the UI thread's longest block (5 ms heartbeat).
2. The same in the camera test dialog, whose preview is large (the frame scaled to ~960 px
   wide) — the expensive case for frame → QImage.
3. Decoding every frame it can (no rate limit): the preview must still keep up.
4. Memory: process RSS before the camera starts, with it running, and after it stopped.

Prints numbers, asserts nothing. Target: preview >= 25 fps from the 30 fps source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_heartbeat import Heartbeat  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SECONDS = float(os.environ.get("COUNTER_APP_BENCH_CAMERA_SECONDS", "6"))
VIDEO_SECONDS = int(SECONDS) + 6


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc; ru_maxrss elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_video(path: Path, seconds: int, order: str) -> None:
    import io

    import cv2
    import numpy as np
    import segno
    from PIL import Image

    buf = io.BytesIO()
    segno.make_qr(order, error="m").save(buf, kind="png", scale=10, border=4)
    qr = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))[:, :, ::-1]
    rng = np.random.default_rng(7)
    gx = np.tile(np.linspace(60, 200, 1280, dtype=np.float32), (720, 1))
    base = np.dstack([gx, gx * 0.9, gx * 0.8]).astype(np.uint8)
    cv2.putText(base, "RETURNS COUNTER", (300, 650), cv2.FONT_HERSHEY_SIMPLEX, 2, (20, 20, 20), 4)
    noise = [np.asarray(rng.normal(0, 6, base.shape)).astype(np.int16) for _ in range(4)]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (1280, 720))
    for i in range(30 * seconds):
        frame = base.copy()
        cv2.circle(frame, (100 + (i * 13) % 1080, 200), 60, (40, 120, 200), -1)
        if (i // 30) % 2:
            frame[150 : 150 + qr.shape[0], 500 : 500 + qr.shape[1]] = qr
        frame = np.clip(frame.astype(np.int16) + noise[i % 4], 0, 255).astype(np.uint8)
        writer.write(frame)
    writer.release()


def build_demo(home: Path, orders: int = 50) -> None:
    env = dict(os.environ, COUNTER_APP_HOME=str(home))
    env.pop("COUNTER_APP_DB", None)
    subprocess.run(
        [sys.executable, "-m", "ui.entry", "demo", "--orders", str(orders)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )


def first_order(db_url: str) -> str:
    from sqlalchemy import create_engine, select

    from counter_app.adapters.db import tables as t

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(select(t.orders.c.number).limit(1)).scalar_one())
    finally:
        engine.dispose()


def pump(seconds: float, until: Any = None) -> bool:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if until is not None and until():
            return True
        time.sleep(0.001)
    return until is None


def measure(controller: Any, view: Any, seconds: float, label: str) -> float:
    """Preview numbers over ``seconds`` of a running controller; returns painted fps."""
    if not pump(15, lambda: controller.state == "live" and controller.scanner is not None):
        print(f"{label}: the camera did not start ({controller.last_status})")
        return 0.0
    pump(1.0)  # warm-up: decoder loaded, first decodes done
    scanner = controller.scanner
    painted0, read0, shown0 = (
        view.frames_painted,
        controller.frames_received,
        controller.frames_shown,
    )
    dropped0, decodes0, scans0 = controller.frames_dropped, scanner.decodes, len(controller.scans)
    skipped0 = scanner.frames_skipped
    beat = Heartbeat()
    beat.start()
    start = time.perf_counter()
    pump(seconds)
    elapsed = time.perf_counter() - start
    worst = beat.stop()
    painted = (view.frames_painted - painted0) / elapsed
    read = (controller.frames_received - read0) / elapsed
    print(
        f"{label}: preview {painted:5.1f} fps painted (camera thread read {read:4.1f} fps, "
        f"{(controller.frames_shown - shown0) / elapsed:4.1f} fps reached the UI, "
        f"{controller.frames_dropped - dropped0} dropped because the UI was behind); "
        f"{(scanner.decodes - decodes0) / elapsed:4.1f} decodes/s, "
        f"{scanner.frames_skipped - skipped0} due frames skipped while decoding, "
        f"{len(controller.scans) - scans0} codes accepted; UI thread longest block "
        f"{worst * 1000:.1f} ms; preview {view.width()}x{view.height()} px"
    )
    return painted


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from counter_app.bootstrap import bootstrap
    from counter_app.config import Settings
    from ui.app import apply_style, make_window

    apply_style(app)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="bench_camera_gui_") as tmp:
        home = Path(tmp) / "home"
        build_demo(home)
        db_url = f"sqlite:///{home / 'counter.db'}"
        video = Path(tmp) / "camera_30fps.avi"
        t0 = time.perf_counter()
        # in a child process, so OpenCV is first loaded here when the camera starts
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--write-video",
                str(video),
                str(VIDEO_SECONDS),
                first_order(db_url),
            ],
            check=True,
            cwd=ROOT,
        )
        print(
            f"bench_camera_gui: {VIDEO_SECONDS} s 1280x720 MJPG video at 30 fps written in "
            f"{time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs"
        )

        core = bootstrap(
            Settings(home=home, db_url=db_url, camera_source=str(video)), migrate=False
        )
        win: Any = make_window(core)
        win.resize(1366, 768)
        win.show()
        pump(0.3)
        rss_before = rss_mb()
        win.login.username.setText("alice")
        win.login.pin.setText("1234")
        start_beat = Heartbeat()
        start_beat.start()
        t_sign = time.perf_counter()
        win.login.submit()
        pump(10, lambda: win.ctx.user is not None)
        print(
            f"sign-in to main window: {(time.perf_counter() - t_sign) * 1000:.0f} ms "
            f"(the camera starts after, on its own thread)"
        )
        ctrl, view = win.camera.controller, win.camera.view
        try:
            t_live = time.perf_counter()
            pump(15, lambda: ctrl.state == "live")
            live_ms = (time.perf_counter() - t_live) * 1000
            pump(1.0)
            print(
                f"camera start to first frame on screen: {live_ms:.0f} ms (OpenCV, zxing-cpp "
                f"and zbar first loaded now, on the camera's starter thread); UI thread longest "
                f"block from sign-in to 1 s after the first frame "
                f"{start_beat.stop() * 1000:.1f} ms"
            )
            measure(ctrl, view, SECONDS, "main window, decode <= 8/s")
            rss_running = rss_mb()
            ctrl.stop()
            ctrl.options["max_decodes_per_second"] = 0  # decode whenever the decoder is free
            ctrl.start()
            measure(ctrl, view, SECONDS, "main window, decode flat out")
            ctrl.stop()
            pump(0.5)
            rss_stopped = rss_mb()
        finally:
            win.close()

        from ui.devices.camera_test_dialog import CameraTestDialog

        dialog = CameraTestDialog(str(video))
        dialog.resize(1000, 700)
        dialog.show()
        try:
            measure(dialog.controller, dialog.view, SECONDS, "camera test dialog (large preview)")
        finally:
            dialog.close()
        core.close()
        print(
            f"memory (RSS): {rss_before:.0f} MiB window shown before the camera, "
            f"{rss_running:.0f} MiB with the camera running and decoding "
            f"(+{rss_running - rss_before:.0f} MiB: OpenCV, zxing-cpp, zbar, frames), "
            f"{rss_stopped:.0f} MiB after it stopped"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-video"]:
        write_video(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
