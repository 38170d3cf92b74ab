"""Keyboard-wedge detection: scanner bursts become scans, human typing is never swallowed."""

from __future__ import annotations

import pytest

from counter_app.adapters.scanning import WedgeDetector


class FakeInput:
    """Plays keys through the detector the way the Qt event filter will, recording output."""

    def __init__(self, detector: WedgeDetector) -> None:
        self.det = detector
        self.typed: list[str] = []  # what reached the focused widget, in order
        self.scans: list[str] = []

    def key(self, ch: str, t: float) -> None:
        d = self.det.feed(ch, t)
        self.typed.extend(d.release)
        if not d.hold:
            self.typed.append(ch)

    def enter(self, t: float) -> None:
        d = self.det.feed_enter(t)
        if d.scan is not None:
            self.scans.append(d.scan)
            return
        self.typed.extend(d.release)
        self.typed.append("\n")

    def tick(self, t: float) -> None:
        self.typed.extend(self.det.flush(t).release)

    def play(self, text: str, start: float, gap: float, enter: bool = True) -> float:
        t = start
        for ch in text:
            self.key(ch, t)
            self.tick(t + gap / 2)
            t += gap
        if enter:
            self.enter(t)
        return t


def test_fast_burst_with_enter_is_a_scan() -> None:
    io = FakeInput(WedgeDetector())
    io.play("R-0012-03-000045", start=100.0, gap=0.008)
    assert io.scans == ["R-0012-03-000045"]
    assert io.typed == []


@pytest.mark.parametrize("gap", [0.08, 0.15, 0.3])
def test_human_typing_is_not_swallowed(gap: float) -> None:
    io = FakeInput(WedgeDetector())
    end = io.play("4006381333931", start=10.0, gap=gap)
    io.tick(end + 1)
    assert io.scans == []
    assert "".join(io.typed) == "4006381333931\n"


def test_burst_without_enter_is_released_as_typing() -> None:
    io = FakeInput(WedgeDetector())
    end = io.play("ABCDEF", start=5.0, gap=0.005, enter=False)
    assert io.typed == []  # still held: it may yet be a scan
    io.tick(end + 0.2)
    assert "".join(io.typed) == "ABCDEF"
    assert io.scans == []


def test_short_fast_burst_is_typing() -> None:
    io = FakeInput(WedgeDetector(min_length=4))
    io.play("ab", start=1.0, gap=0.01)
    assert io.scans == []
    assert "".join(io.typed) == "ab\n"


def test_typing_then_scan_then_typing_keeps_order() -> None:
    io = FakeInput(WedgeDetector())
    t = io.play("hi", start=0.0, gap=0.2, enter=False)
    t = io.play("12345678", start=t + 0.3, gap=0.01)
    t = io.play("ok", start=t + 0.5, gap=0.12, enter=False)
    io.tick(t + 1)
    assert io.scans == ["12345678"]
    assert "".join(io.typed) == "hiok"


def test_slow_enter_after_fast_burst_is_typing() -> None:
    det = WedgeDetector()
    for i, ch in enumerate("12345"):
        det.feed(ch, 1.0 + i * 0.01)
    d = det.feed_enter(1.04 + 0.5)
    assert d.scan is None and not d.hold
    assert "".join(d.release) == "12345"


def test_reset_returns_held_keys() -> None:
    det = WedgeDetector()
    det.feed("a", 1.0)
    det.feed("b", 1.01)
    assert det.holding == ("a", "b")
    assert det.reset() == ("a", "b")
    assert det.holding == ()
