"""The policy engine against the default policy: every rule on both sides of its boundary.

Times are in the store's zone (America/New_York) unless a test says otherwise, so the
window edges at local midnight and across DST changes are visible in the test tables.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from counter_app.domain.money import Money
from counter_app.domain.policy import (
    DISPOSITIONS,
    MESSAGE_TEMPLATES,
    OUTCOMES,
    CustomerHistory,
    Decision,
    Inspection,
    LineFacts,
    PastReturn,
    Policy,
    default_policy_path,
    evaluate,
    load_policy,
    load_policy_file,
    unknown_order_decision,
)

NY = ZoneInfo("America/New_York")
POLICY = load_policy_file(default_policy_path())
DEFAULT_TEXT = default_policy_path().read_text(encoding="utf-8")


def usd(amount: str) -> Money:
    units, _, cents = amount.partition(".")
    return Money(int(units) * 100 + int((cents or "0").ljust(2, "0")), "USD")


def ny(y: int, m: int, d: int, hh: int = 12, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=NY)


BOUGHT = ny(2026, 3, 10, 14, 0)  # outside the holiday range, after the spring DST change


def line(**changes: object) -> LineFacts:
    base = LineFacts(
        sku="SKU-1",
        category="apparel",
        channel="store",
        purchased_at=BOUGHT,
        unit_paid=usd("40.00"),
        quantity_sold=2,
        quantity_already_returned=0,
        quantity_requested=1,
        serialised=False,
        serial_sold=None,
        serial_presented=None,
        has_receipt=True,
        tenders_paid=("card",),
        cash_paid=usd("0"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def inspect(condition: str = "new", reason: str = "wrong_size") -> Inspection:
    return Inspection(reason_code=reason, condition=condition)


NO_HISTORY = CustomerHistory()
SOON = BOUGHT + timedelta(days=5)


def decide(
    facts: LineFacts | None = None,
    inspection: Inspection | None = None,
    history: CustomerHistory = NO_HISTORY,
    now: datetime = SOON,
    policy: Policy = POLICY,
) -> Decision:
    return evaluate(facts or line(), inspection or inspect(), history, now, policy)


def codes(decision: Decision) -> set[str]:
    return set(decision.reason_codes())


def policy_with(old: str, new: str) -> Policy:
    assert DEFAULT_TEXT.count(old) == 1
    return load_policy(DEFAULT_TEXT.replace(old, new), "test.toml")


# ------------------------------------------------------------------------- the plain case


def test_plain_return_is_approved_in_full() -> None:
    d = decide()
    assert d.outcome == "approve"
    assert d.refund == usd("40.00")
    assert d.fee == usd("0")
    assert d.tenders_allowed == ("original", "store_credit", "exchange")
    assert d.store_credit_bonus_percent == Decimal(10)
    assert d.disposition == "restock_new"
    assert d.reasons == ()
    assert not d.overridable


# ----------------------------------------------------------------------------- windows

WINDOW_CASES = [
    # id, purchased_at, now, category, channel, expired?
    # Bought 23:30 local the day before DST starts (2026-03-08): 30 days → through 2026-04-06.
    ("dst-start-last-second", ny(2026, 3, 7, 23, 30), ny(2026, 4, 6, 23, 59, 59), "apparel",
     "store", False),
    ("dst-start-next-midnight", ny(2026, 3, 7, 23, 30), ny(2026, 4, 7, 0, 0, 0), "apparel",
     "store", True),
    # The same edges given in UTC: 23:59:59 EDT is 03:59:59Z of the next day.
    ("utc-now-last-second", ny(2026, 3, 7, 23, 30), datetime(2026, 4, 7, 3, 59, 59, tzinfo=UTC),
     "apparel", "store", False),
    ("utc-now-midnight", ny(2026, 3, 7, 23, 30), datetime(2026, 4, 7, 4, 0, 0, tzinfo=UTC),
     "apparel", "store", True),
    # Purchase time in UTC is already the next calendar day there; the store's day counts.
    ("utc-purchase-local-day", datetime(2026, 3, 11, 3, 30, tzinfo=UTC),
     ny(2026, 4, 9, 23, 59, 59), "apparel", "store", False),
    ("utc-purchase-local-day-over", datetime(2026, 3, 11, 3, 30, tzinfo=UTC),
     ny(2026, 4, 10, 0, 0), "apparel", "store", True),
    # Bought the day before DST ends (2026-11-01), outside the holiday range.
    ("dst-end-last-second", ny(2026, 10, 31, 23, 30), ny(2026, 11, 30, 23, 59, 59), "apparel",
     "store", False),
    ("dst-end-next-midnight", ny(2026, 10, 31, 23, 30), ny(2026, 12, 1, 0, 0), "apparel",
     "store", True),
    # Bought just after midnight: still the whole of day D+N.
    ("early-purchase", ny(2026, 3, 10, 0, 1), ny(2026, 4, 9, 23, 59), "apparel", "store", False),
    # Channel windows: apparel online 45, store 30.
    ("store-31-days", BOUGHT, BOUGHT + timedelta(days=31), "apparel", "store", True),
    ("online-31-days", BOUGHT, BOUGHT + timedelta(days=31), "apparel", "online", False),
    ("online-45-days", BOUGHT, ny(2026, 4, 24, 23, 59), "apparel", "online", False),
    ("online-46-days", BOUGHT, ny(2026, 4, 25, 0, 0), "apparel", "online", True),
    # Electronics: store 15, online 30.
    ("electronics-store-15", BOUGHT, ny(2026, 3, 25, 20), "electronics", "store", False),
    ("electronics-store-16", BOUGHT, ny(2026, 3, 26, 9), "electronics", "store", True),
    ("electronics-online-16", BOUGHT, ny(2026, 3, 26, 9), "electronics", "online", False),
    # Unknown category uses [defaults]: 30 days.
    ("default-30", BOUGHT, ny(2026, 4, 9, 22), "garden", "store", False),
    ("default-31", BOUGHT, ny(2026, 4, 10, 1), "garden", "store", True),
    # Unknown channel falls back to the category's window.
    ("unknown-channel", BOUGHT, ny(2026, 4, 10, 1), "apparel", "phone", True),
    # Holiday: bought 2026-11-01..2026-12-24 → until 2027-01-31.
    ("holiday-inside-on-z", ny(2026, 12, 24, 23), ny(2027, 1, 31, 23, 59), "apparel", "store",
     False),
    ("holiday-inside-z-plus-1", ny(2026, 12, 24, 23), ny(2027, 2, 1, 0, 0), "apparel", "store",
     True),
    ("holiday-first-day", ny(2026, 11, 1, 0, 5), ny(2027, 1, 31, 12), "apparel", "store", False),
    ("holiday-day-after-range", ny(2026, 12, 25, 10), ny(2027, 1, 31, 12), "apparel", "store",
     True),
    ("holiday-day-before-range", ny(2026, 10, 31, 10), ny(2027, 1, 31, 12), "apparel", "store",
     True),
    # The extension never shortens: home has 60 days, bought 12-20 → 2027-02-18.
    ("holiday-never-shortens", ny(2026, 12, 20), ny(2027, 2, 18, 23), "home", "store", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bought", "now", "category", "channel", "expired"),
    [pytest.param(*case[1:], id=case[0]) for case in WINDOW_CASES],
)
def test_return_window(
    bought: datetime, now: datetime, category: str, channel: str, expired: bool
) -> None:
    d = decide(line(purchased_at=bought, category=category, channel=channel), now=now)
    assert ("WINDOW_EXPIRED" in codes(d)) is expired
    assert d.outcome == ("deny" if expired else "approve")
    if expired:
        assert d.overridable
        assert d.refund == usd("0")
        assert d.override_refund == usd("40.00")


def test_window_message_has_the_numbers() -> None:
    d = decide(now=BOUGHT + timedelta(days=41))
    (reason,) = d.reasons
    assert reason.code == "WINDOW_EXPIRED"
    assert not reason.hard
    assert reason.message == (
        "Bought 41 days ago; apparel can be returned within 30 days (last day was 2026-04-09)."
    )
    assert dict(reason.params) == {
        "days_ago": "41",
        "category": "apparel",
        "category_code": "apparel",  # for the UI's own words
        "window_days": "30",
        "deadline": "2026-04-09",
    }
    assert MESSAGE_TEMPLATES[reason.code].format(**reason.params) == reason.message


def test_holiday_extension_is_named_when_it_saves_the_return() -> None:
    d = decide(line(purchased_at=ny(2026, 12, 1)), now=ny(2027, 1, 20))
    assert d.outcome == "approve"
    assert "HOLIDAY_EXTENSION" in codes(d)
    # Inside the ordinary window the extension is not worth mentioning.
    d = decide(line(purchased_at=ny(2026, 12, 1)), now=ny(2026, 12, 5))
    assert "HOLIDAY_EXTENSION" not in codes(d)


LOYALTY_CASES = [
    # id, tier, now, expired?   (bought 2026-03-10; base deadline 2026-04-09)
    ("none-on-base-day", None, ny(2026, 4, 9, 23), False),
    ("none-day-after", None, ny(2026, 4, 10, 9), True),
    ("silver-plus-15", "silver", ny(2026, 4, 24, 23), False),
    ("silver-plus-16", "silver", ny(2026, 4, 25, 9), True),
    ("gold-plus-30", "gold", ny(2026, 5, 9, 23), False),
    ("gold-plus-31", "gold", ny(2026, 5, 10, 9), True),
    ("unknown-tier", "bronze", ny(2026, 4, 10, 9), True),
]


@pytest.mark.parametrize(
    ("tier", "now", "expired"), [pytest.param(*c[1:], id=c[0]) for c in LOYALTY_CASES]
)
def test_loyalty_extra_days(tier: str | None, now: datetime, expired: bool) -> None:
    d = decide(history=CustomerHistory(loyalty_tier=tier), now=now)
    assert ("WINDOW_EXPIRED" in codes(d)) is expired
    if not expired and tier and now.date() > BOUGHT.date() + timedelta(days=30):
        assert "LOYALTY_EXTENSION" in codes(d)


# ------------------------------------------------- final sale and non-returnable categories

NON_RETURNABLE_CASES = [
    # id, facts, condition, outcome, code, hard
    ("final-sale-line", line(final_sale=True), "new", "deny", "FINAL_SALE", False),
    ("final-sale-defective", line(final_sale=True), "defective", "approve", None, False),
    ("final-sale-category", line(category="final_sale"), "new", "deny", "FINAL_SALE", False),
    ("gift-card-hard", line(category="gift_card"), "new", "deny", "NON_RETURNABLE", True),
    ("gift-card-defective-still-hard", line(category="gift_card"), "defective", "deny",
     "NON_RETURNABLE", True),
    ("hygiene-soft", line(category="hygiene"), "new", "deny", "NON_RETURNABLE", False),
    ("hygiene-defective", line(category="hygiene"), "defective", "approve", None, False),
    ("perishable-soft", line(category="perishable"), "new", "deny", "NON_RETURNABLE", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "condition", "outcome", "code", "hard"),
    [pytest.param(*c[1:], id=c[0]) for c in NON_RETURNABLE_CASES],
)
def test_non_returnable(
    facts: LineFacts, condition: str, outcome: str, code: str | None, hard: bool
) -> None:
    d = decide(facts, inspect(condition, "defective" if condition == "defective" else "wrong_size"))
    assert d.outcome == outcome
    if code:
        assert code in codes(d)
        assert d.overridable is not hard
        assert d.hard is hard
    if outcome == "deny":
        assert d.refund == usd("0")


# -------------------------------------------------------------------------- conditions

CONDITION_CASES = [
    # id, category, condition, outcome, code, disposition
    ("apparel-new", "apparel", "new", "approve", None, "restock_new"),
    ("apparel-like-new", "apparel", "like_new", "approve", None, "restock_open_box"),
    ("apparel-opened", "apparel", "opened", "approve", None, "restock_open_box"),
    ("apparel-used", "apparel", "used", "deny", "CONDITION_NOT_ACCEPTED", "scrap"),
    ("apparel-damaged", "apparel", "damaged", "deny", "CUSTOMER_DAMAGE", "scrap"),
    ("apparel-defective", "apparel", "defective", "approve", "DEFECTIVE", "return_to_vendor"),
    ("beauty-new", "beauty", "new", "approve", None, "restock_new"),
    ("beauty-opened", "beauty", "opened", "deny", "CONDITION_NOT_ACCEPTED", "restock_open_box"),
    ("unknown-condition", "apparel", "soaked", "deny", "CONDITION_NOT_ACCEPTED", "scrap"),
]


@pytest.mark.parametrize(
    ("category", "condition", "outcome", "code", "disposition"),
    [pytest.param(*c[1:], id=c[0]) for c in CONDITION_CASES],
)
def test_conditions_and_disposition(
    category: str, condition: str, outcome: str, code: str | None, disposition: str
) -> None:
    d = decide(line(category=category), inspect(condition))
    assert d.outcome == outcome
    assert d.disposition == disposition
    if code:
        assert code in codes(d)
    if outcome == "deny":
        assert d.overridable  # customer damage and unaccepted condition are soft


def test_defective_is_still_bound_by_the_window() -> None:
    d = decide(inspection=inspect("defective", "defective"), now=BOUGHT + timedelta(days=40))
    assert d.outcome == "deny"
    assert "WINDOW_EXPIRED" in codes(d)


def test_disposition_map_is_configurable() -> None:
    policy = policy_with(
        'used = { label = "Used", disposition = "scrap" }',
        'used = { label = "Used", disposition = "restock_open_box" }',
    )
    assert decide(inspection=inspect("used"), policy=policy).disposition == "restock_open_box"


def test_unknown_reason_code_is_referred() -> None:
    d = decide(inspection=inspect("new", "because"))
    assert d.outcome == "refer"
    assert "UNKNOWN_REASON" in codes(d)


# --------------------------------------------------------------------- restocking fee

FEE_CASES = [
    # id, category, unit, qty, condition, reason, fee, refund, outcome
    ("percent-wins", "electronics", "100.00", 1, "opened", "changed_mind", "15.00", "85.00",
     "approve_with_fee"),
    ("minimum-wins", "electronics", "60.00", 1, "opened", "changed_mind", "10.00", "50.00",
     "approve_with_fee"),
    ("percent-rounds-to-minimum", "electronics", "66.67", 1, "opened", "changed_mind", "10.00",
     "56.67", "approve_with_fee"),
    ("percent-just-over-minimum", "electronics", "66.70", 1, "opened", "changed_mind", "10.01",
     "56.69", "approve_with_fee"),
    ("per-unit-times-qty", "electronics", "100.00", 2, "opened", "changed_mind", "30.00",
     "170.00", "approve_with_fee"),
    ("like-new-charged-in-electronics", "electronics", "100.00", 1, "like_new", "changed_mind",
     "15.00", "85.00", "approve_with_fee"),
    ("fee-capped-at-price", "electronics", "8.00", 1, "opened", "changed_mind", "8.00", "0.00",
     "approve_with_fee"),
    ("new-no-fee", "electronics", "100.00", 1, "new", "changed_mind", "0.00", "100.00",
     "approve"),
    ("defective-no-fee", "electronics", "100.00", 1, "defective", "defective", "0.00", "100.00",
     "approve"),
    ("store-fault-waives-fee", "electronics", "100.00", 1, "opened", "not_as_described", "0.00",
     "100.00", "approve"),
    ("toys-minimum", "toys", "5.00", 1, "opened", "changed_mind", "2.00", "3.00",
     "approve_with_fee"),
    ("toys-like-new-not-charged", "toys", "50.00", 1, "like_new", "changed_mind", "0.00", "50.00",
     "approve"),
    ("apparel-opened-no-fee", "apparel", "50.00", 1, "opened", "changed_mind", "0.00", "50.00",
     "approve"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("category", "unit", "qty", "condition", "reason", "fee", "refund", "outcome"),
    [pytest.param(*c[1:], id=c[0]) for c in FEE_CASES],
)
def test_restocking_fee(
    category: str,
    unit: str,
    qty: int,
    condition: str,
    reason: str,
    fee: str,
    refund: str,
    outcome: str,
) -> None:
    d = decide(line(category=category, unit_paid=usd(unit), quantity_requested=qty),
               inspect(condition, reason))  # fmt: skip
    assert d.fee == usd(fee)
    assert d.refund == usd(refund)
    assert d.fee + d.refund == usd(unit) * qty
    assert d.outcome == outcome
    assert ("RESTOCKING_FEE" in codes(d)) is (d.fee != usd("0"))


def test_fee_message_names_percent_and_minimum() -> None:
    d = decide(line(category="electronics", unit_paid=usd("60.00")), inspect("opened"))
    reason = next(r for r in d.reasons if r.code == "RESTOCKING_FEE")
    assert reason.params["fee"] == "10.00 USD"
    assert reason.params["percent"] == "15"
    assert reason.params["minimum"] == "10.00 USD"


# ------------------------------------------------------------- value thresholds, frequency


def past(days_ago: float, value: str = "20.00", receiptless: bool = False) -> PastReturn:
    return PastReturn(at=SOON - timedelta(days=days_ago), value=usd(value), receiptless=receiptless)


VALUE_CASES = [
    # id, unit, outcome, code
    ("just-below-fast-path", "14.99", "approve", "LOW_VALUE_AUTO"),
    ("at-fast-path-threshold", "15.00", "approve", None),
    ("at-referral-threshold", "500.00", "approve", None),
    ("just-over-referral", "500.01", "refer", "OVER_VALUE_LIMIT"),
]


@pytest.mark.parametrize(
    ("unit", "outcome", "code"), [pytest.param(*c[1:], id=c[0]) for c in VALUE_CASES]
)
def test_value_thresholds(unit: str, outcome: str, code: str | None) -> None:
    d = decide(line(unit_paid=usd(unit)))
    assert d.outcome == outcome
    if code:
        assert code in codes(d)
    else:
        assert not codes(d) & {"LOW_VALUE_AUTO", "OVER_VALUE_LIMIT"}
    assert d.overridable is (outcome == "refer")


FREQUENT_CASES = [
    # id, past returns, unit, outcome
    ("five-past-is-six-with-this", [past(1)] * 5, "40.00", "approve"),
    ("six-past-is-seven", [past(1)] * 6, "40.00", "refer"),
    ("old-returns-not-counted", [past(1)] * 5 + [past(30.5)], "40.00", "approve"),
    ("edge-of-lookback-counted", [past(1)] * 5 + [past(30)], "40.00", "refer"),
    ("fast-path-skips-frequent", [past(1)] * 10, "14.99", "approve"),
    ("no-fast-path-at-threshold", [past(1)] * 10, "15.00", "refer"),
]


@pytest.mark.parametrize(
    ("history", "unit", "outcome"), [pytest.param(*c[1:], id=c[0]) for c in FREQUENT_CASES]
)
def test_frequent_returner(history: list[PastReturn], unit: str, outcome: str) -> None:
    d = decide(line(unit_paid=usd(unit)), history=CustomerHistory(past_returns=tuple(history)))
    assert d.outcome == outcome
    assert ("FREQUENT_RETURNER" in codes(d)) is (outcome == "refer")


def test_fast_path_can_be_told_not_to_skip_frequent_returners() -> None:
    policy = policy_with(
        "fast_path_skips_frequent_returner = true", "fast_path_skips_frequent_returner = false"
    )
    history = CustomerHistory(past_returns=(past(1),) * 10)
    d = decide(line(unit_paid=usd("5.00")), history=history, policy=policy)
    assert d.outcome == "refer"
    assert {"FREQUENT_RETURNER", "LOW_VALUE_AUTO"} <= codes(d)


# ---------------------------------------------------------------------------- receiptless


def receiptless(**changes: object) -> LineFacts:
    facts = line(
        has_receipt=False,
        lowest_recent_price=usd("30.00"),
        purchased_at=ny(2025, 1, 1),  # date unknown without a receipt: not checked
        tenders_paid=(),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def test_receiptless_is_store_credit_at_lowest_price() -> None:
    d = decide(receiptless())
    assert d.outcome == "approve"
    assert d.refund == usd("30.00")
    assert d.tenders_allowed == ("store_credit",)
    assert d.store_credit_bonus_percent == Decimal(0)
    assert "RECEIPTLESS" in codes(d)
    assert "WINDOW_EXPIRED" not in codes(d)


def test_receiptless_never_pays_more_than_the_known_price() -> None:
    d = decide(receiptless(lowest_recent_price=usd("55.00")))
    assert d.refund == usd("40.00")


RECEIPTLESS_CASES = [
    # id, past returns, outcome   (this refund: 30.00; limits: 3 returns, 150.00 in 365 days)
    ("none-before", [], "approve"),
    ("count-at-limit", [past(60, "10.00", True)] * 2, "approve"),
    ("count-over-limit", [past(60, "10.00", True)] * 3, "refer"),
    ("value-at-limit", [past(60, "120.00", True)], "approve"),
    ("value-over-limit", [past(60, "120.01", True)], "refer"),
    ("outside-period", [past(366, "10.00", True)] * 3, "approve"),
    ("receipted-returns-do-not-count", [past(60, "100.00", False)] * 3, "approve"),
]


@pytest.mark.parametrize(
    ("history", "outcome"), [pytest.param(*c[1:], id=c[0]) for c in RECEIPTLESS_CASES]
)
def test_receiptless_limits(history: list[PastReturn], outcome: str) -> None:
    d = decide(receiptless(), history=CustomerHistory(past_returns=tuple(history)))
    assert d.outcome == outcome
    assert ("RECEIPTLESS_LIMIT" in codes(d)) is (outcome == "refer")
    if outcome == "refer":
        assert d.overridable
        assert d.refund == usd("30.00")


def test_receipt_required_category_denies_receiptless() -> None:
    d = decide(receiptless(category="electronics"))
    assert d.outcome == "deny"
    assert "RECEIPT_REQUIRED" in codes(d)
    assert d.overridable


def test_receiptless_can_be_switched_off() -> None:
    policy = policy_with("allowed = true", "allowed = false")
    d = decide(receiptless(), policy=policy)
    assert d.outcome == "deny"
    assert "RECEIPTLESS_NOT_ALLOWED" in codes(d)


# ------------------------------------------------------------------------------- serials

SERIAL_CASES = [
    # id, sold, presented, outcome, code
    ("match", "SN-100", "SN-100", "approve", None),
    ("match-ignores-case-and-spaces", "SN-100", " sn-100 ", "approve", None),
    ("mismatch", "SN-100", "SN-101", "deny", "SERIAL_MISMATCH"),
    ("not-scanned", "SN-100", None, "deny", "SERIAL_MISSING"),
    ("not-on-order", None, "SN-100", "deny", "SERIAL_MISSING"),
]


@pytest.mark.parametrize(
    ("sold", "presented", "outcome", "code"),
    [pytest.param(*c[1:], id=c[0]) for c in SERIAL_CASES],
)
def test_serial_match(
    sold: str | None, presented: str | None, outcome: str, code: str | None
) -> None:
    facts = line(serialised=True, serial_sold=sold, serial_presented=presented)
    d = decide(facts)
    assert d.outcome == outcome
    if code:
        assert code in codes(d)
        assert d.overridable  # soft by default: a manager may override with a reason


def test_serial_not_checked_for_unserialised_products() -> None:
    assert decide(line(serial_sold="A", serial_presented="B")).outcome == "approve"


def test_serial_mismatch_can_be_made_hard() -> None:
    policy = policy_with("mismatch_hard = false", "mismatch_hard = true")
    facts = line(serialised=True, serial_sold="A", serial_presented="B")
    d = decide(facts, policy=policy)
    assert d.outcome == "deny"
    assert not d.overridable
    assert d.tenders_allowed == ()


# ------------------------------------------------------------------------------- tenders

TENDER_CASES = [
    # id, tenders paid, cash paid, unit, allowed
    ("card", ("card",), "0", "40.00", ("original", "store_credit", "exchange")),
    ("cash-only-order", ("cash",), "40.00", "40.00", ("cash", "store_credit", "exchange")),
    ("cash-just-below-limit", ("cash",), "300.00", "199.99", ("cash", "store_credit", "exchange")),
    ("cash-at-limit", ("cash",), "300.00", "200.00", ("store_credit", "exchange")),
    ("cash-not-covered", ("card", "cash"), "10.00", "40.00",
     ("original", "store_credit", "exchange")),
    ("cash-covered-mixed", ("card", "cash"), "50.00", "40.00",
     ("original", "cash", "store_credit", "exchange")),
    ("gift-card-order", ("gift_card",), "0", "40.00", ("original", "store_credit", "exchange")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("paid", "cash", "unit", "allowed"), [pytest.param(*c[1:], id=c[0]) for c in TENDER_CASES]
)
def test_tender_rules(
    paid: tuple[str, ...], cash: str, unit: str, allowed: tuple[str, ...]
) -> None:
    d = decide(line(tenders_paid=paid, cash_paid=usd(cash), unit_paid=usd(unit)))
    assert d.tenders_allowed == allowed


def test_store_credit_bonus_follows_policy() -> None:
    policy = policy_with(
        "store_credit = true\nstore_credit_bonus_percent = 10",
        "store_credit = false\nstore_credit_bonus_percent = 10",
    )
    d = decide(policy=policy)
    assert "store_credit" not in d.tenders_allowed
    assert d.store_credit_bonus_percent == Decimal(0)


# --------------------------------------------------------------------------- hard limits

HARD_CASES = [
    # id, facts, code
    ("zero-quantity", line(quantity_requested=0), "BAD_QUANTITY"),
    ("negative-quantity", line(quantity_requested=-1), "BAD_QUANTITY"),
    ("more-than-sold", line(quantity_requested=3), "ALREADY_RETURNED"),
    ("all-already-returned", line(quantity_already_returned=2), "ALREADY_RETURNED"),
    ("more-than-remaining", line(quantity_already_returned=1, quantity_requested=2),
     "ALREADY_RETURNED"),
    ("negative-price", line(unit_paid=Money(-100, "USD")), "OVER_REFUND"),
    ("wrong-currency", line(unit_paid=Money(4000, "EUR")), "CURRENCY_MISMATCH"),
    # Hard limits win over everything else, even soft denials that a manager could override.
    ("hard-beats-soft", line(quantity_requested=3, final_sale=True), "ALREADY_RETURNED"),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "code"), [pytest.param(*c[1:], id=c[0]) for c in HARD_CASES])
def test_hard_limits_are_never_overridable(facts: LineFacts, code: str) -> None:
    d = decide(facts, now=BOUGHT + timedelta(days=400))  # window long gone: still hard only
    assert d.outcome == "deny"
    assert code in codes(d)
    assert all(r.hard for r in d.reasons)
    assert not d.overridable
    assert d.refund == usd("0")
    assert d.fee == usd("0")
    assert d.override_refund == usd("0")
    assert d.tenders_allowed == ()
    assert d.store_credit_bonus_percent == Decimal(0)


def test_quantity_at_remaining_is_fine() -> None:
    d = decide(line(quantity_already_returned=1, quantity_requested=1))
    assert d.outcome == "approve"


def test_already_returned_message() -> None:
    d = decide(line(quantity_already_returned=1, quantity_requested=2))
    assert d.reasons[0].message == (
        "Only 1 of 2 can still be returned (1 already returned); asked to return 2."
    )


def test_unknown_order_decision_is_a_hard_deny() -> None:
    d = unknown_order_decision(POLICY)
    assert d.outcome == "deny"
    assert d.reason_codes() == ("UNKNOWN_ORDER",)
    assert d.reasons[0].hard
    assert not d.overridable
    assert d.refund == Money(0, "USD")
    assert d.tenders_allowed == ()


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(now=datetime(2026, 3, 12, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(line(purchased_at=datetime(2026, 3, 10, 12)))


# ------------------------------------------------------------------- whole-decision rules


def test_deny_keeps_what_an_override_would_pay() -> None:
    d = decide(line(category="electronics", unit_paid=usd("100.00"), final_sale=True),
               inspect("opened", "changed_mind"))  # fmt: skip
    assert d.outcome == "deny"
    assert d.overridable
    assert d.refund == usd("0") and d.fee == usd("0")
    assert d.override_refund == usd("85.00")
    assert d.override_fee == usd("15.00")
    assert d.tenders_allowed == ("original", "store_credit", "exchange")


def test_denial_outranks_referral() -> None:
    d = decide(line(unit_paid=usd("600.00"), final_sale=True))
    assert d.outcome == "deny"
    assert {"FINAL_SALE", "OVER_VALUE_LIMIT"} <= codes(d)
    assert d.reason_codes()[0] == "FINAL_SALE"


@pytest.mark.parametrize("category", ["apparel", "electronics", "beauty", "toys", "garden"])
@pytest.mark.parametrize("condition", ["new", "like_new", "opened", "used", "damaged", "defective"])
@pytest.mark.parametrize("has_receipt", [True, False])
def test_every_decision_is_well_formed(category: str, condition: str, has_receipt: bool) -> None:
    facts = line(category=category, has_receipt=has_receipt, lowest_recent_price=usd("35.00"))
    d = decide(facts, inspect(condition))
    assert d.outcome in OUTCOMES
    assert d.disposition in DISPOSITIONS
    assert not d.refund.is_negative() and not d.fee.is_negative()
    assert d.refund + d.fee <= facts.unit_paid * facts.quantity_requested
    if d.outcome == "deny":
        assert d.refund == usd("0")
    else:
        assert d.override_refund == d.refund
    for reason in d.reasons:
        assert reason.message == MESSAGE_TEMPLATES[reason.code].format(**reason.params)
        assert "{" not in reason.message
    assert d.overridable is (d.outcome in ("refer", "deny") and not d.hard)
