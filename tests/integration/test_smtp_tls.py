"""SMTP credentials only ever go over TLS: SMTPS or STARTTLS, against aiosmtpd on loopback."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from counter_app.adapters.mail import MailConfigError, MailError, SmtpSender
from counter_app.config import ConfigError, check_setting
from tests.integration.test_notifications import Inbox, free_port

USER, PASSWORD = "shop", "pa55-w0rd"


class Recorder(Inbox):
    """Inbox that also records every EHLO and every login attempt, with whether it was TLS."""

    def __init__(self) -> None:
        super().__init__()
        self.ehlos = 0
        self.logins: list[tuple[str, str, bool]] = []

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.ehlos += 1
        session.host_name = hostname
        return responses

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object")
        self.logins.append((user, password, bool(encrypted)))
        return AuthResult(success=(user, password) == (USER, PASSWORD))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*certificate)
    return ctx


def _client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def _serve(recorder: Recorder, **kwargs: Any) -> Controller:
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=recorder.authenticate,
        **kwargs,
    )
    controller.start()
    return controller


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    yield Recorder()


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "returns@shop.example", "lin@example.com", "Refund"
    msg.set_content("Your refund is on its way.")
    return msg


def test_a_password_over_plain_smtp_is_never_sent(recorder: Recorder) -> None:
    # This server would take a PLAIN login in clear text; the sender must not offer one.
    controller = _serve(recorder, auth_require_tls=False)
    try:
        sender = SmtpSender(f"smtp://{USER}:{PASSWORD}@127.0.0.1:{controller.port}", timeout=5)
        with pytest.raises(MailConfigError, match="password would be sent in clear") as err:
            sender.send(_message())
        assert err.value.permanent
    finally:
        controller.stop()
    assert recorder.logins == [] and recorder.messages == [] and recorder.ehlos == 0


def test_starttls_refused_by_the_server_means_no_login(recorder: Recorder) -> None:
    controller = _serve(recorder, auth_require_tls=False)  # offers no STARTTLS at all
    try:
        url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{controller.port}?starttls=1"
        with pytest.raises(MailError, match="does not offer STARTTLS"):
            SmtpSender(url, timeout=5).send(_message())
    finally:
        controller.stop()
    assert recorder.ehlos == 1 and recorder.logins == [] and recorder.messages == []


def test_login_after_starttls(recorder: Recorder, certificate: tuple[Path, Path]) -> None:
    controller = _serve(recorder, tls_context=_server_context(certificate), require_starttls=True)
    try:
        url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{controller.port}?starttls=1"
        SmtpSender(url, timeout=5, context=_client_context(certificate)).send(_message())
    finally:
        controller.stop()
    assert recorder.logins == [(USER, PASSWORD, True)]
    assert [m[2]["Subject"] for m in recorder.messages] == ["Refund"]


def test_login_over_smtps(recorder: Recorder, certificate: tuple[Path, Path]) -> None:
    # aiosmtpd offers AUTH on implicit TLS only when told TLS is not required; the recorder
    # checks the session really was TLS.
    controller = _serve(recorder, ssl_context=_server_context(certificate), auth_require_tls=False)
    try:
        url = f"smtps://{USER}:{PASSWORD}@127.0.0.1:{controller.port}"
        SmtpSender(url, timeout=5, context=_client_context(certificate)).send(_message())
    finally:
        controller.stop()
    assert recorder.logins == [(USER, PASSWORD, True)] and len(recorder.messages) == 1


def test_an_untrusted_certificate_stops_before_the_login(
    recorder: Recorder, certificate: tuple[Path, Path]
) -> None:
    controller = _serve(recorder, ssl_context=_server_context(certificate))
    try:
        url = f"smtps://{USER}:{PASSWORD}@127.0.0.1:{controller.port}"
        with pytest.raises(MailError, match="No secure connection"):
            SmtpSender(url, timeout=5).send(_message())  # system trust store: self-signed fails
    finally:
        controller.stop()
    assert recorder.logins == [] and recorder.messages == []


def test_plain_relay_without_credentials_still_works(recorder: Recorder) -> None:
    controller = _serve(recorder)
    try:
        SmtpSender(f"smtp://127.0.0.1:{controller.port}", timeout=5).send(_message())
    finally:
        controller.stop()
    assert recorder.logins == [] and len(recorder.messages) == 1


def test_the_setting_itself_refuses_a_password_without_tls() -> None:
    with pytest.raises(ConfigError, match=r"smtp_url is not accepted: .*in clear"):
        check_setting("smtp_url", "smtp://shop:secret@mail.example.com:587")
    assert check_setting("smtp_url", "smtp://shop:secret@mail.example.com:587?starttls=1")
    assert check_setting("smtp_url", "smtps://shop:secret@mail.example.com")
    assert check_setting("smtp_url", "smtp://relay.local:25")
