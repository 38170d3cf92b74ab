"""Transport and access at head office: signed answers, replay and skew, one 401 for every
authentication failure, key rotation and revocation, TLS, and the signed-in page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from counter_app import sync_protocol as proto
from counter_app.adapters.central_client import (
    CentralRefused,
    CentralUnavailable,
    CentralUntrusted,
    HttpCentralClient,
)
from counter_app.central import service
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.master_key import MasterKey
from counter_app.central.service import admins
from counter_app.central.service.tx import utcnow
from counter_app.central.testing import ServerThread, SignedClient, TlsFiles, stock_message
from counter_app.config import check_setting
from tests.integration.central_fixtures import LiveCentral

PUSH = "/v1/stores/S001/messages"


@pytest.fixture
def uncached(central: LiveCentral) -> Iterator[str]:
    """The same database served by an app that never caches keys (revocation is immediate)."""
    app = create_app(
        CentralSettings(db_url="", engine=central.engine, key_cache_seconds=0, admin_key="a-k")
    )
    with ServerThread(app) as server:
        yield server.base_url


def _body() -> bytes:
    return json.dumps({"messages": [stock_message("S001")]}).encode()


# ---------------------------------------------------------------- signed answers


def test_answers_are_signed_over_status_body_and_the_requests_nonce(central: LiveCentral) -> None:
    key = central.add_store("S001")
    client = central.client("S001")
    headers = proto.sign_request("GET", "/v1/stores/S001/catalog?limit=5", b"", "S001", key,
                                 time.time())  # fmt: skip
    answer = client.http.get("/v1/stores/S001/catalog?limit=5", headers=headers)
    assert answer.status_code == 200
    proto.verify_response(200, headers[proto.HEADER_TIMESTAMP], headers[proto.HEADER_NONCE],
                          answer.content, answer.headers.get("X-Signature"), key)  # fmt: skip
    with pytest.raises(proto.SignatureError):  # bound to this request's nonce
        proto.verify_response(200, headers[proto.HEADER_TIMESTAMP], proto.new_nonce(),
                              answer.content, answer.headers.get("X-Signature"), key)  # fmt: skip


def _client_behind(central: LiveCentral, forge: Any) -> HttpCentralClient:
    """A store client whose answers pass through `forge(request, real_response)`."""
    real = httpx.Client(base_url=central.base_url)

    def handler(request: httpx.Request) -> httpx.Response:
        upstream = real.send(real.build_request(request.method, str(request.url.raw_path,
                                                                    "ascii"),
                                                content=request.content,
                                                headers=dict(request.headers)))  # fmt: skip
        return forge(request, upstream)

    return HttpCentralClient(central.base_url, "S001", central.keys["S001"],
                             transport=httpx.MockTransport(handler))  # fmt: skip


def test_the_client_refuses_unsigned_forged_and_replayed_answers(central: LiveCentral) -> None:
    central.add_store("S001")
    injected = {"items": [{"username": "mallory", "display_name": "M", "role": "admin",
                           "pin_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                           "active": True}], "next_cursor": "9", "has_more": False}  # fmt: skip

    def unsigned(_req: httpx.Request, _up: httpx.Response) -> httpx.Response:
        return httpx.Response(200, json=injected)

    def mismatched(_req: httpx.Request, up: httpx.Response) -> httpx.Response:
        signature = up.headers["X-Signature"]  # a real signature, over another body
        return httpx.Response(200, json=injected, headers={"X-Signature": signature})

    recorded: list[httpx.Response] = []

    def replayed(_req: httpx.Request, up: httpx.Response) -> httpx.Response:
        recorded.append(up)  # answer the second request with the first's (signed) answer
        first = recorded[0]
        return httpx.Response(first.status_code, content=first.content,
                              headers={"X-Signature": first.headers["X-Signature"]})  # fmt: skip

    for forge in (unsigned, mismatched):
        with _client_behind(central, forge) as client, pytest.raises(CentralUntrusted) as caught:
            client.pull("staff", None, 10)
        assert "signature" in str(caught.value) and "nothing was applied" in str(caught.value)
        assert isinstance(caught.value, CentralUnavailable)  # handled like a network failure
    with _client_behind(central, replayed) as client:
        client.pull("staff", None, 10)
        with pytest.raises(CentralUntrusted):
            client.pull("staff", None, 10)
    # Untouched answers pass.
    with _client_behind(central, lambda _r, up: up) as client:
        assert client.pull("staff", None, 10)["items"] == []


# ---------------------------------------------------------------- replay, skew, one 401


def test_a_replayed_request_is_refused_and_refreshes_nothing(central: LiveCentral) -> None:
    key = central.add_store("S001")
    client = central.client("S001")
    path = "/v1/stores/S001/status"
    headers = proto.sign_request("GET", path, b"", "S001", key, time.time())
    assert client.http.get(path, headers=headers).status_code == 200
    seen = service.store_statuses(central.engine, "S001")[0].last_contact_at
    time.sleep(0.05)
    assert client.http.get(path, headers=headers).status_code == 401
    assert service.store_statuses(central.engine, "S001")[0].last_contact_at == seen
    # The same body with a fresh nonce is a new request.
    assert client.request("POST", PUSH, _body()).status_code == 200


def test_future_skew_over_thirty_seconds_is_refused(central: LiveCentral) -> None:
    central.add_store("S001")
    client = central.client("S001")
    assert client.request("GET", "/v1/stores/S001/status", now=time.time() + 25).status_code == 200
    assert client.request("GET", "/v1/stores/S001/status", now=time.time() + 35).status_code == 401
    assert client.request("GET", "/v1/stores/S001/status", now=time.time() - 250).status_code == 200


def test_every_authentication_failure_gets_the_same_401(
    central: LiveCentral, uncached: str
) -> None:
    key = central.add_store("S001")
    central.add_store("S002")
    service.add_store(central.engine, "S003", "Revoked")
    service.revoke_keys(central.engine, "S003")
    client = SignedClient(uncached, "S001", key)
    body = _body()
    replay = proto.sign_request("POST", PUSH, body, "S001", key, time.time())
    assert client.http.post(PUSH, content=body, headers=replay).status_code == 200
    answers = [
        client.http.post(PUSH, content=body),  # unsigned
        client.request("POST", PUSH, body, store="S404"),  # unknown store
        client.request("POST", "/v1/stores/S404/messages", body, store="S404"),
        client.request("POST", PUSH, body, key="0" * 64),  # wrong key
        client.request("POST", PUSH, body, key=central.keys["S002"]),  # another store's key
        client.request("POST", PUSH, body, now=time.time() - 400),  # stale
        client.request("POST", PUSH, body, now=time.time() + 60),  # from the future
        client.http.post(PUSH, content=body, headers=replay),  # replay
        client.request("POST", "/v1/stores/S003/messages", body, store="S003"),  # revoked
    ]
    client.close()
    assert {a.status_code for a in answers} == {401}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json() == {"error": "unauthorized", "message": "authentication failed",
                                 "details": []}  # fmt: skip
    assert all("X-Signature" not in a.headers for a in answers)


# ---------------------------------------------------------------- keys


def test_a_rotated_key_overlaps_for_the_grace_then_stops(
    central: LiveCentral, uncached: str
) -> None:
    old = central.add_store("S001")
    master = MasterKey.resolve()
    new = service.rotate_key(central.engine, "S001", master, grace=timedelta(hours=24))
    assert new != old
    for key in (old, new):
        with SignedClient(uncached, "S001", key) as client:
            assert client.request("POST", PUSH, _body()).status_code == 200
    # A rotation whose grace is over: only the newest key works.
    newest = service.rotate_key(central.engine, "S001", master, grace=timedelta(hours=24),
                                now=utcnow() - timedelta(hours=25))  # fmt: skip
    for key, status in ((old, 401), (new, 401), (newest, 200)):
        with SignedClient(uncached, "S001", key) as client:
            assert client.request("POST", PUSH, _body()).status_code == status, key


def test_a_revoked_store_cannot_sync_until_issued_a_new_key(
    central: LiveCentral, uncached: str
) -> None:
    key = central.add_store("S001")
    assert service.revoke_keys(central.engine, "S001") == 1
    with HttpCentralClient(uncached, "S001", key) as client, pytest.raises(CentralRefused):
        client.pull("catalog", None, 10)
    fresh = service.rotate_key(central.engine, "S001", MasterKey.resolve())
    with HttpCentralClient(uncached, "S001", fresh) as client:
        assert client.pull("catalog", None, 10)["has_more"] is False


def test_store_keys_are_sealed_at_rest(central: LiveCentral) -> None:
    key = central.add_store("S001")
    with central.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT key_enc FROM store_keys").scalars().all()
    assert len(stored) == 1 and key not in stored[0]
    with pytest.raises(ValueError, match="wrong master key"):
        service.valid_keys(central.engine, "S001", MasterKey(MasterKey.generate()))


# ---------------------------------------------------------------- TLS


def test_tls_certificate_is_verified_against_the_configured_ca(
    central: LiveCentral, tmp_path: Path
) -> None:
    central.add_store("S001")
    good = TlsFiles.make(tmp_path / "good")
    other = TlsFiles.make(tmp_path / "other")
    app = create_app(CentralSettings(db_url="", engine=central.engine))
    with ServerThread(app, tls=good) as server:
        url = server.base_url
        assert url.startswith("https://")
        with HttpCentralClient(url, "S001", central.keys["S001"],
                               ca_file=str(good.ca_file)) as client:  # fmt: skip
            assert client.pull("catalog", None, 10)["items"] == []
        for ca in (str(other.ca_file), None):  # another CA, or the system's
            client = HttpCentralClient(url, "S001", central.keys["S001"], ca_file=ca)
            with client, pytest.raises(CentralUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
                client.pull("catalog", None, 10)


@pytest.mark.parametrize("url", ["http://head.example.com", "http://10.0.0.5:8700",
                                 "http://127.0.0.1.example.com"])  # fmt: skip
def test_plain_http_is_refused_except_to_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="refusing plain http://"):
        HttpCentralClient(url, "S001", "k")
    with pytest.raises(ValueError, match="https://"):
        check_setting("central_url", url)
    for loopback in ("http://127.0.0.1:8700", "http://localhost:8700", "http://[::1]:8700"):
        HttpCentralClient(loopback, "S001", "k").close()
        assert check_setting("central_url", loopback) == loopback


def test_the_ca_file_setting_must_hold_a_certificate(tmp_path: Path) -> None:
    tls = TlsFiles.make(tmp_path)
    assert check_setting("central_ca_file", str(tls.ca_file)) == str(tls.ca_file)
    with pytest.raises(ValueError, match="readable"):
        check_setting("central_ca_file", str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match="PEM certificate"):
        check_setting("central_ca_file", str(tls.key_file))


# ---------------------------------------------------------------- the page


@pytest.fixture
def default_app(central: LiveCentral) -> Iterator[str]:
    """The app as `central serve` builds it by default (no /openapi.json)."""
    with ServerThread(create_app(CentralSettings(db_url="", engine=central.engine))) as server:
        yield server.base_url


def test_the_page_needs_sign_in_and_every_answer_has_security_headers(
    central: LiveCentral, default_app: str
) -> None:
    central.add_store("S001", "Downtown")
    admins.add_admin(central.engine, "hq", "correct horse battery")
    with httpx.Client(base_url=default_app) as browser:
        refused = browser.get("/console/sync")
        assert refused.status_code == 303 and refused.headers["location"] == "/login"
        assert "Downtown" not in refused.text
        wrong = browser.post("/login", data={"username": "hq", "password": "wrong password!"})
        assert wrong.status_code == 401 and "Set-Cookie" not in wrong.headers
        nobody = browser.post("/login", data={"username": "nobody", "password": "x" * 12})
        assert nobody.status_code == 401 and nobody.text == wrong.text
        signed_in = browser.post("/login", data={"username": "hq",
                                                 "password": "correct horse battery"})
        assert signed_in.status_code == 303
        cookie = signed_in.headers["set-cookie"]
        for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
            assert flag.lower() in cookie.lower(), cookie
        token = signed_in.cookies["central_session"]
        home = browser.get("/", headers={"Cookie": f"central_session={token}"})
        assert home.status_code == 303 and home.headers["location"] == "/console/returns"
        page = browser.get("/console/sync", headers={"Cookie": f"central_session={token}"})
        assert page.status_code == 200 and "Downtown" in page.text
        answers = [refused, wrong, page, browser.get("/healthz"), browser.get("/v1/status"),
                   browser.get("/login")]  # fmt: skip
        for answer in answers:
            csp = answer.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "no-referrer"
        out = browser.post("/logout", headers={"Cookie": f"central_session={token}"})
        assert out.status_code == 303
        gone = browser.get("/console/sync", headers={"Cookie": f"central_session={token}"})
        assert gone.status_code == 303 and gone.headers["location"] == "/login"


def test_admin_passwords_are_argon2id_and_long(central: LiveCentral) -> None:
    with pytest.raises(ValueError, match="at least 12"):
        admins.add_admin(central.engine, "hq", "short")
    admins.add_admin(central.engine, "hq", "a long enough password")
    with central.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM admins").scalar_one()
    assert stored.startswith("$argon2id$") and "m=65536" in stored


def test_openapi_is_off_by_default(default_app: str) -> None:
    assert httpx.get(f"{default_app}/openapi.json").status_code == 404
    assert httpx.get(f"{default_app}/docs").status_code == 404


def test_unsigned_refusals_the_client_accepts_apply_nothing(central: LiveCentral) -> None:
    """Head office cannot sign a 401 (wrong key) or a 413 (refused by size before the body and
    its signature are read): the client reports both as refusals, never as data."""
    central.add_store("S001")
    wrong = HttpCentralClient(central.base_url, "S001", "0" * 64)
    with wrong, pytest.raises(CentralRefused) as wrong_key:
        wrong.pull("catalog", None, 10)
    assert wrong_key.value.status_code == 401
    huge = [stock_message("S001") | {"pad": "x" * 1000} for _ in range(6000)]
    client = HttpCentralClient(central.base_url, "S001", central.keys["S001"])
    with client, pytest.raises(CentralRefused) as too_big:
        client.push(huge)
    assert too_big.value.status_code == 413 and too_big.value.bad_content
