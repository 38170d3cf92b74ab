"""The return window: the last local day a purchase may come back under a policy.

Shared by the engine (a return at the counter) and head office (an authorization started
online must fall inside the same window, and expires with it). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from counter_app.domain.policy_model import Policy


@dataclass(frozen=True)
class Deadlines:
    """`base`: bought day + the category's window; `loyal`: plus the loyalty tier's extra
    days; `holiday`: a holiday extension's last day (with its name) if one applies;
    `final`: the last local day the purchase is returnable."""

    bought: date
    window_days: int
    extra_days: int
    base: date
    loyal: date
    holiday: date | None
    holiday_name: str

    @property
    def final(self) -> date:
        return max(self.loyal, self.holiday) if self.holiday else self.loyal


def deadlines(
    purchased_at: datetime, category: str, channel: str, tier: str | None, policy: Policy
) -> Deadlines:
    """Calendar-day window in the policy's zone: bought on local day D with N days → through
    the end of local day D+N (so DST and the hour of purchase never matter)."""
    bought = purchased_at.astimezone(policy.zone).date()
    window = policy.category(category).window_for(channel)
    base = bought + timedelta(days=window)
    extra = policy.loyalty_extra_days.get(tier, 0) if tier else 0
    holiday: date | None = None
    name = ""
    for ext in policy.holiday_extensions:
        applies = ext.categories is None or category in ext.categories
        later = holiday is None or ext.returnable_until > holiday
        if applies and later and ext.bought_from <= bought <= ext.bought_until:
            holiday, name = ext.returnable_until, ext.name
    return Deadlines(bought, window, extra, base, base + timedelta(days=extra), holiday, name)


def window_end(deadline: date, policy: Policy) -> datetime:
    """The moment the window closes: the start of the local day after `deadline`."""
    after = deadline + timedelta(days=1)
    return datetime(after.year, after.month, after.day, tzinfo=policy.zone)
