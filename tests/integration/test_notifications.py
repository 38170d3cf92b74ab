"""Customer e-mails: queued atomically with the return, sent through a real SMTP server on
loopback (aiosmtpd), retried while the server is down, never in the way of the counter."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.mail import FakeSender, MailConfigError, SmtpSender, parse_smtp_url
from counter_app.services.commit import CommittedReturn
from counter_app.services.notifications import (
    Notifier,
    list_notifications,
    notification_counts,
    retry_notification,
)
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.test_reports import do_return

CUSTOMER = {
    "code": "C9",
    "name": "Lin Mei",
    "email": "lin@example.com",
    "phone": "+1555009",
    "loyalty_tier": None,
}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller
    finally:
        controller.stop()


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    s.desk.email_language = "en"  # what bootstrap does when smtp_url is set
    add_order(
        store_engine,
        "O-1",
        days_before(NOW, 2),
        [("APP-1", 1, 2500), ("HOM-1", 1, 3999)],
        customer=CUSTOMER,
    )
    add_order(store_engine, "O-2", days_before(NOW, 2), [("APP-1", 1, 2500)])  # no customer
    return s


def counts(engine: Engine) -> tuple[int, int]:
    with UnitOfWork(engine) as uow:
        returns = uow.conn.execute(select(func.count()).select_from(t.returns)).scalar_one()
        notes = uow.conn.execute(select(func.count()).select_from(t.notifications)).scalar_one()
    return int(returns), int(notes)


def scarf_and_lamp(store: Store, **kw: Any) -> CommittedReturn:
    return do_return(
        store, "O-1", [(1, 1, "wrong_size", "new"), (2, 1, "defective", "new")], at=NOW, **kw
    )


def test_queued_in_the_same_transaction_as_the_return(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed = scarf_and_lamp(store)
    assert counts(store.engine) == (1, 1)
    [note] = list_notifications(store.engine)
    assert (note.ref, note.recipient, note.status, note.language) == (
        committed.ref,
        "lin@example.com",
        "pending",
        "en",
    )
    do_return(store, "O-2", [(1, 1, "wrong_size", "new")], at=NOW)  # no address: no e-mail
    assert counts(store.engine) == (2, 1)
    # the commit fails: neither the return nor its e-mail exists
    add_order(
        store.engine,
        "O-3",
        days_before(NOW, 2),
        [("APP-1", 1, 2500)],
        customer=dict(CUSTOMER, code="C10"),
    )

    def broken_commit(self: UnitOfWork) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(UnitOfWork, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        do_return(store, "O-3", [(1, 1, "wrong_size", "new")], at=NOW)
    monkeypatch.undo()
    assert counts(store.engine) == (2, 1)


def test_sent_through_smtp_on_loopback(store: Store, smtp: tuple[Inbox, Controller]) -> None:
    inbox, controller = smtp
    committed = scarf_and_lamp(store)
    sender = SmtpSender(f"smtp://127.0.0.1:{controller.port}", timeout=5)
    notifier = Notifier(store.engine, store.clock, sender, from_address="returns@shop.example")
    result = notifier.process_once()
    assert result is not None and result.status == "sent", result
    assert notifier.process_once() is None
    [(mail_from, rcpt, message)] = inbox.messages
    assert mail_from == "returns@shop.example" and rcpt == ["lin@example.com"]
    assert message["Subject"] == f"Your return {committed.ref} at Test Store"
    body = message.get_content()
    for text in (
        committed.ref,
        "Lin Mei",
        "1 × Wool Scarf (APP-1): $25.00",
        "1 × Desk Lamp (HOM-1): $39.99",
        "Refund: $64.99",
        "VISA **** 4242: $64.99 (arrives in 3–10 business days)",
    ):
        assert text in body, text
    [note] = list_notifications(store.engine)
    assert note.status == "sent" and note.sent_at == NOW and note.attempts == 1


def test_chinese_template(store: Store, smtp: tuple[Inbox, Controller]) -> None:
    inbox, controller = smtp
    store.desk.email_language = "zh_CN"
    committed = scarf_and_lamp(store, tender="store_credit")
    notifier = Notifier(
        store.engine,
        store.clock,
        SmtpSender(f"smtp://127.0.0.1:{controller.port}"),
        from_address="returns@shop.example",
    )
    assert [r.status for r in notifier.run_pending()] == ["sent"]
    message = inbox.messages[0][2]
    assert message["Subject"] == f"您在Test Store的退货 {committed.ref}"
    body = message.get_content()
    assert "退款金额：US$64.99" in body and "店铺储值" in body and "立即可用" in body


def test_server_down_is_retried_later_and_the_return_is_unaffected(store: Store) -> None:
    port = free_port()  # nothing listens here yet
    notifier = Notifier(
        store.engine,
        store.clock,
        SmtpSender(f"smtp://127.0.0.1:{port}", timeout=2),
        from_address="returns@shop.example",
    )
    committed = scarf_and_lamp(store)
    result = notifier.process_once()
    assert result is not None and result.status == "pending" and "not answering" in result.error
    [note] = list_notifications(store.engine)
    assert note.attempts == 1 and note.next_attempt_at == NOW + timedelta(minutes=1)
    assert notifier.process_once() is None  # not due yet: nobody hammers a dead server
    # the return is there and complete, and the next return still commits
    assert counts(store.engine) == (1, 1)
    do_return(store, "O-2", [(1, 1, "wrong_size", "new")], at=NOW)
    # the server comes back; a minute later the e-mail goes
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        store.clock.advance(minutes=1)
        result = notifier.process_once()
        assert result is not None and result.status == "sent"
    finally:
        controller.stop()
    assert inbox.messages[0][2]["X-Return-Reference"] == committed.ref
    assert notification_counts(store.engine) == {"sent": 1}


def test_backoff_gives_up_after_max_attempts_and_retry_resets(store: Store) -> None:
    sender = FakeSender()
    notifier = Notifier(
        store.engine, store.clock, sender, from_address="r@shop.example", max_attempts=3
    )
    scarf_and_lamp(store)
    sender.fail("busy", times=None)
    delays = []
    for _ in range(3):
        result = notifier.process_once(ignore_backoff=True)
        assert result is not None
        note = list_notifications(store.engine)[0]
        delays.append(note.next_attempt_at - NOW if note.next_attempt_at else None)
    assert (
        result is not None
        and result.status == "failed"
        and note.attempts == 3
        and note.last_error == "busy"
    )
    assert delays == [timedelta(minutes=1), timedelta(minutes=2), None]
    assert notifier.process_once(ignore_backoff=True) is None
    sender.recover()
    retry_notification(store.engine, note.id)
    assert [r.status for r in notifier.run_pending()] == ["sent"] and len(sender.sent) == 1


def test_refused_address_fails_at_once(store: Store) -> None:
    sender = FakeSender()
    sender.fail("The mail server refused the address: 550", permanent=True)
    notifier = Notifier(store.engine, store.clock, sender, from_address="r@shop.example")
    scarf_and_lamp(store)
    result = notifier.process_once()
    assert result is not None and result.status == "failed"


def test_smtp_url_parsing() -> None:
    url = parse_smtp_url("smtp://user:p%40ss@mail.example.com:587?starttls=1")
    assert (url.host, url.port, url.starttls, url.username, url.password, url.tls) == (
        "mail.example.com",
        587,
        True,
        "user",
        "p@ss",
        False,
    )
    assert parse_smtp_url("smtps://mail.example.com").port == 465
    with pytest.raises(MailConfigError):
        parse_smtp_url("http://mail.example.com")


def test_worker_sends_in_the_background_and_stops(store: Store) -> None:
    from counter_app.services.notifications import NotificationWorker, SendResult

    sender = FakeSender()
    notifier = Notifier(store.engine, store.clock, sender, from_address="r@shop.example")
    results: list[SendResult] = []
    worker = NotificationWorker(notifier, idle_interval=0.05, on_result=results.append)
    worker.start()
    try:
        scarf_and_lamp(store)  # committed while the worker runs
        worker.wake()
        deadline = time.monotonic() + 10
        while not sender.sent and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
        worker.join(5)
    assert not worker.is_alive()
    assert len(sender.sent) == 1 and [r.status for r in results] == ["sent"]
