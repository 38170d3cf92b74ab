"""The store's time zone: one place that names a zone good or bad and turns instants local.

Return windows, business days (Z-report, day close), receipts and reports all count in the
store's zone; the policy's `timezone` is only the default for a store that has none.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_EXAMPLE = "Europe/Berlin"


def check_zone(name: str) -> str:
    """`name` if it is an IANA time zone, else ValueError in one line."""
    text = str(name)
    try:
        if not text or text != text.strip() or len(text) > 64:
            raise ValueError
        ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        shown = text[:64]
        raise ValueError(f"must be an IANA time zone like {ZONE_EXAMPLE}, not {shown!r}") from None
    return text


def pick_zone(*candidates: str | None) -> str:
    """The first candidate that is a valid zone (store setting, store row, policy), else UTC."""
    for name in candidates:
        if not name:
            continue
        try:
            return check_zone(name)
        except ValueError:
            continue
    return "UTC"


def local_datetime(moment: datetime, zone: str) -> datetime:
    """`moment` (timezone-aware) as wall-clock time in `zone`."""
    if moment.tzinfo is None:
        raise ValueError(f"a local time needs a timezone-aware instant, got {moment!r}")
    return moment.astimezone(ZoneInfo(zone))


def local_date(moment: datetime, zone: str) -> date:
    """The calendar day of `moment` in `zone` (a business day, a window day)."""
    return local_datetime(moment, zone).date()
