"""Run the Alembic migrations of the store database from code (`counter-app db upgrade`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on an up-to-date database."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")


def head_revision() -> str:
    """The newest migration, read from the file names (cheap: no alembic import)."""
    names = sorted(p.stem.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    return names[-1]


def is_current(engine: Engine) -> bool:
    """Is the schema at the newest migration? One query, so start-up stays fast."""
    if not is_initialised(engine):
        return False
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return version == head_revision()
