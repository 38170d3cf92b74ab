"""The order's per-tender ledger: which payments a refund is charged against, and in which
form it goes out.

Every refund is charged against the order's payments (so what is refunded from a payment
never exceeds what it took in), and each payout form draws only on the money it may:
- cash is charged ONLY to cash payments: cash out never exceeds the cash taken in minus the
  cash already refunded on the order (at this counter, other stores or online);
- "original" pays each payment back in its own tender (card to the card, gift card to a gift
  card, cash to cash); a payment of value carried over from an exchange ("exchange") is paid
  back as store credit, never as cash or to a card;
- store credit and exchange may be charged to any payment (store credit's own payments first).
Card or gift-card money never goes out as cash: there is no rule that allows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from counter_app.domain.model import Payment
from counter_app.domain.money import Money, allocate

CHOICES = ("original", "cash", "store_credit", "exchange")


class OverRefund(ValueError):
    """More would be refunded than the order's payments (or its cash) have left."""


@dataclass(frozen=True)
class RefundPart:
    payment_id: int
    charged_tender: str  # the tender of the payment it is charged against
    paid_out_as: str  # card | cash | gift_card | store_credit | exchange
    amount: Money


def _left(payments: Sequence[Payment], currency: str, tender: str | None = None) -> Money:
    chosen = [p.remaining for p in payments if tender is None or p.tender == tender]
    return sum(chosen, Money.zero(currency))


def ledger_choices(total: Money, payments: Sequence[Payment]) -> frozenset[str]:
    """The payout choices the order's payments can honour for a refund of `total`.

    "original" needs a payment that is not cash (a cash-only order's original tender is
    cash, which has its own limit); "cash" needs that much cash left unrefunded."""
    if total.is_negative() or total > _left(payments, total.currency):
        return frozenset()
    out = {"store_credit", "exchange"}
    if any(p.tender != "cash" for p in payments):
        out.add("original")
    if total <= _left(payments, total.currency, "cash"):
        out.add("cash")
    return frozenset(out)


def _original_form(tender: str) -> str:
    """What "original" pays a payment back as: its own tender; carried exchange value goes
    back as store credit."""
    return "store_credit" if tender == "exchange" else tender


def split_refund(total: Money, payments: Sequence[Payment], choice: str) -> list[RefundPart]:
    """Charge `total` against `payments` for the payout `choice` (see the module's rules).

    "original" charges each payment in proportion to what it has left and pays it back in
    its own tender; "cash" charges cash payments only and refuses (OverRefund) when their
    cash left does not cover it; store credit and exchange use payments of their own tender
    first, then the rest in proportion."""
    if choice not in CHOICES:
        raise ValueError(f"unknown refund tender {choice!r}")
    if total.is_negative():
        raise ValueError("a refund cannot be negative")
    remaining = _left(payments, total.currency)
    if total > remaining:
        raise OverRefund(f"refund {total} is more than the {remaining} left on the order")
    if choice == "cash" and total > _left(payments, total.currency, "cash"):
        cash = _left(payments, total.currency, "cash")
        raise OverRefund(f"cash refund {total} is more than the {cash} cash left on the order")
    if not total:
        return []
    charges: dict[int, Money] = {p.id: Money.zero(total.currency) for p in payments}
    left = total
    if choice != "original":
        for p in payments:
            if p.tender == choice and left:
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
        paid_out_as = _original_form(p.tender) if choice == "original" else choice
        parts.append(RefundPart(p.id, p.tender, paid_out_as, amount))
    return parts
