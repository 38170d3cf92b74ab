"""The keyboard-wedge scanner anywhere in the app: an application-wide key event filter.

The timing decisions are `counter_app.adapters.scanning.wedge.WedgeDetector` (Qt-free);
this filter feeds it every key press, swallows keys while they might be a scan, replays
them to the focused widget when they turn out to be typing, and emits `scanned(text)` for
a fast burst ended by Enter. Ordinary typing is never lost, only delayed by ~50 ms.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from counter_app import bootstrap

if TYPE_CHECKING:
    from counter_app.adapters.scanning.wedge import WedgeDetector

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_TEXT_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


class WedgeFilter(QObject):
    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        enabled: Callable[[], bool] = lambda: True,
        detector: WedgeDetector | None = None,
    ) -> None:
        super().__init__(parent)
        self.detector = detector or bootstrap.wedge_detector()
        self._enabled = enabled
        self._replaying = False
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.timeout.connect(self._on_flush)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(event, QKeyEvent) or not watched.isWidgetType():
            return False
        if not self._enabled():
            self._replay(self.detector.reset())
            return False
        now = time.monotonic()
        key = event.key()
        mods = event.modifiers() & ~_TEXT_MODIFIERS
        if key in _ENTER and mods == Qt.KeyboardModifier.NoModifier:
            decision = self.detector.feed_enter(now)
            if decision.scan is not None:
                self._flush.stop()
                self.scanned.emit(decision.scan)
                return True
            self._replay(decision.release)
            return False
        text = event.text()
        if mods != Qt.KeyboardModifier.NoModifier or len(text) != 1 or not text.isprintable():
            # a shortcut, Tab, arrows...: whatever was held is typing and comes first
            self._replay(self.detector.reset())
            return False
        decision = self.detector.feed(text, now)
        self._replay(decision.release)
        if decision.hold:
            self._flush.start(self._quiet_ms())
            return True
        return False

    def _on_flush(self) -> None:
        decision = self.detector.flush(time.monotonic())
        self._replay(decision.release)
        if self.detector.holding:
            self._flush.start(self._quiet_ms())

    def _quiet_ms(self) -> int:
        return int(self.detector.max_gap * 1000) + 15

    def _replay(self, keys: tuple[str, ...]) -> None:
        if not keys:
            return
        target = QApplication.focusWidget()
        if target is None:
            return
        self._replaying = True
        try:
            for ch in keys:
                code = ord(ch.upper()) if ch.isascii() else int(Qt.Key.Key_unknown)
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    ev = QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, ch)
                    QCoreApplication.sendEvent(target, ev)
        finally:
            self._replaying = False
