"""Head office trusts no counter: every fact a store pushes is checked against head office's
own records, a return and its members are one unit, and poison never answers 500.

Each attack from the security review is a test here, on PostgreSQL and on SQLite (the demo).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.models import (
    CentralOrderLine,
    CentralReturn,
    InboundMessage,
    OrderPayment,
    SettlementRecord,
    StockMovement,
)
from counter_app.central.testing import message, return_message, seed_reference
from tests.integration.central_fixtures import LiveCentral


@pytest.fixture(params=["postgresql", "sqlite"])
def ho(request: pytest.FixtureRequest) -> LiveCentral:
    """Head office on PostgreSQL and on SQLite, with S001 and S002 and the reference data."""
    name = "central" if request.param == "postgresql" else "central_sqlite"
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    live: LiveCentral = request.getfixturevalue(name)
    live.add_store("S001")
    live.add_store("S002")
    seed_reference(live.engine, skus=("SKU-1", "SKU-2"))
    return live


def publish(
    live: LiveCentral, number: str, lines: list[tuple[int, int]], payments: list[Any]
) -> None:
    """An order of (quantity, paid) lines SKU-1, SKU-2... with the given payments."""
    service.publish_orders(
        live.engine,
        [
            proto.Order.model_validate(
                {
                    "number": number,
                    "channel": "online",
                    "placed_at": "2026-11-01T10:00:00+00:00",
                    "currency": "USD",
                    "lines": [
                        {
                            "line_no": n,
                            "sku": f"SKU-{n}",
                            "quantity": qty,
                            "unit_price_minor": paid // qty,
                            "paid_minor": paid,
                        }
                        for n, (qty, paid) in enumerate(lines, start=1)
                    ],
                    "payments": payments,
                }
            )
        ],
    )


def card(amount: int, last4: str = "4242") -> dict[str, Any]:
    return {"tender": "card", "amount_minor": amount, "card_brand": "VISA", "card_last4": last4}


def ret(
    store: str,
    ref: str,
    number: str,
    lines: list[tuple[int, int, int]],
    refunds: list[dict[str, Any]],
) -> dict[str, Any]:
    """A return.committed of (line_no, quantity, refund) lines with these refunds."""
    msg = return_message(store, ref, number, [(n, f"SKU-{n}", q) for n, q, _ in lines])
    for item, (_, _, refund) in zip(msg["payload"]["lines"], lines, strict=True):
        item["refund_minor"] = refund
    msg["payload"]["refunds"] = refunds
    return msg


def card_refund(amount: int, last4: str = "4242") -> dict[str, Any]:
    return {
        "tender": "card",
        "amount_minor": amount,
        "card_brand": "VISA",
        "card_last4": last4,
        "charged_tender": "card",
    }


def stock(store: str, ref: str | None, sku: str = "SKU-1", quantity: int = 1) -> dict[str, Any]:
    cause = "return" if ref else "count"
    return message(
        "stock.movement", store, {"sku": sku, "quantity": quantity, "cause": cause, "ref": ref}
    )


def override(store: str, ref: str, manager: str) -> dict[str, Any]:
    return message(
        "override.granted",
        store,
        {
            "ref": ref,
            "line_no": 1,
            "manager": manager,
            "reason": "customer is right",
            "rule_codes": [],
        },
    )


def push(live: LiveCentral, store: str, messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(status, reason code) per message, through the service's push path."""
    parsed = [proto.MESSAGE.validate_python(m) for m in messages]
    return [
        (r.status, (r.reason or "").split(":")[0])
        for r in service.push_messages(live.engine, store, parsed)
    ]


def open_exceptions(live: LiveCentral, store: str) -> int:
    return next(s.open_exceptions for s in service.store_statuses(live.engine) if s.store == store)


def count(live: LiveCentral, model: Any) -> int:
    with Session(live.engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_over_refund_is_rejected_and_never_settled(ho: LiveCentral) -> None:
    publish(ho, "O-1", [(1, 7803)], [card(7803)])
    huge = ret("S001", "R-1", "O-1", [(1, 1, 99_999_999)], [card_refund(99_999_999)])
    assert push(ho, "S001", [huge]) == [("rejected", "over_refund")]
    with pytest.raises(LookupError):
        service.settle(ho.engine, "R-1")
    fair = ret("S001", "R-2", "O-1", [(1, 1, 7803)], [card_refund(7803)])
    assert push(ho, "S001", [fair]) == [("accepted", "")]
    assert [s.amount_minor for s in service.settle(ho.engine, "R-2")] == [7803]
    with Session(ho.engine) as session:
        line = session.get(CentralOrderLine, ("O-1", 1))
        pay = session.get(OrderPayment, ("O-1", 1))
        assert line is not None and line.refunded_minor == 7803
        assert pay is not None and pay.refunded_minor == 7803


def test_line_refund_counts_what_was_refunded_online_and_by_other_stores(ho: LiveCentral) -> None:
    publish(ho, "O-1", [(3, 9000)], [card(9000)])
    assert service.record_online_refund(ho.engine, "O-1", 1, 1)  # head office refunded 3000
    one = ret("S001", "R-1", "O-1", [(1, 1, 3000)], [card_refund(3000)])
    assert push(ho, "S001", [one]) == [("accepted", "")]
    # Another store claims the last unit is worth what the whole line has left and more.
    greedy = ret("S002", "R-2", "O-1", [(1, 1, 3001)], [card_refund(3001)])
    assert push(ho, "S002", [greedy]) == [("rejected", "over_refund")]
    assert push(ho, "S002", [ret("S002", "R-3", "O-1", [(1, 1, 3000)], [card_refund(3000)])]) == [
        ("accepted", "")
    ]


def test_refund_to_a_card_the_order_never_saw_is_rejected(ho: LiveCentral) -> None:
    publish(ho, "O-1", [(1, 7803)], [card(7803)])
    other = ret("S001", "R-1", "O-1", [(1, 1, 7803)], [card_refund(7803, last4="1111")])
    assert push(ho, "S001", [other]) == [("rejected", "card_mismatch")]
    no_card = dict(card_refund(7803), card_brand=None, card_last4=None)
    assert push(ho, "S001", [ret("S001", "R-2", "O-1", [(1, 1, 7803)], [no_card])]) == [
        ("rejected", "card_mismatch")
    ]
    cash = {"tender": "cash", "amount_minor": 7803, "charged_tender": "cash"}
    assert push(ho, "S001", [ret("S001", "R-3", "O-1", [(1, 1, 7803)], [cash])]) == [
        ("rejected", "unknown_payment")
    ]
    short = ret("S001", "R-4", "O-1", [(1, 1, 7803)], [card_refund(5000)])
    assert push(ho, "S001", [short]) == [("rejected", "refund_total_mismatch")]
    assert count(ho, CentralReturn) == 0


def test_one_payment_is_never_overdrawn_by_two_stores(ho: LiveCentral) -> None:
    """Two lines of 5000 paid 6000 by card and 4000 in cash: both stores claim the card."""
    publish(
        ho, "O-1", [(1, 5000), (1, 5000)], [card(6000), {"tender": "cash", "amount_minor": 4000}]
    )
    first = ret("S001", "R-1", "O-1", [(1, 1, 5000)], [card_refund(5000)])
    assert push(ho, "S001", [first]) == [("accepted", "")]
    second = ret("S002", "R-2", "O-1", [(2, 1, 5000)], [card_refund(5000)])
    assert push(ho, "S002", [second]) == [("rejected", "payment_overdrawn")]
    split = ret(
        "S002",
        "R-3",
        "O-1",
        [(2, 1, 5000)],
        [card_refund(1000), {"tender": "cash", "amount_minor": 4000, "charged_tender": "cash"}],
    )
    assert push(ho, "S002", [split]) == [("accepted", "")]
    with Session(ho.engine) as session:
        pays = (
            session.execute(select(OrderPayment.refunded_minor).order_by(OrderPayment.payment_no))
            .scalars()
            .all()
        )
        assert pays == [6000, 4000]


def test_unknown_sku_and_implausible_stock_are_rejected(ho: LiveCentral) -> None:
    answers = push(
        ho,
        "S001",
        [
            stock("S001", None, sku="NOPE"),
            stock("S001", None, quantity=10**9),
            stock("S001", None, quantity=-(10**9)),
            stock("S001", None, sku="SKU-1-OB"),  # an open-box unit of a catalog SKU
            stock("S001", None, quantity=-10_000),
        ],
    )
    assert answers == [
        ("rejected", "unknown_sku"),
        ("rejected", "implausible_quantity"),
        ("rejected", "implausible_quantity"),
        ("accepted", ""),
        ("accepted", ""),
    ]
    assert count(ho, StockMovement) == 2


@pytest.mark.parametrize("manager, reason", [("bob", "unknown_staff"), ("alice", "not_a_manager")])
def test_override_by_an_unknown_or_non_manager_rejects_its_return(
    ho: LiveCentral, manager: str, reason: str
) -> None:
    publish(ho, "O-1", [(1, 2000)], [card(2000)])
    grant = override("S001", "R-1", manager)
    moved = stock("S001", "R-1")
    the_return = ret("S001", "R-1", "O-1", [(1, 1, 2000)], [card_refund(2000)])
    answers = push(ho, "S001", [moved, grant, the_return])
    # The stock movement goes with its return (stored, closed with it): two exceptions, the
    # override's own and the return's.
    assert answers == [("accepted", ""), ("rejected", reason), ("rejected", "group_rejected")]
    assert count(ho, CentralReturn) == 0 and count(ho, StockMovement) == 0
    assert open_exceptions(ho, "S001") == 2
    with Session(ho.engine) as session:
        row = session.execute(
            select(InboundMessage).where(InboundMessage.message_id == moved["id"])
        ).scalar_one()
        assert row.status == "rejected" and (row.reason or "").startswith("group_rejected")


def test_unknown_cashier_is_rejected(ho: LiveCentral) -> None:
    publish(ho, "O-1", [(1, 2000)], [card(2000)])
    forged = ret("S001", "R-1", "O-1", [(1, 1, 2000)], [card_refund(2000)])
    forged["payload"]["cashier"] = "mallory"
    assert push(ho, "S001", [forged]) == [("rejected", "unknown_staff")]


def test_a_return_and_its_members_across_batches_count_once(ho: LiveCentral) -> None:
    """Members arrive first (held, answered accepted), the return in the next batch; replays
    of both batches apply nothing twice."""
    publish(ho, "O-1", [(2, 4000)], [card(4000)])
    members = [
        stock("S001", "R-1", quantity=2),
        override("S001", "R-1", "mia"),
        message(
            "store_credit.issued",
            "S001",
            {"ref": "R-1", "amount_minor": 4400, "bonus_minor": 400, "currency": "USD"},
        ),
    ]
    the_return = ret(
        "S001",
        "R-1",
        "O-1",
        [(1, 2, 4000)],
        [{"tender": "store_credit", "amount_minor": 4000, "charged_tender": "card"}],
    )
    assert push(ho, "S001", members) == [("accepted", "")] * 3
    assert count(ho, StockMovement) == 0  # held until its return is accepted
    assert push(ho, "S001", [the_return]) == [("accepted", "")]
    assert push(ho, "S001", members) == [("duplicate", "")] * 3
    assert push(ho, "S001", [the_return]) == [("duplicate", "")]
    assert count(ho, StockMovement) == 1
    with Session(ho.engine) as session:
        statuses = session.execute(select(InboundMessage.status)).scalars().all()
        assert sorted(statuses) == ["accepted"] * 4


def test_a_rejected_return_takes_its_stock_and_credit_with_it(ho: LiveCentral) -> None:
    """The cross-channel conflict: S001's return of the only unit wins, S002's return of the
    same unit is rejected, and so are its stock movement and store credit, whether they
    came in the batch before or after. The store sees one exception: the return's."""
    publish(ho, "O-1", [(1, 2000)], [card(2000)])
    assert push(
        ho,
        "S001",
        [stock("S001", "R-1"), ret("S001", "R-1", "O-1", [(1, 1, 2000)], [card_refund(2000)])],
    ) == [("accepted", ""), ("accepted", "")]
    early = stock("S002", "R-2")
    assert push(ho, "S002", [early]) == [("accepted", "")]
    credit = message(
        "store_credit.issued", "S002", {"ref": "R-2", "amount_minor": 2000, "currency": "USD"}
    )
    late = stock("S002", "R-2")
    conflict = ret(
        "S002",
        "R-2",
        "O-1",
        [(1, 1, 2000)],
        [{"tender": "store_credit", "amount_minor": 2000, "charged_tender": "card"}],
    )
    assert push(ho, "S002", [credit, conflict, late]) == [
        ("accepted", ""),
        ("rejected", "over_return"),
        ("accepted", ""),
    ]
    assert push(ho, "S002", [early, credit, late]) == [("duplicate", "")] * 3  # replays
    with Session(ho.engine) as session:
        moved = session.execute(select(StockMovement.store)).scalars().all()
        assert moved == ["S001"]
        statuses = session.execute(
            select(InboundMessage.status).where(InboundMessage.store == "S002")
        ).scalars()
        assert set(statuses) == {"rejected"}
    assert open_exceptions(ho, "S002") == 1


def test_an_error_storing_one_message_rejects_only_that_one(central: LiveCentral) -> None:
    """Behind the schema: a row PostgreSQL refuses (a NUL byte) rejects its own message, and
    the rest of the batch is stored."""
    central.add_store("S001")
    seed_reference(central.engine)
    good = proto.MESSAGE.validate_python(stock("S001", None))
    poison = proto.StockMovementMessage.model_construct(
        id=str(uuid.uuid4()),
        store="S001",
        kind="stock.movement",
        created_at=datetime(2026, 11, 26, tzinfo=UTC),
        payload=proto.StockMovementPayload.model_construct(
            sku="SKU-1", quantity=1, cause="count", ref="bad\x00ref"
        ),
    )
    results = service.push_messages(central.engine, "S001", [good, poison])
    assert [r.status for r in results] == ["accepted", "rejected"]
    assert (results[1].reason or "").startswith("storage_error")
    assert count(central, StockMovement) == 1


def test_poison_on_the_wire_is_refused_with_422(central: LiveCentral) -> None:
    central.add_store("S001")
    seed_reference(central.engine)
    client = central.client("S001")
    nul = stock("S001", None, sku="SKU-1\x00")
    assert client.push([nul]).status_code == 422
    deep = json.dumps(
        {
            "messages": [stock("S001", None)],
            "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
        }
    ).encode()
    assert client.request("POST", "/v1/stores/S001/messages", deep).status_code == 422
    assert client.pull("orders", "9" * 19).status_code == 422
    assert client.pull("orders", "1" * 20).status_code == 422
    assert count(central, InboundMessage) == 0
    assert [r["status"] for r in client.push([stock("S001", None)]).json()["results"]] == [
        "accepted"
    ]


def test_settle_pays_only_validated_returns(ho: LiveCentral) -> None:
    publish(ho, "O-1", [(1, 2000)], [card(2000)])
    assert push(ho, "S001", [ret("S001", "R-1", "O-1", [(1, 1, 2000)], [card_refund(2000)])]) == [
        ("accepted", "")
    ]
    with Session(ho.engine) as session, session.begin():
        row = session.get(CentralReturn, "R-1")
        assert row is not None
        row.validated = False
    with pytest.raises(LookupError, match="not validated"):
        service.settle(ho.engine, "R-1")
    assert count(ho, SettlementRecord) == 0
