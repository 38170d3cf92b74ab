"""Return authorizations end to end on loopback: head office over TLS (SQLite and
PostgreSQL), the returns portal with its bearer key, a real SMTP server (aiosmtpd), the real
QR decoder (zxing-cpp) on the PNG head office answers and e-mails, stores fetching, claiming
and pulling with signed requests."""

from __future__ import annotations

import base64
import io
import json
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import Engine

from counter_app import sync_protocol as proto
from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.testing import ServerThread, SignedClient, TlsFiles
from counter_app.domain.auth_code import display_code, parse_code
from tests.e2e.browser import Browser
from tests.integration.authorization_helpers import committed, request, seed
from tests.integration.test_notifications import Inbox, free_port
from tests.pg import PostgresServer

PORTAL = "/v1/return-authorizations"


@dataclass
class Live:
    engine: Engine
    base_url: str
    ca: Path
    keys: dict[str, str]
    portal_key: str
    inbox: Inbox

    def portal(self, body: dict[str, Any], key: str | None = None, **headers: str) -> Any:
        context = ssl.create_default_context(cafile=str(self.ca))
        sent = {"Content-Type": "application/json", **headers}
        if key is not False:
            sent["Authorization"] = f"Bearer {key or self.portal_key}"
        with httpx.Client(base_url=self.base_url, verify=context, timeout=30) as http:
            return http.post(PORTAL, content=json.dumps(body).encode(), headers=sent)

    def store(self, code: str) -> SignedClient:
        return SignedClient(self.base_url, code, self.keys[code], ca_file=self.ca)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    central_db.upgrade(url)
    engine = central_db.make_engine(url)
    keys = seed(engine)
    portal_key = service.add_portal_key(engine, "web-shop", datetime.now(UTC))
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings = CentralSettings(
        db_url=url, engine=engine, smtp_url=f"smtp://127.0.0.1:{smtp.port}",
        mail_from="returns@shop.example", public_url="https://returns.shop.example/",
    )  # fmt: skip
    tls = TlsFiles.make(tmp_path / "tls")
    http = ServerThread(create_app(settings), tls=tls).start()
    try:
        yield Live(engine, http.base_url, tls.ca_file, keys, portal_key, inbox)
    finally:
        http.stop()
        smtp.stop()
        engine.dispose()


def decode_qr(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def mail_to(inbox: Inbox, address: str) -> EmailMessage:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for _, recipients, mail in inbox.messages:
            if address in recipients:
                return mail
        time.sleep(0.05)
    raise AssertionError(f"no e-mail to {address}")


def body(wanted: proto.AuthorizationRequest) -> dict[str, Any]:
    return wanted.model_dump(mode="json")


def check_email(mail: EmailMessage, shown: str, words: tuple[str, ...]) -> None:
    assert shown in str(mail["Subject"]) and mail["X-Return-Authorization"] == shown
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert shown in plain and all(word in plain for word in words), plain
    images = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    cid = str(images[0]["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html.get_content()
    assert decode_qr(images[0].get_payload(decode=True)) == [shown]


def test_the_portal_creates_a_signed_code_with_a_qr_and_the_customer_gets_the_email(
    live: Live,
) -> None:
    nonce, stamp = proto.new_nonce(), str(int(time.time()))
    answer = live.portal(
        body(request(email="ada@example.com")), **{"X-Nonce": nonce, "X-Timestamp": stamp}
    )
    assert answer.status_code == 201, answer.text
    proto.verify_response(
        201, stamp, nonce, answer.content, answer.headers.get("X-Signature"), live.portal_key
    )
    created = proto.AuthorizationCreated.model_validate_json(answer.content)
    code = created.authorization.code
    assert parse_code(created.display_code) == code and created.display_code == display_code(code)
    assert decode_qr(base64.b64decode(created.qr_png_base64)) == [created.display_code]
    assert created.qr_svg.startswith("<svg") and created.status_path.endswith(
        created.authorization.status_token
    )
    english = mail_to(live.inbox, "ada@example.com")
    link = f"https://returns.shop.example{created.status_path}"
    check_email(english, created.display_code, ("Product SKU-1", "What to bring", "Ada", link))
    # without a nonce of its own, the answer is signed over the ones head office echoes
    chinese = live.portal(body(request("O-ZH", ((1, 1, "defective"),), "wang@example.cn")))
    assert chinese.status_code == 201, chinese.text
    proto.verify_response(
        201, chinese.headers["X-Timestamp"], chinese.headers["X-Nonce"], chinese.content,
        chinese.headers.get("X-Signature"), live.portal_key,
    )  # fmt: skip
    shown = chinese.json()["display_code"]
    check_email(
        mail_to(live.inbox, "wang@example.cn"),
        shown,
        ("退货码", "请携带", "王芳", "有缺陷 / 无法使用"),
    )


def test_the_portal_is_refused_with_a_code_and_bad_keys_are_counted(live: Live) -> None:
    final = live.portal(body(request(lines=((2, 1, "wrong_size"),))))
    assert (final.status_code, final.json()["error"]) == (422, "final_sale")
    assert final.headers["X-Signature"]  # a refusal to the portal is signed too
    assert live.portal(body(request(lines=((1, 2, "wrong_size"),)))).status_code == 201
    again = live.portal(body(request()))
    assert (again.status_code, again.json()["error"]) == (422, "already_authorized")
    assert live.portal({"order_number": "O-1"}).json()["error"] == "schema_violation"
    old_key = service.add_portal_key(live.engine, "old", datetime.now(UTC))
    service.revoke_portal_key(live.engine, "old", datetime.now(UTC))
    for key in (False, "not-a-key", old_key):
        refused = live.portal(body(request()), key=key)  # type: ignore[arg-type]
        assert refused.status_code == 401 and "X-Signature" not in refused.headers
    stale = live.portal(body(request()), **{"X-Nonce": proto.new_nonce(), "X-Timestamp": "5"})
    assert stale.status_code == 401
    for _ in range(6):  # ten failures in a minute
        assert live.portal(body(request()), key="guess").status_code == 401
    throttled = live.portal(body(request()))  # even the right key waits now
    assert (throttled.status_code, throttled.json()["error"]) == (429, "rate_limited")


def test_stores_fetch_claim_once_and_pull(live: Live) -> None:
    now = datetime.now(UTC)
    made = service.create_authorization(live.engine, request(), now, "t").authorization
    cancel_me = request(lines=((3, 1, "defective"),))
    gone = service.create_authorization(live.engine, cancel_me, now, "t")
    service.cancel_authorization(live.engine, gone.display_code, now, "hq")
    dead = service.create_authorization(live.engine, request(), now, "t", days=0).authorization
    one, two = live.store("S001"), live.store("S002")
    base = "/v1/stores/{s}/authorizations/{c}"

    def claim(client: SignedClient, code: str, ref: str) -> httpx.Response:
        raw = json.dumps({"return_ref": ref}).encode()
        return client.request("POST", base.format(s=client.store, c=code) + "/claim", raw)

    fetched = one.request("GET", base.format(s="S001", c=display_code(made.code)))
    assert fetched.status_code == 200 and fetched.json()["status"] == "open"
    tampered = made.code[:-1] + ("0" if made.code[-1] != "0" else "1")
    for bad in (tampered, "7K3QD9MZ2XF", "RA-NOPE"):
        for response in (one.request("GET", base.format(s="S001", c=bad)), claim(one, bad, "R")):
            assert (response.status_code, response.json()["error"]) == (
                404, "unknown_authorization"
            )  # fmt: skip
    for code, status in ((gone.authorization.code, "cancelled"), (dead.code, "expired")):
        assert one.request("GET", base.format(s="S001", c=code)).json()["status"] == status
        refused = claim(one, code, "R-X")
        assert refused.status_code == 409 and refused.json()["error"] == f"authorization_{status}"
        assert now.date().isoformat() in refused.json()["message"]
    first = claim(one, made.code, "R-1")
    assert first.status_code == 200 and first.json()["used_by_store"] == "S001"
    assert claim(one, made.code, "R-1").json() == first.json()  # idempotent
    second = claim(two, made.code, "R-9")
    assert second.status_code == 409 and second.json()["error"] == "authorization_used"
    assert f"store S001 on {now.date().isoformat()}" in second.json()["message"]
    assert claim(one, made.code, "R-1").status_code == 200
    forbidden = one.request("POST", base.format(s="S002", c=made.code) + "/claim", b"{}")
    assert forbidden.status_code == 403
    # offline at S002: its return with the code comes by sync and is refused with the reason
    pushed = two.push([committed("S002", "R-9", [(1, "SKU-1", 1)], made.code)]).json()
    assert pushed["results"][0]["reason"].startswith("authorization_used")
    items, cursor = one.pull_all("authorizations", limit=2)
    assert {i["code"] for i in items} == {made.code, gone.authorization.code, dead.code}
    assert one.pull("authorizations", cursor=cursor).json()["items"] == []
    one.close()
    two.close()


def test_the_emails_render_in_a_browser_with_their_qr(
    live: Live, browser: Browser, tmp_path: Path
) -> None:
    """What the customer sees: each e-mail's HTML part opened in Chromium, the inline QR
    put where its cid points; screenshots under artifacts/screenshots/email/."""
    chinese = request("O-ZH", ((1, 1, "defective"),), "wang@example.cn")
    sent = (
        ("ada@example.com", request(email="ada@example.com"), "en"),
        ("wang@example.cn", chinese, "zh"),
    )
    for address, wanted, language in sent:
        assert live.portal(body(wanted)).status_code == 201
        mail = mail_to(live.inbox, address)
        html = mail.get_body(preferencelist=("html",))
        assert html is not None
        page = html.get_content()
        for part in mail.walk():
            if part.get_content_type() == "image/png":
                cid = str(part["Content-ID"]).strip("<>")
                data = base64.b64encode(part.get_payload(decode=True)).decode()
                page = page.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
        file = tmp_path / f"mail-{language}.html"
        file.write_text(page, encoding="utf-8")
        browser.resize(600, 900)
        browser.open(file.as_uri())
        shown = str(mail["X-Return-Authorization"])
        assert shown in browser.text
        width = browser.driver.execute_script("return document.images[0].naturalWidth")
        assert int(width) > 100  # the QR drew
        browser.screenshot(f"authorization-{language}", folder="email")
