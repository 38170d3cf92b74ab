"""A return end to end through the services, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.domain.money import Money
from counter_app.services import auth
from counter_app.services.audit import verify_audit_trail
from counter_app.services.errors import (
    AlreadyCommitted,
    AlreadyReturned,
    BadInput,
    ItemNotOnOrder,
    NotRefundable,
    OrderNotFound,
    OverrideRefused,
    SignInFailed,
)
from counter_app.services.history import get_return, list_returns
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store, snapshot
from tests.invariants import check_invariants


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


def test_three_line_return_commits_everything_in_one_go(store: Store) -> None:
    add_order(
        store.engine,
        "O-1",
        days_before(NOW, 5),
        [("APP-1", 2, 5000), ("ELE-1", 1, 12999), ("HOM-1", 1, 3999)],
        [("card", 16998), ("cash", 5000)],
        serials={2: "SN123"},
        customer={
            "code": "C1",
            "name": "Ann",
            "email": "ann@example.com",
            "phone": "+15550001",
            "loyalty_tier": None,
        },
    )
    alice = store.user("alice")
    desk = store.desk
    order = desk.find_order("O-1")
    draft = desk.start_return(order, alice)
    desk.verify_item(draft, "2000000000015")  # scarf, by its barcode
    desk.verify_item(draft, "2000000000039", serial="SN123")
    desk.verify_item(draft, "HOM-1")
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.record_inspection(
        draft,
        2,
        reason_code="changed_mind",
        condition="opened",
        notes="card 4111 1111 1111 1111 was in the box",
    )
    desk.record_inspection(draft, 3, reason_code="defective", condition="defective")
    decisions = desk.evaluate(draft)
    assert decisions[1].outcome == "approve"
    assert decisions[2].outcome == "approve_with_fee"
    assert decisions[2].fee == Money(1950)  # 15 % of 129.99, above the 10.00 minimum
    summary = desk.refund_summary(draft)
    assert summary.blocked == ()
    assert summary.total == Money(2500 + 12999 - 1950 + 3999)
    committed = desk.commit_return(draft, "original")
    assert committed.ref == "R-S001-C1-000001"

    view = get_return(store.engine, committed.ref)
    assert [ln.quantity for ln in view.lines] == [1, 1, 1]
    assert sum((r.amount for r in view.refunds), Money(0)) == committed.total
    assert {r.tender for r in view.refunds} == {"card", "cash"}
    assert all(r.card_last4 in (None, "4242") for r in view.refunds)
    assert "[card number removed]" in view.lines[1].notes
    assert [r.ref for r in list_returns(store.engine)] == [committed.ref]
    with UnitOfWork(store.engine) as uow:
        moves = uow.conn.execute(
            select(
                t.stock_movements.c.sku, t.stock_movements.c.location, t.stock_movements.c.quantity
            )
        ).all()
        kinds = [k for (k,) in uow.conn.execute(select(t.outbox.c.kind))]
        jobs = uow.conn.execute(select(t.print_jobs.c.kind, t.print_jobs.c.subject)).all()
    assert sorted(moves) == [
        ("APP-1", "sellable", 1),
        ("ELE-1-OB", "open_box", 1),
        ("HOM-1", "vendor", 1),
    ]
    assert kinds.count("return.committed") == 1 and kinds.count("stock.movement") == 3
    assert ("return_receipt", committed.ref) in jobs
    assert check_invariants(store.engine) == []
    assert verify_audit_trail(store.engine)[1] == []


def test_returning_the_rest_of_a_line_later_adds_up_to_what_was_paid(store: Store) -> None:
    add_order(store.engine, "O-2", days_before(NOW, 3), [("APP-1", 3, 1000)])  # 3.33/3.33/3.34
    alice = store.user("alice")
    refunds = []
    for _ in range(3):
        draft = store.desk.start_return(store.desk.find_order("O-2"), alice)
        store.desk.verify_item(draft, "APP-1")
        store.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
        store.desk.evaluate(draft)
        refunds.append(store.desk.commit_return(draft, "original").total.minor)
    assert sum(refunds) == 1000
    draft = store.desk.start_return(store.desk.find_order("O-2"), alice)
    with pytest.raises(AlreadyReturned):
        store.desk.verify_item(draft, "APP-1")
    assert check_invariants(store.engine) == []


def test_same_draft_cannot_be_committed_twice(store: Store) -> None:
    add_order(store.engine, "O-3", days_before(NOW, 3), [("APP-1", 2, 5000)])
    draft = store.desk.start_return(store.desk.find_order("O-3"), store.user("alice"))
    store.desk.verify_item(draft, "APP-1")
    store.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    store.desk.evaluate(draft)
    store.desk.commit_return(draft, "original")
    before = snapshot(store.engine)
    with pytest.raises((AlreadyCommitted, AlreadyReturned)):
        store.desk.commit_return(draft, "original")
    assert snapshot(store.engine) == before


def test_stale_draft_loses_to_a_return_at_another_counter(store: Store) -> None:
    add_order(store.engine, "O-4", days_before(NOW, 3), [("APP-1", 1, 2500)])
    first = store.desk.start_return(store.desk.find_order("O-4"), store.user("alice"))
    second = store.desk.start_return(store.desk.find_order("O-4"), store.user("bob"))
    for draft in (first, second):
        store.desk.verify_item(draft, "APP-1")
        store.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
        store.desk.evaluate(draft)
    store.desk.commit_return(first, "original")
    before = snapshot(store.engine)
    with pytest.raises(AlreadyReturned, match="another counter"):
        store.desk.commit_return(second, "original")
    assert snapshot(store.engine) == before


def test_referred_line_needs_a_real_manager_and_the_grant_is_used_once(store: Store) -> None:
    add_order(store.engine, "O-5", days_before(NOW, 3), [("FIN-1", 1, 4999)])
    alice, maria = store.user("alice"), store.user("maria")
    desk = store.desk
    draft = desk.start_return(desk.find_order("O-5"), alice)
    desk.verify_item(draft, "FIN-1")
    desk.record_inspection(draft, 1, reason_code="changed_mind", condition="new")
    decision = desk.evaluate(draft)[1]
    assert decision.outcome == "deny" and decision.overridable
    assert "FINAL_SALE" in {r.code for r in decision.reasons}
    with pytest.raises(NotRefundable, match="manager"):
        desk.commit_return(draft, "original")
    with pytest.raises(OverrideRefused, match="not a manager"):
        desk.authorize_override(draft, 1, manager_username="bob", pin="2345", reason="goodwill")
    with pytest.raises(SignInFailed):
        desk.authorize_override(draft, 1, manager_username="maria", pin="0000", reason="goodwill")
    grant = desk.authorize_override(
        draft, 1, manager_username="maria", pin="987654", reason="goodwill", note="regular customer"
    )
    assert grant.manager.username == "maria" and grant.draft_id == draft.id
    committed = desk.commit_return(draft, "original")
    view = get_return(store.engine, committed.ref)
    assert view.overrides[0].manager == "maria" and view.overrides[0].reason == "goodwill"
    assert "FINAL_SALE" in view.overrides[0].rule_codes
    assert maria.role == "manager"
    # The same grant cannot approve a second return.
    add_order(store.engine, "O-6", days_before(NOW, 3), [("FIN-1", 1, 4999)])
    other = desk.start_return(desk.find_order("O-6"), alice)
    desk.verify_item(other, "FIN-1")
    desk.record_inspection(other, 1, reason_code="changed_mind", condition="new")
    desk.evaluate(other)
    other.lines[1].override = grant
    with pytest.raises(OverrideRefused, match="another return"):
        desk.commit_return(other, "original")
    assert check_invariants(store.engine) == []


def test_manager_cannot_approve_their_own_return(store: Store) -> None:
    add_order(store.engine, "O-7", days_before(NOW, 3), [("FIN-1", 1, 4999)])
    maria = store.user("maria")
    draft = store.desk.start_return(store.desk.find_order("O-7"), maria)
    store.desk.verify_item(draft, "FIN-1")
    store.desk.record_inspection(draft, 1, reason_code="changed_mind", condition="new")
    store.desk.evaluate(draft)
    with pytest.raises(OverrideRefused, match="own return"):
        store.desk.authorize_override(
            draft, 1, manager_username="maria", pin="987654", reason="goodwill"
        )


def test_hard_limits_are_never_overridable(store: Store) -> None:
    add_order(store.engine, "O-8", days_before(NOW, 3), [("GFT-1", 1, 5000)])
    draft = store.desk.start_return(store.desk.find_order("O-8"), store.user("alice"))
    store.desk.verify_item(draft, "GFT-1")
    store.desk.record_inspection(draft, 1, reason_code="changed_mind", condition="new")
    decision = store.desk.evaluate(draft)[1]
    assert decision.outcome == "deny" and not decision.overridable
    before = snapshot(store.engine)
    with pytest.raises(OverrideRefused, match="cannot be overridden"):
        store.desk.authorize_override(
            draft, 1, manager_username="maria", pin="987654", reason="goodwill"
        )
    with pytest.raises(NotRefundable):
        store.desk.commit_return(draft, "original")
    assert snapshot(store.engine) == before


def test_lockout_after_repeated_wrong_pins(store: Store) -> None:
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(SignInFailed):
            auth.authenticate(store.engine, store.clock, "maria", "1111")
    with pytest.raises(SignInFailed, match=auth.SIGN_IN_REFUSED):
        auth.authenticate(store.engine, store.clock, "maria", "1111")
    with pytest.raises(SignInFailed, match=auth.SIGN_IN_REFUSED):  # the right PIN, while locked
        auth.authenticate(store.engine, store.clock, "maria", "987654")
    store.clock.advance(minutes=6)
    assert auth.authenticate(store.engine, store.clock, "maria", "987654").username == "maria"


def test_pins_are_stored_as_argon2id_hashes(store: Store) -> None:
    with UnitOfWork(store.engine) as uow:
        hashes = [h for (h,) in uow.conn.execute(select(t.users.c.pin_hash))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any("987654" in h for h in hashes)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "O-404",
        "x" * 10_000,
        "'; DROP TABLE orders;--",
        "\x00\x1b[31m",
        "订单123",
        "O-1\nO-2",
    ],
)
def test_bad_or_unknown_order_codes_change_nothing(store: Store, code: str) -> None:
    before = snapshot(store.engine)
    with pytest.raises((BadInput, OrderNotFound)) as info:
        store.desk.find_order(code)
    message = str(info.value)
    assert "\x00" not in message and "\x1b" not in message and len(message) < 300
    assert snapshot(store.engine) == before


def test_item_not_on_the_order_is_refused(store: Store) -> None:
    add_order(store.engine, "O-9", days_before(NOW, 3), [("APP-1", 1, 2500)])
    draft = store.desk.start_return(store.desk.find_order("O-9"), store.user("alice"))
    with pytest.raises(ItemNotOnOrder, match="not on order O-9"):
        store.desk.verify_item(draft, "2000000000039")
    with pytest.raises(ItemNotOnOrder):
        store.desk.verify_item(draft, "9999999999999")
    with pytest.raises(BadInput):
        store.desk.verify_item(draft, "<script>alert(1)</script>")
    assert draft.lines == {}


def test_search_by_phone_email_card_and_date(store: Store) -> None:
    customer = {
        "code": "C9",
        "name": "Bo",
        "email": "Bo@Example.com",
        "phone": "+15559999",
        "loyalty_tier": "gold",
    }
    add_order(store.engine, "O-10", days_before(NOW, 2), [("APP-1", 1, 2500)], customer=customer)
    desk = store.desk
    assert [o.number for o in desk.search_orders(phone="+15559999")] == ["O-10"]
    assert [o.number for o in desk.search_orders(email="bo@example.com")] == ["O-10"]
    assert [o.number for o in desk.search_orders(card_last4="4242")] == ["O-10"]
    day = days_before(NOW, 2).replace(hour=0, minute=0, second=0, microsecond=0)
    assert "O-10" in [o.number for o in desk.search_orders(on_date=day)]
    with pytest.raises(BadInput):
        desk.search_orders(card_last4="4111111111111111")
    with pytest.raises(BadInput):
        desk.search_orders()


def test_search_by_any_part_of_the_customer_name(store: Store) -> None:
    """Any case, any part, in any script; % and _ are letters, not wildcards; bad input is one
    clear refusal."""
    add_order(store.engine, "O-20", days_before(NOW, 2), [("APP-1", 1, 2500)],
              customer={"code": "C20", "name": "Anna O'Brien-Smith", "email": "a@example.com",
                        "phone": "+15552020", "loyalty_tier": None})
    add_order(store.engine, "O-21", days_before(NOW, 2), [("APP-1", 1, 2500)],
              customer={"code": "C21", "name": "王小明", "email": "w@example.com",
                        "phone": "+15552121", "loyalty_tier": None})
    add_order(store.engine, "O-22", days_before(NOW, 2), [("APP-1", 1, 2500)])  # no customer
    desk = store.desk

    def found(**kw: str) -> list[str]:
        return [o.number for o in desk.search_orders(**kw)]  # type: ignore[arg-type]

    assert found(name="brien") == ["O-20"]
    assert found(name="  ANNA   o'brien ") == ["O-20"]
    assert found(name="小明") == ["O-21"]
    assert found(name="%%") == [] and found(name="__") == []
    assert found(name="anna", phone="+15552121") == []  # every given field must match
    for bad in (" ", "a", "x" * 101):
        with pytest.raises(BadInput, match="2 letters"):
            desk.search_orders(name=bad)


def test_store_credit_gets_its_bonus_and_a_voucher_code(store: Store) -> None:
    add_order(store.engine, "O-11", days_before(NOW, 3), [("HOM-1", 1, 3999)])
    draft = store.desk.start_return(store.desk.find_order("O-11"), store.user("alice"))
    store.desk.verify_item(draft, "HOM-1")
    store.desk.record_inspection(draft, 1, reason_code="changed_mind", condition="new")
    store.desk.evaluate(draft)
    committed = store.desk.commit_return(draft, "store_credit")
    view = get_return(store.engine, committed.ref)
    assert view.store_credit_code == committed.store_credit_code
    assert view.store_credit_amount == Money(3999 + 400)  # 10 % bonus, rounded half-up
    assert check_invariants(store.engine) == []


def test_eligibility_badges_before_inspection_leave_the_draft_alone(store: Store) -> None:
    add_order(
        store.engine,
        "O-12",
        days_before(NOW, 3),
        [("APP-1", 1, 2500), ("GFT-1", 1, 5000), ("FIN-1", 1, 4999)],
    )
    draft = store.desk.start_return(store.desk.find_order("O-12"), store.user("alice"))
    badges = store.desk.eligibility(draft)
    assert badges[1].outcome == "approve"
    assert badges[2].outcome == "deny" and not badges[2].overridable
    assert badges[3].outcome == "deny" and badges[3].overridable
    assert draft.lines == {}
    store.desk.verify_item(draft, "APP-1")
    store.desk.remove_line(draft, 1)
    assert draft.lines == {}
    assert store.desk.refund_summary(draft).blocked
