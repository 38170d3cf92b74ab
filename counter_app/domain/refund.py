"""Which payments a refund is charged against, and in which tender it is paid out.

Every refund is charged against the order's payments (so the refunded amount per tender never
exceeds what was paid), whatever tender it goes out in (original, cash, store credit, exchange).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from counter_app.domain.model import Payment
from counter_app.domain.money import Money, allocate

CHOICES = ("original", "cash", "store_credit", "exchange")


class OverRefund(ValueError):
    """More would be refunded than the order's payments have left."""


@dataclass(frozen=True)
class RefundPart:
    payment_id: int
    charged_tender: str  # the tender of the payment it is charged against
    paid_out_as: str  # card | cash | gift_card | store_credit | exchange
    amount: Money


def split_refund(total: Money, payments: Sequence[Payment], choice: str) -> list[RefundPart]:
    """Charge `total` against `payments` for the tender `choice`.

    "original" pays each tender back what it is charged, in proportion to what each payment
    has left. Any other choice first uses payments of the same tender, then the rest in
    proportion — so cash goes back against cash, and nothing is over-refunded.
    """
    if choice not in CHOICES:
        raise ValueError(f"unknown refund tender {choice!r}")
    if total.is_negative():
        raise ValueError("a refund cannot be negative")
    remaining = sum((p.remaining for p in payments), Money.zero(total.currency))
    if total > remaining:
        raise OverRefund(f"refund {total} is more than the {remaining} left on the order")
    if not total:
        return []
    charges: dict[int, Money] = {p.id: Money.zero(total.currency) for p in payments}
    left = total
    if choice != "original":
        same = "cash" if choice == "cash" else choice
        for p in payments:
            if p.tender == same and left:
                take = p.remaining.min(left)
                charges[p.id] = charges[p.id] + take
                left = left - take
    if left:
        open_payments = [p for p in payments if (p.remaining - charges[p.id]).minor > 0]
        weights = [(p.remaining - charges[p.id]).minor for p in open_payments]
        for p, share in zip(open_payments, allocate(left, weights), strict=True):
            charges[p.id] = charges[p.id] + share
    parts = []
    for p in payments:
        amount = charges[p.id]
        if amount.minor <= 0:
            continue
        paid_out_as = p.tender if choice == "original" else choice
        parts.append(RefundPart(p.id, p.tender, paid_out_as, amount))
    return parts
