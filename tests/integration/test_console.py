"""The head-office console over real HTTP on PostgreSQL: sign-in on every route, returns
search and detail, settlements (settle + CSV), hostile text rendered as text."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.models import CentralReturn, SettlementRecord
from counter_app.central.service import admins
from counter_app.central.testing import ServerThread, message, return_message, seed_reference
from counter_app.sync_payloads import customer_key
from tests.integration.central_fixtures import LiveCentral

PASSWORD = "correct horse battery staple"
HOSTILE = "<script>alert('x')</script>"


def order(number: str, name: str, email: str, quantity: int = 100) -> proto.Order:
    return proto.Order.model_validate(
        {
            "number": number, "channel": "online", "placed_at": "2026-11-01T10:00:00+00:00",
            "currency": "USD",
            "customer": {"code": f"C-{number}", "name": name, "email": email},
            "lines": [{"line_no": 1, "sku": "SKU-1", "quantity": quantity,
                       "unit_price_minor": 1999, "paid_minor": 1999 * quantity}],
            "payments": [{"tender": "card", "amount_minor": 1999 * quantity,
                          "card_brand": "VISA", "card_last4": "4242"}],
        }
    )  # fmt: skip


def dated(msg: dict[str, Any], day: str) -> dict[str, Any]:
    return {**msg, "created_at": f"{day}T10:00:00+00:00"}


@pytest.fixture
def console(central: LiveCentral) -> Iterator[httpx.Client]:
    """A signed-in browser-like client of a head office with two stores and a few returns."""
    admins.add_admin(central.engine, "hq", PASSWORD)
    central.add_store("S001", "Downtown")
    central.add_store("S002", HOSTILE + " & Co")
    seed_reference(central.engine)
    service.publish_orders(
        central.engine,
        [order("O-100", "Ada Lovelace", "ada@example.com"),
         order("O-200", "Lin 林", "lin@example.com")],
    )  # fmt: skip
    override = message("override.granted", "S001", {"ref": "R-S001-1", "line_no": 1,
                       "manager": "mia", "reason": HOSTILE, "rule_codes": ["window"]})  # fmt: skip
    first = return_message("S001", "R-S001-1", "O-100", [(1, "SKU-1", 2)])
    first["payload"]["lines"][0]["photo_sha256"] = "ab" * 32
    first["payload"]["lines"][0]["reason"] = HOSTILE
    with central.client("S001") as s1, central.client("S002") as s2:
        assert s1.push([dated(first, "2026-11-20"), dated(override, "2026-11-20"),
                        dated(return_message("S001", "R-S001-2", "O-200", [(1, "SKU-1", 1)],
                                             tender="store_credit"), "2026-11-25")]
                       ).status_code == 200  # fmt: skip
        assert s2.push([dated(return_message("S002", "R-S002-1", "O-200", [(1, "SKU-1", 1)]),
                              "2026-11-27")]).status_code == 200  # fmt: skip
    with Session(central.engine) as session, session.begin():  # what a receiptless ingest keeps
        session.add(CentralReturn(
            ref="R-S002-RL", store="S002", order_number=None, kind="receiptless",
            customer_key=customer_key("+1 (555) 010-0100"), committed_at=datetime(2026, 11, 28,
            tzinfo=UTC), total_minor=500, message_id="m-rl", currency="USD",
            refunds=[{"tender": "store_credit", "amount_minor": 500}],
            received_at=datetime(2026, 11, 28, tzinfo=UTC), validated=True))  # fmt: skip
    with httpx.Client(base_url=central.base_url) as client:
        signed = client.post("/login", data={"username": "hq", "password": PASSWORD})
        assert signed.status_code == 303
        client.cookies.set("central_session", signed.cookies["central_session"])
        yield client


def refs(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return [unescape(r) for r in re.findall(r'<tr data-ref="([^"]+)"', page.text)]


def app_routes(app: Any) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route the app serves, as its router resolves them (FastAPI
    0.16x keeps included routers as branches; their effective routes carry the full path)."""
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                yield context.path, set(context.methods or ())
        elif hasattr(route, "path"):
            yield route.path, set(getattr(route, "methods", None) or ())


def test_every_console_route_needs_sign_in(central: LiveCentral) -> None:
    """Walks the app's own route table, so a page added later is covered without a list."""
    app = create_app(CentralSettings(db_url="", engine=central.engine))
    routes = [(path, methods) for path, methods in app_routes(app) if path.startswith("/console")]
    paths = {path for path, _ in routes}
    assert {"/console/returns", "/console/sync", "/console/settlements"} <= paths
    assert any("POST" in methods for _, methods in routes)
    with ServerThread(app) as server, httpx.Client(base_url=server.base_url) as client:
        client.cookies.set("central_session", "not-a-session")
        for route_path, methods in routes:
            path = re.sub(r"\{[^}]+\}", "1", route_path)
            for method in sorted(methods - {"HEAD"}):
                answer = client.request(method, path)
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"] == "/login"
                assert "Downtown" not in answer.text


def test_home_goes_to_returns_and_every_page_renders(console: httpx.Client) -> None:
    home = console.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/console/returns"
    for path in ("/console/returns", "/console/returns/R-S001-1", "/console/sync",
                 "/console/settlements", "/console/settlements?state=settled"):  # fmt: skip
        page = console.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert 'href="/static/console.css"' in page.text and "<script" not in page.text
    css = console.get("/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "style-src 'self'" in css.headers["content-security-policy"]


def test_returns_search_by_reference_order_customer_store_kind_and_dates(
    console: httpx.Client,
) -> None:
    everything = refs(console.get("/console/returns"))
    assert everything == ["R-S002-RL", "R-S002-1", "R-S001-2", "R-S001-1"]  # newest first
    assert refs(console.get("/console/returns", params={"q": "R-S001"})) == [
        "R-S001-2", "R-S001-1"]  # fmt: skip
    assert refs(console.get("/console/returns", params={"q": "O-200"})) == [
        "R-S002-1", "R-S001-2"]  # fmt: skip
    by_name = console.get("/console/returns", params={"customer": "lovelace"})
    assert refs(by_name) == ["R-S001-1"]
    assert refs(console.get("/console/returns", params={"customer": "LIN@example.com"})) == [
        "R-S002-1", "R-S001-2"]  # fmt: skip
    assert refs(console.get("/console/returns", params={"customer": "林"})) == [
        "R-S002-1", "R-S001-2"]  # fmt: skip
    # receiptless: the typed phone, in any spelling, is hashed like the store hashes it
    assert refs(console.get("/console/returns", params={"customer": "+15550100100"})) == [
        "R-S002-RL"]  # fmt: skip
    assert refs(console.get("/console/returns", params={"store": "S002"})) == [
        "R-S002-RL", "R-S002-1"]  # fmt: skip
    assert refs(console.get("/console/returns", params={"kind": "receiptless"})) == ["R-S002-RL"]
    window = {"from": "2026-11-21", "to": "2026-11-27"}
    assert refs(console.get("/console/returns", params=window)) == ["R-S002-1", "R-S001-2"]
    assert refs(console.get("/console/returns", params={"q": "100%"})) == []  # % is literal


def test_bad_search_input_gets_one_line_and_changes_nothing(console: httpx.Client) -> None:
    page = console.get("/console/returns", params={"from": "yesterday", "kind": "bogus"})
    assert refs(page) == ["R-S002-RL", "R-S002-1", "R-S001-2", "R-S001-1"]
    errors = re.findall(r'<p class="error">(.*?)</p>', page.text)
    assert len(errors) == 1 and "From must be a date" in errors[0] and "Kind must be" in errors[0]
    missing = console.get("/console/returns/R-NOPE")
    assert missing.status_code == 404 and "Head office has no return R-NOPE." in missing.text


def test_returns_are_paged_fifty_at_a_time(central: LiveCentral, console: httpx.Client) -> None:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    with Session(central.engine) as session, session.begin():
        for i in range(60):
            at = start + timedelta(minutes=i)
            session.add(CentralReturn(
                ref=f"R-BULK-{i:03d}", store="S001", kind="order", committed_at=at,
                total_minor=100, message_id=f"m-{i}", currency="USD", refunds=[],
                received_at=at, validated=True))  # fmt: skip
    first = console.get("/console/returns", params={"q": "R-BULK"})
    assert len(refs(first)) == 50 and refs(first)[0] == "R-BULK-059"
    assert "60 returns found" in first.text and "page 1 of 2" in first.text
    assert 'href="/console/returns?q=R-BULK&amp;page=2"' in first.text
    second = console.get("/console/returns", params={"q": "R-BULK", "page": "2"})
    assert refs(second) == [f"R-BULK-{i:03d}" for i in range(9, -1, -1)]


def test_return_detail_shows_lines_refunds_overrides_photos_and_anchor(
    console: httpx.Client,
) -> None:
    page = console.get("/console/returns/R-S001-1")
    assert page.status_code == 200
    text = page.text
    lines = re.search(r'<table id="lines">(.*?)</table>', text, re.S).group(1)  # type: ignore[union-attr]
    for value in ("SKU-1", ">2<", "new", "restock_new", "USD 39.98", "ab" * 32):
        assert value in lines, value
    refunds = re.search(r'<table id="refunds">(.*?)</table>', text, re.S).group(1)  # type: ignore[union-attr]
    assert "VISA ·4242" in refunds and "USD 39.98" in refunds and "pending" in refunds
    overrides = re.search(r'<table id="overrides">(.*?)</table>', text, re.S).group(1)  # type: ignore[union-attr]
    assert "mia" in overrides and "window" in overrides
    assert "Ada Lovelace" in text and "O-100" in text and "alice" in text
    assert re.search(r'id="anchor">\s*nothing anchored yet', text)
    assert "— (not started online)" in text
    # hostile reason (line and override) and store name: text, never markup
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in lines
    assert "&lt;script&gt;" in overrides
    assert "<script" not in text
    other = console.get("/console/returns/R-S002-1")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in other.text
    assert "<script" not in other.text
    listing = console.get("/console/returns", params={"store": "S002"})
    assert "<script" not in listing.text and "&lt;script&gt;" in listing.text


def settlement_rows(page: httpx.Response) -> list[list[str]]:
    body = re.search(r'<table id="settlements">.*?<tbody>(.*?)</tbody>', page.text, re.S)
    assert body is not None, page.text
    rows = []
    for row in re.findall(r"<tr [^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def csv_rows(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(answer.text)))


def test_settle_needs_the_session_token_and_csv_matches_the_page(
    central: LiveCentral, console: httpx.Client
) -> None:
    pending = console.get("/console/settlements")
    rows = settlement_rows(pending)
    assert [(r[0], r[1]) for r in rows] == [("R-S001-1", "1"), ("R-S002-1", "1")]
    exported = csv_rows(console.get("/console/settlements.csv?state=pending"))
    assert exported[0] == ["Return", "Refund #", "Store", "Committed", "Card", "Amount",
                           "Currency"]  # fmt: skip
    assert exported[1:] == [r[:-1] for r in rows]  # the page's last cell is the Settle button
    assert rows[0][:3] == ["R-S001-1", "1", "S001 Downtown"] and rows[0][5:7] == ["39.98", "USD"]
    # a hostile store name starting with '<' is fine; formula starts would be quoted
    assert exported[2][2] == "S002 " + HOSTILE + " & Co"

    def settled() -> int:
        with Session(central.engine) as session:
            return session.execute(select(func.count()).select_from(SettlementRecord)).scalar_one()

    forged = console.post("/console/settlements/R-S001-1/0/settle", data={"csrf": "guess"})
    assert forged.status_code == 403 and settled() == 0
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', pending.text).group(1)  # type: ignore[union-attr]
    wrong = console.post("/console/settlements/R-S001-2/0/settle", data={"csrf": token})
    assert wrong.status_code == 409 and "has no card refund #0" in wrong.text and settled() == 0
    done = console.post("/console/settlements/R-S001-1/0/settle", data={"csrf": token})
    assert done.status_code == 303 and settled() == 1
    after = console.get(done.headers["location"])
    assert "Settled a card refund of R-S001-1." in after.text
    assert [r[0] for r in settlement_rows(after)] == ["R-S002-1"]
    settled_page = console.get("/console/settlements?state=settled")
    rows = settlement_rows(settled_page)
    assert [r[0] for r in rows] == ["R-S001-1"] and rows[0][8].startswith("GW-")
    assert csv_rows(console.get("/console/settlements.csv?state=settled"))[1:] == rows
    again = console.post("/console/settlements/R-S001-1/0/settle", data={"csrf": token})
    assert again.status_code == 200 and "already settled" in again.text and settled() == 1
    detail = console.get("/console/returns/R-S001-1").text
    assert re.search(r"settled \d{4}-\d\d-\d\d .* \(GW-", detail)


def test_sync_page_shows_open_and_resolved_exceptions_with_reasons(
    central: LiveCentral, console: httpx.Client
) -> None:
    over = return_message("S002", "R-S002-OVER", "O-100", [(1, "SKU-1", 500)])
    wrong = return_message("S002", "R-S002-GONE", "O-NOPE", [(1, "SKU-1", 1)])
    with central.client("S002") as s2:
        assert s2.push([over, wrong]).status_code == 200
        resolve = message("sync_exception.resolved", "S002", {"message_id": wrong["id"],
                          "manager": "mia", "note": "keyed in again as R-S002-2"})  # fmt: skip
        assert s2.push([resolve]).status_code == 200
    page = console.get("/console/sync")
    assert page.status_code == 200
    open_table = re.search(r'<table id="exceptions">(.*?)</table>', page.text, re.S)
    assert open_table is not None and "R-S002-OVER" in open_table.group(1)
    assert "over_return" in open_table.group(1) and "R-S002-GONE" not in open_table.group(1)
    resolved = re.search(r'<table id="resolved">(.*?)</table>', page.text, re.S)
    assert resolved is not None and "R-S002-GONE" in resolved.group(1)
    assert "mia: keyed in again as R-S002-2" in resolved.group(1)
    row = re.search(r'<tr class="[^"]*" data-store="S002">(.*?)</tr>', page.text, re.S)
    assert row is not None and re.search(r'class="exceptions num open">1<', row.group(1))
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in row.group(1)
    assert "<script" not in page.text


def test_a_hostile_return_reference_renders_as_text(
    central: LiveCentral, console: httpx.Client
) -> None:
    ref = "R-<script>alert('x')</script>/\"&"
    at = datetime(2026, 11, 29, tzinfo=UTC)
    with Session(central.engine) as session, session.begin():
        session.add(CentralReturn(
            ref=ref, store="S001", kind="order", committed_at=at, total_minor=1,
            message_id="m-hostile", currency="USD",
            refunds=[{"tender": "card", "amount_minor": 1, "card_last4": "<b>1"}],
            received_at=at, validated=True))  # fmt: skip
    listing = console.get("/console/returns")
    assert refs(listing)[0] == ref and "<script" not in listing.text
    link = re.search(r'<a href="(/console/returns/R-[^"]+)">', listing.text)
    assert link is not None and "<" not in link.group(1) and '"' not in link.group(1)
    detail = console.get(unescape(link.group(1)))
    assert detail.status_code == 200 and "<script" not in detail.text
    assert "R-&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;/&#34;&amp;" in detail.text
    pending = console.get("/console/settlements")
    assert "<script" not in pending.text and "<b>" not in pending.text
    exported = csv_rows(console.get("/console/settlements.csv"))
    assert [ref, "1"] == exported[-1][:2]  # CSV is data, quoted as CSV quotes


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted() -> None:
    from counter_app.central.api.settlement_routes import csv_safe

    for hostile in ("=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\tx"):
        assert csv_safe(hostile) == "'" + hostile
    assert csv_safe("R-S001-1") == "R-S001-1"
