"""Customer e-mails about their return: queued with the return, sent later by a worker.

`ReturnDesk.commit_return` inserts a ``pending`` row in ``notifications`` in the return's own
transaction (when the customer has an address and mail is configured), so the counter never
waits for a mail server and a return is never lost or held up by one. `Notifier` sends:

1. claim the oldest due pending row: ``attempts+1`` and ``next_attempt_at = now + lease``
   in its own committed transaction (a conditional update on the old attempt count, so two
   workers never take the same row; a crash mid-send retries after the lease);
2. build the message from the committed return (`history.get_return`) and the template of
   the row's language (``resources/mail/return_confirmation.<lang>.txt``);
3. send it (`MailSender`); record ``sent``, or back to ``pending`` with the error and an
   exponential backoff, or ``failed`` when the server refuses for good or after
   `MAX_ATTEMPTS` — visible to the manager, who may `retry` it.

Delivery is at-least-once: a crash between the server's "OK" and recording ``sent`` sends
the e-mail again after the lease, which is better than never.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency
from sqlalchemy import Engine, and_, func, or_, select, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.mail import MailError, MailSender
from counter_app.domain.auth_code import display_code
from counter_app.domain.money import Money
from counter_app.domain.zones import pick_zone
from counter_app.services.background import WakeableWorker
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, NotFound
from counter_app.services.history import ReturnView, get_return
from counter_app.services.receipts import ARRIVAL_TEXT
from counter_app.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "mail"
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)
LEASE = timedelta(minutes=5)

LOCALES = {"en": "en_US", "zh_CN": "zh_Hans_CN"}
TENDER_NAMES = {
    "en": {
        "card": "Card",
        "cash": "Cash",
        "store_credit": "Store credit",
        "gift_card": "Gift card",
        "exchange": "Exchange",
    },
    "zh_CN": {
        "card": "银行卡",
        "cash": "现金",
        "store_credit": "店铺储值",
        "gift_card": "礼品卡",
        "exchange": "换货",
    },
}
ARRIVAL = {
    "en": {
        k: ("arrives " + v if v == "now" else "arrives in " + v) for k, v in ARRIVAL_TEXT.items()
    },
    "zh_CN": {
        "card": "3–10 个工作日内到账",
        "store_credit": "立即可用",
        "cash": "已当场退还",
        "gift_card": "立即可用",
        "exchange": "已当场换货",
    },
}
NO_NAME = {"en": "customer", "zh_CN": "顾客"}


@dataclass(frozen=True)
class NotificationView:
    id: int
    ref: str
    recipient: str
    language: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class SendResult:
    id: int
    ref: str
    status: str  # sent | pending (will retry) | failed
    error: str = ""


# ------------------------------------------------------------------------------ the message


def language_of(code: str) -> str:
    code = {"zh": "zh_CN", "zh-CN": "zh_CN", "zh_Hans": "zh_CN"}.get(code, code)
    return code if code in LOCALES else "en"


def load_template(language: str) -> tuple[str, str]:
    """(subject, body) of the confirmation template in `language` (English if missing)."""
    path = TEMPLATES / f"return_confirmation.{language_of(language)}.txt"
    if not path.exists():
        path = TEMPLATES / "return_confirmation.en.txt"
    text = path.read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"{path.name}: the first line must be 'Subject: ...'")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


def _money(amount: Money, locale: str) -> str:
    return str(format_currency(Decimal(amount.minor) / 100, amount.currency, locale=locale))


def message_fields(
    view: ReturnView, language: str, store_name: str, store_phone: str, timezone: str
) -> dict[str, str]:
    lang = language_of(language)
    locale = LOCALES[lang]
    names = TENDER_NAMES[lang]
    items = "\n".join(
        f"- {line.quantity} × {line.name} ({line.sku}): {_money(line.refund, locale)}"
        for line in view.lines
    )
    tenders = []
    for refund in view.refunds:
        name = names.get(refund.tender, refund.tender)
        if refund.tender == "card" and refund.card_last4:
            name = f"{refund.card_brand or name} **** {refund.card_last4}"
        arrival = ARRIVAL[lang].get(refund.tender, "")
        tenders.append(f"- {name}: {_money(refund.amount, locale)} ({arrival})")
    try:
        zone = ZoneInfo(timezone)
    except Exception:
        zone = None
    when = view.created_at.astimezone(zone) if zone else view.created_at
    return {
        "customer_name": view.customer_name or NO_NAME[lang],
        "ref": view.ref,
        "ref_and_code": view.ref + _code_text(view, lang),
        "date": str(format_datetime(when, "medium", locale=locale)),
        "items": items,
        "total": _money(view.total, locale),
        "tenders": "\n".join(tenders),
        "store_name": store_name,
        "store_phone": store_phone or "-",
    }


def _code_text(view: ReturnView, lang: str) -> str:
    """The return code the customer got online, beside the reference ("" without one)."""
    if not view.authorization_code:
        return ""
    code = display_code(view.authorization_code)
    return f"（退货码 {code}）" if lang == "zh_CN" else f" (return code {code})"


def build_email(
    view: ReturnView,
    *,
    recipient: str,
    language: str,
    sender: str,
    store_name: str,
    store_phone: str = "",
    timezone: str = "UTC",
) -> EmailMessage:
    """The confirmation e-mail (plain text, UTF-8) for one committed return."""
    subject, body = load_template(language)
    fields = message_fields(view, language, store_name, store_phone, timezone)
    message = EmailMessage()
    message["Subject"] = subject.format(**fields)
    message["From"] = formataddr((store_name, sender))
    message["To"] = recipient
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["X-Return-Reference"] = view.ref
    message.set_content(body.format(**fields), charset="utf-8")
    return message


# ------------------------------------------------------------------------------ the queue


class Notifier:
    """Claims, sends and records customer e-mails; safe to share between threads."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        sender: MailSender,
        *,
        from_address: str,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: timedelta = BACKOFF_BASE,
        backoff_max: timedelta = BACKOFF_MAX,
        lease: timedelta = LEASE,
        zone: str = "",
    ) -> None:
        self.engine = engine
        self.zone = zone  # the store's zone setting; beats the store row (services/store_zone)
        self.clock = clock
        self.sender = sender
        self.from_address = from_address
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.lease = lease

    # ---------------------------------------------------------------- reading

    def notifications(self, status: str | None = None, limit: int = 500) -> list[NotificationView]:
        return list_notifications(self.engine, status, limit)

    # ---------------------------------------------------------------- sending

    def process_once(
        self, *, ignore_backoff: bool = False, exclude: frozenset[int] = frozenset()
    ) -> SendResult | None:
        """Send the oldest due pending e-mail once; None when nothing is due."""
        claimed = self._claim(ignore_backoff, exclude)
        if claimed is None:
            return None
        note_id, return_id, recipient, language, attempts = claimed
        ref = ""
        try:
            ref, message = self._message(return_id, recipient, language)
        except Exception as exc:  # the return behind it is unreadable: no point retrying
            log.warning("notification %s cannot be built: %s", note_id, exc)
            return self._record(
                note_id, ref, attempts, f"The e-mail cannot be built: {exc}", permanent=True
            )
        try:
            self.sender.send(message)
        except MailError as exc:
            return self._record(note_id, ref, attempts, str(exc), permanent=exc.permanent)
        except Exception as exc:  # a sender bug must not lose the e-mail either
            return self._record(note_id, ref, attempts, f"Sending failed: {exc}", permanent=False)
        return self._record(note_id, ref, attempts, "", permanent=False, sent=True)

    def run_pending(self) -> list[SendResult]:
        """Try every pending e-mail once, due or not (``counter-app notify run``)."""
        results: list[SendResult] = []
        seen: set[int] = set()
        while (
            result := self.process_once(ignore_backoff=True, exclude=frozenset(seen))
        ) is not None:
            seen.add(result.id)
            results.append(result)
        return results

    def _claim(
        self, ignore_backoff: bool, exclude: frozenset[int]
    ) -> tuple[int, int, str, str, int] | None:
        n = t.notifications.c
        now = self.clock.now()
        due = n.status == "pending"
        if not ignore_backoff:
            due = and_(due, or_(n.next_attempt_at.is_(None), n.next_attempt_at <= now))
        if exclude:
            due = and_(due, n.id.not_in(exclude))
        with UnitOfWork(self.engine, write=True) as uow:
            for row in uow.conn.execute(
                select(n.id, n.return_id, n.recipient, n.language, n.attempts)
                .where(due)
                .order_by(n.id)
                .limit(20)
            ).all():
                taken = uow.conn.execute(
                    update(t.notifications)
                    .where(n.id == row.id, n.status == "pending", n.attempts == row.attempts)
                    .values(attempts=n.attempts + 1, next_attempt_at=now + self.lease)
                ).rowcount
                if taken == 1:
                    uow.commit()
                    return row.id, row.return_id, row.recipient, row.language, row.attempts + 1
        return None

    def _message(self, return_id: int, recipient: str, language: str) -> tuple[str, EmailMessage]:
        r, s = t.returns.c, t.stores.c
        with UnitOfWork(self.engine) as uow:
            ref = uow.conn.execute(select(r.ref).where(r.id == return_id)).scalar_one()
            store = uow.conn.execute(
                select(s.name, s.phone, s.timezone)
                .select_from(t.returns.join(t.stores, s.code == r.store_code))
                .where(r.id == return_id)
            ).first()
        view = get_return(self.engine, ref)
        name, phone, zone = store if store is not None else (view.store_code, "", "UTC")
        message = build_email(
            view,
            recipient=recipient,
            language=language,
            sender=self.from_address,
            store_name=name,
            store_phone=phone or "",
            timezone=pick_zone(self.zone, zone),
        )
        return ref, message

    def _record(
        self,
        note_id: int,
        ref: str,
        attempts: int,
        error: str,
        *,
        permanent: bool,
        sent: bool = False,
    ) -> SendResult:
        n = t.notifications.c
        now = self.clock.now()
        values: dict[str, Any]
        if sent:
            status = "sent"
            values = {"status": "sent", "sent_at": now, "last_error": None, "next_attempt_at": None}
        elif permanent or attempts >= self.max_attempts:
            status = "failed"
            values = {"status": "failed", "last_error": error[:2000], "next_attempt_at": None}
        else:
            status = "pending"
            delay = min(self.backoff_max, self.backoff_base * 2 ** min(20, attempts - 1))
            values = {"last_error": error[:2000], "next_attempt_at": now + delay}
        with UnitOfWork(self.engine, write=True) as uow:
            uow.conn.execute(
                update(t.notifications)
                .where(n.id == note_id, n.attempts == attempts)
                .values(**values)
            )
            uow.commit()
        if not sent:
            log.info("customer e-mail %s (%s) is %s: %s", note_id, ref, status, error)
        return SendResult(note_id, ref, status, error)

    # ---------------------------------------------------------------- user actions

    def retry(self, note_id: int) -> None:
        """A failed (or waiting) e-mail goes back in line now, with a fresh set of attempts."""
        retry_notification(self.engine, note_id)


def list_notifications(
    engine: Engine, status: str | None = None, limit: int = 500
) -> list[NotificationView]:
    """Customer e-mails, newest first (optionally one status)."""
    n, r = t.notifications.c, t.returns.c
    query = (
        select(
            n.id,
            r.ref,
            n.recipient,
            n.language,
            n.status,
            n.attempts,
            n.last_error,
            n.next_attempt_at,
            n.created_at,
            n.sent_at,
        )
        .join(t.returns, r.id == n.return_id)
        .order_by(n.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(n.status == status)
    with UnitOfWork(engine) as uow:
        return [NotificationView(*tuple(row)) for row in uow.conn.execute(query).all()]


def notification_counts(engine: Engine) -> dict[str, int]:
    n = t.notifications.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(select(n.status, func.count()).group_by(n.status)).all()
    return {str(s): int(c) for s, c in rows}


def retry_notification(
    engine: Engine, note_id: int, *, actor: str = "", clock: Clock | None = None
) -> None:
    """Put a failed or waiting e-mail back in line; audited under `actor` when one is given."""
    n = t.notifications.c
    with UnitOfWork(engine, write=True) as uow:
        status = uow.conn.execute(select(n.status).where(n.id == note_id)).scalar()
        if status is None:
            raise NotFound(f"There is no customer e-mail {note_id}.")
        if status == "sent":
            raise BadInput(f"Customer e-mail {note_id} was already sent.")
        uow.conn.execute(
            update(t.notifications)
            .where(n.id == note_id)
            .values(status="pending", attempts=0, next_attempt_at=None)
        )
        if actor and clock is not None:
            repo.append_audit(
                uow.conn,
                at=clock.now(),
                actor=actor,
                action="notification.retry",
                subject=str(note_id),
                data={},
            )
        uow.commit()


def notifier_from_settings(engine: Engine, clock: Clock, settings: Any) -> Notifier | None:
    """The notifier for the configured mail server; None when e-mail is not configured."""
    if not getattr(settings, "smtp_url", ""):
        return None
    from counter_app.adapters.mail import SmtpSender

    return Notifier(
        engine,
        clock,
        SmtpSender(settings.smtp_url),
        from_address=settings.smtp_from,
        zone=str(getattr(settings, "timezone", "") or ""),
    )


class NotificationWorker(WakeableWorker):
    """Sends due e-mails in the background; sleeps `idle_interval` between looks, wakes at
    once on `wake()` (a return was just committed); `stop()` + `join()`."""

    def __init__(
        self,
        notifier: Notifier,
        *,
        idle_interval: float = 30.0,
        on_result: Callable[[SendResult], None] | None = None,
    ) -> None:
        super().__init__("notification-worker", on_result)
        self.notifier = notifier
        self.idle_interval = idle_interval

    def run(self) -> None:
        while not self.stopping:
            try:
                result = self.notifier.process_once()
            except Exception as exc:  # database busy or gone: keep trying, never die
                log.exception("notification queue failed")
                self.last_error = str(exc)
                result = None
            if result is not None:
                self.last_error = result.error or None
                self._report(result)
                if result.status == "sent":
                    continue  # more may be due
            self._pause(self.idle_interval)
