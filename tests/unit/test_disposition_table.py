"""Disposition by reason AND condition: every cell of the shipped table, the built-in defaults
a policy without the table gets, what the loader refuses, and the engine using it."""

from __future__ import annotations

import re

import pytest

from counter_app.domain.policy import (
    KNOWN_CONDITIONS,
    PolicyError,
    default_policy_path,
    evaluate,
    load_policy,
    load_policy_file,
)
from counter_app.domain.policy_model import Inspection
from counter_app.domain.stock import LOCATION_BY_DISPOSITION
from tests.unit.test_policy_engine import NO_HISTORY, SOON, line

POLICY = load_policy_file(default_policy_path())
TEXT = default_policy_path().read_text(encoding="utf-8")
RTV, OPEN, NEW, SCRAP = "return_to_vendor", "restock_open_box", "restock_new", "scrap"
CONDITIONS = ("new", "like_new", "opened", "used", "damaged", "defective")
# reason -> the disposition per condition, in CONDITIONS order (what README's table says)
EXPECTED = {
    "defective": (RTV, RTV, RTV, RTV, SCRAP, RTV),
    "damaged_in_transit": (OPEN, OPEN, OPEN, SCRAP, SCRAP, RTV),
    "wrong_size": (NEW, OPEN, OPEN, SCRAP, SCRAP, RTV),
    "not_as_described": (NEW, OPEN, OPEN, SCRAP, SCRAP, RTV),
    "changed_mind": (NEW, OPEN, OPEN, SCRAP, SCRAP, RTV),
    "arrived_late": (NEW, OPEN, OPEN, SCRAP, SCRAP, RTV),
    "wrong_item": (NEW, OPEN, OPEN, SCRAP, SCRAP, RTV),
}
CELLS = [
    pytest.param(reason, condition, row[i], id=f"{reason}-{condition}")
    for reason, row in EXPECTED.items()
    for i, condition in enumerate(CONDITIONS)
]


def without_table(text: str) -> str:
    """The policy file without its [dispositions.*] tables (an older published policy)."""
    return re.sub(r"\[dispositions\.[a-z_]+\]\n(?:[a-z_]+ = \"[a-z_]+\"\n)*", "", text)


def test_the_table_covers_every_reason_and_condition_of_the_shipped_policy() -> None:
    assert set(EXPECTED) == set(POLICY.reason_rules)
    assert CONDITIONS == KNOWN_CONDITIONS == tuple(POLICY.condition_rules)
    assert POLICY.disposition_table() == {
        (reason, condition): row[i]
        for reason, row in EXPECTED.items()
        for i, condition in enumerate(CONDITIONS)
    }


@pytest.mark.parametrize(("reason", "condition", "expected"), CELLS)
def test_every_cell_reaches_the_decision(reason: str, condition: str, expected: str) -> None:
    decision = evaluate(
        line(), Inspection(reason_code=reason, condition=condition), NO_HISTORY, SOON, POLICY
    )
    assert decision.disposition == expected
    assert expected in LOCATION_BY_DISPOSITION  # it has a stock place


def test_defective_new_unopened_goes_to_the_vendor_not_the_shelf() -> None:
    decision = evaluate(
        line(), Inspection(reason_code="defective", condition="new"), NO_HISTORY, SOON, POLICY
    )
    assert decision.outcome == "approve" and decision.disposition == RTV
    assert LOCATION_BY_DISPOSITION[decision.disposition] == "vendor"


def test_a_policy_without_the_table_gets_the_same_defaults() -> None:
    stripped = without_table(TEXT)
    assert "\n[dispositions" not in stripped and stripped != TEXT
    assert load_policy(stripped, "old.toml").disposition_table() == POLICY.disposition_table()


def test_a_policy_may_change_a_cell_that_is_not_protected() -> None:
    text = TEXT.replace(
        "[dispositions.defective]", '[dispositions.changed_mind]\nopened = "scrap"\n\n'
        "[dispositions.defective]"
    )
    policy = load_policy(text, "custom.toml")
    assert policy.disposition("changed_mind", "opened") == SCRAP
    assert policy.disposition("wrong_size", "opened") == OPEN  # the condition's own


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('[dispositions.defective]\nnew = "return_to_vendor"',
         '[dispositions.defective]\nnew = "restock_new"', "dispositions.defective.new"),
        ('[dispositions.damaged_in_transit]\nnew = "restock_open_box"',
         '[dispositions.damaged_in_transit]\nnew = "restock_new"',
         "dispositions.damaged_in_transit.new"),
        ('defective = { label = "Defective", disposition = "return_to_vendor" }',
         'defective = { label = "Defective", disposition = "restock_new" }',
         "conditions.defective"),
        ('[dispositions.defective]\nnew = "return_to_vendor"',
         '[dispositions.defective]\nnew = "resell"', "dispositions.defective.new"),
        ("[dispositions.defective]", "[dispositions.no_such_reason]",
         "dispositions.no_such_reason"),
        ('[dispositions.defective]\nnew = "return_to_vendor"',
         '[dispositions.defective]\nsoaked = "scrap"', "dispositions.defective.soaked"),
    ],
    ids=["defective-as-new", "transit-as-new", "defective-grade-as-new", "unknown-disposition",
         "unknown-reason", "unknown-condition"],
)
def test_the_loader_refuses(old: str, new: str, key: str) -> None:
    assert TEXT.count(old) == 1
    with pytest.raises(PolicyError) as caught:
        load_policy(TEXT.replace(old, new), "bad.toml")
    assert caught.value.key == key, str(caught.value)
