"""Real headless Chromium for browser tests, driven by Selenium.

Debian's `/usr/bin/chromium` and `/usr/bin/chromedriver` (scripts/install-system-deps.sh),
named explicitly so Selenium never looks for (or downloads) a driver. `Browser` adds what the
head-office tests need: open a path, sign in through the real login form, and save a
screenshot under artifacts/screenshots/<folder>/ for a human look.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--ignore-certificate-errors",
    "--hide-scrollbars",
)
PAGE_TIMEOUT = 60


def make_driver(
    profile: Path, width: int = 1280, height: int = 900, downloads: Path | None = None
) -> webdriver.Chrome:
    """A headless Chromium with its own profile directory (removed with the test's tmp);
    files it downloads land in `downloads` (default: beside the profile)."""
    assert CHROMIUM.exists(), "chromium is missing: scripts/install-system-deps.sh (apt chromium)"
    assert CHROMEDRIVER.exists(), "chromedriver is missing: apt chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    target = downloads or profile.with_name(profile.name + "-downloads")
    target.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(target), "download.prompt_for_download": False},
    )
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(target)}
    )
    return driver


class Browser:
    """One Chromium pointed at one server (`base_url`)."""

    def __init__(
        self, driver: webdriver.Chrome, base_url: str = "", downloads: Path | None = None
    ) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.downloads = downloads

    # -- navigation
    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path if path.startswith("/") else path)

    @property
    def path(self) -> str:
        return str(self.driver.execute_script("return location.pathname"))

    @property
    def url(self) -> str:
        return str(self.driver.current_url)

    @property
    def html(self) -> str:
        return str(self.driver.page_source)

    @property
    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def submit(self, button_css: str) -> None:
        """Click a submit button and wait for the page it leads to."""
        old = self.find("html")
        self.find(button_css).click()
        WebDriverWait(self.driver, PAGE_TIMEOUT).until(expected_conditions.staleness_of(old))

    def fill(self, fields: dict[str, str]) -> None:
        """Type into the named inputs (cleared first)."""
        for name, value in fields.items():
            field = self.find(f"[name={name!r}]")
            field.clear()
            field.send_keys(value)

    def sign_in(self, username: str, password: str) -> None:
        """Through the real form at /login; lands on the console home."""
        self.open("/login")
        self.fill({"username": username, "password": password})
        self.submit("form.login button[type=submit]")
        assert self.path != "/login", f"sign-in failed: {self.text[:200]}"

    def download(self, link_css: str, timeout: float = 30) -> Path:
        """Click a link that downloads a file; the file once complete."""
        assert self.downloads is not None, "this Browser was made without a downloads folder"
        before = set(self.downloads.iterdir())
        self.find(link_css).click()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = [p for p in set(self.downloads.iterdir()) - before
                   if not p.name.endswith((".crdownload", ".tmp"))]  # fmt: skip
            if new:
                return new[0]
            time.sleep(0.1)
        raise TimeoutError(f"nothing downloaded from {link_css}")

    # -- artifacts
    def screenshot(self, name: str, folder: str = "console") -> Path:
        """The whole page as artifacts/screenshots/<folder>/<name>.png (window grown to fit)."""
        target = SCREENSHOTS / folder / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        width = self.driver.get_window_size()["width"]
        height = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
        original = self.driver.get_window_size()["height"]
        self.driver.set_window_size(width, min(max(height + 120, original), 6000))
        try:
            self.driver.save_screenshot(str(target))
        finally:
            self.driver.set_window_size(width, original)
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        return target

    def resize(self, width: int, height: int) -> None:
        self.driver.set_window_size(width, height)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A fresh headless Chromium; set `browser.base_url` to the server under test."""
    downloads = tmp_path / "downloads"
    chrome = Browser(make_driver(tmp_path / "chromium-profile", downloads=downloads),
                     downloads=downloads)  # fmt: skip
    try:
        yield chrome
    finally:
        chrome.close()
