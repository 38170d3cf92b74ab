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
        return {"cash": "Cash", "gift_card": "Gift card", "store_credit": "Store credit"}.get(
            self.tender, self.tender
        )


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

    @property
    def returnable_quantity(self) -> int:
        return self.quantity - self.returned_quantity

    def refund_for(self, quantity: int) -> Money:
        """What was paid for the next `quantity` units of this line.

        The line's paid total is split over its units by largest remainder, and returns take
        the units in order, so all partial returns of a line add up to exactly what was paid.
        """
        if quantity <= 0 or quantity > self.returnable_quantity:
            raise ValueError("quantity outside what can still be returned")
        shares = allocate(self.paid, [1] * self.quantity)
        taken = shares[self.returned_quantity : self.returned_quantity + quantity]
        return sum(taken[1:], taken[0])

    def unit_paid(self) -> Money:
        return allocate(self.paid, [1] * self.quantity)[self.returned_quantity % self.quantity]


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
