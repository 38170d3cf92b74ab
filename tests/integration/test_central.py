"""The reference central service over real HTTP on PostgreSQL (and SQLite for the demo)."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.models import CentralOrderLine, InboundMessage, Store
from counter_app.central.testing import message, return_message, seed_reference, stock_message
from tests.integration.central_fixtures import LiveCentral

pytestmark = pytest.mark.postgres


def order(number: str, quantity: int = 1, store: str | None = None, lines: int = 1) -> proto.Order:
    return proto.Order.model_validate(
        {
            "number": number,
            "store": store,
            "channel": "store" if store else "online",
            "placed_at": "2026-11-01T10:00:00+00:00",
            "currency": "USD",
            "barcode": number,
            "customer": {"code": "C-1", "name": "Ann Lee", "email": "ann@example.com"},
            "lines": [
                {
                    "line_no": n,
                    "sku": f"SKU-{n}",
                    "quantity": quantity,
                    "unit_price_minor": 1999,
                    "paid_minor": 1999 * quantity,
                }
                for n in range(1, lines + 1)
            ],
            "payments": [
                {
                    "tender": "card",
                    "amount_minor": 1999 * quantity * lines,
                    "card_brand": "VISA",
                    "card_last4": "4242",
                }
            ],
        }
    )


def stored_count(live: LiveCentral) -> int:
    with Session(live.engine) as session:
        return int(session.execute(select(func.count()).select_from(InboundMessage)).scalar_one())


def statuses(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["status"] for r in response.json()["results"]]


# --------------------------------------------------------------------------------------------
# Push
# --------------------------------------------------------------------------------------------


def test_push_accepted_then_duplicate_then_rejection_repeats(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    service.publish_orders(central.engine, [order("O-1")])
    client = central.client("S001")
    ret = return_message("S001", "R-S001-C1-000001", "O-1", [(1, "SKU-1", 1)])
    stock = stock_message("S001")
    assert statuses(client.push([ret, stock])) == ["accepted", "accepted"]
    assert statuses(client.push([ret, stock])) == ["duplicate", "duplicate"]

    again = return_message("S001", "R-S001-C1-000002", "O-1", [(1, "SKU-1", 1)])
    first = client.push([again]).json()["results"][0]
    assert first["status"] == "rejected"
    assert first["reason"].startswith("over_return")
    # A rejected message is stored: pushing it again answers the same rejection.
    assert client.push([again]).json()["results"][0] == first
    assert stored_count(central) == 3
    with Session(central.engine) as session:
        line = session.get(CentralOrderLine, ("O-1", 1))
        assert line is not None and line.store_returned_quantity == 1


def test_same_id_twice_in_one_batch_is_stored_once(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    stock = stock_message("S001")
    assert statuses(central.client("S001").push([stock, stock])) == ["accepted", "duplicate"]
    assert stored_count(central) == 1


def test_same_batch_pushed_concurrently_is_stored_exactly_once(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    service.publish_orders(central.engine, [order(f"O-{n}") for n in range(100)])
    batch = [
        return_message("S001", f"R-S001-C1-{n:06d}", f"O-{n}", [(1, "SKU-1", 1)])
        for n in range(100)
    ] + [stock_message("S001") for _ in range(300)]
    clients = [central.client("S001"), central.client("S001")]
    barrier = threading.Barrier(2)
    answers: list[list[str]] = [[], []]

    def push(index: int) -> None:
        barrier.wait()
        answers[index] = statuses(clients[index].push(batch))

    threads = [threading.Thread(target=push, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(answers), "a push did not answer"
    for a, b in zip(answers[0], answers[1], strict=True):
        assert sorted([a, b]) == ["accepted", "duplicate"]
    assert stored_count(central) == len(batch)
    with Session(central.engine) as session:
        returned = session.execute(
            select(func.sum(CentralOrderLine.store_returned_quantity))
        ).scalar_one()
        assert returned == 100
        store = session.get(Store, "S001")
        assert store is not None and store.messages_received == len(batch)


def test_cross_channel_conflict_is_rejected_and_shows_as_exception(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    central.add_store("S002")
    service.publish_orders(central.engine, [order("O-7", quantity=2)])
    # Head office refunded one online; S001 takes back the other one.
    assert service.record_online_refund(central.engine, "O-7", 1, 1)
    s1, s2 = central.client("S001"), central.client("S002")
    assert statuses(s1.push([return_message("S001", "R-S001-C1-1", "O-7", [(1, "SKU-1", 1)])])) == [
        "accepted"
    ]
    late = return_message("S002", "R-S002-C1-1", "O-7", [(1, "SKU-1", 1)])
    result = s2.push([late]).json()["results"][0]
    assert result["status"] == "rejected"
    assert "already returned" in result["reason"]
    unknown = return_message("S002", "R-S002-C1-2", "O-404", [(1, "SKU-1", 1)])
    assert s2.push([unknown]).json()["results"][0]["reason"].startswith("unknown_order")

    status = s2.request("GET", "/v1/stores/S002/status").json()
    assert status["open_exceptions"] == 2
    assert {e["message_id"] for e in status["exceptions"]} == {late["id"], unknown["id"]}
    overview = central.admin().request("GET", "/v1/status").json()["stores"]
    assert {s["store"]: s["open_exceptions"] for s in overview} == {"S001": 0, "S002": 2}

    # The manager resolves one at the store; that closes it at head office.
    resolve = message(
        "sync_exception.resolved",
        "S002",
        {"message_id": late["id"], "manager": "bob", "note": "refunded online already"},
    )
    assert statuses(s2.push([resolve])) == ["accepted"]
    assert s2.request("GET", "/v1/stores/S002/status").json()["open_exceptions"] == 1
    with Session(central.engine) as session:
        line = session.get(CentralOrderLine, ("O-7", 1))
        assert line is not None
        assert (line.online_returned_quantity, line.store_returned_quantity) == (1, 1)


def test_two_stores_returning_the_last_unit_at_once_only_one_wins(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    central.add_store("S002")
    service.publish_orders(central.engine, [order(f"O-{n}") for n in range(20)])
    clients = {code: central.client(code) for code in ("S001", "S002")}
    batches = {
        code: [
            return_message(code, f"R-{code}-{n}", f"O-{n}", [(1, "SKU-1", 1)]) for n in range(20)
        ]
        for code in clients
    }
    barrier = threading.Barrier(2)
    answers: dict[str, list[str]] = {}

    def push(code: str) -> None:
        barrier.wait()
        answers[code] = statuses(clients[code].push(batches[code]))

    threads = [threading.Thread(target=push, args=(code,)) for code in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for n in range(20):
        assert sorted([answers["S001"][n], answers["S002"][n]]) == ["accepted", "rejected"]
    with Session(central.engine) as session:
        assert (
            session.execute(select(func.max(CentralOrderLine.store_returned_quantity))).scalar_one()
            == 1
        )


def test_audit_head_is_recorded_and_a_changed_hash_rejected(central: LiveCentral) -> None:
    central.add_store("S001")
    client = central.client("S001")
    head = message("audit.head", "S001", {"seq": 42, "hash": "ab" * 32})
    assert statuses(client.push([head])) == ["accepted"]
    forged = message("audit.head", "S001", {"seq": 42, "hash": "cd" * 32})
    result = client.push([forged]).json()["results"][0]
    assert result["status"] == "rejected" and result["reason"].startswith("audit_chain_mismatch")
    status = client.request("GET", "/v1/stores/S001/status").json()
    assert status["audit_head"]["seq"] == 42 and status["audit_head"]["hash"] == "ab" * 32


# --------------------------------------------------------------------------------------------
# Pull
# --------------------------------------------------------------------------------------------


def test_orders_page_by_cursor_resume_and_updates_reappear(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    central.add_store("S002")
    service.publish_orders(central.engine, [order(f"O-{n:03d}") for n in range(25)])
    service.publish_orders(central.engine, [order("O-S2", store="S002")])  # not S001's
    client = central.client("S001")

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.pull("orders", cursor, limit=10).json()
        seen += [o["number"] for o in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
        if not page["has_more"]:
            break
    assert pages == 3
    assert seen == [f"O-{n:03d}" for n in range(25)]
    # Resuming from the saved cursor finds nothing new...
    empty = client.pull("orders", cursor).json()
    assert empty == {"items": [], "next_cursor": cursor, "has_more": False}
    # ...until an order changes: it comes again, with its new returned quantity.
    ret = return_message("S001", "R-S001-C1-9", "O-005", [(1, "SKU-1", 1)])
    assert statuses(client.push([ret])) == ["accepted"]
    again = client.pull("orders", cursor).json()
    assert [o["number"] for o in again["items"]] == ["O-005"]
    assert again["items"][0]["lines"][0]["returned_quantity"] == 1
    assert "card_number" not in json.dumps(again)
    assert again["items"][0]["payments"][0]["card_last4"] == "4242"

    live = client.request("GET", "/v1/stores/S001/orders/O-S2")
    assert live.status_code == 200 and live.json()["store"] == "S002"
    assert client.request("GET", "/v1/stores/S001/orders/NOPE").status_code == 404
    assert client.pull("orders", "not-a-cursor").status_code == 422


def test_catalog_policy_staff_and_settlements_pull(central: LiveCentral) -> None:
    central.add_store("S001")
    service.publish_catalog(
        central.engine,
        [
            proto.CatalogItem(
                sku=f"SKU-{n}",
                name=f"Thing {n}",
                category="apparel",
                barcodes=[f"400000000{n:04d}"],
                price_minor=1999,
                currency="USD",
            )
            for n in range(5)
        ],
    )
    service.publish_policy(central.engine, "2026.1", 'name = "default"\n')
    member, store = service.staff_from_record(
        {"username": "bob", "display_name": "Bob", "role": "manager", "pin": "246813",
         "store": "S001"}
    )
    service.publish_staff(central.engine, [(member, store)])
    client = central.client("S001")

    items, _ = client.pull_all("catalog", limit=2)
    assert [i["sku"] for i in items] == [f"SKU-{n}" for n in range(5)]
    policies, _ = client.pull_all("policies")
    assert policies[0]["version"] == "2026.1" and "default" in policies[0]["toml"]
    staff, staff_cursor = client.pull_all("staff")
    assert staff[0]["pin_hash"].startswith("$argon2id$") and "246813" not in json.dumps(staff)
    service.publish_staff(central.engine, [member.model_copy(update={"active": False})])
    assert client.pull("staff", staff_cursor).json()["items"][0]["active"] is False

    service.publish_orders(central.engine, [order("O-1")])
    seed_reference(central.engine)
    ret = return_message("S001", "R-S001-C1-1", "O-1", [(1, "SKU-1", 1)])
    assert statuses(client.push([ret])) == ["accepted"]
    service.settle(central.engine, "R-S001-C1-1", gateway_ref="GW-1")
    assert service.settle(central.engine, "R-S001-C1-1") == []  # idempotent
    settlements, _ = client.pull_all("settlements")
    assert [(s["return_ref"], s["amount_minor"], s["gateway_ref"]) for s in settlements] == [
        ("R-S001-C1-1", 1999, "GW-1")
    ]


# --------------------------------------------------------------------------------------------
# Security
# --------------------------------------------------------------------------------------------


def test_refused_requests_store_nothing(
    central: LiveCentral, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="counter_app.central")
    seed_reference(central.engine)
    central.add_store("S001")
    central.add_store("S002")
    service.publish_orders(central.engine, [order("O-1")])
    s1 = central.client("S001")
    path = "/v1/stores/S001/messages"
    good = json.dumps({"messages": [stock_message("S001")]}).encode()

    unsigned = s1.http.post(path, content=good)
    assert unsigned.status_code == 401

    headers = proto.sign_request("POST", path, good, "S001", central.keys["S001"], time.time())
    tampered = good.replace(b"SKU-1", b"SKU-2")
    assert s1.http.post(path, content=tampered, headers=headers).status_code == 401

    replayed = s1.request("POST", path, good, now=time.time() - 301)
    assert replayed.status_code == 401 and replayed.json()["error"] == "unauthorized"
    assert s1.request("POST", path, good, now=time.time() + 301).status_code == 401

    # S002's key cannot pass for S001, and S002 cannot act on S001's resources.
    assert s1.request("POST", path, good, key=central.keys["S002"]).status_code == 401
    assert s1.request("POST", path, good, store="S002", key=central.keys["S002"]).status_code == 403
    assert central.client("S002").request("GET", "/v1/stores/S001/orders").status_code == 403
    foreign = json.dumps({"messages": [stock_message("S002")]}).encode()
    assert s1.request("POST", path, foreign).status_code == 403
    assert s1.request("GET", "/v1/status").status_code == 403

    oversized = json.dumps(
        {"messages": [stock_message("S001")], "pad": "x" * (5 * 1024 * 1024)}
    ).encode()
    assert s1.request("POST", path, oversized).status_code == 413
    too_many = json.dumps({"messages": [stock_message("S001") for _ in range(501)]}).encode()
    assert s1.request("POST", path, too_many).status_code == 413

    assert s1.request("POST", path, b'{"messages": [').status_code == 422
    bad_kind = stock_message("S001") | {"kind": "return.deleted"}
    assert (
        s1.request("POST", path, json.dumps({"messages": [bad_kind]}).encode()).status_code == 422
    )
    bad_payload = return_message("S001", "R-1", "O-1", [(1, "SKU-1", 1)])
    bad_payload["payload"]["refunds"][0]["card_last4"] = "4242424242424242"
    schema = s1.request("POST", path, json.dumps({"messages": [bad_payload]}).encode())
    assert schema.status_code == 422
    assert "4242424242424242" not in schema.text  # invalid input is not echoed back
    # A valid message next to an invalid one: the whole batch is refused.
    mixed = json.dumps({"messages": [stock_message("S001"), bad_kind]}).encode()
    assert s1.request("POST", path, mixed).status_code == 422

    assert stored_count(central) == 0
    with Session(central.engine) as session:
        line = session.get(CentralOrderLine, ("O-1", 1))
        assert line is not None and line.store_returned_quantity == 0
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) >= 15  # every refusal is logged...
    assert not any("4242424242424242" in r.getMessage() for r in caplog.records)  # ...not its body
    # ...and the real thing still works.
    assert statuses(s1.request("POST", path, good)) == ["accepted"]


def test_publishing_refuses_full_card_numbers(central: LiveCentral) -> None:
    raw = order("O-1").model_dump(mode="json")
    raw["payments"][0]["card_number"] = "4242424242424242"
    with pytest.raises(ValueError):
        proto.Order.model_validate(raw)


# --------------------------------------------------------------------------------------------
# SQLite demo and CLI
# --------------------------------------------------------------------------------------------


def test_sqlite_demo_push_and_pull(central_sqlite: LiveCentral) -> None:
    seed_reference(central_sqlite.engine)
    central_sqlite.add_store("S001")
    service.publish_orders(central_sqlite.engine, [order("O-1", quantity=2)])
    client = central_sqlite.client("S001")
    ret = return_message("S001", "R-S001-C1-1", "O-1", [(1, "SKU-1", 2)])
    assert statuses(client.push([ret])) == ["accepted"]
    assert statuses(client.push([ret])) == ["duplicate"]
    items, _ = client.pull_all("orders")
    assert items[0]["lines"][0]["returned_quantity"] == 2


def test_cli_commands(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from counter_app.central.cli import main

    db = f"sqlite:///{tmp_path}/cli.db"
    assert main(["central", "db", "upgrade", "--db", db]) == 0
    assert main(["central", "add-store", "S009", "--name", "Nine", "--db", db]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(key) == 64
    orders = tmp_path / "orders.jsonl"
    orders.write_text(order("O-1").model_dump_json() + "\n\n" + order("O-2").model_dump_json())
    assert main(["central", "publish-orders", str(orders), "--db", db]) == 0
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text(
        json.dumps(
            {"sku": "SKU-1", "name": "T", "category": "c", "price_minor": 1, "currency": "USD"}
        )
    )
    assert main(["central", "publish-catalog", str(catalog), "--db", db]) == 0
    policy = tmp_path / "policy.toml"
    policy.write_text('name = "p"\n')
    assert main(["central", "publish-policy", str(policy), "--version", "v1", "--db", db]) == 0
    policy.write_text("this is [not toml")
    assert main(["central", "publish-policy", str(policy), "--version", "v2", "--db", db]) == 2
    staff = tmp_path / "staff.jsonl"
    staff.write_text(
        json.dumps({"username": "a", "display_name": "A", "role": "cashier", "pin": "1234",
                    "travelling": True})
    )
    assert main(["central", "publish-staff", str(staff), "--db", db]) == 0
    assert main(["central", "settle", "R-NOPE", "--db", db]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"number": "O-3"}\n')
    assert main(["central", "publish-orders", str(bad), "--db", db]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
