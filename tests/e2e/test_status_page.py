"""The public return-status page and the console's charts in a real headless Chromium
(Selenium) over https on 127.0.0.1.

Status page: a phone-sized window (390x844), English and Chinese by the browser's language;
the timeline grows as the return happens (authorized -> received at the store -> card refund
settled), text is at least 16px and nothing is wider than the screen. Charts: every chart
image loads on the signed-in page, and an SVG opened on its own has its style applied (the
CSP hash of its <style> is right: a blocked style would leave the lines unstroked).
Screenshots: artifacts/screenshots/status/ and artifacts/screenshots/console/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import Engine

from counter_app.central import charts, service
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.db import make_engine, upgrade
from counter_app.central.service import admins
from counter_app.central.service.authorizations import create_authorization
from counter_app.central.testing import ServerThread, TlsFiles
from tests.e2e.browser import Browser
from tests.integration import authorization_helpers as ah
from tests.integration import chart_helpers

PASSWORD = "correct horse battery staple"
RETURN_TOKEN = "Zq8-status-token_0042x"
PHONE = (390, 844)
LANGUAGES = {"en": "en-US,en", "zh": "zh-CN,zh"}


@dataclass
class HeadOffice:
    engine: Engine
    base_url: str
    now: datetime


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[HeadOffice]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    tls = TlsFiles.make(tmp_path / "tls")
    server = ServerThread(create_app(CentralSettings(db_url=url, engine=engine)), tls=tls).start()
    try:
        yield HeadOffice(engine, server.base_url, now)
    finally:
        server.stop()
        engine.dispose()


def speak(browser: Browser, lang: str) -> None:
    """Make Chromium send this Accept-Language (as a phone set to that language would)."""
    agent = str(browser.driver.execute_script("return navigator.userAgent"))
    browser.driver.execute_cdp_cmd(
        "Network.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": LANGUAGES[lang]}
    )


def steps(browser: Browser) -> list[tuple[str, str]]:
    return [
        (li.get_attribute("data-step") or "", (li.get_attribute("class") or "").split()[-1])
        for li in browser.find_all("ol.timeline li")
    ]


def check_phone_layout(browser: Browser) -> None:
    width = int(browser.driver.execute_script("return document.documentElement.scrollWidth"))
    assert width <= PHONE[0], f"page is {width}px wide on a {PHONE[0]}px screen"
    sizes = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('main p, main li, main span'))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 16, sizes


def look(browser: Browser, path: str, lang: str, shot: str) -> list[tuple[str, str]]:
    speak(browser, lang)
    browser.open(path)
    assert browser.find("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    check_phone_layout(browser)
    browser.screenshot(f"{shot}-{lang}", folder="status")
    return steps(browser)


def test_status_page_on_a_phone_as_the_return_happens(
    head_office: HeadOffice, browser: Browser
) -> None:
    engine, now = head_office.engine, head_office.now
    ah.seed(engine, now)
    request = ah.request(lines=((1, 2, "wrong_size"), (3, 1, "defective")))
    created = create_authorization(engine, request, now, "portal")
    path = f"/r/{created.authorization.status_token}"
    browser.base_url = head_office.base_url
    browser.resize(*PHONE)
    for lang in ("en", "zh"):
        got = look(browser, path, lang, "1-authorized")
        assert got == [("authorized", "done"), ("received", "pending"), ("refunded", "pending")]
    assert "Product SKU-3 × 1" in browser.text and "您好" in browser.text
    wire = ah.committed("S002", "R-S002-1", [(1, "SKU-1", 2), (3, "SKU-3", 1)],
                        code=created.authorization.code, token=RETURN_TOKEN,
                        at=now + timedelta(minutes=3))  # fmt: skip
    [result] = ah.push(engine, "S002", wire, now=now + timedelta(minutes=4))
    assert result.status == "accepted", result
    for lang in ("en", "zh"):
        got = look(browser, path, lang, "2-received")
        assert got == [("authorized", "done"), ("received", "done"), ("refunded", "done"),
                       ("settled", "pending")]  # fmt: skip
    assert "在Store S002收到商品" in browser.text
    service.settle(engine, "R-S002-1", now=now + timedelta(days=2))
    for lang in ("en", "zh"):
        got = look(browser, f"/r/{RETURN_TOKEN}", lang, "3-settled")
        assert got[-1] == ("settled", "done")
    speak(browser, "en")
    browser.open(f"/r/{RETURN_TOKEN}")
    text = browser.text
    assert "Received at Store S002" in text and "Card refund settled" in text
    assert "Hello Ada," in text and "Lovelace" not in text and "4242" not in text
    browser.open("/r/not-a-token")
    assert browser.text.strip() == "Not found\nThere is no return at this address."
    browser.screenshot("4-unknown-en", folder="status")


def test_charts_render_in_the_browser(head_office: HeadOffice, browser: Browser) -> None:
    engine = head_office.engine
    chart_helpers.seed(engine)  # two weeks of November 2026
    admins.add_admin(engine, "hq", PASSWORD)
    browser.base_url = head_office.base_url
    browser.sign_in("hq", PASSWORD)
    weeks = (head_office.now - chart_helpers.NOW).days // 7 + 3
    for lang in ("en", "zh"):
        browser.open(f"/console/charts?weeks={weeks}&lang={lang}")
        images = browser.find_all("figure.chart img")
        assert len(images) == len(charts.CHARTS)
        loaded = browser.driver.execute_script(
            "return Array.from(document.images).map(i => i.complete && i.naturalWidth)"
        )
        assert loaded == [960] * len(charts.CHARTS), loaded
        browser.screenshot(f"charts-{lang}", folder="console")
    browser.open(f"/console/charts/return-rate-by-store.svg?weeks={weeks}&lang=zh")
    line = browser.driver.find_element(By.CSS_SELECTOR, ".serie-0 path.line")
    assert line.value_of_css_property("stroke") == "rgb(31, 119, 180)"  # the style applied
    title = browser.driver.find_element(By.CSS_SELECTOR, "text.title.plot_title")
    assert title.text == "各门店每周退货率"
    assert "WenQuanYi Zen Hei" in title.value_of_css_property("font-family")
