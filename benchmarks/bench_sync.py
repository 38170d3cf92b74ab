"""Store -> head office: 10,000 outbox messages pushed by the real relay over loopback HTTP.

Head office runs on a throwaway PostgreSQL cluster in its own uvicorn process, the store on
SQLite; what is timed is `push_outbox` (read batch, POST, mark sent) until the outbox is empty.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

MESSAGES = int(os.environ.get("COUNTER_APP_BENCH_SYNC_MESSAGES", "10000"))


def main() -> None:
    from counter_app.adapters.central_client import HttpCentralClient
    from counter_app.adapters.db import repository as repo
    from counter_app.adapters.db.engine import make_engine
    from counter_app.adapters.db.migrate import upgrade
    from counter_app.central import db as central_db
    from counter_app.central import service as central
    from counter_app.central.master_key import MasterKey
    from counter_app.central.testing import (
        ThrowawayPostgres,
        create_database,
        serve_in_subprocess,
    )
    from counter_app.services.clock import SystemClock

    # Head office seals store keys with a master key; a throwaway one (the server inherits it).
    os.environ.setdefault("CENTRAL_MASTER_KEY", MasterKey.generate())
    from counter_app.services.sync import push_outbox, sync_status
    from counter_app.services.unit_of_work import UnitOfWork

    with ThrowawayPostgres() as pg, tempfile.TemporaryDirectory() as tmp:
        db_url = create_database(pg.url)
        central_db.upgrade(db_url)
        key = central.add_store(central_db.make_engine(db_url), "S001", "Bench")
        server, base_url = serve_in_subprocess(db_url)
        try:
            store = make_engine(f"sqlite:///{Path(tmp) / 'store.db'}")
            upgrade(store)
            now = datetime.now(UTC)
            with UnitOfWork(store, write=True) as uow:
                for i in range(MESSAGES):
                    repo.add_outbox(
                        uow.conn,
                        kind="stock.movement",
                        at=now,
                        store="S001",
                        payload={
                            "sku": f"SKU-{i % 500}",
                            "quantity": 1,
                            "cause": "return",
                            "ref": f"R-{i}",
                        },
                    )
                uow.commit()
            started = time.perf_counter()
            with HttpCentralClient(base_url, "S001", key) as client:
                report = push_outbox(store, client, SystemClock())
            seconds = time.perf_counter() - started
            left = sync_status(store).waiting
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"sync: {MESSAGES} outbox messages store->head office (PostgreSQL) over loopback: "
        f"{seconds:.2f} s ({MESSAGES / seconds:,.0f} msg/s); accepted {report.pushed}, "
        f"left waiting {left}"
    )


if __name__ == "__main__":
    main()
