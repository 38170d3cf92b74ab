"""The head-office page, rendered by a real headless Chromium over https, shows stores and
sync state once a head-office account signs in through the form.

Needs the Debian package `chromium` (/usr/bin/chromium). Saves a screenshot under
artifacts/central/ for a human look.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.db import make_engine, upgrade
from counter_app.central.service import admins
from counter_app.central.testing import (
    ServerThread,
    SignedClient,
    TlsFiles,
    message,
    return_message,
    seed_reference,
    stock_message,
)
from tests.e2e.cdp import Chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "central"
PASSWORD = "correct horse battery staple"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[str]:
    """A central service with three stores in different states; yields its base URL."""
    url = f"sqlite:///{tmp_path}/central.db"
    upgrade(url)
    engine = make_engine(url)
    admins.add_admin(engine, "hq", PASSWORD)
    key = service.add_store(engine, "S001", "Downtown")
    service.add_store(engine, "S002", "Airport")
    service.add_store(engine, "S003", "<script>alert('x')</script> & Co")
    seed_reference(engine)
    service.publish_orders(
        engine,
        [
            proto.Order.model_validate(
                {
                    "number": "O-1",
                    "channel": "online",
                    "placed_at": "2026-11-01T10:00:00+00:00",
                    "currency": "USD",
                    "lines": [
                        {
                            "line_no": 1,
                            "sku": "SKU-1",
                            "quantity": 1,
                            "unit_price_minor": 1999,
                            "paid_minor": 1999,
                        }
                    ],
                    "payments": [
                        {
                            "tender": "card",
                            "amount_minor": 1999,
                            "card_brand": "VISA",
                            "card_last4": "4242",
                        }
                    ],
                }
            )
        ],
    )
    tls = TlsFiles.make(tmp_path / "tls")
    app = create_app(CentralSettings(db_url=url, engine=engine))
    server = ServerThread(app, tls=tls).start()
    with SignedClient(server.base_url, "S001", key, ca_file=tls.ca_file) as client:
        batch: list[dict[str, Any]] = [
            return_message("S001", "R-S001-C1-1", "O-1", [(1, "SKU-1", 1)]),
            return_message("S001", "R-S001-C1-2", "O-1", [(1, "SKU-1", 1)]),  # rejected
            stock_message("S001"),
            message("audit.head", "S001", {"seq": 17, "hash": "0f" * 32}),
        ]
        assert client.push(batch).status_code == 200
    try:
        yield server.base_url
    finally:
        server.stop()
        engine.dispose()


def test_head_office_page_shows_stores_and_sync_state(head_office: str, tmp_path: Path) -> None:
    binary = chromium()
    assert binary is not None, "chromium is missing: `make test` installs it (apt chromium)"
    browser = Chromium(binary, tmp_path / "profile")
    try:
        browser.open(head_office + "/")  # not signed in: sent to the sign-in form
        assert browser.evaluate("location.pathname") == "/login"
        assert "Downtown" not in browser.evaluate("document.body.innerText")
        browser.evaluate(
            "document.querySelector('[name=username]').value = 'hq';"
            f"document.querySelector('[name=password]').value = {PASSWORD!r};"
            "document.querySelector('form.login').submit()"
        )
        browser.wait_for_load()
        assert browser.evaluate("location.pathname") == "/"
        assert browser.evaluate("document.cookie") == ""  # HttpOnly: no script reads it
        html = browser.evaluate("document.documentElement.outerHTML")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "head_office_page.png"
        browser.screenshot(shot)
    finally:
        browser.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = dict(re.findall(r'<tr class="[^"]*" data-store="([^"]+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"S001", "S002", "S003"}

    s1 = rows["S001"]
    assert "Downtown" in s1
    assert re.search(r'class="messages num">4<', s1)  # all four received, one rejected
    assert re.search(r'class="exceptions num open">1<', s1)
    assert re.search(r'class="last-sync">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<', s1)
    assert "#17" in s1

    assert re.search(r'<tr class="never" data-store="S002">', html)
    assert re.search(r'class="last-sync">never<', rows["S002"])
    assert re.search(r'class="exceptions num">0<', rows["S002"])

    # Hostile text is shown as text, never run: the DOM holds no script element.
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; Co" in rows["S003"]
    assert "<script" not in html
