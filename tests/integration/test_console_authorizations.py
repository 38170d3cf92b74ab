"""The console's authorizations page over real HTTP on PostgreSQL: open, used, expired and
cancelled tabs, and the cancel action (session CSRF token, one clear line when refused)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.central import service
from counter_app.central.models import CentralAuthorization
from counter_app.central.service import admins
from counter_app.domain.auth_code import display_code
from tests.integration.authorization_helpers import committed, push, request, seed
from tests.integration.central_fixtures import LiveCentral

PASSWORD = "correct horse battery staple"


@pytest.fixture
def codes(central: LiveCentral) -> dict[str, str]:
    """Authorizations in every state: open (2), used by a return, expired."""
    now = datetime.now(UTC).replace(microsecond=0)
    seed(central.engine, now)
    made = {
        name: service.create_authorization(central.engine, wanted, now, "portal:web", days=days)
        for name, wanted, days in (
            ("cancel_me", request(), 14),
            ("used", request(lines=((3, 1, "defective"),)), 14),
            ("expired", request("O-ZH"), 0),
            ("open", request(), 14),
        )
    }
    used = made["used"].authorization.code
    assert push(central.engine, "S001", committed("S001", "R-AUTH", [(3, "SKU-3", 1)], used))[
        0
    ].status == "accepted"
    return {name: m.authorization.code for name, m in made.items()}


@pytest.fixture
def console(central: LiveCentral, codes: dict[str, str]) -> Iterator[httpx.Client]:
    admins.add_admin(central.engine, "hq", PASSWORD)
    with httpx.Client(base_url=central.base_url) as client:
        signed = client.post("/login", data={"username": "hq", "password": PASSWORD})
        client.cookies.set("central_session", signed.cookies["central_session"])
        yield client


def shown(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return re.findall(r'<tr data-code="([^"]+)"', page.text)


def status_in_db(central: LiveCentral, code: str) -> tuple[str, str | None]:
    with Session(central.engine) as session:
        row = session.execute(
            select(CentralAuthorization.status, CentralAuthorization.cancelled_by).where(
                CentralAuthorization.code == code
            )
        ).one()
        return row[0], row[1]


def test_tabs_show_each_state(console: httpx.Client, codes: dict[str, str]) -> None:
    assert shown(console.get("/console/authorizations")) == [codes["open"], codes["cancel_me"]]
    used = console.get("/console/authorizations?status=used")
    assert shown(used) == [codes["used"]]
    assert "at S001 on" in used.text and 'href="/console/returns/R-AUTH"' in used.text
    assert shown(console.get("/console/authorizations?status=expired")) == [codes["expired"]]
    assert shown(console.get("/console/authorizations?status=cancelled")) == []
    page = console.get("/console/authorizations?status=open")
    assert display_code(codes["open"]) in page.text and "Ada" in page.text
    assert "SKU-1 ×1 (wrong_size)" in unescape(page.text)
    bad = console.get("/console/authorizations?status=<b>")
    errors = re.findall(r'<p class="error">(.*?)</p>', bad.text)
    assert len(errors) == 1 and "Status must be one of" in errors[0]
    assert shown(bad) == [codes["open"], codes["cancel_me"]]
    detail = console.get("/console/returns/R-AUTH")
    assert display_code(codes["used"]) in detail.text


def test_cancel_needs_the_token_and_refuses_a_used_code(
    central: LiveCentral, console: httpx.Client, codes: dict[str, str]
) -> None:
    target = codes["cancel_me"]
    forged = console.post(f"/console/authorizations/{target}/cancel", data={})
    assert forged.status_code == 403 and status_in_db(central, target) == ("open", None)
    page = console.get("/console/authorizations")
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text).group(1)  # type: ignore[union-attr]
    done = console.post(f"/console/authorizations/{target}/cancel", data={"csrf": token})
    assert done.status_code == 303 and status_in_db(central, target) == ("cancelled", "hq")
    after = console.get(done.headers["location"])
    assert shown(after) == [target] and f"Cancelled {display_code(target)}." in after.text
    used = console.post(f"/console/authorizations/{codes['used']}/cancel", data={"csrf": token})
    assert used.status_code == 409 and status_in_db(central, codes["used"])[0] == "used"
    errors = re.findall(r'<p class="error">(.*?)</p>', used.text)
    assert len(errors) == 1 and "Not cancelled: used at store S001 on" in errors[0]
    unknown = console.post("/console/authorizations/RA-00000-00000-0/cancel", data={"csrf": token})
    assert unknown.status_code == 409 and "no return authorization" in unescape(unknown.text)
