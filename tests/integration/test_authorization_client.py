"""CentralClient's return-code calls over real HTTPS on 127.0.0.1 against a stand-in head
office (FastAPI/uvicorn, the routes and codes of PLAN15: live fetch, claim, pull by cursor),
which checks every request's signature and signs every answer; and the desk wired to it as
bootstrap wires it. An answer signed with the wrong key is dropped unread (the pulled copy
decides); a head office without the routes (unsigned 404) leaves the pull and the desk
working from what the store has."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine

from counter_app import sync_protocol as proto
from counter_app.adapters.central_client import (
    AuthorizationConflict,
    CentralUntrusted,
    HttpCentralClient,
)
from counter_app.adapters.db import authorizations as store_auth
from counter_app.central.testing import ServerThread, TlsFiles
from counter_app.domain.auth_code import display_code
from counter_app.services.authorization_desk import NOT_HERE_YET
from counter_app.services.errors import AuthorizationRefused
from counter_app.services.sync import pull_all
from counter_app.services.unit_of_work import UnitOfWork
from tests.authorization_helpers import auth_item, code_needing_escapes
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.test_store_authorization_desk import LINES, confirm

KEY = "k" * 64


@dataclass
class StandIn:
    """Head office's authorization routes, in memory."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    answer_key: str = KEY  # what answers are signed with (a wrong one: tampered)
    claims: list[tuple[str, str, str]] = field(default_factory=list)
    with_routes: bool = True

    def app(self) -> FastAPI:
        app = FastAPI()

        def signed(request: Request, status: int, body: Any) -> Response:
            data = _json(body)
            ts, nonce = request.headers[proto.HEADER_TIMESTAMP], request.headers[proto.HEADER_NONCE]
            sig = proto.sign_response(status, ts, nonce, data, self.answer_key)
            headers = {proto.HEADER_SIGNATURE: sig, "Content-Type": "application/json"}
            return Response(data, status_code=status, headers=headers)

        async def check(request: Request) -> None:
            body = await request.body()
            raw = request.scope["raw_path"].decode("ascii")  # as signed: %24 stays %24
            path = raw + (f"?{request.url.query}" if request.url.query else "")
            proto.verify_signature(
                request.method, path, body, request.headers.get(proto.HEADER_TIMESTAMP),
                request.headers.get(proto.HEADER_SIGNATURE), KEY, time.time(),
                nonce=request.headers.get(proto.HEADER_NONCE),
            )  # fmt: skip

        if not self.with_routes:
            return app

        @app.get("/v1/stores/{store}/authorizations")
        async def pull(request: Request, store: str, cursor: str = "0", limit: int = 100) -> Any:
            await check(request)
            items = list(self.items.values())
            start = int(cursor or 0)
            chunk = items[start : start + limit]
            end = start + len(chunk)
            page = {"items": chunk, "next_cursor": str(end), "has_more": end < len(items)}
            return signed(request, 200, page)

        @app.get("/v1/stores/{store}/authorizations/{code}")
        async def fetch(request: Request, store: str, code: str) -> Any:
            await check(request)
            if code not in self.items:
                error = {"error": "unknown_authorization", "message": "no such code"}
                return signed(request, 404, error)
            return signed(request, 200, self.items[code])

        @app.post("/v1/stores/{store}/authorizations/{code}/claim")
        async def claim(request: Request, store: str, code: str) -> Any:
            await check(request)
            ref = proto.AuthorizationClaim.model_validate_json(await request.body()).return_ref
            found = self.items[code]
            if found["status"] == "used" and (found["used_by_store"], found["used_return_ref"]) != (
                store, ref,
            ):  # fmt: skip
                text = f"used at store {found['used_by_store']} on {found['used_at'][:10]}"
                return signed(request, 409, {"error": "authorization_used", "message": text})
            found.update(status="used", used_by_store=store, used_return_ref=ref,
                         used_at=NOW.isoformat())  # fmt: skip
            self.claims.append((store, code, ref))
            return signed(request, 200, found)

        return app


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return TlsFiles.make(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def stand_in(tls: TlsFiles) -> Iterator[tuple[StandIn, str]]:
    office = StandIn()
    server = ServerThread(office.app(), tls=tls).start()
    yield office, server.base_url
    server.stop()


@pytest.fixture
def store(sqlite_db_url: str) -> Iterator[Store]:
    from counter_app.adapters.db.engine import make_engine

    engine: Engine = make_engine(sqlite_db_url)
    s = make_store(engine, NOW)
    add_order(engine, "O-A1", days_before(NOW, 5),
              [("APP-1", 3, 7500), ("APP-2", 1, 1999), ("HOM-1", 1, 3999)])  # fmt: skip
    yield s
    engine.dispose()


def _wire(store: Store, url: str, tls: TlsFiles, store_code: str = "S001") -> None:
    """As bootstrap wires the desk: a short-timeout client per question."""
    store.desk.central = lambda: HttpCentralClient(
        url, store_code, KEY, timeout=2.0, ca_file=str(tls.ca_file)
    )


def test_fetch_claim_and_pull_over_https(
    stand_in: tuple[StandIn, str], tls: TlsFiles, store: Store
) -> None:
    office, url = stand_in
    item = auth_item("O-A1", LINES, NOW, code=code_needing_escapes())
    office.items[item["code"]] = item
    with HttpCentralClient(url, "S001", KEY, ca_file=str(tls.ca_file)) as client:
        assert client.fetch_authorization(item["code"]) == proto.ReturnAuthorization.model_validate(
            item
        ).model_dump(mode="json")
        assert client.fetch_authorization("0" * 11) is None
        report = pull_all(store.engine, client, resources=("authorizations",))
    assert report.pulled["authorizations"] == 1
    with UnitOfWork(store.engine) as uow:
        assert store_auth.load_authorization(uow.conn, item["code"]) is not None
    _wire(store, url, tls)
    draft = store.desk.open_authorization(display_code(item["code"]), store.user("alice"))
    ref = confirm(store, draft).ref
    assert office.claims == [("S001", item["code"], ref)]
    # a second store: refused at the counter, with the store and the date
    other = HttpCentralClient(url, "S002", KEY, ca_file=str(tls.ca_file))
    with other, pytest.raises(AuthorizationConflict) as conflict:
        other.claim_authorization(item["code"], "R-S002-C1-000001")
    assert conflict.value.code == "authorization_used" and "S001" in str(conflict.value)


def test_claim_refused_at_commit_names_the_other_store(
    stand_in: tuple[StandIn, str], tls: TlsFiles, store: Store
) -> None:
    office, url = stand_in
    item = auth_item("O-A1", LINES, NOW)
    office.items[item["code"]] = item
    _wire(store, url, tls)
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    item.update(status="used", used_by_store="S002", used_return_ref="R-S002-C1-000004",
                used_at="2026-11-20T14:00:00+00:00")  # fmt: skip
    with pytest.raises(AuthorizationRefused, match="already used at store S002 on 20 Nov 2026"):
        confirm(store, draft)


def test_a_tampered_answer_is_not_believed(tls: TlsFiles, store: Store) -> None:
    office = StandIn(answer_key="x" * 64)
    item = auth_item("O-A1", LINES, NOW)
    office.items[item["code"]] = item
    with ServerThread(office.app(), tls=tls) as server:
        client = HttpCentralClient(server.base_url, "S001", KEY, ca_file=str(tls.ca_file))
        with client, pytest.raises(CentralUntrusted):
            client.fetch_authorization(item["code"])
        _wire(store, server.base_url, tls)
        with pytest.raises(AuthorizationRefused) as refused:
            store.desk.open_authorization(item["code"], store.user("alice"))
    assert str(refused.value) == NOT_HERE_YET


def test_a_head_office_without_the_routes(tls: TlsFiles, store: Store) -> None:
    office = StandIn(with_routes=False)
    with ServerThread(office.app(), tls=tls) as server:
        client = HttpCentralClient(server.base_url, "S001", KEY, ca_file=str(tls.ca_file))
        with client, pytest.raises(CentralUntrusted):  # an unsigned 404 is no answer
            client.fetch_authorization("0" * 11)
        with HttpCentralClient(server.base_url, "S001", KEY, ca_file=str(tls.ca_file)) as c:
            report = pull_all(store.engine, c, resources=("authorizations",))
        assert report.pulled == {"authorizations": 0}  # not published there yet: no error
        with UnitOfWork(store.engine, write=True) as uow:
            item = auth_item("O-A1", LINES, NOW)
            store_auth.save_authorization(uow.conn, item)
            uow.commit()
        _wire(store, server.base_url, tls)
        draft = store.desk.open_authorization(item["code"], store.user("alice"))
        assert sorted(draft.lines) == [1, 3]  # the pulled copy decided
