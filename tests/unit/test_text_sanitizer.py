"""The one free-text sanitizer: payment data never survives, ordinary numbers always do."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.cards import REDACTED, luhn_ok
from counter_app.domain.text import (
    BIDI_CONTROLS,
    SECURITY_CODE_REMOVED,
    TextTooLong,
    is_clean_line,
    sanitize,
    strip_controls,
)
from counter_app.services.errors import BadInput
from counter_app.services.validation import clean_text

# Words around the numbers: letters and punctuation only, so a digit run is never extended.
_WORDS = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFXYZ.,!?éüß中文"), max_size=30
)


def _with_check_digit(body: str) -> str:
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError("a Luhn check digit always exists")


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    body = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    digits = _with_check_digit(draw(st.sampled_from("3456")) + body[1:])
    seps = draw(
        st.lists(st.sampled_from(["", "", " ", "-"]), min_size=length - 1, max_size=length - 1)
    )
    return digits[0] + "".join(s + d for s, d in zip(seps, digits[1:], strict=True))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@settings(max_examples=300)
@given(before=_WORDS, number=card_numbers(), after=_WORDS)
def test_a_card_number_anywhere_in_text_is_redacted(before: str, number: str, after: str) -> None:
    text = f"{before} {number} {after}"
    cleaned = sanitize(text)
    assert REDACTED in cleaned
    assert _digits(number) not in _digits(cleaned)
    assert clean_text(text) == cleaned  # every caller of clean_text gets the same


@settings(max_examples=200)
@given(number=card_numbers(), junk=st.sampled_from(["\u200b", "\u202e", "\x00", "\u2066"]))
def test_invisible_characters_inside_a_card_number_do_not_hide_it(number: str, junk: str) -> None:
    hidden = junk.join(number)
    assert REDACTED in sanitize(f"card {hidden} ok")


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["order", "phone", "amount", "short"]))
    if kind == "order":
        return "O-" + str(draw(st.integers(1, 99_999_999)))
    if kind == "phone":
        a, b, c = (draw(st.integers(0, 10**n - 1)) for n in (3, 3, 4))
        sep = draw(st.sampled_from([" ", "-", ""]))
        return f"+1 {a:03d}{sep}{b:03d}{sep}{c:04d}"
    if kind == "amount":
        return f"${draw(st.integers(0, 10**9)) / 100:,.2f}"
    return str(draw(st.integers(0, 10**12 - 1)))  # at most 12 digits: never a card


@settings(max_examples=300)
@given(before=_WORDS, numbers=st.lists(ordinary_numbers(), min_size=1, max_size=4))
def test_order_numbers_phones_and_amounts_are_kept(before: str, numbers: list[str]) -> None:
    text = before + " " + " and ".join(numbers)
    cleaned = sanitize(text)
    assert REDACTED not in cleaned
    for number in numbers:
        assert number in cleaned


@pytest.mark.parametrize(
    "text",
    ["CVV 737", "cvc: 1234", "CVC2=123", "security code is 123", "Card code #4321", "cvv737"],
)
def test_security_codes_are_redacted(text: str) -> None:
    cleaned = sanitize(f"customer said {text} on the phone")
    assert SECURITY_CODE_REMOVED in cleaned
    assert not re.search(r"\d", cleaned), cleaned


def test_a_three_digit_number_without_a_security_code_label_is_kept() -> None:
    assert sanitize("size 737, aisle 12, 3 items") == "size 737, aisle 12, 3 items"


@given(st.text(max_size=200))
def test_no_control_or_bidi_character_survives(text: str) -> None:
    cleaned = sanitize(text, limit=200)
    for ch in cleaned:
        assert ch in "\n\t" or unicodedata.category(ch)[0] != "C", repr(ch)
        assert ch not in BIDI_CONTROLS
    assert len(cleaned) <= 200
    assert sanitize(cleaned, limit=200) == cleaned  # idempotent


def test_bidi_override_and_newlines_in_one_line_fields() -> None:
    assert strip_controls("ab\u202ecd\u2069") == "abcd"
    assert strip_controls("a\nb\tc", multiline=False) == "a b c"
    assert strip_controls("a\r\nb") == "a\nb"
    assert not is_clean_line("S\u202e001") and not is_clean_line("a\nb") and is_clean_line("S-01")


def test_length_is_bounded_even_after_redaction() -> None:
    with pytest.raises(TextTooLong):
        sanitize("x" * 65, limit=64)
    with pytest.raises(BadInput, match="at most 64"):
        clean_text("x" * 65, "override reason", 64)
    grown = sanitize("4111 1111 1111 1111 " * 3, limit=64)  # 21-char markers for 19 chars
    assert len(grown) <= 64 and REDACTED in grown
    # a cut never leaves a digit run that was shortened
    text = "4111111111111111 " + "a" * 20 + " 12345678901234567890"
    cut = sanitize(text, limit=len(text))
    assert len(cut) <= len(text) and cut.endswith("a…") and not re.search(r"\d", cut)
