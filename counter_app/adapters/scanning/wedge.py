"""Telling a handheld (keyboard-wedge) scanner from a person typing, without Qt.

A wedge scanner "types" the code very fast (a few ms per key) and presses Enter. A person
types with 80-300 ms between keys. :class:`WedgeDetector` watches the key stream and holds
back keys that *might* be a scan; the moment the stream is clearly human (a slow gap) or
ends without Enter, it hands the held keys back so nothing typed is ever swallowed.

How the Qt event filter (or any other caller) uses it, one call per key press::

    det = WedgeDetector()
    # on a printable key with text ch:
    d = det.feed(ch, time.monotonic())
    for k in d.release:       # earlier held keys that turned out to be typing:
        replay_to_focus(k)    #   re-deliver them, in order, before this one
    if not d.hold:            # this key is typing: let the event through
        pass_event_on()
    else:                     # held: swallow the event for now
        swallow()
    # on Enter:
    d = det.feed_enter(time.monotonic())
    if d.scan is not None:    # the held burst was a scan: emit a ScanEvent, swallow Enter
        emit_scan(d.scan)
    else:                     # typing: replay d.release, then let Enter through
        ...
    # from a timer every ~50 ms (and before focus changes):
    for k in det.flush(time.monotonic()).release:   # a burst that never got Enter
        replay_to_focus(k)

Times must come from ``time.monotonic()`` taken when the key arrives, not from the event's
own timestamp (platforms disagree on its clock and resolution).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class WedgeDecision:
    """What to do with the key just fed.

    ``hold``: swallow this key for now (it may be part of a scan).
    ``release``: earlier held keys to deliver as ordinary typing, in order, *before* this
    key (if this key is not held).
    ``scan``: the completed scan text (only from ``feed_enter``); the Enter is swallowed.
    """

    hold: bool
    release: tuple[str, ...] = ()
    scan: str | None = None


@dataclass
class WedgeDetector:
    """Decides, key by key, whether keystrokes are a scanner burst or human typing.

    ``min_length``: fewest characters before Enter for a burst to count as a scan.
    ``max_gap``: largest gap in seconds between keys of a scan (scanners: 2-30 ms).
    Keys are held only while every gap so far is within ``max_gap``; the first slow gap
    releases everything held as typing.
    """

    min_length: int = 4
    max_gap: float = 0.05
    _held: list[str] = field(default_factory=list)
    _last: float | None = None

    @property
    def holding(self) -> tuple[str, ...]:
        """Keys currently held back (a burst in progress)."""
        return tuple(self._held)

    def feed(self, char: str, t: float) -> WedgeDecision:
        """Feed one printable key pressed at monotonic time ``t``."""
        if self._held and self._last is not None and t - self._last <= self.max_gap:
            # the burst continues
            self._held.append(char)
            self._last = t
            return WedgeDecision(hold=True)
        # a slow gap (or nothing held): whatever was held is typing; this key may start a
        # new burst, so hold it too — it is released on the next slow key or by flush().
        released = tuple(self._held)
        self._held = [char]
        self._last = t
        return WedgeDecision(hold=True, release=released)

    def feed_enter(self, t: float) -> WedgeDecision:
        """Feed Enter at time ``t``: a scan if a fast burst of ``min_length``+ keys is held."""
        held = tuple(self._held)
        fast = self._last is not None and t - self._last <= self.max_gap
        self._held = []
        self._last = None
        if fast and len(held) >= self.min_length:
            return WedgeDecision(hold=True, scan="".join(held))
        return WedgeDecision(hold=False, release=held)

    def flush(self, t: float) -> WedgeDecision:
        """Release held keys once the burst has gone quiet for longer than ``max_gap``.

        Call from a timer (every ~``max_gap``) so a lone typed key, or a burst that never
        got an Enter, appears without waiting for the next key press.
        """
        if self._held and (self._last is None or t - self._last > self.max_gap):
            released = tuple(self._held)
            self._held = []
            self._last = None
            return WedgeDecision(hold=False, release=released)
        return WedgeDecision(hold=False)

    def reset(self) -> tuple[str, ...]:
        """Drop state (e.g. on focus change) and return held keys for the caller to replay."""
        released = tuple(self._held)
        self._held = []
        self._last = None
        return released
