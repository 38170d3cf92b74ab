"""The UI-thread block meter the GUI benchmarks share: a 5 ms timer on the UI thread whose
longest gap between two beats is the longest time the window could not respond."""

from __future__ import annotations

import time

BEAT_S = 0.005


class Heartbeat:
    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(int(BEAT_S * 1000))
        self.timer.timeout.connect(self._beat)
        self.last = self.worst = 0.0

    def start(self) -> None:
        self.last, self.worst = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        """Stop; the longest block (s), less the beat itself."""
        self.timer.stop()
        self._beat()
        return max(0.0, self.worst - BEAT_S)

    def take(self) -> float:
        """The longest block since the last call (ms), less the beat itself; keeps beating."""
        self._beat()
        worst, self.worst = self.worst, 0.0
        return max(0.0, worst - BEAT_S) * 1000

    def _beat(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now
