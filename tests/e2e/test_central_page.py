"""The head-office console's sync-health page, rendered by a real headless Chromium (Selenium)
over https, shows stores and sync state once a head-office account signs in through the form.

Needs Debian's `chromium` and `chromium-driver`. Saves a screenshot under
artifacts/screenshots/console/ for a human look.
"""

from __future__ import annotations

import re
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
from tests.e2e.browser import Browser

PASSWORD = "correct horse battery staple"


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


def test_sync_health_page_shows_stores_and_sync_state(head_office: str, browser: Browser) -> None:
    browser.base_url = head_office
    browser.open("/")  # not signed in: sent to the sign-in form
    assert browser.path == "/login"
    assert "Downtown" not in browser.text
    browser.sign_in("hq", PASSWORD)
    assert browser.path == "/console/returns"
    browser.open("/console/sync")
    assert browser.driver.execute_script("return document.cookie") == ""  # HttpOnly
    html = browser.html
    # the served stylesheet applied (CSP style-src 'self'): the nav bar is dark
    nav = browser.find("header.top")
    assert nav.value_of_css_property("background-color") == "rgba(32, 36, 44, 1)"
    browser.screenshot("sync")
    rows = dict(re.findall(r'<tr class="[^"]*" data-store="([^"]+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"S001", "S002", "S003"}

    s1 = rows["S001"]
    assert "Downtown" in s1
    assert re.search(r'class="messages num">4<', s1)  # all four received, one rejected
    assert re.search(r'class="exceptions num open">1<', s1)
    assert re.search(r'class="last-sync">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<', s1)
    assert re.search(r'class="last-success">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<', s1)
    assert "#17" in s1

    assert re.search(r'<tr class="never" data-store="S002">', html)
    assert re.search(r'class="last-sync">never<', rows["S002"])
    assert re.search(r'class="exceptions num">0<', rows["S002"])

    # the open exception, with its reason, in the exceptions table
    exceptions = browser.find("#exceptions").text
    assert "R-S001-C1-2" in exceptions and "S001" in exceptions

    # Hostile text is shown as text, never run: the DOM holds no script element.
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; Co" in rows["S003"]
    assert browser.find_all("script") == []
