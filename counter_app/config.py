"""Typed settings: defaults, then the TOML config file, then the environment, then flags.

The data/config directory comes from platformdirs and is movable with COUNTER_APP_HOME.
Every setting has a type and a rule (`RULES`): `config set`, the settings screen and the
file on disk all go through `check_setting`, so a bad value is refused in one line before
anything is written, and a hand-edited file with a bad value names the key and its line.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from counter_app.adapters.private_files import make_private_dir, warn_if_loose, write_atomic
from counter_app.domain.text import is_clean_line

APP_NAME = "counter-app"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "resources" / "translations"


class ConfigError(ValueError):
    """The config file is unreadable or has a wrong value; the message names it."""


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    store_code: str = "S001"
    counter_code: str = "C1"
    language: str = "en"
    idle_lock_minutes: int = 5
    printer_url: str = "preview://"
    printer_profile: str = "TM-T88V"
    paper_width_mm: int = 80
    store_copy: bool = False
    camera_source: str = "0"
    policy_path: str = ""
    central_url: str = ""
    central_key: str = ""
    central_ca_file: str = ""  # PEM bundle of a company CA for head office's certificate
    central_public_url: str = ""  # head office's public pages (receipt QR: <url>/r/<token>)
    sync_time: str = "02:00"
    timezone: str = ""  # the store's IANA zone, e.g. Europe/Berlin; empty = store row / policy
    voucher_secret: str = ""
    smtp_url: str = ""  # e.g. smtps://user:pw@mail.example.com:465 ; empty = no customer e-mails
    smtp_from: str = "returns@example.com"

    @property
    def config_file(self) -> Path:
        return self.home / "config.toml"


# ------------------------------------------------------------------ rules


def _text(limit: int, *, empty: bool = True) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value and not empty:
            raise ValueError("cannot be empty")
        if len(value) > limit:
            raise ValueError(f"is too long (at most {limit} characters)")
        return value

    return check


def _code(value: str) -> str:
    if not re.fullmatch(r"[A-Z0-9-]{1,16}", value):
        raise ValueError("must be 1 to 16 capital letters, digits or dashes, e.g. S001")
    return value


def _sync_time(value: str) -> str:
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
    if not m:
        raise ValueError("must be a time of day as HH:MM, e.g. 02:00")
    return value


def _zone(value: str) -> str:
    from counter_app.domain.zones import check_zone

    return check_zone(value) if value else value


def shipped_languages() -> tuple[str, ...]:
    """English (the source language) and every language with a shipped translation."""
    found = {"en"}
    if TRANSLATIONS.is_dir():
        for file in TRANSLATIONS.glob("counter_*.*"):
            if file.suffix in (".qm", ".ts"):
                found.add(file.stem.removeprefix("counter_"))
    return tuple(sorted(found))


def _language(value: str) -> str:
    languages = shipped_languages()
    if value not in languages:
        raise ValueError(f"must be one of: {', '.join(languages)}")
    return value


IDLE_LOCK_MINUTES = (1, 15)  # a counter left open longer than this is a risk to the till


def _idle_minutes(value: int) -> int:
    if not IDLE_LOCK_MINUTES[0] <= value <= IDLE_LOCK_MINUTES[1]:
        raise ValueError("must be from 1 to 15 minutes")
    return value


def _paper_width(value: int) -> int:
    if value not in (58, 80):
        raise ValueError("must be 58 or 80 (millimetres)")
    return value


def _printer_url(value: str) -> str:
    from counter_app.adapters.printing.connections import parse_printer_url

    parse_printer_url(value)  # PrinterConfigError (a ValueError-like error) in plain words
    return value


def _printer_profile(value: str) -> str:
    from counter_app.adapters.printing.profile import load_profile

    load_profile(value)
    return value


def _web_url(value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be a web address like https://head-office.example.com")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    return value


def _central_url(value: str) -> str:
    """A web address; plain http:// only to this machine (the store refuses it otherwise)."""
    value = _web_url(value)
    parts = urlsplit(value)
    if value and parts.scheme == "http":
        host = parts.hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError("must use https:// (plain http:// only to this machine)")
    return value


def _public_url(value: str) -> str:
    """Where customers' phones open head office's public pages: https only, no secrets."""
    value = _web_url(value)
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError("must use https:// (customers open it on their phones)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must be a plain address like https://returns.example.com")
    return value


def _ca_file(value: str) -> str:
    if not value:
        return value
    path = Path(value).expanduser()
    try:
        head = path.read_bytes()[:1_000_000]
    except OSError:
        raise ValueError("is not a readable file") from None
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise ValueError("holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    return str(path)


def _smtp_url(value: str) -> str:
    if not value:
        return value
    from counter_app.adapters.mail import parse_smtp_url, require_tls_for_login

    require_tls_for_login(parse_smtp_url(value))
    return value


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,63}", value):
        raise ValueError("must be an e-mail address like returns@shop.example")
    return value


def _secret(value: str) -> str:
    if re.search(r"\s", value):
        raise ValueError("cannot contain spaces")
    return value


def _db_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError:
        raise ValueError("must be a database URL like sqlite:///counter.db") from None
    if backend not in ("sqlite", "postgresql"):
        raise ValueError("must be a sqlite:// or postgresql:// database URL")
    return value


@dataclass(frozen=True)
class Rule:
    """A setting's type, its check and, for the messages, what a good value looks like."""

    kind: type
    check: Callable[[Any], Any] = lambda value: value
    limit: int = 500
    # The check imports a heavy library (python-escpos, SQLAlchemy): run when a value is set,
    # not on every start, where a bad value still fails in one line when it is used.
    heavy: bool = False


RULES: dict[str, Rule] = {
    "db_url": Rule(str, _db_url, 2000, heavy=True),
    "store_code": Rule(str, _code),
    "counter_code": Rule(str, _code),
    "language": Rule(str, _language),
    "idle_lock_minutes": Rule(int, _idle_minutes),
    "printer_url": Rule(str, _printer_url, 1000, heavy=True),
    "printer_profile": Rule(str, _printer_profile, 100, heavy=True),
    "paper_width_mm": Rule(int, _paper_width),
    "store_copy": Rule(bool),
    "camera_source": Rule(str, _text(1000, empty=False), 1000),
    "policy_path": Rule(str, _text(1000), 1000),
    "central_url": Rule(str, _central_url, 1000),
    "central_key": Rule(str, _secret, 256),
    "central_ca_file": Rule(str, _ca_file, 1000),
    "central_public_url": Rule(str, _public_url, 1000),
    "sync_time": Rule(str, _sync_time),
    "timezone": Rule(str, _zone, 64),
    "voucher_secret": Rule(str, _secret, 256),
    "smtp_url": Rule(str, _smtp_url, 1000),
    "smtp_from": Rule(str, _email, 254),
}
SECRET_SETTINGS = ("central_key", "voucher_secret")
URL_SETTINGS = ("db_url", "printer_url", "central_url", "smtp_url")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def check_setting(key: str, value: Any, *, thorough: bool = True) -> Any:
    """`value` if it is right for `key`, else ConfigError with one line saying what is.

    `thorough=False` (reading the file at start) skips the heavy parsers (`Rule.heavy`)."""
    rule = RULES.get(key)
    if rule is None:
        raise ConfigError(f"unknown setting {key[:40]!r}; see `counter-app config show`")
    if rule.kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false")
        return value
    if rule.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be a whole number")
    elif not isinstance(value, str):
        raise ConfigError(f"{key} must be text in quotes")
    elif not is_clean_line(value):
        raise ConfigError(f"{key} cannot contain line breaks, tabs or invisible characters")
    elif len(value) > rule.limit:
        raise ConfigError(f"{key} is too long (at most {rule.limit} characters)")
    if rule.heavy and not thorough:
        return value
    try:
        return rule.check(value)
    except ConfigError:
        raise
    except Exception as exc:  # the parsers' own errors (PrinterConfigError, MailConfigError…)
        raise ConfigError(f"{key} {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if type(exc) is ValueError else f"is not accepted: {text}"


def parse_setting(key: str, raw: str) -> Any:
    """The typed value of `raw` (as typed after `config set KEY`) for `key`, or ConfigError."""
    rule = RULES.get(key)
    if rule is None:
        return check_setting(key, raw)
    text = raw.strip() if rule.kind is not str else raw
    if rule.kind is bool:
        if text.lower() not in (*_TRUE, *_FALSE):
            raise ConfigError(f"{key} is true or false")
        return text.lower() in _TRUE
    if rule.kind is int:
        if not re.fullmatch(r"[+-]?\d{1,30}", text):  # bigger: the range says why
            raise ConfigError(f"{key} must be a whole number, got {_shown(text)}")
        return check_setting(key, int(text))
    return check_setting(key, text)


def _shown(text: str) -> str:
    cleaned = "".join(ch for ch in text if ch.isprintable())
    return repr(cleaned if len(cleaned) <= 20 else cleaned[:19] + "…")


def set_setting(home: Path, key: str, raw: str) -> Settings:
    """`config set KEY VALUE`: check the value, then write the config file atomically."""
    settings = load_settings(home)
    return save_settings(settings, **{key: parse_setting(key, raw)})


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Every setting, for showing: secrets as "(set)", URL passwords as "***"."""
    shown: dict[str, Any] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if f.name in SECRET_SETTINGS and value:
            value = "(set)"
        elif f.name in URL_SETTINGS and isinstance(value, str):
            value = mask_url(value)
        shown[f.name] = value
    return shown


def mask_url(url: str) -> str:
    """`url` with the password part (user:PASSWORD@host) replaced by ***."""
    return re.sub(r"(?<=://)([^/@:?#]*):[^@/?#]*@", r"\1:***@", url, count=1)


# ------------------------------------------------------------------ files


def default_home() -> Path:
    env = os.environ.get("COUNTER_APP_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def load_settings(home: Path | None = None, db_url: str | None = None) -> Settings:
    """Settings for this counter; `db_url` (from --db) beats COUNTER_APP_DB beats the file."""
    home = home or default_home()
    settings = Settings(home=home, db_url=f"sqlite:///{home / 'counter.db'}")
    file = settings.config_file
    if home.exists():
        warn_if_loose(home)
    if file.exists():
        settings = _apply_file(settings, file)
    env_db = os.environ.get("COUNTER_APP_DB")
    if env_db:
        settings = replace(settings, db_url=env_db)
    if db_url:
        settings = replace(settings, db_url=db_url)
    return settings


def _read_file(file: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot be read: {exc}") from exc
    lines = text.splitlines()
    try:
        return tomllib.loads(text), lines
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        where = ""
        if m:
            n = int(m.group(1))
            key = _key_on(lines[n - 1]) if 0 < n <= len(lines) else None
            where = f", line {n}" + (f" ({key})" if key else "")
        reason = str(exc).split(" (at line")[0]
        raise ConfigError(f"{file}{where}: not valid TOML: {reason}") from None


def _key_on(line: str) -> str | None:
    m = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
    return m.group(1) if m else None


def _line_of(key: str, lines: list[str]) -> str:
    for n, line in enumerate(lines, 1):
        if _key_on(line) == key:
            return f", line {n}"
    return ""


def _apply_file(settings: Settings, file: Path) -> Settings:
    data, lines = _read_file(file)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        try:
            changes[key] = check_setting(key, value, thorough=False)
        except ConfigError as exc:
            raise ConfigError(f"{file}{_line_of(key, lines)}: {exc}") from None
    return replace(settings, **changes)


def save_settings(settings: Settings, **changes: Any) -> Settings:
    """Write the given settings to the config file (keeping the others) and return the result.

    Every value is checked first; the file is replaced atomically and only this account can
    read it (it holds the central key, the voucher secret and the SMTP password)."""
    checked = {key: check_setting(key, value) for key, value in changes.items()}
    updated = replace(settings, **checked)
    file = settings.config_file
    make_private_dir(file.parent)
    existing: dict[str, Any] = {}
    if file.exists():
        existing, _lines = _read_file(file)
    existing.update(checked)
    lines = [f"{key} = {_toml_value(value)}" for key, value in sorted(existing.items())]
    write_atomic(file, "\n".join(lines) + "\n")
    return updated


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = "".join(ch if ch.isprintable() else f"\\U{ord(ch):08x}" for ch in text)
    return f'"{text}"'
