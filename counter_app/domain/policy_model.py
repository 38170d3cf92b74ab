"""Data shapes of the return policy: what the engine is asked, what it answers, and the rules.

Kept apart from the loader and the engine so services and the UI can import the types
without pulling in parsing code. Everything is frozen: a decision or a policy never changes
after it was made, which is what makes them safe to audit and to share between threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

from counter_app.domain.money import Money
from counter_app.domain.stock import DEFAULT_REASON_DISPOSITIONS

# The condition grades the engine knows the meaning of; a policy labels them and maps each
# to a disposition, but cannot invent new ones (the engine would not know what they mean).
KNOWN_CONDITIONS: tuple[str, ...] = ("new", "like_new", "opened", "used", "damaged", "defective")
DISPOSITIONS: tuple[str, ...] = ("restock_new", "restock_open_box", "return_to_vendor", "scrap")
REFUND_TENDERS: tuple[str, ...] = ("original", "cash", "store_credit", "exchange")
OUTCOMES: tuple[str, ...] = ("approve", "approve_with_fee", "refer", "deny")


def _empty_mapping() -> Mapping[str, str]:
    return MappingProxyType({})


# ---------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class LineFacts:
    """What is known about one order line being returned (filled in by the service)."""

    sku: str
    category: str
    channel: str
    purchased_at: datetime
    unit_paid: Money
    quantity_sold: int
    quantity_already_returned: int
    quantity_requested: int
    serialised: bool
    serial_sold: str | None
    serial_presented: str | None
    has_receipt: bool
    tenders_paid: tuple[str, ...]
    cash_paid: Money  # the cash still unrefunded on the order (cash in minus cash refunded)
    lowest_recent_price: Money | None = None
    final_sale: bool = False
    # What the requested units refund, priced from the line's ledger (OrderLine.refund_for);
    # None: `unit_paid` times the quantity.
    gross: Money | None = None
    # The whole return's refund (every line, this one included): value thresholds and the
    # cash limit apply to it as well as to the line. None: the return is this line alone.
    return_refund: Money | None = None


@dataclass(frozen=True)
class Inspection:
    """What the cashier recorded at the counter: why it comes back and in what state."""

    reason_code: str
    condition: str
    notes: str = ""


@dataclass(frozen=True)
class PastReturn:
    at: datetime
    value: Money
    receiptless: bool


@dataclass(frozen=True)
class CustomerHistory:
    loyalty_tier: str | None = None
    past_returns: tuple[PastReturn, ...] = ()


# ---------------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Reason:
    """One reason behind a decision: stable code, cashier wording, and the numbers used.

    `params` holds the values filled into the message so the UI can translate the template
    (see `policy_engine.MESSAGE_TEMPLATES`) instead of the English text.
    """

    code: str
    message: str
    hard: bool
    params: Mapping[str, str] = field(default_factory=_empty_mapping)


@dataclass(frozen=True)
class Decision:
    """The engine's answer for one line.

    For a deny, `refund` and `fee` are zero; `override_refund` / `override_fee` say what a
    manager override would pay out (zero when the deny is hard), and `tenders_allowed` keeps
    the tenders an override would allow (empty for a hard deny).
    """

    outcome: str
    fee: Money
    refund: Money
    tenders_allowed: tuple[str, ...]
    reasons: tuple[Reason, ...]
    overridable: bool
    disposition: str
    store_credit_bonus_percent: Decimal
    override_refund: Money | None = None
    override_fee: Money | None = None

    @property
    def hard(self) -> bool:
        return any(r.hard for r in self.reasons)

    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


class PolicyError(ValueError):
    """A policy document that cannot be used, with where the problem is.

    The message reads "default.toml, line 12, key 'categories.apparel.window_days': must not
    be negative" so whoever edits the file can go straight to it.
    """

    def __init__(self, file: str, key: str, line: int | None, problem: str) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
        where = file if line is None else f"{file}, line {line}"
        if key:
            where += f", key '{key}'"
        super().__init__(f"{where}: {problem}")


# ----------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class CategoryRule:
    """Return rules for one product category (unset keys come from `[defaults]`)."""

    name: str
    window_days: int
    channel_window_days: Mapping[str, int]
    returnable: bool
    non_returnable_hard: bool
    final_sale: bool
    accepted_conditions: frozenset[str]
    receipt_required: bool
    restocking_fee_percent: Decimal
    restocking_fee_minimum: Money
    restocking_fee_conditions: frozenset[str]

    def window_for(self, channel: str) -> int:
        return self.channel_window_days.get(channel, self.window_days)


@dataclass(frozen=True)
class ConditionRule:
    code: str
    label: str
    disposition: str


@dataclass(frozen=True)
class ReasonRule:
    code: str
    label: str
    waives_fee: bool  # the store's fault (late, wrong, damaged in transit): no restocking fee


@dataclass(frozen=True)
class HolidayExtension:
    """Bought between `bought_from` and `bought_until` (local dates, inclusive) → returnable
    through the end of local day `returnable_until`."""

    name: str
    bought_from: date
    bought_until: date
    returnable_until: date
    categories: frozenset[str] | None  # None = every category


@dataclass(frozen=True)
class ReceiptlessRule:
    allowed: bool
    price_lookback_days: int  # informational for the service that computes lowest_recent_price
    limit_period_days: int
    max_count: int
    max_value: Money
    tenders: tuple[str, ...]
    store_credit_bonus_percent: Decimal


@dataclass(frozen=True)
class ApprovalRule:
    auto_approve_below: Money
    refer_above: Money
    fast_path_skips_frequent_returner: bool


@dataclass(frozen=True)
class FrequentReturnerRule:
    lookback_days: int
    max_returns: int  # this many returns (this one included) in the period are fine; more = refer


@dataclass(frozen=True)
class SerialRule:
    require_match: bool
    mismatch_hard: bool


@dataclass(frozen=True)
class TenderRule:
    original: bool
    exchange: bool
    store_credit: bool
    store_credit_bonus_percent: Decimal
    cash_refund_below: Money


@dataclass(frozen=True)
class ExchangeRule:
    """Exchanges at the counter: a like-for-like swap (same style) priced at what the customer
    paid per unit for the returned item instead of today's price."""

    like_for_like_at_paid_price: bool = False


@dataclass(frozen=True)
class Policy:
    """A loaded, validated return policy. Build it with `load_policy`, not by hand."""

    version: str
    currency: str
    timezone: str
    source: str
    defaults: CategoryRule
    categories: Mapping[str, CategoryRule]
    condition_rules: Mapping[str, ConditionRule]
    reason_rules: Mapping[str, ReasonRule]
    holiday_extensions: tuple[HolidayExtension, ...]
    loyalty_extra_days: Mapping[str, int]
    receiptless: ReceiptlessRule
    approval: ApprovalRule
    frequent_returner: FrequentReturnerRule
    serials: SerialRule
    tenders: TenderRule
    # reason -> condition -> disposition, the cells where a reason overrides the condition
    reason_dispositions: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: DEFAULT_REASON_DISPOSITIONS
    )
    exchange: ExchangeRule = ExchangeRule()
    # [labels.<language>]: language -> "conditions" | "reasons" -> code -> label
    translated_labels: Mapping[str, Mapping[str, Mapping[str, str]]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def reason_codes(self) -> tuple[tuple[str, str], ...]:
        """(code, label) pairs the cashier picks from at inspection, in file order."""
        return tuple((r.code, r.label) for r in self.reason_rules.values())

    @property
    def conditions(self) -> tuple[tuple[str, str], ...]:
        """(code, label) pairs of the condition grades, in file order."""
        return tuple((c.code, c.label) for c in self.condition_rules.values())

    def condition_label(self, code: str, language: str = "en") -> str:
        """A condition grade's label in `language` (the policy's own label if it has none)."""
        own = self.translated_labels.get(language, {}).get("conditions", {}).get(code)
        rule = self.condition_rules.get(code)
        return own or (rule.label if rule else code)

    def reason_label(self, code: str, language: str = "en") -> str:
        """A reason's label in `language` (the policy's own label if it has none)."""
        own = self.translated_labels.get(language, {}).get("reasons", {}).get(code)
        rule = self.reason_rules.get(code)
        return own or (rule.label if rule else code)

    def disposition(self, reason: str, condition: str) -> str:
        """Where a unit returned for `reason` in `condition` goes: the reason's cell if it
        has one, else the condition's own (scrap for a grade the policy does not know)."""
        cell = self.reason_dispositions.get(reason, {}).get(condition)
        if cell is not None:
            return cell
        rule = self.condition_rules.get(condition)
        return rule.disposition if rule else "scrap"

    def disposition_table(self) -> dict[tuple[str, str], str]:
        """Every (reason, condition) cell of this policy, in file order."""
        return {
            (reason, condition): self.disposition(reason, condition)
            for reason in self.reason_rules
            for condition in self.condition_rules
        }

    def category(self, name: str) -> CategoryRule:
        """Rules for `name`; a category the policy does not list gets the defaults."""
        return self.categories.get(name, self.defaults)
