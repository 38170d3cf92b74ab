"""Money and pro-rating: parts always add up, nothing negative, never over what was paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.model import Payment
from counter_app.domain.money import CurrencyMismatch, Money, allocate, parse_money
from counter_app.domain.refund import OverRefund, ledger_choices, split_refund

amounts = st.integers(min_value=0, max_value=10**9)


@given(
    total=st.integers(-(10**9), 10**9),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=12),
)
def test_allocation_parts_sum_to_the_whole(total: int, weights: list[int]) -> None:
    parts = allocate(Money(total), weights)
    assert sum(p.minor for p in parts) == total
    assert len(parts) == len(weights)
    if total >= 0:
        assert all(p.minor >= 0 for p in parts)


@given(total=amounts, weights=st.lists(st.integers(1, 10**6), min_size=1, max_size=12))
def test_allocation_is_proportional_within_one_unit(total: int, weights: list[int]) -> None:
    parts = allocate(Money(total), weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(Decimal(part.minor) - exact) < 1


def test_largest_remainder_gives_leftover_cents_to_the_largest_remainders() -> None:
    assert [p.minor for p in allocate(Money(100), [1, 1, 1])] == [34, 33, 33]
    assert [p.minor for p in allocate(Money(10), [3, 3, 4])] == [3, 3, 4]
    assert [p.minor for p in allocate(Money(5), [0, 0])] == [3, 2]


def test_money_refuses_floats_mixed_currencies_and_bad_text() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(CurrencyMismatch):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(ValueError):
        parse_money("1.234")
    with pytest.raises(ValueError):
        parse_money("NaN")
    assert parse_money("12.30") == Money(1230)
    assert Money(1999).percent(15) == Money(300)  # 299.85 rounds half-up


payments_strategy = st.lists(
    st.tuples(
        st.sampled_from(["card", "cash", "gift_card"]), st.integers(1, 10**6), st.integers(0, 100)
    ),
    min_size=1,
    max_size=4,
)


@given(
    pays=payments_strategy,
    fraction=st.integers(0, 100),
    choice=st.sampled_from(["original", "cash", "store_credit", "exchange"]),
)
def test_refund_split_never_exceeds_any_payment(
    pays: list[tuple[str, int, int]], fraction: int, choice: str
) -> None:
    payments = [
        Payment(i, tender, Money(amount), Money(amount * used // 100))
        for i, (tender, amount, used) in enumerate(pays, 1)
    ]
    left = sum(p.remaining.minor for p in payments)
    total = Money(left * fraction // 100)
    cash_left = sum(p.remaining.minor for p in payments if p.tender == "cash")
    if choice == "cash" and total.minor > cash_left:
        # cash out never exceeds the cash left: card or gift-card money never goes out as cash
        assert "cash" not in ledger_choices(total, payments)
        with pytest.raises(OverRefund):
            split_refund(total, payments, choice)
        return
    assert choice in ledger_choices(total, payments) or choice == "original"
    parts = split_refund(total, payments, choice)
    assert sum(p.amount.minor for p in parts) == total.minor
    by_payment = {p.id: p for p in payments}
    for part in parts:
        assert part.amount.minor > 0
        assert part.amount <= by_payment[part.payment_id].remaining
        assert part.paid_out_as == (
            by_payment[part.payment_id].tender if choice == "original" else choice
        )
        if choice == "cash":
            assert part.charged_tender == "cash"


def test_refund_over_what_is_left_is_refused() -> None:
    payments = [Payment(1, "card", Money(1000), Money(900))]
    with pytest.raises(OverRefund):
        split_refund(Money(101), payments, "original")


def test_cash_refund_is_charged_against_cash_first() -> None:
    payments = [Payment(1, "card", Money(1000), Money(0)), Payment(2, "cash", Money(500), Money(0))]
    parts = split_refund(Money(400), payments, "cash")
    assert [(p.payment_id, p.amount.minor, p.paid_out_as) for p in parts] == [(2, 400, "cash")]
