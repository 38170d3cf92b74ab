"""The console's charts and the public status page over real HTTP (uvicorn on 127.0.0.1):
charts need sign-in, every SVG parses, carries its Chinese title when asked in Chinese and
is served under a CSP that allows exactly its style; the status page follows a return
authorized -> received -> settled, shows no PII beyond the first name, and answers unknown
and malformed tokens with one identical 404; a client asking too often gets 429."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlalchemy import Engine

from counter_app.central import charts, service
from counter_app.central.api.status_page_routes import LIMIT, ClientLimit
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.db import make_engine, upgrade
from counter_app.central.service import admins
from counter_app.central.service.authorizations import create_authorization
from counter_app.central.testing import ServerThread
from tests.integration import authorization_helpers as ah
from tests.integration.chart_helpers import NOW, seed

PASSWORD = "correct horse battery staple"
RETURN_TOKEN = "rT0k3n-return-status_1"  # 22 URL-safe characters, as a store makes them


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


def serve(engine: Engine, now: datetime) -> ServerThread:
    settings = CentralSettings(
        db_url="", engine=engine, secure_cookies=False, clock=lambda: now.timestamp()
    )
    return ServerThread(create_app(settings)).start()


@pytest.fixture
def signed_in(engine: Engine) -> Iterator[httpx.Client]:
    seed(engine)
    admins.add_admin(engine, "hq", PASSWORD)
    server = serve(engine, NOW)
    try:
        with httpx.Client(base_url=server.base_url) as client:
            for path in ("/console/charts", "/console/charts/returns-by-reason.svg"):
                refused = client.get(path)
                assert refused.status_code == 303 and refused.headers["location"] == "/login"
            signed = client.post("/login", data={"username": "hq", "password": PASSWORD})
            assert signed.status_code == 303
            client.cookies.set("central_session", signed.cookies["central_session"])
            yield client
    finally:
        server.stop()


def test_charts_page_and_every_svg(signed_in: httpx.Client) -> None:
    page = signed_in.get("/console/charts", params={"weeks": "4"})
    assert page.status_code == 200
    sources = re.findall(r'<img src="([^"]+)"', page.text)
    assert len(sources) == len(charts.CHARTS) == 6
    assert "2026-11-02 – 2026-11-30" in page.text  # four weeks up to the week of NOW
    for name, spec in charts.CHARTS.items():
        for lang, header in (("zh", "zh-CN,zh;q=0.9"), ("en", "en-GB")):
            answer = signed_in.get(
                f"/console/charts/{name}.svg", headers={"Accept-Language": header}
            )
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"].startswith("image/svg+xml")
            ET.fromstring(answer.content)  # well-formed
            assert spec.title[lang][:4] in answer.text
            csp = answer.headers["content-security-policy"]
            assert csp.count("content-security-policy") == 0 and "unsafe" not in csp
            assert re.fullmatch(
                r"default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; "
                r"frame-ancestors 'none'; base-uri 'none'",
                csp,
            ), csp
            assert charts.style_hashes(answer.text)[0] in csp
    zh = signed_in.get("/console/charts/return-rate-by-store.svg?lang=zh&weeks=2")
    assert "各门店每周退货率" in zh.text and "WenQuanYi Zen Hei" in zh.text
    assert ">S001<" in zh.text and ">S002<" in zh.text


def test_bad_chart_input_gets_one_line(signed_in: httpx.Client) -> None:
    page = signed_in.get("/console/charts", params={"weeks": "lots"})
    assert page.status_code == 200
    assert "Weeks must be a whole number from 1 to 52; showing 12." in page.text
    bad = signed_in.get("/console/charts/returns-by-reason.svg", params={"weeks": "99"})
    assert bad.status_code == 400 and bad.text.count("\n") == 1
    missing = signed_in.get("/console/charts/nope.svg")
    assert missing.status_code == 404 and missing.text == "No such chart.\n"


def _steps(html: str) -> dict[str, str]:
    """data-step -> 'done' | 'pending', in page order."""
    found = re.findall(r'<li class="step (done|pending)" data-step="([a-z]+)">', html)
    return {step: state for state, step in found}


def test_status_page_follows_authorize_receive_settle(engine: Engine) -> None:
    now = datetime.now(UTC)
    ah.seed(engine, now)
    created = create_authorization(engine, ah.request(lines=((1, 1, "wrong_size"),)), now, "t")
    token = created.authorization.status_token
    server = serve(engine, now)
    try:
        with httpx.Client(base_url=server.base_url) as client:
            zh = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
            page = client.get(f"/r/{token}")
            assert page.status_code == 200
            assert _steps(page.text) == {"authorized": "done", "received": "pending",
                                         "refunded": "pending"}  # fmt: skip
            assert "Hello Ada," in page.text and "Product SKU-1" in page.text
            assert "<h2>Items</h2>" in page.text
            assert 'name="viewport"' in page.text
            assert "您好" in client.get(f"/r/{token}", headers=zh).text
            wire = ah.committed("S001", "R-S001-1", [(1, "SKU-1", 1)],
                                code=created.authorization.code, token=RETURN_TOKEN,
                                at=now + timedelta(minutes=5))  # fmt: skip
            [result] = ah.push(engine, "S001", wire, now=now + timedelta(minutes=6))
            assert result.status == "accepted", result
            for path in (f"/r/{token}", f"/r/{RETURN_TOKEN}"):
                received = client.get(path).text
                assert _steps(received) == {"authorized": "done", "received": "done",
                                            "refunded": "done", "settled": "pending"}  # fmt: skip
                assert "Received at Store S001" in received and "USD 19.99 to your card" in received
                for secret in ("Lovelace", "4242", "ada@example.com", "O-1<", created.display_code,
                               created.authorization.code):  # fmt: skip
                    assert secret not in received, secret
            service.settle(engine, "R-S001-1", now=now + timedelta(days=1))
            settled = client.get(f"/r/{RETURN_TOKEN}", headers=zh).text
            assert _steps(settled)["settled"] == "done"
            assert "银行卡退款已完成" in settled and "在Store S001收到商品" in settled
            unknown = client.get("/r/AAAAAAAAAAAAAAAAAAAAAA")
            malformed = client.get("/r/<script>")
            longer = client.get("/r/" + token + "x")
            assert unknown.status_code == malformed.status_code == longer.status_code == 404
            assert unknown.text == malformed.text == longer.text
            assert "There is no return at this address." in unknown.text
    finally:
        server.stop()


def test_a_client_asking_too_often_is_told_to_wait(engine: Engine) -> None:
    limit = ClientLimit(limit=3, window=60)
    assert [limit.allow("1.2.3.4", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limit.allow("5.6.7.8", now=3) and limit.allow("1.2.3.4", now=60.5)
    server = serve(engine, NOW)
    try:
        with httpx.Client(base_url=server.base_url) as client:
            codes = [client.get("/r/AAAAAAAAAAAAAAAAAAAAAA").status_code for _ in range(LIMIT)]
            assert codes == [404] * LIMIT
            busy = client.get("/r/AAAAAAAAAAAAAAAAAAAAAA")
            assert busy.status_code == 429 and "Please try again in a minute." in busy.text
    finally:
        server.stop()
