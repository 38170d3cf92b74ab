"""Which time zone this store counts its days in: the local setting, else the store row.

`config set timezone Europe/Berlin` (the store's own choice) beats the `stores` row (seeded
by head office or the demo); with neither, the policy's zone is the default. bootstrap hands
the answer to the PolicyHolder, so every policy in force, and everything reading
`policies.current.timezone` (windows, day close, receipts, reports, the GUI), agrees.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.domain.zones import pick_zone
from counter_app.services.unit_of_work import UnitOfWork


def row_zone(engine: Engine, store_code: str) -> str | None:
    """The zone on the store's own row, or None when there is no row (or no zone on it)."""
    with UnitOfWork(engine) as uow:
        zone = uow.conn.execute(
            select(t.stores.c.timezone).where(t.stores.c.code == store_code)
        ).scalar()
    return str(zone) if zone else None


def configured_zone(engine: Engine, store_code: str, setting: str = "") -> str | None:
    """The store's zone if the store has one (setting, then row); None: use the policy's."""
    found = setting or row_zone(engine, store_code)
    return pick_zone(found) if found else None


def store_zone(engine: Engine, store_code: str, *, setting: str = "", default: str = "UTC") -> str:
    """The zone local days are counted in for `store_code`; `default` is the policy's."""
    return pick_zone(setting, row_zone(engine, store_code), default)
