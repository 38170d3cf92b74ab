"""Head office's mail server setting: the password never on the command line (from a file or
the environment), never sent without TLS, and one clear line when the setting is wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from counter_app.central import cli_access as access


def args(**values: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    access.add_smtp_arguments(parser)
    parsed = parser.parse_args([])
    for name, value in values.items():
        setattr(parsed, name, value)
    return parsed


def test_no_mail_server_means_no_email(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(access.SMTP_URL_ENV, raising=False)
    assert access.smtp_settings(args()) == (None, access.DEFAULT_MAIL_FROM)


def test_the_password_comes_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "smtp.pw"
    secret.write_text("p@ss word\n")
    url, sender = access.smtp_settings(
        args(smtp="smtp://shop@mail.example:587?starttls=1", smtp_password_file=str(secret),
             mail_from="hq@shop.example")
    )  # fmt: skip
    assert url == "smtp://shop:p%40ss%20word@mail.example:587?starttls=1"
    assert sender == "hq@shop.example"
    monkeypatch.setenv(access.SMTP_URL_ENV, "smtps://shop@mail.example")
    monkeypatch.setenv(access.SMTP_PASSWORD_ENV, "from-env")
    assert access.smtp_settings(args())[0] == "smtps://shop:from-env@mail.example"


@pytest.mark.parametrize(
    ("smtp", "words"),
    [
        ("smtp://shop:secret@mail.example:587", "must not hold a password"),
        ("http://mail.example", "smtp:// or smtps://"),
    ],
)
def test_a_bad_setting_is_one_clear_line(smtp: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        access.smtp_settings(args(smtp=smtp))


def test_a_password_without_tls_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(access.SMTP_PASSWORD_ENV, "pw")
    with pytest.raises(ValueError, match="no encryption"):
        access.smtp_settings(args(smtp="smtp://shop@mail.example:25"))
