"""The plain domain model the services hand around: orders as the counter sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from counter_app.domain.money import Money, allocate

ROLES = ("cashier", "manager", "admin")


@dataclass(frozen=True)
class Customer:
    id: int
    code: str
    name: str
    email: str | None
    phone: str | None
    loyalty_tier: str | None


@dataclass(frozen=True)
class Payment:
    id: int
    tender: str
    amount: Money
    refunded: Money
    card_brand: str | None = None
    card_last4: str | None = None

    @property
    def remaining(self) -> Money:
        return self.amount - self.refunded

    def label(self) -> str:
        """How a payment is shown anywhere: a card only ever as brand and last 4."""
        if self.tender == "card":
            return f"{self.card_brand or 'Card'} •••• {self.card_last4 or '????'}"
        names = {
            "cash": "Cash",
            "gift_card": "Gift card",
            "store_credit": "Store credit",
            "exchange": "Exchange",
        }
        return names.get(self.tender, self.tender)


@dataclass(frozen=True)
class OrderLine:
    id: int
    line_no: int
    sku: str
    name: str
    category: str
    serialised: bool
    quantity: int
    returned_quantity: int
    unit_price: Money
    discount: Money
    tax: Money
    paid: Money
    serial: str | None = None
    final_sale: bool = False
    barcodes: tuple[str, ...] = ()
    vendor: str = ""
    # The line's refund ledger (order_lines.refunded_minor): what its returned units took of
    # `paid`. None when unknown: then it is what sequential returns would have taken.
    refunded: Money | None = None

    @property
    def returnable_quantity(self) -> int:
        return self.quantity - self.returned_quantity

    @property
    def refunded_so_far(self) -> Money:
        if self.refunded is not None:
            return self.refunded
        shares = allocate(self.paid, [1] * self.quantity)
        return sum(shares[: self.returned_quantity], Money.zero(self.paid.currency))

    def refund_for(self, quantity: int) -> Money:
        """What the next `quantity` units of this line refund, priced from its ledger.

        THE refund computation: the policy decision, the refund summary, the receipt and the
        commit all price units with it (`units_refund` on the line's ledger), so what the
        cashier sees, what thresholds test and what is committed are the same amount.
        """
        return units_refund(self.paid, self.refunded_so_far, self.returnable_quantity, quantity)

    def unit_paid(self) -> Money:
        return allocate(self.paid, [1] * self.quantity)[self.returned_quantity % self.quantity]


def units_refund(paid: Money, refunded: Money, units_left: int, quantity: int) -> Money:
    """What `quantity` more units of a line take of what it was paid, as its ledger stands:
    what is left (paid minus already refunded) split over the units left by largest remainder,
    so the last unit takes the remainder and a line's refunds add up to exactly its paid
    amount whoever returned the units before."""
    if quantity <= 0 or quantity > units_left:
        raise ValueError("quantity outside what can still be returned")
    left = (paid - refunded).max(Money.zero(paid.currency))
    return sum(allocate(left, [1] * units_left)[:quantity], Money.zero(paid.currency))


@dataclass(frozen=True)
class Order:
    id: int
    number: str
    channel: str
    placed_at: datetime
    currency: str
    store_code: str | None
    customer: Customer | None
    lines: tuple[OrderLine, ...]
    payments: tuple[Payment, ...] = field(default=())
    # An exchange sale: when the original purchase was made; its return window counts from
    # then (None: from placed_at).
    window_from: datetime | None = None

    @property
    def purchased_at(self) -> datetime:
        """When the return window starts: the original purchase for an exchange sale."""
        return self.window_from if self.window_from is not None else self.placed_at

    def line(self, line_no: int) -> OrderLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise KeyError(line_no)

    @property
    def total_paid(self) -> Money:
        return sum((p.amount for p in self.payments), Money.zero(self.currency))

    @property
    def tenders(self) -> tuple[str, ...]:
        return tuple(sorted({p.tender for p in self.payments}))

    @property
    def cash_paid(self) -> Money:
        cash = [p.amount for p in self.payments if p.tender == "cash"]
        return sum(cash, Money.zero(self.currency))

    @property
    def cash_left(self) -> Money:
        """Cash taken in minus what was already refunded from the cash payments: the most
        cash that may still go out of the drawer for this order."""
        cash = [p.remaining for p in self.payments if p.tender == "cash"]
        return sum(cash, Money.zero(self.currency))


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    active: bool = True

    @property
    def can_approve(self) -> bool:
        return self.role in ("manager", "admin")
