"""Money as integer minor units with a currency code — never float.

Pro-rating uses the largest-remainder method so the parts always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True, order=True, slots=True)
class Money:
    minor: int
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"Money needs an integer number of minor units, got {self.minor!r}")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(0, currency)

    def _check(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an integer; use percent() for rates")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.minor != 0

    def is_negative(self) -> bool:
        return self.minor < 0

    def percent(self, rate: Decimal | int | str) -> Money:
        """This amount times `rate` percent, rounded half-up to the minor unit."""
        value = (Decimal(self.minor) * Decimal(rate) / Decimal(100)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return Money(int(value), self.currency)

    def min(self, other: Money) -> Money:
        self._check(other)
        return self if self.minor <= other.minor else other

    def max(self, other: Money) -> Money:
        self._check(other)
        return self if self.minor >= other.minor else other

    def __str__(self) -> str:
        sign = "-" if self.minor < 0 else ""
        units, cents = divmod(abs(self.minor), 100)
        return f"{sign}{units}.{cents:02d} {self.currency}"


def allocate(total: Money, weights: Sequence[int]) -> list[Money]:
    """Split `total` in proportion to non-negative integer `weights` (largest remainder).

    The parts always sum to `total` exactly; with all weights zero, the total is split evenly.
    """
    if not weights:
        raise ValueError("cannot allocate over zero parts")
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights = [1] * len(weights)
        weight_sum = len(weights)
    sign = -1 if total.minor < 0 else 1
    amount = abs(total.minor)
    shares = [amount * w // weight_sum for w in weights]
    remainders = [amount * w % weight_sum for w in weights]
    leftover = amount - sum(shares)
    # Hand out the leftover units to the largest remainders; ties go to the earlier part.
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return [Money(sign * s, total.currency) for s in shares]


def parse_money(text: str, currency: str = "USD") -> Money:
    """Parse '12.34' (two decimals at most) into Money; refuses anything else."""
    try:
        value = Decimal(text.strip())
    except Exception as exc:  # decimal.InvalidOperation and friends
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"not an amount with at most two decimals: {text!r}")
    return Money(int(value * 100), currency)
