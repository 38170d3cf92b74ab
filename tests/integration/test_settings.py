"""Validated settings through the real CLI: a bad value is one line on stderr, exit 1, and
nothing changes (config file bytes and every table's rows); the file is written atomically
and privately; a corrupt file names the key and its line; `config show` hides secrets."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from counter_app import config
from counter_app.adapters.db.engine import make_engine
from counter_app.config import (
    ConfigError,
    check_setting,
    load_settings,
    masked_settings,
    parse_setting,
    save_settings,
    set_setting,
    shipped_languages,
)
from tests.cli_helpers import ADMIN_PIN, AS_ADMIN, first_admin

ROOT = Path(__file__).resolve().parents[2]


def cli(
    home: Path, *args: str, umask: int | None = None, stdin: str = "", db: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COUNTER_APP_HOME": str(home)}
    env.pop("COUNTER_APP_DB", None)
    if db:
        env["COUNTER_APP_DB"] = db
    return subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def table_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("store")
    result = cli(home, "demo", "--orders", "20", "--returns", "1")
    assert result.returncode == 0, result.stderr
    result = cli(home, "config", "set", "idle_lock_minutes", "7", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert result.returncode == 0, result.stderr
    return home


BAD = [
    ("idle_lock_minutes", "-5", "from 1 to 15"),
    ("idle_lock_minutes", "0", "from 1 to 15"),
    ("idle_lock_minutes", "100000", "from 1 to 15"),
    ("idle_lock_minutes", "99999999999999999999", "from 1 to 15"),
    ("paper_width_mm", "0", "58 or 80"),
    ("printer_url", "bogus", "not a printer address"),
    ("printer_url", "tcp://:9100", "no printer host"),
    ("printer_profile", "NoSuchPrinter-9", "printer_profile"),
    ("sync_time", "25:99", "HH:MM"),
    ("language", "klingon", "must be one of: en"),
    ("store_code", "S\u202e001", "invisible"),
    ("store_code", "s001", "capital letters"),
    ("store_code", "A" * 17, "1 to 16"),
    ("counter_code", "C1\nrm -rf", "line breaks"),
    ("central_url", "ftp://head.example.com", "web address"),
    ("smtp_url", "smtp://shop:pw@mail.example.com:587", "in clear"),
    ("smtp_from", "not-an-address", "e-mail address"),
    ("camera_source", "", "cannot be empty"),
    ("policy_path", "a\u2066b", "invisible"),
    ("no_such", "1", "unknown setting"),
]


@pytest.mark.parametrize(("key", "value", "says"), BAD, ids=[f"{k}={v[:12]!r}" for k, v, _ in BAD])
def test_a_bad_value_is_refused_in_one_line_and_nothing_changes(
    store: Path, key: str, value: str, says: str
) -> None:
    file_before = (store / "config.toml").read_bytes()
    rows_before = table_rows(store / "counter.db")
    result = cli(store, "config", "set", key, value, *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("counter-app: "), result.stderr
    assert says in lines[0] and key in lines[0], lines[0]
    assert result.stdout == ""
    assert (store / "config.toml").read_bytes() == file_before
    assert table_rows(store / "counter.db") == rows_before
    assert [p.name for p in store.iterdir() if p.name.endswith(".tmp")] == []


def test_good_values_are_saved_typed(tmp_path: Path) -> None:
    first_admin(tmp_path)
    for key, raw in [
        ("idle_lock_minutes", "15"),
        ("sync_time", "23:59"),
        ("language", "zh_CN"),
        ("store_code", "S-002"),
        ("paper_width_mm", "58"),
        ("printer_url", "tcp://127.0.0.1:9100"),
        ("store_copy", "true"),
        ("central_url", "https://head.example.com:8443/api"),
        ("smtp_url", "-"),  # a URL with a password: on standard input, after the admin PIN
    ]:
        stdin = f"{ADMIN_PIN}\nsmtps://shop:p%40ss@mail.example.com\n"
        result = cli(tmp_path, "config", "set", key, raw, *AS_ADMIN, stdin=stdin)
        assert result.returncode == 0, result.stderr
    s = load_settings(tmp_path)
    assert (s.idle_lock_minutes, s.sync_time, s.language, s.store_code) == (
        15,
        "23:59",
        "zh_CN",
        "S-002",
    )
    assert (s.paper_width_mm, s.printer_url, s.store_copy) == (58, "tcp://127.0.0.1:9100", True)


def test_parse_setting_types_and_limits() -> None:
    assert parse_setting("store_copy", "yes") is True and parse_setting("store_copy", "0") is False
    assert parse_setting("idle_lock_minutes", " 3 ") == 3
    assert "zh_CN" in shipped_languages() and "en" in shipped_languages()
    for key in ("store_code", "printer_url", "smtp_from", "central_key", "db_url", "sync_time"):
        for junk in ("\n", "\r", "\x00", "\x1b[31m", "\u202e", "\u2066", "\u200f", "\t"):
            with pytest.raises(ConfigError):
                check_setting(key, f"ok{junk}ok")
    with pytest.raises(ConfigError, match="true or false"):
        check_setting("store_copy", 1)
    with pytest.raises(ConfigError, match="whole number"):
        check_setting("idle_lock_minutes", True)


def test_set_setting_checks_before_writing(tmp_path: Path) -> None:
    set_setting(tmp_path, "idle_lock_minutes", "9")
    before = (tmp_path / "config.toml").read_bytes()
    with pytest.raises(ConfigError, match="from 1 to 15"):
        set_setting(tmp_path, "idle_lock_minutes", "100000")
    with pytest.raises(ConfigError):
        save_settings(load_settings(tmp_path), store_code="A\nB")
    assert (tmp_path / "config.toml").read_bytes() == before


def test_the_file_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_setting(tmp_path, "store_code", "S001")
    before = (tmp_path / "config.toml").read_bytes()

    def power_cut(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError, match="disk full"):
        set_setting(tmp_path, "store_code", "S002")
    monkeypatch.undo()
    assert (tmp_path / "config.toml").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # no temp file left


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('store_code = "S001"\nidle_lock_minutes = 100000\n', 2, "idle_lock_minutes"),
        ('language = "en"\n\nstore_code = "S\\u202e001"\n', 3, "store_code"),
        ('store_code = "S001"\nsync_time = "02:00\n', 2, "sync_time"),
        ('store_code = "S001"\nprinter_url = 7\n', 2, "printer_url"),
        ('store_code = "S001"\nno_such = 1\n', 2, "no_such"),
    ],
)
def test_a_corrupt_file_names_the_key_and_line(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    os.chmod(tmp_path / "config.toml", 0o600)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    message = str(err.value)
    assert f"line {line}" in message and key in message and "\n" not in message, message
    result = cli(tmp_path, "config", "show")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert f"line {line}" in result.stderr and key in result.stderr


def test_config_show_masks_every_secret(tmp_path: Path) -> None:
    secrets = {
        "central_key": "ck-SECRET-1",
        "voucher_secret": "vs-SECRET-2",
        "smtp_url": "smtp://shop:SMTP-SECRET-3@mail.example.com:587?starttls=1",
        "central_url": "https://store:URL-SECRET-4@head.example.com",
    }
    first_admin(tmp_path)
    for key, value in secrets.items():
        stdin = f"{ADMIN_PIN}\n{value}\n"
        assert cli(tmp_path, "config", "set", key, "-", *AS_ADMIN, stdin=stdin).returncode == 0
    result = cli(
        tmp_path, "config", "show", db="postgresql://app:DB-SECRET-5@db.example.com/shop"
    )
    assert result.returncode == 0, result.stderr
    for word in ("SECRET-1", "SECRET-2", "SECRET-3", "SECRET-4", "SECRET-5"):
        assert word not in result.stdout
    assert "smtp_url = smtp://shop:***@mail.example.com:587?starttls=1" in result.stdout
    assert "db_url = postgresql://app:***@db.example.com/shop" in result.stdout
    assert "central_key = (set)" in result.stdout
    shown = masked_settings(load_settings(tmp_path))
    assert shown["voucher_secret"] == "(set)" and shown["printer_url"] == "preview://"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_private_modes_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "new" / "home"
    result = cli(home, "demo", "--orders", "20", "--returns", "1", umask=umask)
    assert result.returncode == 0, result.stderr
    result = cli(
        home,
        "config",
        "set",
        "idle_lock_minutes",
        "9",
        *AS_ADMIN,
        umask=umask,
        stdin=f"{ADMIN_PIN}\n",
    )
    assert result.returncode == 0, result.stderr
    assert _mode(home) == 0o700 and _mode(tmp_path / "new") == 0o700
    assert _mode(home / "config.toml") == 0o600
    assert _mode(home / "counter.db") == 0o600


def test_wal_and_shm_are_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        db = tmp_path / "data" / "counter.db"
        engine = make_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as conn:  # a live connection keeps -wal and -shm on disk
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
            for name in ("counter.db", "counter.db-wal", "counter.db-shm"):
                assert _mode(db.parent / name) == 0o600, name
        engine.dispose()
    finally:
        os.umask(old)
    assert _mode(db.parent) == 0o700


def test_a_loosened_file_is_warned_about_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    set_setting(tmp_path, "store_code", "S001")
    with caplog.at_level(logging.WARNING, logger="counter_app.permissions"):
        load_settings(tmp_path)
    assert caplog.records == []
    os.chmod(tmp_path / "config.toml", 0o644)
    with caplog.at_level(logging.WARNING, logger="counter_app.permissions"):
        load_settings(tmp_path)
    assert len(caplog.records) == 1
    assert "config.toml (0644)" in caplog.records[0].getMessage()
    result = cli(tmp_path, "config", "show")  # a new process warns on stderr, still works
    assert result.returncode == 0 and "config.toml (0644)" in result.stderr


def test_translations_folder_is_the_shipped_one() -> None:
    assert (config.TRANSLATIONS / "counter_zh_CN.ts").is_file()


def test_photos_and_other_private_files_are_0600_whatever_the_umask(tmp_path: Path) -> None:
    from counter_app.adapters.private_files import private_opener

    old = os.umask(0)
    try:
        photo = tmp_path / "photo.png.part"
        with open(photo, "wb", opener=private_opener) as fh:  # what ui/devices/photo.py does
            fh.write(b"\x89PNG")
        loose = tmp_path / "loose.bin"
        with open(loose, "wb") as fh:
            fh.write(b"x")
    finally:
        os.umask(old)
    assert _mode(photo) == 0o600 and _mode(loose) == 0o666  # the umask really was 0


def test_reading_the_file_at_start_does_not_load_the_printer_library(tmp_path: Path) -> None:
    set_setting(tmp_path, "printer_url", "tcp://127.0.0.1:9100")
    set_setting(tmp_path, "printer_profile", "TM-T88V")
    code = (
        "import sys; from pathlib import Path; from counter_app.config import load_settings; "
        f"s = load_settings(Path({str(tmp_path)!r})); "
        "print(s.printer_url, 'escpos' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.stdout.split() == ["tcp://127.0.0.1:9100", "False"], result.stderr
