"""Typed settings: defaults, then the TOML config file, then the environment, then flags.

The data/config directory comes from platformdirs and is movable with COUNTER_APP_HOME.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "counter-app"


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
    sync_time: str = "02:00"
    voucher_secret: str = ""
    smtp_url: str = ""  # e.g. smtp://mail.example.com:587 ; empty = no customer e-mails
    smtp_from: str = "returns@example.com"

    @property
    def config_file(self) -> Path:
        return self.home / "config.toml"


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
    if file.exists():
        settings = _apply_file(settings, file)
    env_db = os.environ.get("COUNTER_APP_DB")
    if env_db:
        settings = replace(settings, db_url=env_db)
    if db_url:
        settings = replace(settings, db_url=db_url)
    return settings


def _apply_file(settings: Settings, file: Path) -> Settings:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{file}: cannot be read: {exc}") from exc
    known = {f.name: f for f in fields(Settings) if f.name != "home"}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{file}: unknown setting {key!r}")
        expected = type(getattr(settings, key))
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ConfigError(f"{file}: setting {key!r} must be {expected.__name__}")
        changes[key] = value
    return replace(settings, **changes)


def save_settings(settings: Settings, **changes: Any) -> Settings:
    """Write the given settings to the config file (keeping the others) and return the result."""
    updated = replace(settings, **changes)
    file = settings.config_file
    file.parent.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    if file.exists():
        existing = tomllib.loads(file.read_text(encoding="utf-8"))
    existing.update(changes)
    lines = [f"{key} = {_toml_value(value)}" for key, value in sorted(existing.items())]
    tmp = file.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(file)
    return updated


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
