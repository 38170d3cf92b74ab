"""The Qt binding itself: PySide6 6.12.0 leaks a reference to True on every signal emit, so
a counter left running aborts Python ("bool_dealloc"). pyproject keeps PySide6 below 6.12;
this test fails if a broken binding comes back."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal


class _Sender(QObject):
    ping = Signal(object)


@pytest.mark.timeout(60)
def test_signal_emit_keeps_the_reference_count_of_true(qapp: object) -> None:
    sender = _Sender()
    received: list[int] = []
    sender.ping.connect(lambda n: received.append(n) if n % 1000 == 0 else None)
    before = sys.getrefcount(True)
    for n in range(5000):
        sender.ping.emit(n)
    assert abs(sys.getrefcount(True) - before) < 100
    assert received == [0, 1000, 2000, 3000, 4000]
