"""The policy's checks for a return without a receipt: allowed at all for the category,
and within the customer's count and value limits for the period.

Kept apart from the engine (policy_engine.py) so each stays small; the engine merges
`TEMPLATES` into its `MESSAGE_TEMPLATES`, so the UI translates these reasons like any other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

from counter_app.domain.money import Money
from counter_app.domain.policy_model import CategoryRule, CustomerHistory, Policy, Reason

# English message per receiptless reason code; `{name}` placeholders are Reason.params keys.
TEMPLATES: dict[str, str] = {
    "RECEIPT_REQUIRED": "{category} items cannot be returned without the order or receipt.",
    "RECEIPTLESS_NOT_ALLOWED": "Returns without a receipt are not accepted.",
    "RECEIPTLESS": "No receipt: store credit only, at the lowest price of the last {days} days "
    "({price} each).",
    "RECEIPTLESS_LIMIT": "Customer has made {count} returns without receipt worth {value} in the "
    "last {period_days} days, this one included; the limit is {max_count} returns and "
    "{max_value}.",
}


def _reason(code: str, **params: object) -> Reason:
    text = {k: str(v) for k, v in params.items()}
    return Reason(code, TEMPLATES[code].format(**text), False, MappingProxyType(text))


def receiptless_reasons(
    category: str,
    rule: CategoryRule,
    history: CustomerHistory,
    now: datetime,
    policy: Policy,
    unit_price: Money,
    refund: Money,
) -> tuple[list[Reason], list[Reason], list[Reason]]:
    """(denials, referrals, notes) for a line returned without a receipt."""
    label = category.replace("_", " ").capitalize()
    if rule.receipt_required:
        return [_reason("RECEIPT_REQUIRED", category=label, category_code=category)], [], []
    if not policy.receiptless.allowed:
        return [_reason("RECEIPTLESS_NOT_ALLOWED")], [], []
    notes = [_reason("RECEIPTLESS", days=policy.receiptless.price_lookback_days, price=unit_price)]
    limit = receiptless_limit(history, now, policy, refund)
    return [], [limit] if limit is not None else [], notes


def receiptless_limit(
    history: CustomerHistory, now: datetime, policy: Policy, refund: Money
) -> Reason | None:
    """Count and value limits over the period, this return included; at the limit is fine."""
    rule = policy.receiptless
    since = now - timedelta(days=rule.limit_period_days)
    past = [
        p
        for p in history.past_returns
        if p.receiptless and since <= p.at <= now and p.value.currency == policy.currency
    ]
    count = len(past) + 1
    value = sum((p.value for p in past), refund)
    if count > rule.max_count or value > rule.max_value:
        return _reason(
            "RECEIPTLESS_LIMIT",
            count=count,
            value=value,
            period_days=rule.limit_period_days,
            max_count=rule.max_count,
            max_value=rule.max_value,
        )
    return None
