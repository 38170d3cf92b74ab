"""`counter-app central serve` as operators run it: over https with several worker processes
on one PostgreSQL, secrets from files and the environment, and arguments checked in one line."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.master_key import MasterKey
from counter_app.central.service import admins
from counter_app.central.testing import SignedClient, TlsFiles, free_port, stock_message
from tests.cli_helpers import ADMIN, ADMIN_PIN, AS_ADMIN

STORES = [f"S{n:03}" for n in range(1, 7)]


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counter_app.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def two_workers(pg_server: object, tmp_path: Path) -> Iterator[tuple[str, str, TlsFiles]]:
    db_url = pg_server.create_database()  # type: ignore[attr-defined]
    tls = TlsFiles.make(tmp_path / "tls")
    admin_file = tmp_path / "admin.key"
    admin_file.write_text("admin-" + "x" * 40 + "\n")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "counter_app.cli", "central", "serve", "--db", db_url,
         "--port", str(port), "--workers", "2", "--tls-cert", str(tls.cert_file),
         "--tls-key", str(tls.key_file), "--admin-key-file", str(admin_file),
         "--log-level", "warning"],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    base = f"https://127.0.0.1:{port}"
    verify = ssl.create_default_context(cafile=str(tls.ca_file))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", verify=verify, timeout=1).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("central serve --workers 2 did not start")
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(proc.pid)) >= 2, "expected two worker processes"
        yield base, db_url, tls
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.timeout(300)
def test_two_workers_take_pushes_from_many_stores_exactly_once(
    two_workers: tuple[str, str, TlsFiles],
) -> None:
    base, db_url, tls = two_workers
    engine = central_db.make_engine(db_url)
    keys = {code: service.add_store(engine, code, f"Store {code}") for code in STORES}
    sent: dict[str, list[str]] = {code: [] for code in STORES}
    failures: list[str] = []

    def store(code: str) -> None:
        with SignedClient(base, code, keys[code], ca_file=tls.ca_file) as client:
            for _ in range(6):
                batch = [stock_message(code, quantity=1) for _ in range(40)]
                sent[code].extend(m["id"] for m in batch)
                for _attempt in range(2):  # every batch twice: the retry after a lost answer
                    answer = client.push(batch)
                    if answer.status_code != 200 or "X-Signature" not in answer.headers:
                        failures.append(f"{code}: {answer.status_code}")

    threads = [threading.Thread(target=store, args=(code,)) for code in STORES for _ in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert failures == []
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT store, message_id FROM messages")).all()
        counts = dict(conn.execute(text("SELECT code, messages_received FROM stores")).all())
    engine.dispose()
    ids = [message_id for _, message_id in rows]
    assert len(ids) == len(set(ids)) == sum(len(v) for v in sent.values()) == 6 * 2 * 6 * 40
    for code in STORES:
        assert {m for s, m in rows if s == code} == set(sent[code])
        assert counts[code] == len(sent[code])


def test_serve_checks_its_arguments_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/c.db"
    for args, expected in (
        (["--port", "99999999"], "--port '99999999' is not a port number from 1 to 65535"),
        (["--port", "http"], "is not a port number"),
        (["--host", "bad host!"], "is not an IP address or host name"),
        (["--tls-cert", "x.pem"], "give both --tls-cert and --tls-key"),
        (["--admin-key-file", str(tmp_path / "none")], "No such file"),
    ):
        done = _cli("central", "serve", "--db", db, *args)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and expected in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    secret_on_argv = _cli("central", "serve", "--db", db, "--admin-key", "s3cret")
    assert secret_on_argv.returncode == 2 and "unrecognized arguments" in secret_on_argv.stderr


def test_key_and_account_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path}/c.db"
    assert _cli("central", "db", "upgrade", "--db", db).returncode == 0
    added = _cli("central", "add-store", "S001", "--name", "Downtown", "--db", db)
    assert added.returncode == 0, added.stderr
    key = added.stdout.splitlines()[-1]
    assert "counter-app config set central_key -" in added.stdout
    rotated = _cli("central", "rotate-key", "S001", "--grace-hours", "2", "--db", db)
    assert rotated.returncode == 0 and "stops working in 2 h" in rotated.stdout
    new_key = rotated.stdout.splitlines()[2]
    assert len(new_key) == 64 and new_key != key
    engine = central_db.make_engine(db)
    master = MasterKey.resolve()
    assert service.valid_keys(engine, "S001", master) == [new_key, key]
    assert "revoked 2 key(s)" in _cli("central", "revoke-key", "S001", "--db", db).stdout
    assert service.valid_keys(engine, "S001", master) == []
    # The key goes into the store's config from stdin, never argv.
    home = tmp_path / "store"
    first = _cli("--home", str(home), "setup", "--admin", ADMIN, "--pin", "-",
                 stdin=f"{ADMIN_PIN}\n")  # fmt: skip
    assert first.returncode == 0, first.stderr
    stored = _cli("--home", str(home), "config", "set", "central_key", "-", *AS_ADMIN,
                  stdin=f"{ADMIN_PIN}\n{new_key}\n")  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    assert f'central_key = "{new_key}"' in (home / "config.toml").read_text()
    # Head-office accounts: the password from stdin.
    account = _cli("central", "add-admin", "hq", "--db", db, stdin="a long pass phrase\n")
    assert account.returncode == 0, account.stderr
    assert admins.check_password(engine, "hq", "a long pass phrase")
    short = _cli("central", "add-admin", "hq2", "--db", db, stdin="short\n")
    assert short.returncode == 2 and "at least 12" in short.stderr
    # The master key from a file instead of the environment; a wrong one says so.
    other = tmp_path / "master.key"
    other.write_text(MasterKey.generate())
    env_less = {k: v for k, v in os.environ.items() if k != "CENTRAL_MASTER_KEY"}
    wrong = subprocess.run([sys.executable, "-m", "counter_app.cli", "central", "rotate-key",
                            "S001", "--db", db, "--master-key-file", str(other)],
                           capture_output=True, text=True, env=env_less, check=False)  # fmt: skip
    assert wrong.returncode == 0  # every old key is revoked: nothing to open, a new one sealed
    missing = subprocess.run([sys.executable, "-m", "counter_app.cli", "central", "add-store",
                              "S002", "--name", "Airport", "--db", db],
                             capture_output=True, text=True, env=env_less, check=False)  # fmt: skip
    assert missing.returncode == 2 and "no master key" in missing.stderr
    engine.dispose()
