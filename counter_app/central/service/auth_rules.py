"""The checks a return authorization passes at creation, on head office's own records.

The same rules the counter applies (`counter_app.domain.policy_window` and the policy's
category and reason tables), from the policy head office published last (the shipped default
policy until one is published): the line exists, is not a final sale or non-returnable, is
inside its return window, names a reason the policy knows, and asks for no more than is
left after returns and the other open authorizations. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from counter_app import sync_protocol as proto
from counter_app.domain.policy_model import Policy
from counter_app.domain.policy_window import deadlines, window_end

# An authorization is valid for this many days, or until the return window closes if that
# comes first: long enough to get to a store, short enough not to hold goods reserved forever.
AUTHORIZATION_DAYS = 14


class AuthorizationRefused(ValueError):
    """A request head office refuses: `code` is the stable reason, the text says why."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


@dataclass(frozen=True)
class OrderLineFacts:
    sku: str
    category: str
    quantity: int
    returned: int
    reserved: int  # by the other open authorizations
    final_sale: bool


@dataclass(frozen=True)
class OrderFacts:
    number: str
    channel: str
    placed_at: datetime
    loyalty_tier: str | None
    lines: Mapping[int, OrderLineFacts]


def check_request(
    request: proto.AuthorizationRequest,
    order: OrderFacts,
    policy: Policy,
    now: datetime,
    days: int = AUTHORIZATION_DAYS,
) -> datetime:
    """Refuse what may not be authorized; returns when the authorization expires."""
    expires = now + timedelta(days=days)
    seen: set[int] = set()
    for item in request.lines:
        where = f"order {order.number} line {item.line_no}"
        line = order.lines.get(item.line_no)
        if line is None:
            raise AuthorizationRefused("unknown_line", f"order {order.number} has no line "
                                       f"{item.line_no}")  # fmt: skip
        if item.line_no in seen or item.quantity < 1:
            raise AuthorizationRefused("bad_quantity", f"{where}: one positive quantity a line")
        seen.add(item.line_no)
        if item.reason not in policy.reason_rules:
            known = ", ".join(policy.reason_rules)
            raise AuthorizationRefused(
                "bad_reason", f"{where}: unknown reason {item.reason!r} (one of {known})"
            )
        rule = policy.category(line.category)
        if line.final_sale or rule.final_sale or not rule.returnable:
            raise AuthorizationRefused("final_sale", f"{where} is a final sale (not returnable)")
        end = _window_end(order, line, policy)
        if now >= end:
            raise AuthorizationRefused(
                "outside_window", f"{where}: the return window closed on {_day(end, policy)}"
            )
        expires = min(expires, end)
        left = line.quantity - line.returned
        if item.quantity > left:
            raise AuthorizationRefused(
                "already_returned",
                f"{where}: {line.returned} of {line.quantity} already returned, "
                f"{item.quantity} asked",
            )
        if item.quantity > left - line.reserved:
            raise AuthorizationRefused(
                "already_authorized",
                f"{where}: {line.reserved} of the {left} left already authorized for return, "
                f"{item.quantity} asked",
            )
    return expires


def _window_end(order: OrderFacts, line: OrderLineFacts, policy: Policy) -> datetime:
    found = deadlines(order.placed_at, line.category, order.channel, order.loyalty_tier, policy)
    return window_end(found.final, policy)


def _day(end: datetime, policy: Policy) -> str:
    return (end.astimezone(policy.zone) - timedelta(days=1)).date().isoformat()
