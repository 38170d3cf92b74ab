"""Exchanges at the counter, in memory: what the customer takes instead of what came back.

The exchange part of a return draft (`ExchangeDraft`), how a replacement is priced, and the
outcome — even, refundable or balance owed — from the return's refund total and the value of
the replacements. Pure: the service looks products up and the commit writes them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Literal

from counter_app.domain.cards import contains_card_number
from counter_app.domain.model import OrderLine
from counter_app.domain.money import Money

OutcomeKind = Literal["none", "even", "refundable", "balance_owed"]
BALANCE_TENDERS = ("cash", "card")
CARD_BRANDS = ("Visa", "Mastercard", "Amex", "Discover", "UnionPay", "JCB", "Other")
_APPROVAL = re.compile(r"^[A-Za-z0-9]{4,12}$")


@dataclass(frozen=True)
class Replacement:
    """One product the customer takes instead; `like_for_like_of` is the return line whose
    paid unit price it is charged at (a same-style swap under the policy), else None."""

    sku: str
    name: str
    barcode: str
    quantity: int
    unit_price: Money
    like_for_like_of: int | None = None

    @property
    def value(self) -> Money:
        return self.unit_price * self.quantity


@dataclass
class ExchangeDraft:
    replacements: list[Replacement] = field(default_factory=list)

    def clone(self) -> ExchangeDraft:
        return ExchangeDraft(list(self.replacements))

    def total(self, currency: str) -> Money:
        return sum((r.value for r in self.replacements), Money.zero(currency))


@dataclass(frozen=True)
class Variant:
    """A product of the returned line's style, with what is on the sellable shelf now."""

    sku: str
    name: str
    size: str | None
    colour: str | None
    price: Money
    on_hand: int
    barcode: str | None


@dataclass(frozen=True)
class ExchangeOutcome:
    """What changes hands: `carried` is the refund that pays for the replacements (refunded
    as tender "exchange"); `refundable` goes back by the refund rules; `balance_owed` is what
    the customer pays. `balance` is signed: positive = the customer pays."""

    kind: OutcomeKind
    refund_total: Money
    replacements_total: Money
    carried: Money
    refundable: Money
    balance_owed: Money

    @property
    def balance(self) -> Money:
        return self.replacements_total - self.refund_total


def outcome(refund_total: Money, exchange: ExchangeDraft | None) -> ExchangeOutcome:
    """Even, refundable or balance owed, from the return's refund and the replacements."""
    currency = refund_total.currency
    zero = Money.zero(currency)
    value = exchange.total(currency) if exchange else zero
    if exchange is None or not exchange.replacements:
        return ExchangeOutcome("none", refund_total, zero, zero, refund_total, zero)
    carried = refund_total.min(value)
    refundable = refund_total - carried
    owed = value - carried
    kind: OutcomeKind = "balance_owed" if owed else "refundable" if refundable else "even"
    return ExchangeOutcome(kind, refund_total, value, carried, refundable, owed)


def replacement_price(
    current: Money,
    style: str | None,
    returned: list[tuple[OrderLine, str | None]],
    *,
    like_for_like_at_paid_price: bool,
) -> tuple[Money, int | None]:
    """The unit price of a replacement and the return line it is like-for-like with.

    `returned` are the return's lines with their product's style. A swap for a product of the
    same style is charged what the customer paid per unit for it when the policy says so;
    anything else costs today's price."""
    if like_for_like_at_paid_price and style:
        for line, line_style in returned:
            if line_style == style:
                return line.unit_paid(), line.line_no
    return current, None


@dataclass(frozen=True)
class BalancePayment:
    """How the customer paid a balance owed: cash into the drawer, or a card on the store's
    standalone terminal (brand, last 4 and the terminal's approval code — never the number)."""

    tender: str
    card_brand: str | None = None
    card_last4: str | None = None
    approval_code: str | None = None

    @classmethod
    def cash(cls) -> BalancePayment:
        return cls("cash")

    @classmethod
    def card(cls, brand: str, last4: str, approval_code: str) -> BalancePayment:
        return cls("card", brand, last4, approval_code)


def balance_problem(balance: BalancePayment) -> str | None:
    """Why this balance payment cannot be recorded (None: it can). A full card number typed
    into any field is refused, so it is never stored."""
    fields = (balance.tender, balance.card_brand, balance.card_last4, balance.approval_code)
    if any(f is not None and contains_card_number(f) for f in fields):
        return "Never type the full card number: enter only its last 4 digits."
    if balance.tender not in BALANCE_TENDERS:
        return "A balance is paid in cash or by card."
    if balance.tender == "cash":
        if balance.card_brand or balance.card_last4 or balance.approval_code:
            return "A cash balance has no card details."
        return None
    brand = (balance.card_brand or "").strip()
    if not brand or len(brand) > 32 or not brand.isprintable():
        return "Enter the card's brand (Visa, Mastercard...)."
    last4 = balance.card_last4 or ""
    if not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
        return "Enter exactly the last 4 digits of the card."
    if not _APPROVAL.match(balance.approval_code or ""):
        return "Enter the terminal's approval code (4 to 12 letters or digits)."
    return None


def cleaned(balance: BalancePayment) -> BalancePayment:
    return dataclasses.replace(
        balance,
        card_brand=balance.card_brand.strip() if balance.card_brand else None,
        approval_code=balance.approval_code.upper() if balance.approval_code else None,
    )
