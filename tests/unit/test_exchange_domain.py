"""The pure exchange rules: outcome, pricing of a like-for-like swap, the balance payment."""

from __future__ import annotations

import pytest

from counter_app.domain.exchange import (
    BalancePayment,
    ExchangeDraft,
    Replacement,
    balance_problem,
    outcome,
    replacement_price,
)
from counter_app.domain.model import OrderLine
from counter_app.domain.money import Money


def _item(price: int, qty: int = 1) -> Replacement:
    return Replacement("SKU", "Item", "123", qty, Money(price))


@pytest.mark.parametrize(
    ("refund", "items", "kind", "carried", "refundable", "owed"),
    [
        (2500, [2500], "even", 2500, 0, 0),
        (4000, [1000, 500], "refundable", 1500, 2500, 0),
        (1000, [700, 700], "balance_owed", 1000, 0, 400),
        (0, [999], "balance_owed", 0, 0, 999),
        (1200, [], "none", 0, 1200, 0),
    ],
)
def test_outcome(
    refund: int, items: list[int], kind: str, carried: int, refundable: int, owed: int
) -> None:
    got = outcome(Money(refund), ExchangeDraft([_item(p) for p in items]))
    assert (got.kind, got.carried.minor, got.refundable.minor, got.balance_owed.minor) == (
        kind,
        carried,
        refundable,
        owed,
    )
    if kind != "none":
        assert got.balance.minor == sum(items) - refund == owed - refundable


def _line(paid: int, qty: int) -> OrderLine:
    return OrderLine(1, 3, "A", "A", "apparel", False, qty, 0, Money(paid), Money(0), Money(0),
                     Money(paid * qty))  # fmt: skip


def test_like_for_like_price_only_within_the_style_and_when_the_policy_says_so() -> None:
    returned = [(_line(1800, 2), "TEE")]
    assert replacement_price(Money(2000), "TEE", returned, like_for_like_at_paid_price=True) == (
        Money(1800),
        3,
    )
    assert replacement_price(Money(2000), "TEE", returned, like_for_like_at_paid_price=False) == (
        Money(2000),
        None,
    )
    assert replacement_price(Money(2000), "SOCK", returned, like_for_like_at_paid_price=True) == (
        Money(2000),
        None,
    )
    assert replacement_price(Money(2000), None, returned, like_for_like_at_paid_price=True) == (
        Money(2000),
        None,
    )


@pytest.mark.parametrize(
    ("balance", "problem"),
    [
        (BalancePayment.cash(), None),
        (BalancePayment.card("Visa", "4242", "AB12CD"), None),
        (BalancePayment.card("Visa", "4111111111111111", "AB12"), "full card number"),
        (BalancePayment.card("4111 1111 1111 1111", "1111", "AB12"), "full card number"),
        (BalancePayment.card("Visa", "4242", "4111111111111111"), "full card number"),
        (BalancePayment.card("Visa", "42", "AB12"), "last 4 digits"),
        (BalancePayment.card("", "4242", "AB12"), "brand"),
        (BalancePayment.card("Visa", "4242", "A-1"), "approval code"),
        (BalancePayment("cheque"), "cash or by card"),
        (BalancePayment("cash", card_last4="4242"), "no card details"),
    ],
)
def test_balance_payment_checks(balance: BalancePayment, problem: str | None) -> None:
    found = balance_problem(balance)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_clone_is_independent() -> None:
    first = ExchangeDraft([_item(100)])
    copy = first.clone()
    copy.replacements.append(_item(200))
    assert len(first.replacements) == 1 and first.total("USD") == Money(100)
