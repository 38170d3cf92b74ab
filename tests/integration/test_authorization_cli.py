"""`counter-app central authorize / cancel-authorization / add-portal-key / revoke-portal-key`:
the code, expiry, status path and QR files; the e-mail through a real SMTP server; every bad
input one line on stderr, exit code 2, and every row of head office's database unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import Engine, MetaData, select

from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.cli import main
from counter_app.domain.auth_code import parse_code
from tests.integration.authorization_helpers import seed
from tests.integration.test_notifications import Inbox, free_port


@pytest.fixture
def ho(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    central_db.upgrade(url)
    engine = central_db.make_engine(url)
    seed(engine)
    yield url, engine
    engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["central", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def state(engine: Engine) -> dict[str, list[Any]]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(map(repr, conn.execute(select(table)).all()))
            for name, table in meta.tables.items()
        }


def test_authorize_prints_the_code_and_writes_the_qr(
    ho: tuple[str, Engine], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = ho
    png, svg = tmp_path / "code.png", tmp_path / "code.svg"
    code, out, err = run(
        capsys, "authorize", "O-1", "--line", "1:1:wrong_size", "--line", "3:1:defective",
        "--refund", "store_credit", "--qr-png", str(png), "--qr-svg", str(svg), "--db", url,
    )  # fmt: skip
    assert code == 0, err
    shown = out.split()[2]
    canonical = parse_code(shown)
    assert canonical is not None and "expires 20" in out and "status page /r/" in out
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [shown]
    assert svg.read_text().startswith("<svg")
    made = service.get_authorization(engine, canonical, datetime.now(UTC))
    assert made is not None and made.refund == "store_credit" and len(made.lines) == 2
    code, out, err = run(capsys, "cancel-authorization", shown, "--db", url)
    assert code == 0 and "cancelled" in out, err
    assert service.get_authorization(engine, shown, datetime.now(UTC)).status == "cancelled"  # type: ignore[union-attr]


def test_authorize_emails_the_customer(
    ho: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = ho
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        code, out, err = run(
            capsys, "authorize", "O-1", "--line", "1:1:wrong_size", "--email", "ada@example.com",
            "--smtp", f"smtp://127.0.0.1:{smtp.port}", "--mail-from", "hq@shop.example",
            "--db", url,
        )  # fmt: skip
    finally:
        smtp.stop()
    assert code == 0 and "e-mail sent" in out, err
    [(sender, recipients, mail)] = inbox.messages
    assert (sender, recipients) == ("hq@shop.example", ["ada@example.com"])
    assert out.split()[2] in str(mail["Subject"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["authorize", "O-1", "--line", "1:x:wrong_size"], "LINE:QUANTITY:REASON"),
        (["authorize", "O-1", "--line", "2:1:wrong_size"], "final_sale"),
        (["authorize", "O-NOPE", "--line", "1:1:wrong_size"], "unknown_order"),
        (["authorize", "O-OLD", "--line", "1:1:wrong_size"], "outside_window"),
        (["authorize", "O-1", "--line", "1:1:nope"], "bad_reason"),
        (["authorize", "O-1", "--line", "1:0:wrong_size"], "quantity"),
        (["authorize", "O-1", "--line", "1:1:wrong_size", "--qr-png", "/no/such/dir/q.png"],
         "no such directory"),
        (["authorize", "O-1", "--line", "1:1:wrong_size", "--smtp", "smtp://u:pw@127.0.0.1"],
         "must not hold a password"),
        (["cancel-authorization", "RA-7K3QD-9MZ2X-F"], "unknown_authorization"),
        (["cancel-authorization", "not a code"], "unknown_authorization"),
        (["revoke-portal-key", "nobody"], "no portal key"),
        (["add-portal-key", "bad name!"], "portal key name"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    ho: tuple[str, Engine], capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    url, engine = ho
    before = state(engine)
    code, out, err = run(capsys, *args, "--db", url)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert state(engine) == before


def test_portal_keys_are_printed_once_and_revocable(
    ho: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = ho
    code, out, err = run(capsys, "add-portal-key", "web-shop", "--db", url)
    assert code == 0, err
    key = out.strip().splitlines()[-1]
    assert service.portal_caller(engine, key) == "web-shop"
    assert key not in repr(state(engine))  # only its hash is kept
    code, _, err = run(capsys, "add-portal-key", "web-shop", "--db", url)
    assert code == 2 and "revoke it first" in err
    assert run(capsys, "revoke-portal-key", "web-shop", "--db", url)[0] == 0
    assert service.portal_caller(engine, key) is None
    code, out, _ = run(capsys, "add-portal-key", "web-shop", "--db", url)
    fresh = out.strip().splitlines()[-1]
    assert code == 0 and fresh != key and service.portal_caller(engine, fresh) == "web-shop"
    assert service.portal_caller(engine, key) is None
