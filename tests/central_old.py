"""Rows for a head office at an older revision, for the upgrade tests. The revisions are
re-chained at merge time, so a store is inserted the way the schema in front of us holds it:
a plain `stores.key` before the transport revision, a sealed `store_keys` row after it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, insert, inspect

from counter_app.central.master_key import MasterKey


def insert_store(
    conn: Connection, code: str, name: str, key: str, created_at: datetime, **values: Any
) -> None:
    """One store with its key, whichever way the current revision keeps store keys."""
    meta = MetaData()
    stores = Table("stores", meta, autoload_with=conn)
    row = {"code": code, "name": name, "created_at": created_at, **values}
    if "key" in stores.c:
        conn.execute(insert(stores).values(**row, key=key))
        return
    conn.execute(insert(stores).values(**row))
    assert "store_keys" in inspect(conn).get_table_names()
    keys = Table("store_keys", meta, autoload_with=conn)
    sealed = MasterKey.resolve().seal(key)
    conn.execute(insert(keys).values(store=code, key_enc=sealed, created_at=created_at))
