"""Sending e-mail: `MailSender` with an smtplib implementation and an in-memory fake.

The connection is one setting, ``smtp_url``:

- ``smtp://host:25`` plain SMTP (a local relay), ``smtp://host:587?starttls=1`` with STARTTLS,
- ``smtps://host:465`` SMTP over TLS, ``smtp://user:password@host:587?starttls=1`` with login.

A user name and password are only ever sent over TLS (``smtps://`` or STARTTLS): a setting
with a password and no encryption is refused, and so is a server that does not start TLS.

`MailError.permanent` tells the queue whether trying again can help: a refused recipient
or sender will be refused tomorrow too; a server that is down or busy may not be.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class MailError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class MailConfigError(MailError):
    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class MailSender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; raise MailError when it did not take it."""
        ...


@dataclass(frozen=True)
class SmtpUrl:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    starttls: bool
    username: str | None
    password: str | None

    def safe(self) -> str:
        scheme = "smtps" if self.tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpUrl:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("The mail server setting must start with smtp:// or smtps://.")
    if not parts.hostname:
        raise MailConfigError("The mail server setting has no host name.")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise MailConfigError("The mail server port is not a number.") from None
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    return SmtpUrl(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "smtps",
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


NO_TLS_FOR_LOGIN = (
    "The mail server setting has a user name but no encryption, so the password would be "
    "sent in clear: use smtps://… or add ?starttls=1."
)


def require_tls_for_login(config: SmtpUrl) -> SmtpUrl:
    """Refuse a setting that would send a user name and password over plain text."""
    if (config.username or config.password) and not (config.tls or config.starttls):
        raise MailConfigError(NO_TLS_FOR_LOGIN)
    return config


class SmtpSender:
    """One connection per message: e-mails are few, and a fresh connection never goes stale.

    `context` is the TLS context (default: the system's trusted certificates)."""

    def __init__(
        self, url: str, *, timeout: float = 10.0, context: ssl.SSLContext | None = None
    ) -> None:
        self.config = parse_smtp_url(url)
        self.timeout = timeout
        self.context = context

    def send(self, message: EmailMessage) -> None:
        c = require_tls_for_login(self.config)
        context = self.context or ssl.create_default_context()
        try:
            smtp: smtplib.SMTP
            if c.tls:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
            with smtp:
                if c.starttls:
                    _starttls(smtp, context, c)
                if c.username:
                    _login_over_tls(smtp, c.username, c.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                f"The mail server {c.safe()} does not offer a login.", permanent=True
            ) from None
        except ssl.SSLError as exc:
            raise MailError(
                f"No secure connection to the mail server {c.safe()}: {exc.reason or exc}"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(
                f"The mail server refused the address: {_codes(exc.recipients)}", permanent=True
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise MailError(
                f"The mail server refused the sender address ({exc.smtp_code}).", permanent=True
            ) from None
        except smtplib.SMTPAuthenticationError:
            raise MailError("The mail server did not accept the user name or password.") from None
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise MailError(
                f"The mail server answered {exc.smtp_code}.", permanent=permanent
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            where = c.safe()
            if isinstance(exc, ConnectionRefusedError):
                raise MailError(f"The mail server {where} is not answering.") from None
            if isinstance(exc, socket.timeout | TimeoutError):
                raise MailError(f"The mail server {where} did not answer in time.") from None
            raise MailError(f"Cannot reach the mail server {where}: {exc}") from None
        if refused:
            raise MailError(f"The mail server refused: {_codes(refused)}", permanent=True)


def _starttls(smtp: smtplib.SMTP, context: ssl.SSLContext, c: SmtpUrl) -> None:
    try:
        smtp.starttls(context=context)
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f"The mail server {c.safe()} does not offer STARTTLS; nothing was sent.",
            permanent=True,
        ) from None


def _login_over_tls(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in only on an encrypted socket, whatever the setting said."""
    if not isinstance(smtp.sock, ssl.SSLSocket):
        raise MailConfigError(NO_TLS_FOR_LOGIN)
    smtp.login(username, password)


def _codes(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{code}" for _addr, (code, _msg) in recipients.items()) or "?"


class FakeSender:
    """In-memory sender for tests: keeps what was sent; `fail()` makes the next sends fail."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self._failures: list[MailError] = []
        self._always: MailError | None = None

    def fail(
        self, message: str = "server down", *, times: int | None = 1, permanent: bool = False
    ) -> None:
        error = MailError(message, permanent=permanent)
        if times is None:
            self._always = error
        else:
            self._failures.extend([error] * times)

    def recover(self) -> None:
        self._always = None
        self._failures.clear()

    def send(self, message: EmailMessage) -> None:
        if self._always is not None:
            raise self._always
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(message)
