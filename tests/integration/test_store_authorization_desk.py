"""Returns started online, at the desk, on SQLite and PostgreSQL: a return code opens its
order with the authorized lines selected and unverified; scans verify without adding units;
the code is consumed once (claimed at head office when online, the pulled copy deciding
offline); used, cancelled, expired, unknown and mistyped codes are refused in one line."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.central_client import FakeCentral
from counter_app.adapters.db import authorizations as store_auth
from counter_app.adapters.db import tables as t
from counter_app.domain.auth_code import display_code
from counter_app.services.authorization_desk import NOT_A_CODE, NOT_HERE_YET
from counter_app.services.errors import AuthorizationRefused, BadInput, NotRefundable
from counter_app.services.sync_apply import apply_authorization
from counter_app.services.unit_of_work import UnitOfWork
from tests.authorization_helpers import auth_item, connect
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store, snapshot

LINES = [(1, "APP-1", 2, "wrong_size"), (3, "HOM-1", 1, "defective")]


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    add_order(
        s.engine,
        "O-A1",
        days_before(NOW, 5),
        [("APP-1", 3, 7500), ("APP-2", 1, 1999), ("HOM-1", 1, 3999)],
    )
    return s


def pulled(store: Store, item: dict[str, Any]) -> dict[str, Any]:
    with UnitOfWork(store.engine, write=True) as uow:
        apply_authorization(uow.conn, item)
        uow.commit()
    return item


def confirm(store: Store, draft: Any, verify: bool = True) -> Any:
    if verify:
        store.desk.verify_item(draft, "2000000000015")
        store.desk.verify_item(draft, "2000000000077")
    for dl in draft.selected():
        reason = dl.authorized_reason or "changed_mind"
        store.desk.record_inspection(draft, dl.line.line_no, reason_code=reason, condition="new")
    store.desk.evaluate(draft)
    return store.desk.commit_return(draft, "original")


def test_pulled_code_opens_the_order_and_is_consumed_once(store: Store) -> None:
    item = pulled(store, auth_item("O-A1", LINES, NOW))
    alice = store.user("alice")
    draft = store.desk.open_authorization(display_code(item["code"]).lower(), alice)
    assert draft.authorization is not None and draft.authorization.code == item["code"]
    got = {n: (dl.quantity, dl.authorized_reason, dl.verified) for n, dl in draft.lines.items()}
    assert got == {1: (2, "wrong_size", False), 3: (1, "defective", False)}
    # scanning verifies the line: it never adds units beyond the authorized quantity
    for _ in range(3):
        line = store.desk.verify_item(draft, "2000000000015")
    assert line.verified and line.quantity == 2
    with pytest.raises(NotRefundable, match="Desk Lamp: scan the item"):
        confirm(store, draft, verify=False)
    done = confirm(store, draft)
    with UnitOfWork(store.engine) as uow:
        row = uow.conn.execute(
            select(t.returns.c.authorization_code, t.returns.c.status_token).where(
                t.returns.c.ref == done.ref
            )
        ).one()
        message = uow.conn.execute(
            select(t.outbox.c.payload_json).where(t.outbox.c.kind == "return.committed")
        ).scalar_one()
        payload = json.loads(message)["payload"]
        local = store_auth.load_authorization(uow.conn, item["code"])
    assert row.authorization_code == item["code"] and len(row.status_token) == 22
    assert payload["authorization_code"] == item["code"]
    assert payload["status_token"] == row.status_token
    assert local is not None and local.status == "used" and local.used_by_store == "S001"
    with pytest.raises(AuthorizationRefused, match=f"already used for return {done.ref} on 20 Nov"):
        store.desk.open_authorization(item["code"], alice)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"status": "used", "used_by_store": "S002", "used_at": "2026-11-18T02:00:00+00:00"},
            # the store's zone (New York): the evening before in UTC terms
            "This return code was already used at store S002 on 17 Nov 2026.",
        ),
        (
            {"status": "cancelled", "cancelled_at": "2026-11-19T12:00:00+00:00"},
            "This return code was cancelled on 19 Nov 2026.",
        ),
        ({"days": -2}, "This return code expired on 18 Nov 2026."),
        ({"status": "expired", "days": -3}, "This return code expired on 17 Nov 2026."),
    ],
)
def test_unusable_codes_are_refused_with_the_date(
    store: Store, extra: dict[str, Any], expected: str
) -> None:
    item = pulled(store, auth_item("O-A1", LINES, NOW, **extra))
    before = snapshot(store.engine)
    with pytest.raises(AuthorizationRefused) as refused:
        store.desk.open_authorization(item["code"], store.user("alice"))
    assert str(refused.value) == expected and "\n" not in expected
    assert snapshot(store.engine) == before


def test_mistyped_guessed_and_unpulled_codes(store: Store) -> None:
    alice = store.user("alice")
    item = auth_item("O-A1", LINES, NOW)
    typo = item["code"][:-2] + ("1" if item["code"][-2] != "1" else "2") + item["code"][-1]
    for text in (typo, "RA-hello", "", "x" * 5000):
        with pytest.raises(AuthorizationRefused, match=NOT_A_CODE):
            store.desk.open_authorization(text, alice)
    with pytest.raises(AuthorizationRefused) as refused:
        store.desk.open_authorization(item["code"], alice)
    assert str(refused.value) == NOT_HERE_YET
    # head office configured but down: the same answer, and nothing is invented
    central = connect(store.desk, FakeCentral())
    central.fail_next = 1
    with pytest.raises(AuthorizationRefused, match="cannot be reached"):
        store.desk.open_authorization(item["code"], alice)


def test_live_fetch_keeps_a_copy_and_claims_at_commit(store: Store) -> None:
    central = connect(store.desk, FakeCentral())
    item = auth_item("O-A1", LINES, NOW)
    central.authorizations[item["code"]] = dict(item)
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    with UnitOfWork(store.engine) as uow:
        assert store_auth.load_authorization(uow.conn, item["code"]) is not None
    done = confirm(store, draft)
    assert central.claims == [(item["code"], done.ref)]
    # unknown to head office (it answered): refused as unknown
    other = auth_item("O-A1", LINES, NOW)
    with pytest.raises(AuthorizationRefused, match="Head office knows no return code"):
        store.desk.open_authorization(other["code"], store.user("alice"))


def test_claim_refused_at_commit_writes_nothing(store: Store) -> None:
    central = connect(store.desk, FakeCentral())
    item = auth_item("O-A1", LINES, NOW)
    central.authorizations[item["code"]] = dict(item)
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    # meanwhile another store used it
    used_at = (NOW - timedelta(minutes=5)).isoformat()
    central.authorizations[item["code"]].update(
        status="used", used_by_store="S002", used_return_ref="R-S002-C1-000009", used_at=used_at
    )
    before = snapshot(store.engine)
    with pytest.raises(AuthorizationRefused) as refused:
        confirm(store, draft)
    assert str(refused.value) == "This return code was already used at store S002 on 20 Nov 2026."
    assert snapshot(store.engine) == before


def test_head_office_down_at_commit_goes_ahead(store: Store) -> None:
    item = pulled(store, auth_item("O-A1", LINES, NOW))
    central = connect(store.desk, FakeCentral())
    central.fail_next = 1  # the open falls back on the pulled copy
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    central.fail_next = 1  # and the claim cannot reach head office either
    done = confirm(store, draft)
    assert central.claims == [] and done.ref.startswith("R-S001-C1-")


def test_photo_verification(store: Store) -> None:
    item = pulled(store, auth_item("O-A1", LINES, NOW))
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    with pytest.raises(BadInput, match="no catalog photo of Desk Lamp"):
        store.desk.verify_by_photo(draft, 3, True)
    with UnitOfWork(store.engine, write=True) as uow:
        store_auth.save_image(uow.conn, "HOM-1", "image/png", "0" * 64, b"\x89PNG...")
        store_auth.save_image(uow.conn, "APP-1", "image/png", "1" * 64, b"\x89PNG..")
        uow.commit()
    assert store.desk.catalog_image("HOM-1") == b"\x89PNG..."
    assert store.desk.catalog_image("APP-2") is None
    line = store.desk.verify_by_photo(draft, 3, True)
    assert line.verified and line.verified_by_photo
    gone = store.desk.verify_by_photo(draft, 1, False)
    assert not gone.verified and 1 not in draft.lines
    done = confirm(store, draft, verify=False)
    with UnitOfWork(store.engine) as uow:
        data = uow.conn.execute(
            select(t.audit_entries.c.data_json).where(
                t.audit_entries.c.action == "return.committed",
                t.audit_entries.c.subject == done.ref,
            )
        ).scalar_one()
    assert json.loads(data)["verified_by_photo"] == [3]


def test_a_bad_pulled_authorization_is_a_sync_problem(store: Store) -> None:
    item = auth_item("O-A1", LINES, NOW)
    item["status_token"] = "short"
    pulled(store, item)
    pulled(store, item)  # the same page again: one problem
    with UnitOfWork(store.engine) as uow:
        reasons = uow.conn.execute(select(t.sync_exceptions.c.reason)).scalars().all()
        assert store_auth.load_authorization(uow.conn, item["code"]) is None
    assert len(reasons) == 1 and "return authorization" in reasons[0]


def test_an_item_put_back_after_doesnt_match_stays_under_the_code(store: Store) -> None:
    """Found after all: scanned again, the line is back with the customer's reason, and no
    scan or quantity takes it past what the code covers (hypothesis found 2 of 1 returned)."""
    item = pulled(store, auth_item("O-A1", LINES, NOW))
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    with UnitOfWork(store.engine, write=True) as uow:
        store_auth.save_image(uow.conn, "HOM-1", "image/png", "0" * 64, b"\x89PNG...")
        uow.commit()
    store.desk.verify_by_photo(draft, 3, False)
    assert 3 not in draft.lines
    for _ in range(3):
        line = store.desk.verify_item(draft, "2000000000077")
    assert (line.quantity, line.verified, line.authorized_reason) == (1, True, "defective")
    with pytest.raises(BadInput, match="return code covers 2 of"):
        store.desk.select_line(draft, 1, 3)
