"""The head-office console in a real headless Chromium (Selenium) over https on loopback:
sign in through the form, search returns, open one, settle a card refund, export the CSV
(compared with the page), cancel an authorization. Screenshots of each page go to
artifacts/screenshots/console/ for a human look."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from counter_app.central import service
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.db import make_engine, upgrade
from counter_app.central.service import admins
from counter_app.central.testing import ServerThread, SignedClient, TlsFiles, message
from counter_app.domain.auth_code import display_code
from tests.e2e.browser import Browser
from tests.integration.authorization_helpers import committed, request, seed

PASSWORD = "correct horse battery staple"
HOSTILE = "<script>alert('x')</script>"


@dataclass
class HeadOffice:
    url: str
    cancel_code: str
    used_code: str


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[HeadOffice]:
    """Head office over https with returns pushed by two stores and two authorizations."""
    url = f"sqlite:///{tmp_path}/central.db"
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC).replace(microsecond=0)
    keys = seed(engine, now)
    admins.add_admin(engine, "hq", PASSWORD)
    to_cancel = service.create_authorization(engine, request(), now, "portal:web")
    used = service.create_authorization(engine, request(lines=((3, 1, "defective"),)), now, "p")
    tls = TlsFiles.make(tmp_path / "tls")
    server = ServerThread(create_app(CentralSettings(db_url=url, engine=engine)), tls=tls).start()
    first = committed("S001", "R-S001-C1-1", [(1, "SKU-1", 1)], at=now - timedelta(hours=1))
    first["payload"]["lines"][0]["photo_sha256"] = "c0ffee" * 10 + "c0de"
    override = message("override.granted", "S001", {"ref": "R-S001-C1-1", "line_no": 1,
                       "manager": "mia", "reason": HOSTILE, "rule_codes": ["window"]})  # fmt: skip
    authorized = committed("S002", "R-S002-C1-1", [(3, "SKU-3", 1)], used.authorization.code,
                           at=now)  # fmt: skip
    with SignedClient(server.base_url, "S001", keys["S001"], ca_file=tls.ca_file) as s1:
        assert s1.push([first, override]).status_code == 200
    with SignedClient(server.base_url, "S002", keys["S002"], ca_file=tls.ca_file) as s2:
        assert s2.push([authorized]).status_code == 200
    try:
        yield HeadOffice(server.base_url, to_cancel.authorization.code, used.authorization.code)
    finally:
        server.stop()
        engine.dispose()


def table(browser: Browser, css: str) -> list[list[str]]:
    """The text of each body row's cells (the trailing action column dropped)."""
    rows = []
    for row in browser.find_all(f"{css} tbody tr"):
        cells = [c.text.strip() for c in row.find_elements(By.TAG_NAME, "td")]
        if row.find_elements(By.TAG_NAME, "form"):
            cells = cells[:-1]
        rows.append(cells)
    return rows


def test_console_in_chromium(head_office: HeadOffice, browser: Browser) -> None:
    browser.base_url = head_office.url
    browser.open("/console/settlements")
    assert browser.path == "/login"  # not signed in
    browser.sign_in("hq", PASSWORD)
    assert browser.path == "/console/returns"
    assert [r[0] for r in table(browser, "#returns")] == ["R-S002-C1-1", "R-S001-C1-1"]
    browser.screenshot("returns")

    # search by reference prefix, then by customer name
    browser.fill({"q": "R-S001"})
    browser.submit("#search")
    assert [r[0] for r in table(browser, "#returns")] == ["R-S001-C1-1"]
    browser.fill({"q": "", "customer": "lovelace"})
    browser.submit("#search")
    assert len(table(browser, "#returns")) == 2  # both on Ada's order O-1
    browser.screenshot("returns_search")

    # open the return: lines, refunds, override (hostile reason shown as text), photo hash
    browser.find('a[href="/console/returns/R-S001-C1-1"]').click()
    assert browser.path == "/console/returns/R-S001-C1-1"
    lines = table(browser, "#lines")
    assert lines[0][:7] == ["1", "SKU-1", "Product SKU-1", "1", "new", "wrong_size",
                            "restock_new"]  # fmt: skip
    assert lines[0][9] == "c0ffee" * 10 + "c0de"
    assert table(browser, "#overrides")[0][:3] == ["1", "mia", HOSTILE]
    assert browser.find_all("script") == []
    assert "pending" in table(browser, "#refunds")[0][3]
    browser.screenshot("return_detail")
    browser.open("/console/returns/R-S002-C1-1")
    assert browser.find("#authorization").text == display_code(head_office.used_code)

    # settle one card refund; the CSV export matches the page
    browser.find('header.top a[href="/console/settlements"]').click()
    pending = table(browser, "#settlements")
    assert [r[0] for r in pending] == ["R-S001-C1-1", "R-S002-C1-1"]
    exported = browser.download("#csv")
    with exported.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "Return" and rows[1:] == pending
    browser.screenshot("settlements")
    browser.submit('tr[data-ref="R-S001-C1-1"] button.settle')
    assert "Settled a card refund of R-S001-C1-1." in browser.text
    assert [r[0] for r in table(browser, "#settlements")] == ["R-S002-C1-1"]
    browser.open("/console/settlements?state=settled")
    settled = table(browser, "#settlements")
    assert [r[0] for r in settled] == ["R-S001-C1-1"] and settled[0][8].startswith("GW-")
    browser.screenshot("settlements_settled")

    # cancel an open authorization
    browser.find('header.top a[href="/console/authorizations"]').click()
    assert browser.find_all(f'tr[data-code="{head_office.cancel_code}"]')
    browser.screenshot("authorizations")
    browser.submit(f'tr[data-code="{head_office.cancel_code}"] button.cancel')
    assert f"Cancelled {display_code(head_office.cancel_code)}." in browser.text
    assert [r.get_attribute("data-code") for r in browser.find_all("#authorizations tbody tr")] == [
        head_office.cancel_code
    ]
    browser.open("/console/authorizations?status=used")
    assert "R-S002-C1-1" in browser.find("#authorizations").text
    browser.screenshot("authorizations_used")

    # sign out: the console is closed again
    browser.submit("form.signout button")
    assert browser.path == "/login"
    browser.open("/console/returns")
    assert browser.path == "/login"
