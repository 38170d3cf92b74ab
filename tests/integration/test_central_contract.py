"""Head office's API as a contract: inputs that used to answer 500, strict types, one error
shape. Each case here was a 500 (or an accepted forgery) before the boundary checks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.models import InboundMessage, Store
from counter_app.central.testing import message, seed_reference, stock_message
from tests.integration.central_fixtures import LiveCentral

pytestmark = pytest.mark.postgres

LISTS = ("orders", "catalog", "policies", "staff", "settlements")
PUSH = "/v1/stores/S001/messages"


def _error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, dict)
    assert set(body) == {"error", "message", "details"}, body
    assert isinstance(body["error"], str) and isinstance(body["details"], list)
    return body


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize("cursor", [str(2**63), "9" * 19, "１２", "-1", "1.0"])
def test_a_cursor_out_of_range_is_a_422_on_every_list(
    central: LiveCentral, resource: str, cursor: str
) -> None:
    central.add_store("S001")
    client = central.client("S001")
    path = f"/v1/stores/S001/{resource}?cursor={httpx.QueryParams({'c': cursor})['c']}"
    response = client.request("GET", str(httpx.URL(path)))
    _error(response, 422)
    largest = client.pull(resource, cursor=str(2**63 - 1))
    assert largest.status_code == 200 and largest.json()["items"] == []


def test_deeply_nested_json_in_a_push_is_refused_not_a_500(central: LiveCentral) -> None:
    central.add_store("S001")
    client = central.client("S001")
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        _error(client.request("POST", PUSH, body), 422)
    deep_payload = stock_message("S001")
    deep_payload["payload"]["extra"] = json.loads("[" * 40 + "]" * 40)
    _error(client.request("POST", PUSH, json.dumps({"messages": [deep_payload]}).encode()), 422)


def test_audit_head_seq_beyond_the_column_is_refused_and_stores_nothing(
    central: LiveCentral,
) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    client = central.client("S001")
    huge = message("audit.head", "S001", {"seq": 2**63, "hash": "ab" * 16})
    good = stock_message("S001")
    body = _error(client.push([good, huge]), 422)
    assert any("messages.1" in str(d) for d in body["details"])  # names the bad message
    with Session(central.engine) as session:
        assert session.execute(select(InboundMessage)).first() is None
    # The valid message is not lost: the store pushes it again and it is taken.
    assert client.push([good]).json()["results"][0]["status"] == "accepted"


def test_an_unexpected_error_storing_one_message_rejects_only_that_one(
    central: LiveCentral,
) -> None:
    """Behind the schema: a message that fails while being stored is that message's rejection,
    and the rest of the batch is kept."""
    seed_reference(central.engine)
    central.add_store("S001")
    good = proto.MESSAGE.validate_python(stock_message("S001"))
    bad = proto.AuditHeadMessage.model_construct(
        id=str(uuid.uuid4()),
        store="S001",
        kind="audit.head",
        created_at=datetime(2026, 11, 26, tzinfo=UTC),
        payload=proto.AuditHeadPayload.model_construct(seq=2**63, hash="ab" * 16),
    )
    results = service.push_messages(central.engine, "S001", [good, bad])
    assert [r.status for r in results] == ["accepted", "rejected"]
    with Session(central.engine) as session:
        store = session.get(Store, "S001")
        assert store is not None and store.audit_seq is None
        stored = select(InboundMessage.status).where(InboundMessage.message_id == good.id)
        assert session.execute(stored).scalar_one() == "accepted"


@pytest.mark.parametrize(
    "header, value",
    [
        (proto.HEADER_SIGNATURE, "é" * 64),
        (proto.HEADER_SIGNATURE, "a" * 63 + "é"),
        (proto.HEADER_SIGNATURE, "0" * 10_000),
        (proto.HEADER_TIMESTAMP, "١٧٠٠٠٠٠٠٠٠"),
        (proto.HEADER_STORE, "S00é"),
    ],
)
def test_non_ascii_or_wrong_length_signature_headers_are_a_401(
    central: LiveCentral, header: str, value: str
) -> None:
    central.add_store("S001")
    client = central.client("S001")
    body = json.dumps({"messages": [stock_message("S001")]}).encode()
    headers = proto.sign_request("POST", PUSH, body, "S001", central.keys["S001"], 1e9)
    headers[header] = value
    raw = [
        (k.encode(), v.encode("latin-1", "replace") if header != k else v.encode("utf-8"))
        for k, v in headers.items()
    ]
    response = client.http.post(PUSH, content=body, headers=raw)
    _error(response, 401)
    with Session(central.engine) as session:
        assert session.execute(select(InboundMessage)).first() is None


def _with(message: dict[str, object], path: str, value: object) -> dict[str, object]:
    """A copy of `message` with the dotted `path` set to `value`."""
    copy = json.loads(json.dumps(message))
    *parents, last = path.split(".")
    node = copy
    for part in parents:
        node = node[part]
    node[last] = value
    return copy  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "path, value",
    [
        ("payload.quantity", "5"),
        ("payload.quantity", 2.0),
        ("payload.quantity", True),
        ("payload.quantity", 10**10),
        ("created_at", 0),
        ("created_at", "1700000000"),
        ("created_at", "2026-11-26T10:00:00"),
        ("created_at", "2026-11-26"),
        ("payload.sku", "SKU\x00-1"),
        ("payload.sku", "SKU\n-1"),
        ("payload.sku", "S" * 201),
        ("payload.ref", 5),
        ("payload.extra_note", "bell\x07"),
        ("payload.extra_list", [1, 2]),
        ("payload.extra_float", 1.5),
        ("payload.extra_big", 2**63),
        ("id", "not-a-uuid"),
        ("store", "S0\x001"),
    ],
)
def test_types_are_strict_and_bounded(central: LiveCentral, path: str, value: object) -> None:
    central.add_store("S001")
    bad = _with(stock_message("S001"), path, value)
    body = _error(central.client("S001").push([bad]), 422)
    assert body["error"] == "schema_violation"
    assert all("input" not in d for d in body["details"])  # type: ignore[union-attr]
    with Session(central.engine) as session:
        assert session.execute(select(InboundMessage)).first() is None


def test_stored_payload_is_the_validated_one_and_extras_are_kept(central: LiveCentral) -> None:
    seed_reference(central.engine)
    central.add_store("S001")
    good = _with(stock_message("S001"), "payload.policy_version", "2026.1")
    good["created_at"] = "2026-11-26T11:00:00+01:00"
    assert central.client("S001").push([good]).json()["results"][0]["status"] == "accepted"
    with Session(central.engine) as session:
        row = session.execute(select(InboundMessage)).scalar_one()
        assert row.payload["quantity"] == 1 and row.payload["policy_version"] == "2026.1"
        assert row.created_at == datetime(2026, 11, 26, 10, tzinfo=UTC)


def test_every_error_has_the_one_shape(central: LiveCentral) -> None:
    central.add_store("S001")
    client = central.client("S001")
    _error(client.http.get("/v1/stores/S001/orders"), 401)
    _error(client.request("GET", "/v1/stores/S002/orders"), 403)
    _error(client.request("GET", "/v1/stores/S001/orders/NOPE"), 404)
    _error(client.http.delete("/v1/stores/S001/orders"), 405)
    _error(client.http.get("/no/such/route"), 404)
    _error(client.request("GET", "/v1/stores/S001/orders?limit=0"), 422)
    _error(client.request("POST", PUSH, b"{"), 422)


def test_the_contract_declares_every_body_answer_and_error(
    central: LiveCentral, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.central.cli import main

    assert main(["central", "openapi"]) == 0
    dumped = json.loads(capsys.readouterr().out)
    served = httpx.get(f"{central.base_url}/openapi.json").json()
    assert dumped == served
    schemas = served["components"]["schemas"]
    push = served["paths"]["/v1/stores/{store}/messages"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PushRequest"
    )
    kinds = schemas["PushRequest"]["properties"]["messages"]["items"]["discriminator"]["mapping"]
    assert set(kinds) == set(proto.MessageKind.__args__)  # type: ignore[attr-defined]
    for path, item in served["paths"].items():
        for operation in item.values():
            answers = operation["responses"]
            success = "201" if "201" in answers else "200"  # created (an authorization) or ok
            assert answers[success]["content"], path
            if path.startswith("/v1/"):
                assert {"401", "403", "413", "422"} <= set(answers), path
                for status, answer in answers.items():
                    if status != success:
                        ref = answer["content"]["application/json"]["schema"]["$ref"]
                        assert ref.endswith("/ErrorBody"), (path, status)
    assert "404" in served["paths"]["/v1/stores/{store}/orders/{number}"]["get"]["responses"]
    assert schemas["Page_Order_"]["properties"]["items"]["items"]["$ref"].endswith("/Order")


def test_a_lone_surrogate_in_text_is_refused_not_a_500(central: LiveCentral) -> None:
    central.add_store("S001")
    client = central.client("S001")
    declared = json.dumps({"messages": [stock_message("S001")]})
    extra = _with(stock_message("S001"), "payload.note", "NOTE")
    for body in (
        declared.replace("SKU-1", "SKU-\\ud800"),
        json.dumps({"messages": [extra]}).replace("NOTE", "\\udfff"),
    ):
        _error(client.request("POST", PUSH, body.encode()), 422)
