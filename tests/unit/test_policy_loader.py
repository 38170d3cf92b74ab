"""Loading the policy: the default file loads; every kind of bad file is refused with the
file, the key and the line, and a PolicyHolder keeps the old policy when a new one is bad."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from counter_app.domain.money import Money
from counter_app.domain.policy import (
    KNOWN_CONDITIONS,
    PolicyError,
    PolicyHolder,
    default_policy_path,
    load_policy,
    load_policy_file,
)

DEFAULT_TEXT = default_policy_path().read_text(encoding="utf-8")


def line_of(text: str, marker: str) -> int:
    assert text.count(marker) == 1, f"marker {marker!r} must occur exactly once"
    return text[: text.index(marker)].count("\n") + 1


def mutate(old: str, new: str) -> str:
    assert DEFAULT_TEXT.count(old) == 1, f"{old!r} must occur exactly once in default.toml"
    return DEFAULT_TEXT.replace(old, new)


# ------------------------------------------------------------------------ default policy


def test_default_policy_loads_with_expected_values() -> None:
    policy = load_policy_file(default_policy_path())
    assert policy.version == "2026.11-default"
    assert policy.currency == "USD"
    assert policy.timezone == "America/New_York"
    assert policy.source == "default.toml"
    apparel = policy.category("apparel")
    assert apparel.window_for("store") == 30
    assert apparel.window_for("online") == 45
    electronics = policy.category("electronics")
    assert electronics.receipt_required
    assert electronics.restocking_fee_percent == Decimal(15)
    assert electronics.restocking_fee_minimum == Money(1000, "USD")
    assert policy.category("gift_card").non_returnable_hard
    assert not policy.category("hygiene").returnable
    assert not policy.category("hygiene").non_returnable_hard
    # An unlisted category falls back to [defaults].
    assert policy.category("garden") is policy.defaults
    assert policy.defaults.window_days == 30
    assert policy.holiday_extensions[0].returnable_until == date(2027, 1, 31)
    assert dict(policy.loyalty_extra_days) == {"silver": 15, "gold": 30}
    assert policy.tenders.store_credit_bonus_percent == Decimal(10)
    assert policy.approval.auto_approve_below == Money(1500, "USD")


def test_default_policy_exposes_pick_lists() -> None:
    policy = load_policy(DEFAULT_TEXT, "default.toml")
    codes = [code for code, _ in policy.reason_codes]
    assert codes[:6] == [
        "defective",
        "wrong_size",
        "not_as_described",
        "changed_mind",
        "arrived_late",
        "damaged_in_transit",
    ]
    assert all(label for _, label in policy.reason_codes)
    assert [code for code, _ in policy.conditions] == list(KNOWN_CONDITIONS)


def test_category_own_window_replaces_inherited_channel_windows() -> None:
    policy = load_policy(DEFAULT_TEXT)
    # home sets window_days = 60 only; [defaults] has online/store = 30 which must not win.
    assert policy.category("home").window_for("online") == 60
    assert policy.category("home").window_for("store") == 60


def test_default_policy_path_is_in_resources() -> None:
    path = default_policy_path()
    assert path.is_file()
    assert path.parts[-3:] == ("resources", "policy", "default.toml")


# ------------------------------------------------------------------------------ bad files

HOLIDAY_2 = """
[[holiday_extensions]]
name = "Spring"
bought_from = 2027-04-01
bought_until = "2027-04-10"
returnable_until = 2027-05-31
"""

BAD_CASES = [
    # id, old text, new text, expected key, marker for the expected line (None = no line),
    # fragment of the problem
    (
        "negative-window",
        "[categories.apparel]\nwindow_days = 30",
        "[categories.apparel]\nwindow_days = -1",
        "categories.apparel.window_days",
        "window_days = -1",
        "must not be negative",
    ),
    (
        "window-wrong-type",
        "[categories.home]\nwindow_days = 60",
        '[categories.home]\nwindow_days = "60"',
        "categories.home.window_days",
        'window_days = "60"',
        "whole number of days",
    ),
    (
        "window-float",
        "[categories.home]\nwindow_days = 60",
        "[categories.home]\nwindow_days = 60.5",
        "categories.home.window_days",
        "window_days = 60.5",
        "whole number of days",
    ),
    (
        "unknown-category-key",
        "[categories.home]\nwindow_days = 60",
        "[categories.home]\nwindow_days = 60\nwindw_days = 3",
        "categories.home.windw_days",
        "windw_days = 3",
        "unknown key",
    ),
    (
        "unknown-top-table",
        "[tenders]\n",
        "[tender]\n",
        "tender",
        "[tender]\n",
        "unknown key",
    ),
    (
        "bad-date-type",
        "returnable_until = 2027-01-31",
        'returnable_until = "2027-01-31"',
        "holiday_extensions[0].returnable_until",
        'returnable_until = "2027-01-31"',
        "must be a date",
    ),
    (
        "date-order",
        "bought_until = 2026-12-24",
        "bought_until = 2026-10-01",
        "holiday_extensions[0].bought_until",
        "bought_until = 2026-10-01",
        "before bought_from",
    ),
    (
        "returnable-before-bought-until",
        "returnable_until = 2027-01-31",
        "returnable_until = 2026-12-01",
        "holiday_extensions[0].returnable_until",
        "returnable_until = 2026-12-01",
        "before bought_until",
    ),
    (
        "second-holiday-bad",
        "# Extra window days by loyalty tier.",
        HOLIDAY_2 + "\n# Extra window days by loyalty tier.",
        "holiday_extensions[1].bought_until",
        'bought_until = "2027-04-10"',
        "must be a date",
    ),
    (
        "impossible-date-is-toml-error",
        "bought_from = 2026-11-01",
        "bought_from = 2026-02-30",
        "",
        "bought_from = 2026-02-30",
        "not valid TOML",
    ),
    (
        "unknown-timezone",
        'timezone = "America/New_York"',
        'timezone = "Mars/Olympus_Mons"',
        "policy.timezone",
        'timezone = "Mars/Olympus_Mons"',
        "unknown time zone",
    ),
    (
        "unknown-accepted-condition",
        'accepted_conditions = ["new", "defective"]\n\n[categories.toys]',
        'accepted_conditions = ["new", "shiny"]\n\n[categories.toys]',
        "categories.beauty.accepted_conditions",
        '["new", "shiny"]',
        "unknown condition 'shiny'",
    ),
    (
        "unknown-condition-table-entry",
        "[reasons]\n",
        'sparkly = { label = "Sparkly", disposition = "scrap" }\n\n[reasons]\n',
        "conditions.sparkly",
        "sparkly = {",
        "unknown key",
    ),
    (
        "unknown-disposition",
        'used = { label = "Used", disposition = "scrap" }',
        'used = { label = "Used", disposition = "landfill" }',
        "conditions.used.disposition",
        'used = { label = "Used"',
        "unknown disposition 'landfill'",
    ),
    (
        "percent-over-100",
        "restocking_fee_percent = 15",
        "restocking_fee_percent = 150",
        "categories.electronics.restocking_fee_percent",
        "restocking_fee_percent = 150",
        "0 to 100",
    ),
    (
        "percent-negative",
        "restocking_fee_percent = 10",
        "restocking_fee_percent = -0.5",
        "categories.toys.restocking_fee_percent",
        "restocking_fee_percent = -0.5",
        "0 to 100",
    ),
    (
        "bonus-percent-over-100",
        "store_credit_bonus_percent = 10",
        "store_credit_bonus_percent = 100.01",
        "tenders.store_credit_bonus_percent",
        "store_credit_bonus_percent = 100.01",
        "0 to 100",
    ),
    (
        "money-three-decimals",
        'max_value = "150.00"',
        'max_value = "150.005"',
        "receiptless.max_value",
        'max_value = "150.005"',
        "at most two decimals",
    ),
    (
        "money-as-number",
        'max_value = "150.00"',
        "max_value = 150",
        "receiptless.max_value",
        "max_value = 150",
        "as a string",
    ),
    (
        "money-negative",
        'cash_refund_below = "200.00"',
        'cash_refund_below = "-1.00"',
        "tenders.cash_refund_below",
        'cash_refund_below = "-1.00"',
        "must not be negative",
    ),
    (
        "negative-loyalty-days",
        "gold = 30",
        "gold = -5",
        "loyalty.extra_window_days.gold",
        "gold = -5",
        "must not be negative",
    ),
    (
        "unknown-channel",
        "channel_window_days = { online = 45 }",
        "channel_window_days = { online = 45, phone = 3 }",
        "categories.apparel.channel_window_days.phone",
        "phone = 3",
        "unknown key",
    ),
    (
        "bool-wrong-type",
        "[categories.gift_card]\nreturnable = false",
        '[categories.gift_card]\nreturnable = "no"',
        "categories.gift_card.returnable",
        'returnable = "no"',
        "true or false",
    ),
    (
        "unknown-holiday-key",
        'name = "Holidays 2026"',
        'name = "Holidays 2026"\nnme = "typo"',
        "holiday_extensions[0].nme",
        'nme = "typo"',
        "unknown key",
    ),
    (
        "unknown-receiptless-tender",
        'tenders = ["store_credit"]',
        'tenders = ["store_credit", "bitcoin"]',
        "receiptless.tenders",
        '"bitcoin"',
        "unknown tender 'bitcoin'",
    ),
    (
        "bad-currency",
        'currency = "USD"',
        'currency = "usd"',
        "policy.currency",
        'currency = "usd"',
        "ISO 4217",
    ),
    (
        "refer-below-auto",
        'refer_above = "500.00"',
        'refer_above = "5.00"',
        "approval.refer_above",
        'refer_above = "5.00"',
        "below auto_approve_below",
    ),
    (
        "toml-syntax-error",
        "[categories.toys]\nwindow_days = 30",
        "[categories.toys]\nwindow_days = ",
        "",
        "window_days = \n",
        "not valid TOML",
    ),
    (
        "missing-required-key",
        "max_returns = 6 ",
        "# max_returns = 6 ",
        "frequent_returner",
        "[frequent_returner]",
        "missing key 'max_returns'",
    ),
    (
        "waives-fee-wrong-type",
        'changed_mind = { label = "Changed mind" }',
        'changed_mind = { label = "Changed mind", waives_fee = 1 }',
        "reasons.changed_mind.waives_fee",
        "changed_mind = {",
        "true or false",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "marker", "problem"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_CASES],
)
def test_bad_policy_names_file_key_and_line(
    old: str, new: str, key: str, marker: str, problem: str
) -> None:
    text = mutate(old, new)
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "default.toml")
    err = caught.value
    assert err.file == "default.toml"
    assert err.key == key
    assert err.line == line_of(text, marker)
    assert problem in str(err)
    assert str(err).startswith(f"default.toml, line {err.line}")
    if key:
        assert f"key '{key}'" in str(err)


def test_error_message_format() -> None:
    text = mutate(
        "[categories.apparel]\nwindow_days = 30", "[categories.apparel]\nwindow_days = -1"
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "default.toml")
    line = line_of(text, "window_days = -1")
    assert str(caught.value) == (
        f"default.toml, line {line}, key 'categories.apparel.window_days': must not be negative"
    )


def test_missing_table_is_refused() -> None:
    start = DEFAULT_TEXT.index("[serials]")
    end = DEFAULT_TEXT.index("[tenders]")
    text = DEFAULT_TEXT[:start] + DEFAULT_TEXT[end:]
    with pytest.raises(PolicyError, match=r"missing table \[serials\]"):
        load_policy(text, "p.toml")


def test_key_lookup_ignores_same_key_in_other_tables() -> None:
    # `window_days = 30` appears in [defaults] and several categories; the error must point
    # at the one inside [categories.toys].
    text = mutate("[categories.toys]\nwindow_days = 30", "[categories.toys]\nwindow_days = true")
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "p.toml")
    assert caught.value.line == line_of(text, "window_days = true")


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_file(tmp_path / "nope.toml")
    assert caught.value.file == "nope.toml"
    assert caught.value.line is None
    assert "cannot read" in str(caught.value)


def test_non_utf8_file_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[policy]\nversion = "\xe9"\n')
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy_file(path)


def test_empty_document_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"missing table \[policy\]"):
        load_policy("", "empty.toml")


# ---------------------------------------------------------------------------- the holder


def test_holder_swaps_to_a_good_policy() -> None:
    holder = PolicyHolder(load_policy(DEFAULT_TEXT, "default.toml"))
    new_text = mutate('version = "2026.11-default"', 'version = "2026.12"')
    returned = holder.replace(new_text, "2026.12.toml")
    assert holder.current is returned
    assert holder.current.version == "2026.12"
    assert holder.current.source == "2026.12.toml"


@pytest.mark.parametrize(
    "bad_text",
    [
        pytest.param("not = [toml", id="syntax"),
        pytest.param(mutate('timezone = "America/New_York"', 'timezone = "Nowhere"'), id="tz"),
        pytest.param(mutate("gold = 30", "gold = -1"), id="negative"),
        pytest.param("", id="empty"),
    ],
)
def test_holder_keeps_old_policy_when_new_one_is_bad(bad_text: str) -> None:
    old = load_policy(DEFAULT_TEXT, "default.toml")
    holder = PolicyHolder(old)
    with pytest.raises(PolicyError):
        holder.replace(bad_text, "published.toml")
    assert holder.current is old


def test_holder_keeps_old_policy_when_file_missing(tmp_path: Path) -> None:
    old = load_policy(DEFAULT_TEXT)
    holder = PolicyHolder(old)
    with pytest.raises(PolicyError):
        holder.replace_file(tmp_path / "missing.toml")
    assert holder.current is old


def test_multi_line_values_do_not_confuse_line_numbers() -> None:
    text = mutate(
        'accepted_conditions = ["new", "defective"]\n\n[categories.toys]',
        'accepted_conditions = [\n  "new",  # [not.a.table]\n  "defective",\n]\n'
        "final_sale = 3\n\n[categories.toys]",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "p.toml")
    assert caught.value.key == "categories.beauty.final_sale"
    assert caught.value.line == line_of(text, "final_sale = 3")

    text = mutate(
        'accepted_conditions = ["new", "defective"]\n\n[categories.toys]',
        'accepted_conditions = [\n  "new",\n  "wet",\n]\n\n[categories.toys]',
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "p.toml")
    assert caught.value.key == "categories.beauty.accepted_conditions"
    assert caught.value.line == line_of(text, 'accepted_conditions = [\n  "new",\n  "wet"')


# ------------------------------------------------------------------ labels in other languages


def test_policy_labels_in_chinese_and_their_fallback() -> None:
    policy = load_policy_file(default_policy_path())
    assert policy.condition_label("opened", "zh_CN") == "已拆封 / 用过一次"
    assert policy.reason_label("wrong_size", "zh_CN") == "尺码或版型不合适"
    assert policy.reason_label("wrong_size") == "Wrong size or fit"  # English: the label
    assert policy.reason_label("wrong_size", "fr") == "Wrong size or fit"  # none: the label
    assert policy.condition_label("nonsense", "zh_CN") == "nonsense"
    assert set(policy.translated_labels["zh_CN"]["conditions"]) == set(KNOWN_CONDITIONS)
    assert set(policy.translated_labels["zh_CN"]["reasons"]) == set(policy.reason_rules)
    no_labels = load_policy(DEFAULT_TEXT[: DEFAULT_TEXT.index("\n# The labels in Chinese")])
    assert no_labels.reason_label("wrong_size", "zh_CN") == "Wrong size or fit"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('\nused = "已使用"', '\nused = "已使用"\nbogus = "x"', "unknown key"),
        ("[labels.zh_CN.reasons]", '[labels."zh-CN".reasons]', "not a language code"),
        ('wrong_item = "发错商品"', 'wrong_item = "  "', "must not be empty"),
        ('wrong_item = "发错商品"', "wrong_item = 3", "must be a string"),
    ],
)
def test_bad_policy_labels_are_refused(old: str, new: str, problem: str) -> None:
    with pytest.raises(PolicyError, match=problem):
        load_policy(mutate(old, new))
