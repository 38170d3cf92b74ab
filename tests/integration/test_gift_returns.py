"""Gift returns end to end through the services, on SQLite and PostgreSQL: a gift code opens
its one line with no buyer, refunds only as store credit or an exchange (never the buyer's
card or cash), and is used once only — also when two counters confirm at the same moment."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from counter_app.adapters.db import tables as t
from counter_app.domain.draft import ReturnDraft
from counter_app.domain.gift import GIFT_CODE_RE, new_gift_code, normalise_gift_code
from counter_app.domain.scanning import classify_scan
from counter_app.services.errors import BadInput, GiftCodeUsed, NotRefundable, OrderNotFound
from counter_app.services.gift import find_gift, start_gift_return
from counter_app.services.returns import ReturnDesk
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store, snapshot
from tests.invariants import check_invariants

CODE = "G-7K3M9QX2PA"


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    add_order(
        s.engine,
        "O-G1",
        days_before(NOW, 5),
        [("APP-1", 2, 5000), ("APP-2", 1, 1999), ("HOM-1", 1, 3999)],
        [("card", 6000), ("cash", 4998)],
        customer={"code": "C9", "name": "Buyer Bea", "email": "bea@example.com",
                  "phone": "+15550009", "loyalty_tier": None},
    )  # fmt: skip
    set_gift_code(s.engine, "O-G1", 1, CODE)
    set_gift_code(s.engine, "O-G1", 2, "G-00000000ZZ")
    return s


def set_gift_code(engine: Engine, number: str, line_no: int, code: str) -> None:
    ln, o = t.order_lines.c, t.orders.c
    with UnitOfWork(engine, write=True) as uow:
        order_id = uow.conn.execute(select(o.id).where(o.number == number)).scalar_one()
        uow.conn.execute(
            update(t.order_lines)
            .where(ln.order_id == order_id, ln.line_no == line_no)
            .values(gift_code=code)
        )
        uow.commit()


def gift_draft(store: Store, desk: ReturnDesk | None = None, code: str = CODE) -> ReturnDraft:
    desk = desk or store.desk
    draft = start_gift_return(desk, code, store.user("alice"))
    desk.verify_item(draft, "2000000000015")
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.evaluate(draft)
    return draft


def test_gift_codes_are_recognised_and_made_random() -> None:
    codes = {new_gift_code() for _ in range(200)}
    assert len(codes) == 200 and all(GIFT_CODE_RE.match(c) for c in codes)
    assert normalise_gift_code(" g-7k3m9qx2pa ") == CODE
    assert normalise_gift_code("G7K3M9QX2PA") == CODE
    assert normalise_gift_code("G-7K3M9QX2PO") == "G-7K3M9QX2P0"  # O typed for 0
    assert normalise_gift_code("G-7K3M9QX2P") is None
    assert normalise_gift_code("O-G1") is None
    assert classify_scan(CODE) == "gift" and classify_scan("O-G1") == "code"
    assert classify_scan("2000000000015") == "code"


def test_gift_code_opens_that_line_only_without_the_buyer(store: Store) -> None:
    draft = start_gift_return(store.desk, "g-7k3m9qx2pa", store.user("alice"))
    assert draft.kind == "gift"
    assert [ln.line_no for ln in draft.order.lines] == [1]
    assert draft.order.customer is None and not draft.lines
    with pytest.raises(Exception, match="not on order"):
        store.desk.verify_item(draft, "HOM-1")  # another line of the order: not shown
    order, line_no = find_gift(store.engine, CODE)
    assert (order.number, line_no) == ("O-G1", 1)


def test_gift_refund_is_store_credit_or_exchange_never_card_or_cash(store: Store) -> None:
    draft = gift_draft(store)
    summary = store.desk.refund_summary(draft)
    assert summary.tenders_allowed == ("store_credit", "exchange")
    before = snapshot(store.engine)
    for tender in ("original", "cash", "card"):
        with pytest.raises(BadInput):
            store.desk.commit_return(draft, tender)
    assert snapshot(store.engine) == before
    done = store.desk.commit_return(draft, "store_credit")
    assert done.store_credit_code
    with UnitOfWork(store.engine) as uow:
        refunds = uow.conn.execute(
            select(t.refunds.c.tender, t.refunds.c.amount_minor).where(
                t.refunds.c.return_id == done.return_id
            )
        ).all()
        line = uow.conn.execute(
            select(t.return_lines.c.gift_code).where(t.return_lines.c.return_id == done.return_id)
        ).scalar_one()
        ret = uow.conn.execute(
            select(t.returns.c.customer_id).where(t.returns.c.id == done.return_id)
        ).scalar_one()
        notes = uow.conn.execute(select(t.notifications)).all()
        message = json.loads(
            uow.conn.execute(
                select(t.outbox.c.payload_json).where(t.outbox.c.kind == "return.committed")
            ).scalar_one()
        )["payload"]
    assert {tender for tender, _ in refunds} == {"store_credit"}  # charged to card and cash
    assert sum(amount for _, amount in refunds) == 2500
    assert line == CODE and ret is None and notes == []  # the buyer is not e-mailed
    assert message["kind"] == "gift"
    assert [ln["gift_code"] for ln in message["lines"]] == [CODE]
    assert {r["tender"] for r in message["refunds"]} == {"store_credit"}
    assert check_invariants(store.engine) == []


def test_the_commit_refuses_a_card_refund_even_when_the_summary_is_forged(store: Store) -> None:
    from counter_app.services.commit import CounterIdentity, write_return

    draft = gift_draft(store)
    summary = store.desk.refund_summary(draft)
    forged = type(summary)(summary.lines, summary.total, summary.fees, ("original",), ())
    with UnitOfWork(store.engine, write=True) as uow, pytest.raises(NotRefundable):
        write_return(uow.conn, draft, forged, "original",
                     counter=CounterIdentity("S001", "C1", None), policy_version="x",
                     now=NOW)  # fmt: skip


def test_a_gift_code_used_twice_is_refused_in_one_line(store: Store) -> None:
    store.desk.commit_return(gift_draft(store), "store_credit")
    with pytest.raises(GiftCodeUsed) as caught:
        start_gift_return(store.desk, CODE, store.user("alice"))
    text = str(caught.value)
    assert "\n" not in text and CODE in text and "already used" in text
    with pytest.raises(OrderNotFound):
        start_gift_return(store.desk, "G-ZZZZZZZZZZ", store.user("alice"))
    with pytest.raises(BadInput):
        find_gift(store.engine, "G-12")


def test_a_second_draft_of_a_used_code_is_refused_at_commit(store: Store) -> None:
    first, second = gift_draft(store), gift_draft(store)  # two counters opened it
    store.desk.commit_return(first, "store_credit")
    before = snapshot(store.engine)
    with pytest.raises(GiftCodeUsed, match="just used"):
        store.desk.commit_return(second, "store_credit")
    assert snapshot(store.engine) == before


def test_two_counters_racing_on_one_gift_code_one_wins(store: Store) -> None:
    desks = [
        ReturnDesk(store.engine, store.clock, store.policies, store_code="S001",
                   counter_code=c) for c in ("C1", "C2")
    ]  # fmt: skip
    drafts = [gift_draft(store, d) for d in desks]
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = desks[i].commit_return(drafts[i], "store_credit")
        except Exception as exc:  # the loser's refusal is the result under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], GiftCodeUsed), lost
    with UnitOfWork(store.engine) as uow:
        used = uow.conn.execute(
            select(t.return_lines.c.gift_code).where(t.return_lines.c.gift_code == CODE)
        ).all()
        returned = uow.conn.execute(
            select(t.order_lines.c.returned_quantity).where(t.order_lines.c.gift_code == CODE)
        ).scalar_one()
    assert len(used) == 1 and returned == 1
    assert check_invariants(store.engine) == []
