"""The store side of sync against an in-memory central: exactly once, nothing dropped."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from counter_app.adapters.central_client import CentralUnavailable, FakeCentral
from counter_app.adapters.db import tables as t
from counter_app.domain.cards import contains_card_number
from counter_app.domain.policy import default_policy_path
from counter_app.services import auth
from counter_app.services.sync import (
    list_exceptions,
    next_nightly_run,
    pull_all,
    push_outbox,
    resolve_exception,
    run_sync,
    sync_status,
    with_retries,
)
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store


def no_wait(action):  # type: ignore[no-untyped-def]
    return with_retries(action, attempts=3, sleep=lambda _s: None)


def a_return(store: Store, number: str) -> str:
    add_order(store.engine, number, days_before(NOW, 2), [("APP-1", 1, 2500)])
    draft = store.desk.start_return(store.desk.find_order(number), store.user("alice"))
    store.desk.verify_item(draft, "APP-1")
    store.desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    store.desk.evaluate(draft)
    return store.desk.commit_return(draft, "original").ref


@pytest.fixture
def store(sqlite_db_url: str) -> Store:
    from counter_app.adapters.db.engine import make_engine

    return make_store(make_engine(sqlite_db_url), NOW)


def test_push_sends_each_message_once_even_after_a_crash_before_marking(store: Store) -> None:
    a_return(store, "O-1")
    central = FakeCentral()

    def crash() -> None:
        raise KeyboardInterrupt("killed between the answer and marking")

    with pytest.raises(KeyboardInterrupt):
        push_outbox(store.engine, central, store.clock, retry=no_wait, after_answer=crash)
    assert sync_status(store.engine).waiting > 0  # nothing marked: all resent next time
    report = push_outbox(store.engine, central, store.clock, retry=no_wait)
    assert report.pushed == 0 and report.duplicates == len(central.received)
    assert sync_status(store.engine).waiting == 0
    kinds = [m["kind"] for m in central.received.values()]
    assert kinds.count("return.committed") == 1


def test_outage_keeps_messages_waiting_and_reports_the_error(store: Store) -> None:
    a_return(store, "O-2")
    central = FakeCentral()
    central.fail_next = 10
    report = run_sync(store.engine, central, store.clock, attempts=2, sleep=lambda _s: None)
    assert not report.ok and "outage" in (report.error or "")
    status = sync_status(store.engine)
    assert status.waiting > 0 and status.last_success is None and status.last_error
    central.fail_next = 0
    assert run_sync(store.engine, central, store.clock, sleep=lambda _s: None).ok
    assert sync_status(store.engine).waiting == 0
    assert sync_status(store.engine).last_success == NOW


def test_rejected_message_becomes_an_exception_a_manager_resolves(store: Store) -> None:
    ref = a_return(store, "O-3")
    central = FakeCentral()
    central.reject = lambda m: (
        "line refunded online since" if m["kind"] == "return.committed" else None
    )
    report = push_outbox(store.engine, central, store.clock, retry=no_wait)
    assert report.rejected == 1
    problems = list_exceptions(store.engine)
    assert len(problems) == 1 and "online" in problems[0].reason
    assert sync_status(store.engine).open_exceptions == 1
    resolve_exception(
        store.engine, store.clock, problems[0].id, "maria", "called customer", store_code="S001"
    )
    assert list_exceptions(store.engine) == []
    push_outbox(store.engine, central, store.clock, retry=no_wait)
    resolved = [m for m in central.received.values() if m["kind"] == "sync_exception.resolved"]
    assert resolved and resolved[0]["payload"]["message_id"] == problems[0].message_id
    assert ref


def test_one_unreadable_message_does_not_hold_back_the_others(store: Store) -> None:
    for n in range(3):
        a_return(store, f"O-P{n}")
    central = FakeCentral()
    with UnitOfWork(store.engine) as uow:
        poison = uow.conn.execute(
            select(t.outbox.c.id).order_by(t.outbox.c.seq).offset(4).limit(1)
        ).scalar_one()
    central.unreadable = lambda m: m["id"] == poison
    report = push_outbox(store.engine, central, store.clock, retry=no_wait, batch_size=500)
    assert report.rejected == 1 and poison not in central.received
    assert sync_status(store.engine).waiting == 0
    [problem] = list_exceptions(store.engine)
    assert problem.message_id == poison and "could not accept" in problem.reason


def test_a_refused_key_stops_the_sync_and_marks_nothing(store: Store) -> None:
    a_return(store, "O-K")
    central = FakeCentral()
    central.refuse_status = 401
    waiting = sync_status(store.engine).waiting
    report = run_sync(store.engine, central, store.clock, sleep=lambda _s: None)
    assert not report.ok and sync_status(store.engine).waiting == waiting
    assert list_exceptions(store.engine) == []


def test_pulls_are_idempotent_and_resumable(store: Store) -> None:
    central = FakeCentral()
    central.pages["catalog"] = [
        {
            "sku": f"NEW-{i}",
            "name": f"新产品 {i}",
            "category": "home",
            "barcodes": [f"99{i:011d}"],
            "serialised": False,
            "price_minor": 1000 + i,
            "currency": "USD",
            "vendor": "X",
        }
        for i in range(7)
    ]
    central.pages["orders"] = [
        {
            "number": "O-WEB-1",
            "store": None,
            "channel": "online",
            "placed_at": (NOW - timedelta(hours=1)).isoformat(),
            "currency": "USD",
            "customer": {
                "code": "C-WEB",
                "name": "Web Buyer",
                "email": "w@example.com",
                "phone": None,
                "loyalty_tier": None,
            },
            "lines": [
                {
                    "line_no": 1,
                    "sku": "NEW-1",
                    "quantity": 2,
                    "unit_price_minor": 1001,
                    "paid_minor": 2002,
                    "returned_quantity": 1,
                }
            ],
            "payments": [
                {"tender": "card", "amount_minor": 2002, "card_brand": "VISA", "card_last4": "4242"}
            ],
        }
    ]
    central.pages["staff"] = [
        {
            "username": "newbie",
            "display_name": "New",
            "role": "cashier",
            "pin_hash": auth.hash_pin("4444"),
            "active": True,
        },
        {
            "username": "weak",
            "display_name": "Weak",
            "role": "admin",
            "pin_hash": "plain",
            "active": True,
        },
    ]
    report = pull_all(store.engine, central, retry=no_wait, page_size=3)
    assert report.pulled["catalog"] == 7 and report.pulled["orders"] == 1
    again = pull_all(store.engine, central, retry=no_wait, page_size=3)
    assert sum(again.pulled.values()) == 0  # cursors remembered
    order = store.desk.find_order("O-WEB-1")
    assert order.lines[0].returned_quantity == 1 and order.payments[0].card_last4 == "4242"
    assert auth.authenticate(store.engine, store.clock, "newbie", "4444").role == "cashier"
    with UnitOfWork(store.engine) as uow:
        assert uow.conn.execute(select(t.users).where(t.users.c.username == "weak")).first() is None
        # the unit returned online counts in the line's refund ledger
        assert uow.conn.execute(select(t.order_lines.c.refunded_minor)).scalar_one() == 1001


def test_invalid_published_policy_keeps_the_old_one(store: Store) -> None:
    central = FakeCentral()
    good = default_policy_path().read_text(encoding="utf-8")
    central.pages["policies"] = [
        {
            "version": "2026.12",
            "published_at": NOW.isoformat(),
            "toml": good.replace('version = "2026.11-default"', 'version = "2026.12"'),
        },
    ]
    pull_all(store.engine, central, store.policies, retry=no_wait)
    assert store.policies.current.version == "2026.12"
    central.pages["policies"].append(
        {
            "version": "2027.01",
            "published_at": (NOW + timedelta(days=1)).isoformat(),
            "toml": good.replace("window_days = 30", "window_days = -3", 1),
        }
    )
    report = pull_all(store.engine, central, store.policies, retry=no_wait)
    assert report.policy_warning and "2027.01" in report.policy_warning
    assert store.policies.current.version == "2026.12"


def test_card_refund_settles_after_pull(store: Store) -> None:
    ref = a_return(store, "O-4")
    central = FakeCentral()
    central.pages["settlements"] = [
        {
            "return_ref": ref,
            "tender": "card",
            "amount_minor": 2500,
            "settled_at": NOW.isoformat(),
            "gateway_ref": "GW-1",
        }
    ]
    with UnitOfWork(store.engine) as uow:
        assert uow.conn.execute(select(t.refunds.c.status)).scalars().all() == ["pending"]
    pull_all(store.engine, central, retry=no_wait)
    with UnitOfWork(store.engine) as uow:
        assert uow.conn.execute(select(t.refunds.c.status)).scalars().all() == ["settled"]


def test_live_lookup_finds_an_order_bought_an_hour_ago(store: Store) -> None:
    from counter_app.services.sync import lookup_order_live

    central = FakeCentral()
    central.orders["O-NEW"] = {
        "number": "O-NEW",
        "channel": "online",
        "placed_at": NOW.isoformat(),
        "currency": "USD",
        "lines": [
            {
                "line_no": 1,
                "sku": "APP-1",
                "quantity": 1,
                "unit_price_minor": 2500,
                "paid_minor": 2500,
            }
        ],
        "payments": [
            {"tender": "card", "amount_minor": 2500, "card_brand": "VISA", "card_last4": "1881"}
        ],
    }
    store.desk.live_lookup = lambda n: lookup_order_live(store.engine, central, n)
    assert store.desk.find_order("O-NEW").lines[0].sku == "APP-1"
    central.orders.clear()
    assert store.desk.find_order("O-NEW").number == "O-NEW"  # kept locally


def test_retries_back_off_with_jitter_and_give_up() -> None:
    waits: list[float] = []
    calls = 0

    def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise CentralUnavailable("down")
        return 42

    assert with_retries(flaky, attempts=5, base_delay=1, sleep=waits.append) == 42
    assert len(waits) == 3 and all(0 <= w <= 2**i for i, w in enumerate(waits))
    with pytest.raises(CentralUnavailable):
        with_retries(
            lambda: (_ for _ in ()).throw(CentralUnavailable("x")),
            attempts=2,
            sleep=lambda _s: None,
        )


def test_nightly_schedule_is_local_time_across_dst() -> None:
    from datetime import UTC, datetime

    before_dst_end = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    run = next_nightly_run(before_dst_end, "02:00", "America/New_York")
    assert (run.hour, run.minute, run.day) == (2, 0, 1)
    assert run.astimezone(UTC).hour == 7  # 02:00 EST after the clocks went back
    with pytest.raises(Exception, match="02:00"):
        next_nightly_run(before_dst_end, "25:99", "America/New_York")


def test_outbox_messages_carry_no_card_numbers(store: Store) -> None:
    ref = a_return(store, "O-5")
    with UnitOfWork(store.engine) as uow:
        bodies = uow.conn.execute(select(t.outbox.c.payload_json)).scalars().all()
    assert any(ref in body for body in bodies)
    for body in bodies:
        assert not contains_card_number(body)
        for refund in json.loads(body)["payload"].get("refunds", []):
            assert refund["card_last4"] in (None, "4242")
