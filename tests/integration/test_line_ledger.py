"""A line's refund ledger (order_lines.refunded_minor): the commit prices the units from it
inside its own transaction, says so when another counter moved the amount the cashier saw,
and the database refuses any line refunded beyond what it was paid."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.draft import ReturnDraft, units_refund
from counter_app.domain.money import Money
from counter_app.domain.policy import default_policy_path
from counter_app.services.errors import AmountChanged, NotRefundable
from counter_app.services.history import get_return
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store, snapshot
from tests.invariants import check_invariants


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def _draft(store: Store, number: str, qty: int, user: str = "alice") -> ReturnDraft:
    desk = store.desk
    draft = desk.start_return(desk.find_order(number), store.user(user))
    desk.select_line(draft, 1, qty)
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.evaluate(draft)
    return draft


def _home_fee(store: Store, fee: int) -> None:
    """A policy whose home items returned new pay a restocking fee of `fee` per unit (the
    commit decides the draft again, so the fee must come from the policy, not be injected)."""
    text = default_policy_path().read_text(encoding="utf-8").replace(
        "[categories.home]\nwindow_days = 60\n",
        "[categories.home]\nwindow_days = 60\nrestocking_fee_percent = 0\n"
        f'restocking_fee_minimum = "{fee // 100}.{fee % 100:02d}"\n'
        'restocking_fee_conditions = ["new"]\n',
    )
    assert "restocking_fee_conditions = [\"new\"]" in text
    store.policies.replace(text)


def _ledger(engine: Engine) -> tuple[int, int]:
    with UnitOfWork(engine) as uow:
        row = uow.conn.execute(
            select(t.order_lines.c.refunded_minor, t.order_lines.c.paid_minor).where(
                t.order_lines.c.line_no == 1
            )
        ).one()
    return row[0], row[1]


def _written(engine: Engine, return_id: int) -> tuple[int, int, int]:
    """The return's total, its line's refund and its refunds, as written."""
    with UnitOfWork(engine) as uow:
        c = uow.conn
        total = c.execute(
            select(t.returns.c.total_refund_minor).where(t.returns.c.id == return_id)
        ).scalar_one()
        line = c.execute(
            select(t.return_lines.c.refund_minor).where(t.return_lines.c.return_id == return_id)
        ).scalar_one()
        refunds = c.execute(
            select(func.coalesce(func.sum(t.refunds.c.amount_minor), 0)).where(
                t.refunds.c.return_id == return_id
            )
        ).scalar_one()
    return total, line, refunds


@pytest.mark.parametrize("fee", [0, 500, 6047])
def test_a_unit_returned_meanwhile_moves_the_last_cent_and_the_commit_says_so(
    store: Store, fee: int
) -> None:
    add_order(store.engine, "O-L2", days_before(NOW, 3), [("HOM-1", 2, 12093)])
    _home_fee(store, fee)
    mine = _draft(store, "O-L2", 1)
    theirs = _draft(store, "O-L2", 1, "bob")
    assert mine.lines[1].fee == usd(fee)
    seen = max(6047 - fee, 0)
    assert store.desk.refund_summary(mine).total == usd(seen)

    first = store.desk.commit_return(theirs, "original")
    assert first.total == usd(seen)
    # The other counter took the unit with the extra cent: this one gets the remainder.
    done = store.desk.commit_return(mine, "original")
    expected = max(6046 - fee, 0)
    assert done.total == usd(expected)
    assert done.lines == ((1, usd(expected), usd(fee)),)
    assert _written(store.engine, done.return_id) == (expected, expected, expected)
    receipt = get_return(store.engine, done.ref)  # what the receipt and reprints show
    assert (receipt.total, receipt.lines[0].refund) == (usd(expected), usd(expected))
    assert _ledger(store.engine) == (12093, 12093)
    assert check_invariants(store.engine) == []


def test_an_amount_moved_beyond_the_rounding_is_refused_before_money_moves(store: Store) -> None:
    # 7 units of 700.03: the first three take 100.01 each, the other four 100.00.
    add_order(store.engine, "O-L7", days_before(NOW, 3), [("HOM-1", 7, 70003)])
    mine = _draft(store, "O-L7", 3)
    assert store.desk.refund_summary(mine).total == usd(30003)
    store.desk.commit_return(_draft(store, "O-L7", 3, "bob"), "original")
    before = snapshot(store.engine)
    with pytest.raises(AmountChanged) as refused:
        store.desk.commit_return(mine, "original")
    assert str(refused.value) == (
        "Desk Lamp: Another counter returned 3 units of this line a moment ago; the refund "
        "is now 300.00 USD. Check the amount and confirm again."
    )
    assert isinstance(refused.value, NotRefundable)  # shown like every refusal of a refund
    assert snapshot(store.engine) == before
    assert _ledger(store.engine) == (30003, 70003)
    # Looked at again, the same return goes through at the amount it now shows.
    again = _draft(store, "O-L7", 3)
    assert store.desk.refund_summary(again).total == usd(30000)
    assert store.desk.commit_return(again, "original").total == usd(30000)
    assert store.desk.commit_return(_draft(store, "O-L7", 1), "original").total == usd(10000)
    assert _ledger(store.engine) == (70003, 70003)
    assert check_invariants(store.engine) == []


def test_payments_refunded_meanwhile_are_named_in_the_refusal(store: Store) -> None:
    # Two lines, one payment that only covers one of them being refunded (e.g. head office
    # refunded part of the order online after the cashier opened it).
    add_order(store.engine, "O-P", days_before(NOW, 3), [("HOM-1", 1, 3999), ("APP-1", 1, 2500)])
    mine = _draft(store, "O-P", 1)
    with UnitOfWork(store.engine, write=True) as uow:
        uow.conn.execute(update(t.payments).values(refunded_minor=4000))
        uow.commit()
    with pytest.raises(NotRefundable) as refused:
        store.desk.commit_return(mine, "original")
    assert str(refused.value) == (
        "40.00 USD was refunded from this order's payments a moment ago (another counter or "
        "head office): 24.99 USD is left and this return needs 39.99 USD. Start again with "
        "the order to see what is left."
    )


@pytest.mark.parametrize("value", ["over", "negative"])
def test_the_database_refuses_a_line_refunded_beyond_what_it_was_paid(
    store: Store, value: str
) -> None:
    add_order(store.engine, "O-C", days_before(NOW, 3), [("HOM-1", 2, 12093)])
    ol = t.order_lines.c
    amount = ol.paid_minor + 1 if value == "over" else -1
    with UnitOfWork(store.engine, write=True) as uow, pytest.raises(IntegrityError) as refused:
        uow.conn.execute(update(t.order_lines).values(refunded_minor=amount))
    assert "line_refund_within_paid" in str(refused.value)
    # The conditional update never gets that far: it simply does not match.
    with UnitOfWork(store.engine, write=True) as uow:
        line_id = uow.conn.execute(select(ol.id)).scalar_one()
        assert repo.charge_line(uow.conn, line_id, 12093)
        assert not repo.charge_line(uow.conn, line_id, 1)
        uow.commit()
    assert _ledger(store.engine) == (12093, 12093)


@pytest.mark.parametrize(
    ("returned", "refunded", "central", "expected"),
    [(0, 0, 1, 6047), (1, 6047, 2, 12093), (0, 0, 2, 12093), (2, 12093, 2, 12093)],
)
def test_units_returned_elsewhere_count_in_the_ledger(
    returned: int, refunded: int, central: int, expected: int
) -> None:
    """Head office reports units returned online or at another store: priced like a return
    here, so the units left still add up to what the line was paid."""
    assert repo.refunded_after(2, 12093, returned, refunded, central - returned) == expected


@pytest.mark.parametrize(
    ("paid", "refunded", "left", "qty", "expected"),
    [
        (12093, 0, 2, 1, 6047),
        (12093, 6047, 1, 1, 6046),
        (12093, 6046, 1, 1, 6047),  # whoever took less before, the last unit evens it out
        (70003, 30003, 4, 3, 30000),
        (70003, 0, 7, 3, 30003),
        (10, 12, 1, 1, 0),  # an over-refunded line (older data) refunds nothing more
    ],
)
def test_units_refund_is_largest_remainder_over_what_is_left(
    paid: int, refunded: int, left: int, qty: int, expected: int
) -> None:
    assert units_refund(usd(paid), usd(refunded), left, qty) == usd(expected)
