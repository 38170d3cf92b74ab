"""Voucher codes: issued codes verify; forged or edited ones are rejected."""

from __future__ import annotations

import pytest

from counter_app.domain.money import Money
from counter_app.domain.voucher import VoucherRejected, make_voucher_code, verify_voucher_code

SECRET = b"store-secret-for-tests"


def test_round_trip_and_scanner_friendly() -> None:
    code = make_voucher_code("7K3M9Q", Money(2500, "USD"), SECRET)
    assert code.startswith("7K3M9Q-USD2500-")
    assert len(code) <= 23 and code.isascii() and code == code.upper()
    info = verify_voucher_code(code, SECRET)
    assert info.serial == "7K3M9Q" and info.amount == Money(2500, "USD")
    assert verify_voucher_code(" " + code.lower() + "\n", SECRET) == info


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c.replace("USD2500", "USD9500"),
        lambda c: c.replace("USD2500", "EUR2500"),
        lambda c: c.replace("USD2500", "USD02500"),
        lambda c: c.replace("7K3M9Q", "7K3M9R"),
        lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),
    ],
)
def test_edited_code_is_rejected(edit) -> None:  # type: ignore[no-untyped-def]
    code = make_voucher_code("7K3M9Q", Money(2500, "USD"), SECRET)
    with pytest.raises(VoucherRejected, match=r"altered|not genuine|not a store-credit"):
        verify_voucher_code(edit(code), SECRET)


def test_forged_code_and_wrong_secret_are_rejected() -> None:
    with pytest.raises(VoucherRejected):
        verify_voucher_code("ABC-USD100000-ZZZZZZZZ", SECRET)
    code = make_voucher_code("A1", Money(100, "USD"), b"other-store")
    with pytest.raises(VoucherRejected):
        verify_voucher_code(code, SECRET)
    for junk in ("", "hello", "A1-USD100", "A1-USD-1-AAAAAAAA"):
        with pytest.raises(VoucherRejected):
            verify_voucher_code(junk, SECRET)


def test_bad_inputs_when_issuing() -> None:
    with pytest.raises(ValueError):
        make_voucher_code("bad serial!", Money(100), SECRET)
    with pytest.raises(ValueError):
        make_voucher_code("A1", Money(0), SECRET)
    with pytest.raises(ValueError):
        make_voucher_code("A1", Money(100), b"")
