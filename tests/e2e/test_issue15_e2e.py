"""Issue 15 end to end, all on loopback: the returns portal asks head office (PostgreSQL,
HTTPS with a test CA) for a return code; the e-mail with the code and its QR arrives at a
real SMTP server (aiosmtpd); store S001 pulls the authorization; the counter reads the QR
from the e-mail's PNG with the project's real decoder and its window's ReturnSession
(offscreen, on the real task runner) opens the return, verifies each item by its barcode,
grades all as new and confirms; the receipt carries the code and a QR of the status page;
after the sync head office shows the return on its signed-in console and on the public
status page. The same code at store S002 is refused at the counter while online (when it is
opened, and at the claim when it was opened before the first store used it) and, when S002
commits offline, at its sync as a sync exception with the reason `authorization_used`.
Expired, cancelled, tampered and guessed codes are refused at the counter, the first two with
their date."""

from __future__ import annotations

import dataclasses
import re
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.adapters.db import tables as t
from counter_app.adapters.scanning.decoder import PipelineDecoder, decode_file
from counter_app.bootstrap import App
from counter_app.central import service as central
from counter_app.central.models import CentralReturn
from counter_app.central.service import admins
from counter_app.central.testing import free_port
from counter_app.domain.auth_code import display_code
from counter_app.domain.draft import ReturnDraft
from counter_app.services.commit import CommittedReturn
from counter_app.services.errors import AuthorizationRefused
from counter_app.services.receipts import receipt_data, receipt_png
from counter_app.services.sync import list_exceptions
from counter_app.services.unit_of_work import UnitOfWork
from tests.e2e.head_office import BARCODE, alice, order, serve_head_office
from tests.e2e.test_sync_e2e import NOW, Central, _store, _sync
from tests.integration.test_notifications import Inbox

pytestmark = pytest.mark.postgres

ORDER = "W-1001"  # the web shop's order: every store pulls it
CUSTOMER_EMAIL = "lin.mei@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def ho(
    pg_server: Any, tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]
) -> Iterator[Central]:
    orders = [
        order(ORDER, [("TEE-M", 5000), ("MUG", 3000)], store=None, email=CUSTOMER_EMAIL),
        order("W-1002", [("SCARF", 2000)], store=None),
        order("W-1003", [("TEE-L", 5000)], store=None),
    ]
    with serve_head_office(
        pg_server,
        tmp_path_factory.mktemp("tls"),
        orders,
        public=True,
        smtp_url=f"smtp://127.0.0.1:{smtp[1]}",
        mail_from="returns@example.com",
    ) as central:
        admins.add_admin(central.engine, "hq", PASSWORD)
        yield central


def _https(ho: Central) -> httpx.Client:
    return httpx.Client(
        base_url=ho.url, verify=ssl.create_default_context(cafile=ho.ca_file), timeout=10
    )


def _portal_request(ho: Central, body: dict[str, Any], key: str) -> httpx.Response:
    with _https(ho) as client:
        return client.post(
            "/v1/return-authorizations", json=body, headers={"Authorization": f"Bearer {key}"}
        )


def _wait_for_mail(inbox: Inbox, count: int, seconds: float = 20) -> EmailMessage:
    deadline = time.monotonic() + seconds
    while len(inbox.messages) < count:
        assert time.monotonic() < deadline, f"{len(inbox.messages)} e-mail(s), waited {count}"
        time.sleep(0.1)
    return inbox.messages[count - 1][2]


def _qr_png(mail: EmailMessage) -> bytes:
    pngs = [p.get_content() for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(pngs) == 1, f"{len(pngs)} PNG parts in the e-mail"
    data = pngs[0]
    assert isinstance(data, bytes)
    return data


def _text(mail: EmailMessage) -> str:
    parts = [p.get_content() for p in mail.walk() if p.get_content_maintype() == "text"]
    return "\n".join(str(p) for p in parts)


def _verify_and_grade(app: App, draft: ReturnDraft) -> None:
    """Verify each authorized line by its barcode (the quantity stays), keep the
    customer's reason, grade it new."""
    desk = app.desk
    for line_no, dl in sorted(draft.lines.items()):
        wanted = dl.quantity
        verified = desk.verify_item(draft, BARCODE[dl.line.sku])
        assert (verified.line.line_no, verified.verified) == (line_no, True)
        assert draft.lines[line_no].quantity == wanted, "a verify scan added a unit"
        assert dl.authorized_reason is not None
        desk.record_inspection(draft, line_no, reason_code=dl.authorized_reason, condition="new")
    desk.evaluate(draft)


def _counter(app: App, qtbot: Any, scanned: str, code: str) -> CommittedReturn:
    """The counter window's ReturnSession on the real task runner, as the scan field and
    the keys drive it: the QR's text, one scan per item, "all as new", confirm."""
    from ui.context import CounterContext
    from ui.counter.session import ReturnSession
    from ui.tasks import TaskManager

    tasks = TaskManager()
    session = ReturnSession(CounterContext(app=app, tasks=tasks, user=alice(app)))
    problems: list[object] = []
    for signal in (session.scan_failed, session.failed, session.commit_failed):
        signal.connect(lambda *args: problems.append(args))
    try:
        with qtbot.waitSignal(session.order_shown, timeout=20_000):
            session.scan(scanned)
        draft = session.draft
        assert draft is not None and draft.authorization is not None, problems
        assert (draft.order.number, draft.authorization.code) == (ORDER, code)
        lines = {
            n: (dl.quantity, dl.authorized_reason, dl.verified) for n, dl in draft.lines.items()
        }
        assert lines == {1: (1, "wrong_size", False), 2: (1, "changed_mind", False)}
        for n, sku in ((1, "TEE-M"), (2, "MUG")):
            with qtbot.waitSignal(session.item_scanned, timeout=20_000) as item:
                session.scan(BARCODE[sku])
            assert item.args == [n], problems
        assert session.draft is not None
        assert {n: (dl.quantity, dl.verified) for n, dl in session.draft.lines.items()} == {
            1: (1, True),
            2: (1, True),
        }, "a verify scan added a unit"
        with qtbot.waitSignal(session.draft_changed, timeout=20_000):
            session.grade_all([1, 2], "new")
        with qtbot.waitSignal(session.return_committed, timeout=30_000) as committed:
            session.commit("original")
        assert problems == []
        result = committed.args[0]
        assert isinstance(result, CommittedReturn)
        return result
    finally:
        tasks.shutdown()


def _store_returns(app: App) -> int:
    with UnitOfWork(app.engine) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(t.returns)).scalar_one())


def _status_token(app: App, ref: str) -> str:
    with UnitOfWork(app.engine) as uow:
        row = uow.conn.execute(
            select(t.returns.c.authorization_code, t.returns.c.status_token).where(
                t.returns.c.ref == ref
            )
        ).one()
    assert row.authorization_code and row.status_token
    return str(row.status_token)


def _receipt(app: App, ho: Central, ref: str, png: Path) -> str:
    """The status page's URL as the customer's phone reads it from the printed receipt's QR
    (the store configured with head office's public URL: `central_public_url`)."""
    shop = dataclasses.replace(app.settings, central_public_url=ho.url)
    png.write_bytes(receipt_png(app.engine, shop, app.policies.current, ref))
    urls = [c.text for c in decode_file(png, PipelineDecoder()) if c.text.startswith("https:")]
    assert len(urls) == 1, urls
    return urls[0]


def _receipt_code(app: App, ref: str) -> str | None:
    data = receipt_data(app.engine, app.settings, app.policies.current, ref)
    return data.authorization_code


def _mentions_day(text: str, when: datetime) -> bool:
    """The message names the day of `when` (UTC or the store's zone, a day earlier), in
    the counter's words ("3 Dec 2026") or ISO."""
    days = {when.date(), (when - timedelta(days=1)).date()}
    shown = {f"{d.day} {d:%b} {d.year}" for d in days} | {d.isoformat() for d in days}
    return any(s in text for s in shown)


def _refused(app: App, text: str) -> str:
    with pytest.raises(AuthorizationRefused) as refused:
        app.desk.open_authorization(text, alice(app))
    message = str(refused.value)
    assert message and "\n" not in message
    return message


def _console(ho: Central, ref: str, code: str) -> None:
    """Signed in, head office's console finds the return and shows its code; signed out,
    it sends the browser to the sign-in page."""
    with _https(ho) as browser:
        assert browser.get(f"/console/returns?q={ref}").status_code == 303
        signed = browser.post("/login", data={"username": "hq", "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        found = browser.get("/console/returns", params={"q": ref})
        assert found.status_code == 200 and ref in found.text
        detail = browser.get(f"/console/returns/{ref}")
        assert detail.status_code == 200
        assert display_code(code) in detail.text


def _status_page(ho: Central, path: str) -> str:
    with _https(ho) as phone:
        page = phone.get(path, headers={"Accept-Language": "en-US,en;q=0.8"})
    assert page.status_code == 200, page.text
    assert CUSTOMER_EMAIL not in page.text and "Lin 林" not in page.text  # first name only
    assert "<h2>Items</h2>" in page.text, page.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


def test_a_code_from_the_portal_is_returned_once_company_wide(
    ho: Central, smtp: tuple[Inbox, int], tmp_path: Path, qtbot: Any
) -> None:
    inbox = smtp[0]
    portal_key = central.add_portal_key(ho.engine, "webshop", datetime.now(UTC))
    body = {
        "order_number": ORDER,
        "lines": [
            {"line_no": 1, "quantity": 1, "reason": "wrong_size"},
            {"line_no": 2, "quantity": 1, "reason": "changed_mind"},
        ],
        "refund": "original",
        "email": CUSTOMER_EMAIL,
    }
    # 1. the portal, with its key (a wrong key creates nothing)
    assert _portal_request(ho, body, "not-the-key").status_code == 401
    answer = _portal_request(ho, body, portal_key)
    assert answer.status_code == 201, answer.text
    created = proto.AuthorizationCreated.model_validate(answer.json())
    code = created.authorization.code
    assert created.display_code == display_code(code)
    again = _portal_request(ho, body, portal_key)
    assert (again.status_code, again.json()["error"]) == (422, "already_authorized"), again.text

    # 2. the e-mail: the code, and its QR as a PNG the real decoder reads
    mail = _wait_for_mail(inbox, 1)
    assert inbox.messages[0][1] == [CUSTOMER_EMAIL]
    assert created.display_code in _text(mail)
    assert f"{ho.url}{created.status_path}" in _text(mail), "no link to the status page"
    qr_file = tmp_path / "qr-from-mail.png"
    qr_file.write_bytes(_qr_png(mail))
    reads = [c for c in decode_file(qr_file, PipelineDecoder()) if c.symbology == "QRCODE"]
    assert [c.text for c in reads] == [created.display_code]
    scanned = reads[0].text

    # 3. both stores pull it; S002 opens it now, while it is still open, and waits
    s1 = _store(tmp_path, "S001", f"sqlite:///{tmp_path / 's1.db'}", ho.url, ho.keys["S001"])
    s2_db = f"sqlite:///{tmp_path / 's2.db'}"
    s2 = _store(tmp_path, "S002", s2_db, ho.url, ho.keys["S002"])
    for app in (s1, s2):
        report = _sync(app, ho.url, ho.keys[app.settings.store_code])
        assert report.ok and report.pulled["authorizations"] >= 1, report
    early, unplugged = (
        s2.desk.open_authorization(created.display_code, alice(s2)) for _ in range(2)
    )
    for held in (early, unplugged):
        _verify_and_grade(s2, held)

    # 4. the counter at S001 (its window's session, offscreen): the QR's text opens the return
    # with the authorized lines; each item's barcode verifies its line; all graded; confirmed
    done = _counter(s1, qtbot, scanned, code)
    assert done.total.minor == 8000
    token = _status_token(s1, done.ref)
    report = _sync(s1, ho.url, ho.keys["S001"])
    assert report.ok and report.rejected == 0, report

    # 5. head office: the return carries the code; the code is used by it
    with Session(ho.engine) as s:
        accepted = s.get(CentralReturn, done.ref)
        assert accepted is not None and accepted.authorization_code == code
    used = central.get_authorization(ho.engine, code, datetime.now(UTC))
    assert used is not None
    assert (used.status, used.used_by_store, used.used_return_ref) == ("used", "S001", done.ref)
    _console(ho, done.ref, code)
    status_url = _receipt(s1, ho, done.ref, tmp_path / "receipt.png")
    assert status_url == f"{ho.url}/r/{token}"
    assert _receipt_code(s1, done.ref) == created.display_code
    for path in (status_url.removeprefix(ho.url), created.status_path):
        timeline = _status_page(ho, path).lower()
        assert "received at store s001" in timeline, timeline
        assert "tee m × 1 mug × 1" in timeline, timeline

    # 6. S002 online: refused when opened, and at the claim of the draft opened earlier
    before = _store_returns(s2)
    message = _refused(s2, scanned)
    assert "S001" in message and _mentions_day(message, used.used_at or NOW), message
    with pytest.raises(AuthorizationRefused, match="S001"):
        s2.desk.commit_return(early, "original")
    assert _store_returns(s2) == before, "a refused claim wrote a return"
    s2.close()

    # 7. S002 offline at commit (head office unreachable): its copy now says used, so the
    # code no longer opens; the draft opened before the link dropped commits and is queued,
    # and head office's answer at sync is a sync exception with the reason
    dead = f"https://127.0.0.1:{free_port()}"
    s2_off = _store(tmp_path, "S002", s2_db, dead, ho.keys["S002"])
    assert "S001" in _refused(s2_off, scanned)
    late = s2_off.desk.commit_return(unplugged, "original")
    assert _store_returns(s2_off) == before + 1
    report = _sync(s2_off, ho.url, ho.keys["S002"])
    assert report.ok and report.rejected >= 1, report
    [exception] = [e for e in list_exceptions(s2_off.engine) if e.kind == "return.committed"]
    assert exception.reason.startswith("authorization_used"), exception.reason
    with Session(ho.engine) as s:
        assert s.get(CentralReturn, late.ref) is None
    still = central.get_authorization(ho.engine, code, datetime.now(UTC))
    assert still is not None and still.used_return_ref == done.ref
    with _https(ho) as browser:  # head office's sync page shows the rejection and its reason
        signed = browser.post("/login", data={"username": "hq", "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        health = browser.get("/console/sync")
        assert health.status_code == 200 and "authorization_used" in health.text, health.text
    s2_off.close()

    # 8. expired, cancelled, tampered and guessed codes, at S001 (online)
    expired, cancelled = (
        central.create_authorization(
            ho.engine,
            proto.AuthorizationRequest.model_validate(
                {"order_number": number, "lines": [{"line_no": 1, "quantity": 1,
                                                    "reason": "wrong_size"}]}
            ),
            datetime.now(UTC),
            "test",
        ).authorization
        for number in ("W-1002", "W-1003")
    )  # fmt: skip
    gone = datetime.now(UTC) - timedelta(days=2)
    with ho.engine.begin() as conn:  # its expiry passed two days ago
        conn.execute(
            text("update return_authorizations set expires_at = :gone where code = :code"),
            {"gone": gone, "code": expired.code},
        )
    stopped = central.cancel_authorization(ho.engine, cancelled.code, datetime.now(UTC), "hq")
    message = _refused(s1, display_code(expired.code))
    assert "expired" in message.lower() and _mentions_day(message, gone), message
    message = _refused(s1, display_code(cancelled.code))
    assert "cancel" in message.lower(), message
    assert _mentions_day(message, stopped.cancelled_at or NOW), message
    typo = code[:-2] + ("0" if code[-2] != "0" else "1") + code[-1]  # one symbol mistyped
    _refused(s1, display_code(typo))
    _refused(s1, display_code(_guess(code)))  # well-formed, never issued
    assert _store_returns(s1) == 1
    s1.close()


def _guess(code: str) -> str:
    """A well-formed code (valid check symbol) head office never issued."""
    from counter_app.domain.auth_code import new_code

    for n in range(1000):
        candidate = new_code(n.to_bytes(7, "big"))
        if candidate != code:
            return candidate
    raise AssertionError("no guess")
