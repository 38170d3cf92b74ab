"""`counter-app receipt REF --format escpos|png|text` and `counter-app printer ...` in-process,
on a return committed in the test (SQLite and PostgreSQL where the database matters)."""

from __future__ import annotations

import io
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar
from sqlalchemy import Engine

from counter_app.cli.main import main
from counter_app.domain.voucher import verify_voucher_code
from tests.conftest import NOW
from tests.factories import Store, make_store
from tests.integration.test_print_queue import PAN, commit_return
from tests.integration.test_printing_connections import Recording, _serve, _Server, _url

Run = tuple[int, str, str]


@pytest.fixture
def recording() -> Iterator[_Server]:
    yield from _serve(Recording)


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return make_store(store_engine, NOW)


def run(capsys: pytest.CaptureFixture[str], home: Path, db: str, *args: str) -> Run:
    code = main(["--home", str(home), "--db", db, *args])
    out, err = capsys.readouterr()
    return code, out, err


def _db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _codes(png: bytes) -> set[str]:
    img = Image.open(io.BytesIO(png))
    return {r.data.decode() for r in pyzbar.decode(img.convert("L"))}


def test_receipt_text_escpos_and_png(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = commit_return(store)
    db = _db_url(store.engine)
    code, out, err = run(capsys, tmp_path, db, "receipt", ref, "--format", "text", "--out", "-")
    assert code == 0, err
    assert ref in out
    for name in ("Wool Scarf", "纯棉T恤 白色", "Wireless Earbuds"):
        assert name in out
    assert "VISA **** 4242" in out and "Arrives: 3–10 business days" in out
    assert "Cash" in out

    escpos = tmp_path / "r.escpos"
    code, _, err = run(
        capsys, tmp_path, db, "receipt", ref, "--format", "escpos", "--out", str(escpos)
    )
    assert code == 0, err
    data = escpos.read_bytes()
    assert b"\x1dV" in data  # paper cut
    assert b"\x1bp" in data  # cash refund: drawer kick
    assert ref.encode() in data

    png = tmp_path / "r.png"
    code, _, err = run(capsys, tmp_path, db, "receipt", ref, "--format", "png", "--out", str(png))
    assert code == 0, err
    assert ref in _codes(png.read_bytes())

    for blob in (out.encode(), data, png.read_bytes()):
        assert PAN.encode() not in blob and b"4111 1111" not in blob


def test_store_copy_on_58mm_has_a_signature_and_no_drawer_kick(
    sqlite_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.adapters.db.engine import make_engine

    engine = make_engine(sqlite_db_url)
    try:
        ref = commit_return(make_store(engine, NOW))
    finally:
        engine.dispose()
    out_file = tmp_path / "store.escpos"
    code, _, err = run(
        capsys,
        tmp_path,
        sqlite_db_url,
        "receipt",
        ref,
        "--format",
        "escpos",
        "--copy",
        "store",
        "--profile",
        "TM-T88V+58mm",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    assert b"\x1bp" not in out_file.read_bytes()
    code, out, _ = run(
        capsys,
        tmp_path,
        sqlite_db_url,
        "receipt",
        ref,
        "--copy",
        "store",
        "--profile",
        "TM-T88V+58mm",
    )
    assert code == 0 and "STORE COPY" in out and "Customer signature" in out
    assert max(len(line) for line in out.splitlines()) <= 32


def test_store_credit_receipt_carries_a_voucher_that_verifies(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = commit_return(store, tender="store_credit")
    db = _db_url(store.engine)
    code, out, err = run(capsys, tmp_path, db, "receipt", ref)
    assert code == 0, err
    secret = tomllib.loads((tmp_path / "config.toml").read_text())["voucher_secret"]
    assert len(secret) >= 32
    voucher_line = next(
        line.strip() for line in out.splitlines() if "-USD" in line and "[" not in line
    )
    info = verify_voucher_code(voucher_line, secret.encode())
    assert info.serial == "S001C1000001"
    assert "Voucher value" in out
    # The same code again on a reprint: the secret was saved once.
    code, again, _ = run(capsys, tmp_path, db, "receipt", ref)
    assert code == 0 and voucher_line in again


def test_unknown_return_is_one_line(
    sqlite_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, tmp_path, sqlite_db_url, "receipt", "R-S001-C1-424242")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "No return R-S001-C1-424242" in err


def test_printer_test_page_on_a_loopback_printer(
    sqlite_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], recording: _Server
) -> None:
    code, out, err = run(
        capsys, tmp_path, sqlite_db_url, "printer", "test", "--url", _url(recording)
    )
    assert code == 0, err
    assert "test page printed" in out
    assert recording.done.wait(3)
    data = bytes(recording.received)
    assert b"PRINTER TEST" in data and b"\x1dV" in data
    assert b"TEST-1234" in data  # barcode / QR payload


def test_printer_test_page_on_a_refused_port_fails_in_one_line(
    sqlite_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    code, out, err = run(
        capsys,
        tmp_path,
        sqlite_db_url,
        "printer",
        "test",
        "--url",
        f"tcp://127.0.0.1:{port}",
        "--timeout",
        "1",
    )
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "refused" in err and err.startswith("counter-app: ")
    code, _, err = run(capsys, tmp_path, sqlite_db_url, "printer", "test", "--url", "lpt://x")
    assert code == 1 and err.count("\n") == 1


def test_printer_queue_run_retry_and_reprint(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], recording: _Server
) -> None:
    ref = commit_return(store)
    db = _db_url(store.engine)
    (tmp_path / "config.toml").write_text(f'printer_url = "{_url(recording)}"\n')
    code, out, _ = run(capsys, tmp_path, db, "printer", "queue")
    assert code == 0 and out.count("pending") == 2 and ref in out
    code, out, err = run(capsys, tmp_path, db, "printer", "run")
    assert code == 0, err
    assert "printed 2, still waiting 0, failed 0" in out
    code, out, _ = run(capsys, tmp_path, db, "printer", "queue", "--json")
    assert out.count('"status": "printed"') == 2
    code, _, err = run(capsys, tmp_path, db, "printer", "retry", "1")
    assert code == 1 and "already printed" in err
    code, out, err = run(capsys, tmp_path, db, "printer", "reprint", ref, "--by", "maria")
    assert code == 0 and "reprinted" in out, err
    code, _, err = run(capsys, tmp_path, db, "printer", "reprint", "R-S001-C1-999999")
    assert code == 1 and err.count("\n") == 1
    code, _, _ = run(capsys, tmp_path, db, "audit", "verify")
    assert code == 0


def test_printer_run_with_the_printer_off_exits_1_and_keeps_the_jobs(
    sqlite_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.adapters.db.engine import make_engine

    engine = make_engine(sqlite_db_url)
    try:
        commit_return(make_store(engine, NOW))
    finally:
        engine.dispose()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    (tmp_path / "config.toml").write_text(f'printer_url = "tcp://127.0.0.1:{port}"\n')
    code, out, err = run(capsys, tmp_path, sqlite_db_url, "printer", "run")
    assert code == 1 and "still waiting 2" in out and "refused" in err
    code, out, _ = run(capsys, tmp_path, sqlite_db_url, "printer", "queue", "--status", "pending")
    assert out.count("pending") == 2 and "refused" in out
