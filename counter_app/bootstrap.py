"""Wires settings, database, clock and policy into the services. Nothing is created at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.adapters.private_files import private_opener
from counter_app.adapters.scanning.errors import CameraUnavailable
from counter_app.config import Settings, load_settings
from counter_app.domain.model import Order
from counter_app.domain.policy import (
    Policy,
    PolicyError,
    PolicyHolder,
    default_policy_path,
    load_policy,
    load_policy_file,
)
from counter_app.services.clock import Clock, SystemClock
from counter_app.services.receiptless import load_id_secret
from counter_app.services.returns import ReturnDesk
from counter_app.services.store_zone import configured_zone

if TYPE_CHECKING:
    from counter_app.adapters.scanning.wedge import WedgeDetector

__all__ = [
    "App",
    "CameraUnavailable",
    "bootstrap",
    "load_active_policy",
    "private_opener",
]


@dataclass
class App:
    """Everything a front end (GUI, CLI, tests) needs, wired once."""

    settings: Settings
    engine: Engine
    clock: Clock
    policies: PolicyHolder
    desk: ReturnDesk
    policy_warning: str | None = None

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
) -> App:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.db_url)
    if migrate:
        from counter_app.adapters.db.migrate import is_current, upgrade

        if not is_current(engine):  # alembic is only loaded when there is work for it
            upgrade(engine)
    clock = clock or SystemClock()
    policy, warning = load_active_policy(engine, settings)
    policies = PolicyHolder(policy, configured_zone(engine, settings.store_code, settings.timezone))
    desk = ReturnDesk(
        engine,
        clock,
        policies,
        store_code=settings.store_code,
        counter_code=settings.counter_code,
        live_lookup=_live_lookup(engine, settings),
        email_language=settings.language if settings.smtp_url else None,
    )
    desk.id_secret = partial(load_id_secret, settings.home)
    desk.central = _central_opener(settings)
    return App(settings, engine, clock, policies, desk, warning)


def _live_lookup(engine: Engine, settings: Settings) -> Callable[[str], Order | None] | None:
    """Ask head office for an order missing locally — only when it is configured."""
    if not settings.central_url or not settings.central_key:
        return None

    def lookup(number: str) -> Order | None:
        from counter_app.adapters.central_client import HttpCentralClient
        from counter_app.services.sync import lookup_order_live

        with HttpCentralClient(
            settings.central_url,
            settings.store_code,
            settings.central_key,
            timeout=2.0,
            ca_file=settings.central_ca_file or None,
        ) as client:
            return lookup_order_live(engine, client, number)

    return lookup


def _central_opener(settings: Settings) -> Callable[[], Any] | None:
    """A short-timeout client to head office for the desk's live questions (return codes);
    None when head office is not configured."""
    if not settings.central_url or not settings.central_key:
        return None

    def opener() -> Any:
        from counter_app.adapters.central_client import HttpCentralClient

        return HttpCentralClient(
            settings.central_url,
            settings.store_code,
            settings.central_key,
            timeout=2.0,
            ca_file=settings.central_ca_file or None,
        )

    return opener


def load_active_policy(engine: Engine, settings: Settings) -> tuple[Policy, str | None]:
    """The policy head office published last, else the configured file, else the default.

    A broken newer policy never stops the counter: the next valid one is used and the
    problem is reported as a warning for the manager.
    """
    warning: str | None = None
    with engine.connect() as conn:
        row = conn.execute(
            select(t.policy_versions.c.version, t.policy_versions.c.toml).where(
                t.policy_versions.c.active.is_(True)
            )
        ).first()
    if row is not None:
        try:
            return load_policy(row[1], f"policy {row[0]}"), None
        except PolicyError as exc:
            warning = f"The published policy {row[0]} is invalid and was not used: {exc}"
    if settings.policy_path:
        try:
            return load_policy_file(Path(settings.policy_path)), warning
        except PolicyError as exc:
            warning = f"The configured policy file is invalid and was not used: {exc}"
    return load_policy_file(default_policy_path()), warning


# ---------------------------------------------------------------- devices for a front end
# The GUI reaches the device adapters only through these (an import-linter contract), so a
# missing library is one named error here and the adapters can change behind them.


def open_camera(source: int | str) -> Any:
    """The OpenCV camera for a device index, video file or stream URL (opened lazily)."""
    from counter_app.adapters.scanning.camera import OpenCVCamera

    return OpenCVCamera(source)


def camera_decoder() -> Any:
    """The barcode decoder tuned for live frames."""
    from counter_app.adapters.scanning.decoder import PipelineDecoder

    return PipelineDecoder(effort="fast")


def camera_scanner(camera: Any, decoder: Any, *callbacks: Any, **options: Any) -> Any:
    """Reads frames from `camera`, decodes them and calls back (scan, frame, status)."""
    from counter_app.adapters.scanning.camera import CameraScanner

    return CameraScanner(camera, decoder, *callbacks, **options)


def encode_photo(frame: Any) -> tuple[bytes, str]:
    """A camera frame as PNG bytes and their SHA-256, for a condition photo."""
    from counter_app.adapters.scanning.camera import encode_png, photo_digest

    png = encode_png(frame)
    return png, photo_digest(png)


def image_fits(path: str) -> bool:
    """Is the image file within the pixel budget (read from its header, nothing decoded)?"""
    from counter_app.adapters.image_limits import image_fits as fits

    return fits(path)


def wedge_detector() -> WedgeDetector:
    """Tells a handheld scanner's burst of keys from a person typing."""
    from counter_app.adapters.scanning.wedge import WedgeDetector

    return WedgeDetector()


def store_engine(url: str) -> Engine:
    """A database engine set up the way the app sets up its own (for helper processes)."""
    return make_engine(url)
