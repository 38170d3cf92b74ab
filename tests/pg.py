"""The session's PostgreSQL server: a throwaway cluster (counter_app.central.testing), or the
server COUNTER_APP_TEST_PG_URL names. Persistence tests never skip for want of one."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from counter_app.central.testing import ThrowawayPostgres


@dataclass
class PostgresServer:
    url: str  # SQLAlchemy URL of the 'postgres' maintenance database
    cluster: ThrowawayPostgres | None = None

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def create_database(self, template: str | None = None) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url.replace("+psycopg", ""), autocommit=True) as conn:
            clause = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{clause}")  # type: ignore[arg-type]
        return self.database_url(name)

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def start_postgres() -> PostgresServer:
    external = os.environ.get("COUNTER_APP_TEST_PG_URL")
    if external:
        return PostgresServer(external)
    cluster = ThrowawayPostgres()
    return PostgresServer(cluster.start(), cluster)
