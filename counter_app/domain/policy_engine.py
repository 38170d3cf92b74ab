"""The return-policy engine: one pure function from facts to a decision with reasons.

Order of checks: hard limits first (nobody can override them, so nothing else matters once
one fails), then soft denials, referrals, and finally the money (fee, refund, tenders).
Every reason carries a stable code, its English message and the parameters that filled it,
so the UI can translate `MESSAGE_TEMPLATES[code]` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from counter_app.domain.money import Money
from counter_app.domain.policy_model import (
    KNOWN_CONDITIONS,
    CategoryRule,
    CustomerHistory,
    Decision,
    Inspection,
    LineFacts,
    Policy,
    Reason,
)
from counter_app.domain.policy_receiptless import TEMPLATES as RECEIPTLESS_TEMPLATES
from counter_app.domain.policy_receiptless import receiptless_reasons
from counter_app.domain.policy_window import deadlines

# English message per reason code; `{name}` placeholders are the Reason.params keys.
MESSAGE_TEMPLATES: dict[str, str] = {
    "UNKNOWN_ORDER": "The order could not be found; nothing can be refunded against it.",
    "CURRENCY_MISMATCH": "The order was paid in {currency}, but this store's policy is in "
    "{policy_currency}.",
    "BAD_QUANTITY": "Quantity to return must be at least 1 (asked: {requested}).",
    "ALREADY_RETURNED": "Only {remaining} of {sold} can still be returned ({returned} already "
    "returned); asked to return {requested}.",
    "OVER_REFUND": "Refund of {refund} would be more than the {remaining_paid} still unrefunded "
    "on this line.",
    "NON_RETURNABLE": "{category} items cannot be returned.",
    "FINAL_SALE": "This item was sold as final sale and cannot be returned.",
    "WINDOW_EXPIRED": "Bought {days_ago} days ago; {category} can be returned within "
    "{window_days} days (last day was {deadline}).",
    "HOLIDAY_EXTENSION": "Bought during {holiday}: returnable until {deadline}.",
    "LOYALTY_EXTENSION": "{tier} member: {extra_days} extra days to return, until {deadline}.",
    "CONDITION_NOT_ACCEPTED": "{category} items in condition '{condition}' cannot be returned.",
    "CUSTOMER_DAMAGE": "The item was damaged by the customer.",
    "UNKNOWN_REASON": "Return reason '{reason}' is not in the policy's list.",
    "SERIAL_MISMATCH": "Serial number {presented} does not match the one sold ({sold}).",
    "SERIAL_MISSING": "This product has a serial number; it was not scanned or is not on the "
    "order.",
    "RESTOCKING_FEE": "Restocking fee of {fee} for {condition} {category} items ({percent}%, at "
    "least {minimum} each).",
    "DEFECTIVE": "Defective: accepted without fee and sent back to the vendor.",
    "LOW_VALUE_AUTO": "Refund {refund} is below {threshold}: approved on the fast path.",
    "OVER_VALUE_LIMIT": "Refund {refund} is above {threshold}: a manager must approve.",
    "RETURN_OVER_VALUE_LIMIT": "Return total {total} is over {threshold}: a manager must approve.",
    "RETURN_CASH_LIMIT": "The whole return refunds {total}, not below the cash limit of "
    "{threshold}: no cash refund.",
    "CASH_LEFT": "Only {cash_left} of the cash paid is left to refund on this order: no cash "
    "refund of {total}.",
    "FREQUENT_RETURNER": "Customer has made {count} returns in the last {days} days, this one "
    "included; more than {limit} needs a manager.",
    **RECEIPTLESS_TEMPLATES,
}


def _reason(code: str, hard: bool = False, **params: object) -> Reason:
    text = {k: str(v) for k, v in params.items()}
    return Reason(code, MESSAGE_TEMPLATES[code].format(**text), hard, MappingProxyType(text))


def _label(category: str) -> str:
    return category.replace("_", " ").capitalize()


def _zero(policy: Policy) -> Money:
    return Money.zero(policy.currency)


def _hard_deny(policy: Policy, reasons: list[Reason], disposition: str) -> Decision:
    return Decision(
        outcome="deny",
        fee=_zero(policy),
        refund=_zero(policy),
        tenders_allowed=(),
        reasons=tuple(reasons),
        overridable=False,
        disposition=disposition,
        store_credit_bonus_percent=Decimal(0),
        override_refund=_zero(policy),
        override_fee=_zero(policy),
    )


def unknown_order_decision(policy: Policy) -> Decision:
    """The hard deny for an order the service could not find at all (not a receiptless return)."""
    return _hard_deny(policy, [_reason("UNKNOWN_ORDER", hard=True)], policy.disposition("", "new"))


def _local_date(moment: datetime, policy: Policy) -> date:
    return moment.astimezone(policy.zone).date()


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


@dataclass
class _Findings:
    """What the soft checks found, in the order the decision lists them."""

    denials: list[Reason] = field(default_factory=list)
    referrals: list[Reason] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)


def evaluate(
    line: LineFacts,
    inspection: Inspection,
    history: CustomerHistory,
    now: datetime,
    policy: Policy,
) -> Decision:
    """Decide one returned line against `policy` at time `now` (pure; no I/O, no clock)."""
    _require_aware("now", now)
    _require_aware("purchased_at", line.purchased_at)
    rule = policy.category(line.category)
    condition = inspection.condition
    disposition = policy.disposition(inspection.reason_code, condition)  # reason x condition

    # --- hard limits -------------------------------------------------------------------
    mismatch = _currency_mismatch(line, policy)
    if mismatch is not None:
        return _hard_deny(policy, [mismatch], disposition)
    unit_price = _unit_price(line)
    gross = unit_price * max(line.quantity_requested, 0)
    if line.gross is not None and line.has_receipt:
        gross = line.gross  # the ledger's price of these units: what the commit will pay
    serial_problem = _serial_reason(line, policy)
    hard = _hard_limits(line, rule, unit_price, gross, serial_problem)
    if hard:
        return _hard_deny(policy, hard, disposition)

    # --- soft denials, money, receipt, value and frequency -----------------------------
    found = _Findings()
    _soft_denials(line, inspection, rule, history, now, policy, serial_problem, found)
    reason_rule = policy.reason_rules.get(inspection.reason_code)
    if reason_rule is None:
        found.referrals.append(_reason("UNKNOWN_REASON", reason=inspection.reason_code))
    waived = condition == "defective" or (reason_rule is not None and reason_rule.waives_fee)
    fee = _restocking_fee(line, condition, rule, policy, unit_price, waived, found.notes)
    refund = gross - fee
    total = refund if line.return_refund is None else line.return_refund.max(refund)
    if not line.has_receipt:
        _receiptless_checks(line, rule, history, now, policy, unit_price, total, found)
    _value_and_frequency(history, now, policy, refund, total, found)
    return _outcome(line, policy, disposition, fee, refund, total, found)


def _currency_mismatch(line: LineFacts, policy: Policy) -> Reason | None:
    """Every amount must be in the policy's currency; nothing else is checked if not."""
    currencies = {line.unit_paid.currency, line.cash_paid.currency}
    if line.lowest_recent_price is not None:
        currencies.add(line.lowest_recent_price.currency)
    if currencies == {policy.currency}:
        return None
    bad = sorted(currencies - {policy.currency}) or [policy.currency]
    return _reason("CURRENCY_MISMATCH", True, currency=bad[0], policy_currency=policy.currency)


def _unit_price(line: LineFacts) -> Money:
    """What one unit refunds: the price paid, or without a receipt the lowest recent price."""
    if not line.has_receipt and line.lowest_recent_price is not None:
        return line.lowest_recent_price.min(line.unit_paid)
    return line.unit_paid


def _hard_limits(
    line: LineFacts,
    rule: CategoryRule,
    unit_price: Money,
    gross: Money,
    serial_problem: Reason | None,
) -> list[Reason]:
    """Quantity, refund ceiling, hard non-returnable category, hard serial mismatch."""
    hard: list[Reason] = []
    remaining = line.quantity_sold - line.quantity_already_returned
    if line.quantity_requested <= 0:
        hard.append(_reason("BAD_QUANTITY", True, requested=line.quantity_requested))
    elif line.quantity_requested > remaining:
        hard.append(
            _reason(
                "ALREADY_RETURNED",
                True,
                remaining=max(remaining, 0),
                sold=line.quantity_sold,
                returned=line.quantity_already_returned,
                requested=line.quantity_requested,
            )
        )
    remaining_paid = line.unit_paid * max(remaining, 0)
    if line.gross is not None:  # priced from the ledger: never more than the line has left
        remaining_paid = remaining_paid.max(line.gross)
    if not hard and (unit_price.is_negative() or gross > remaining_paid):
        hard.append(_reason("OVER_REFUND", True, refund=gross, remaining_paid=remaining_paid))
    if not rule.returnable and rule.non_returnable_hard:
        hard.append(_reason("NON_RETURNABLE", True, category=_label(line.category)))
    if serial_problem is not None and serial_problem.hard:
        hard.append(serial_problem)
    return hard


def _soft_denials(
    line: LineFacts,
    inspection: Inspection,
    rule: CategoryRule,
    history: CustomerHistory,
    now: datetime,
    policy: Policy,
    serial_problem: Reason | None,
    found: _Findings,
) -> None:
    """Category, final sale, return window, serial and condition: a manager may override."""
    condition = inspection.condition
    defective = condition == "defective"
    category = _label(line.category)
    denials = found.denials
    if not rule.returnable and not defective:
        denials.append(_reason("NON_RETURNABLE", category=category))
    if (line.final_sale or rule.final_sale) and not defective:
        denials.append(_reason("FINAL_SALE"))
    if line.has_receipt:
        denials.extend(_window_reasons(line, rule, history, now, policy, found.notes))
    if serial_problem is not None:
        denials.append(serial_problem)
    if condition not in KNOWN_CONDITIONS:
        denials.append(_reason("CONDITION_NOT_ACCEPTED", category=category, condition=condition))
    elif not defective and condition not in rule.accepted_conditions:
        if condition == "damaged":
            denials.append(_reason("CUSTOMER_DAMAGE"))
        else:
            label = policy.condition_rules[condition].label
            denials.append(_reason("CONDITION_NOT_ACCEPTED", category=category, condition=label))


def _restocking_fee(
    line: LineFacts,
    condition: str,
    rule: CategoryRule,
    policy: Policy,
    unit_price: Money,
    waived: bool,
    notes: list[Reason],
) -> Money:
    """The fee for the whole line (zero when defective or waived by the reason)."""
    charges_fee = rule.restocking_fee_percent > 0 or bool(rule.restocking_fee_minimum)
    if condition == "defective":
        notes.append(_reason("DEFECTIVE"))
        return _zero(policy)
    if condition not in rule.restocking_fee_conditions or not charges_fee or waived:
        return _zero(policy)
    unit_fee = unit_price.percent(rule.restocking_fee_percent).max(rule.restocking_fee_minimum)
    unit_fee = unit_fee.min(unit_price).max(_zero(policy))
    fee = unit_fee * line.quantity_requested
    notes.append(
        _reason(
            "RESTOCKING_FEE",
            fee=fee,
            condition=policy.condition_rules[condition].label.lower(),
            category=line.category.replace("_", " "),
            percent=rule.restocking_fee_percent,
            minimum=rule.restocking_fee_minimum,
        )
    )
    return fee


def _receiptless_checks(
    line: LineFacts,
    rule: CategoryRule,
    history: CustomerHistory,
    now: datetime,
    policy: Policy,
    unit_price: Money,
    refund: Money,
    found: _Findings,
) -> None:
    """A return without a receipt: allowed at all, and within the customer's limits
    (policy_receiptless.py)."""
    denials, referrals, notes = receiptless_reasons(
        line.category, rule, history, now, policy, unit_price, refund
    )
    found.denials += denials
    found.referrals += referrals
    found.notes += notes


def _value_and_frequency(
    history: CustomerHistory,
    now: datetime,
    policy: Policy,
    refund: Money,
    total: Money,
    found: _Findings,
) -> None:
    """Referrals by refund value — the line's and the whole return's `total` — and by how
    often the customer returns. The fast path needs both below its threshold."""
    approval = policy.approval
    fast_path = total < approval.auto_approve_below
    if fast_path:
        found.notes.append(
            _reason("LOW_VALUE_AUTO", refund=refund, threshold=approval.auto_approve_below)
        )
    elif refund > approval.refer_above:
        found.referrals.append(
            _reason("OVER_VALUE_LIMIT", refund=refund, threshold=approval.refer_above)
        )
    elif total > approval.refer_above:
        found.referrals.append(
            _reason("RETURN_OVER_VALUE_LIMIT", total=total, threshold=approval.refer_above)
        )
    if not (fast_path and approval.fast_path_skips_frequent_returner):
        frequent = _frequent_returner(history, now, policy)
        if frequent is not None:
            found.referrals.append(frequent)


def _outcome(
    line: LineFacts,
    policy: Policy,
    disposition: str,
    fee: Money,
    refund: Money,
    total: Money,
    found: _Findings,
) -> Decision:
    """Tenders and the outcome: deny (overridable), refer, approve with or without a fee."""
    tenders, bonus = _tenders(line, refund, total, policy, found.notes)
    reasons = tuple(found.denials + found.referrals + found.notes)
    if found.denials:
        return Decision(
            "deny", _zero(policy), _zero(policy), tenders, reasons, True, disposition, bonus,
            override_refund=refund, override_fee=fee,
        )  # fmt: skip
    referrals = found.referrals
    outcome = "refer" if referrals else ("approve_with_fee" if fee else "approve")
    return Decision(
        outcome, fee, refund, tenders, reasons, bool(referrals), disposition, bonus,
        override_refund=refund, override_fee=fee,
    )  # fmt: skip


def _serial_reason(line: LineFacts, policy: Policy) -> Reason | None:
    """Serial must match what was sold; `[serials] mismatch_hard` decides if a manager may
    override (default soft: the sale record can be wrong)."""
    if not (line.serialised and policy.serials.require_match):
        return None
    hard = policy.serials.mismatch_hard
    sold = (line.serial_sold or "").strip().upper()
    presented = (line.serial_presented or "").strip().upper()
    if not sold or not presented:
        return _reason("SERIAL_MISSING", hard)
    if sold != presented:
        return _reason(
            "SERIAL_MISMATCH", hard, presented=line.serial_presented, sold=line.serial_sold
        )
    return None


def _window_reasons(
    line: LineFacts,
    rule: CategoryRule,
    history: CustomerHistory,
    now: datetime,
    policy: Policy,
    notes: list[Reason],
) -> list[Reason]:
    """Calendar-day window in the store's zone (`policy_window.deadlines`)."""
    found = deadlines(line.purchased_at, line.category, line.channel, history.loyalty_tier, policy)
    bought, window, extra = found.bought, found.window_days, found.extra_days
    today = _local_date(now, policy)
    base, loyal, deadline = found.base, found.loyal, found.final
    holiday_deadline, holiday_name = found.holiday, found.holiday_name
    tier = history.loyalty_tier
    if today > deadline:
        return [
            _reason(
                "WINDOW_EXPIRED",
                days_ago=(today - bought).days,
                category=line.category.replace("_", " "),
                window_days=window + extra,
                deadline=deadline.isoformat(),
            )
        ]
    if today > base:
        if holiday_deadline is not None and today <= holiday_deadline:
            notes.append(
                _reason("HOLIDAY_EXTENSION", holiday=holiday_name, deadline=holiday_deadline)
            )
        else:
            notes.append(
                _reason("LOYALTY_EXTENSION", tier=str(tier).capitalize(), extra_days=extra,
                        deadline=loyal)
            )  # fmt: skip
    return []


def _frequent_returner(history: CustomerHistory, now: datetime, policy: Policy) -> Reason | None:
    rule = policy.frequent_returner
    since = now - timedelta(days=rule.lookback_days)
    count = sum(1 for p in history.past_returns if since <= p.at <= now) + 1
    if count > rule.max_returns:
        return _reason(
            "FREQUENT_RETURNER", count=count, days=rule.lookback_days, limit=rule.max_returns
        )
    return None


def _tenders(
    line: LineFacts, refund: Money, total: Money, policy: Policy, notes: list[Reason]
) -> tuple[tuple[str, ...], Decimal]:
    """Which refund tenders may be offered, and the store-credit bonus percent.

    "original" is offered when something other than cash paid the order (a cash-only order's
    original tender *is* cash, which has its own rule); cash only when the order was paid in
    cash, the whole return's `total` is covered by the cash still unrefunded on the order and
    both the line and the total are below the cash limit (the summary re-checks the ledger).
    """
    if not line.has_receipt:
        tenders = tuple(policy.receiptless.tenders)
        bonus = policy.receiptless.store_credit_bonus_percent
        return tenders, bonus if "store_credit" in tenders else Decimal(0)
    rule = policy.tenders
    out: list[str] = []
    if rule.original and any(t != "cash" for t in line.tenders_paid):
        out.append("original")
    limit = rule.cash_refund_below
    if "cash" in line.tenders_paid and refund < limit:
        if total >= limit:
            notes.append(_reason("RETURN_CASH_LIMIT", total=total, threshold=limit))
        elif total > line.cash_paid:
            notes.append(_reason("CASH_LEFT", cash_left=line.cash_paid, total=total))
        else:
            out.append("cash")
    if rule.store_credit:
        out.append("store_credit")
    if rule.exchange:
        out.append("exchange")
    bonus = rule.store_credit_bonus_percent if rule.store_credit else Decimal(0)
    return tuple(out), bonus
