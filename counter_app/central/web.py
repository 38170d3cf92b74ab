"""Server-rendered head-office pages: one Jinja2 environment (autoescape on), `render()`.

Every value from the database reaches the page through a template, so it is escaped; the
pages carry no script, and their one stylesheet is served by head office
(`/static/console.css`, CSP `style-src 'self'`). Shared by the console and the public pages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from counter_app.domain import auth_code

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STYLESHEET = STATIC / "console.css"
STALE_AFTER = timedelta(hours=26)  # nightly sync plus slack

# Minor units per major unit; currencies not listed have two decimals.
_EXPONENT = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}


def money(minor: int | None, currency: str = "USD") -> str:
    """`1999, "USD"` -> `"USD 19.99"`; negative amounts keep their sign before the digits."""
    if minor is None:
        return "—"
    digits = _EXPONENT.get(currency.upper(), 2)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(int(minor)), 10**digits)
    fraction = f".{part:0{digits}d}" if digits else ""
    return f"{currency} {sign}{whole:,}{fraction}"


def when(value: datetime | None, missing: str = "never") -> str:
    """A time as UTC text (`2026-12-01 18:05:09 UTC`); naive times are taken as UTC."""
    if value is None:
        return missing
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def day(value: datetime | None) -> str:
    """The UTC date of a time (`2026-12-01`), or a dash."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def freshness(value: datetime | None, now: datetime) -> str:
    """The row class of a last-contact time: `never`, `stale` (over a day old) or `ok`."""
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return "stale" if now - value > STALE_AFTER else "ok"


def display_code(code: str | None) -> str:
    """An authorization code as the customer sees it (`RA-7K3QD-9MZ2X-F`)."""
    if not code:
        return "—"
    try:
        return auth_code.display_code(code)
    except ValueError:
        return code


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,  # a misspelt name fails the test, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, when=when, day=day, display_code=display_code)
    env.globals.update(
        zip=zip, freshness=freshness, stale_hours=int(STALE_AFTER.total_seconds() // 3600)
    )
    return env


ENV = _environment()


def render_text(name: str, **context: Any) -> str:
    return ENV.get_template(name).render(**context)


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` as an HTML answer (security headers come from `ResponseGuard`)."""
    return HTMLResponse(render_text(name, **context), status_code=status_code)
