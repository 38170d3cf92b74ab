"""Helpers to run the central service for tests, benchmarks and demos.

A throwaway PostgreSQL cluster, the app served by uvicorn in a thread on a free loopback port,
and a minimal signed HTTP client. No pytest dependency, so benchmarks can reuse them.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from counter_app import sync_protocol as proto


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine, or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class ThrowawayPostgres:
    """A private PostgreSQL cluster in a temp dir, on 127.0.0.1 and a free port.

    initdb refuses to run as root, so as root the data dir is handed to the `postgres` user
    and the server binaries run through `runuser`.
    """

    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_pg_bin()
        if found is None:
            raise RuntimeError("PostgreSQL server binaries (initdb) not found")
        self.bin_dir = found
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="central-pg-"))
        self.data = self.root / "data"
        self._prefix: list[str] = []
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._prefix, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "server.log"),
            "-w",
            "start",
        )
        self.started = True
        return self.url

    def stop(self) -> None:
        if self.started:
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"
                )
            finally:
                self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class TlsFiles:
    """A certificate authority made at test time (trustme) and a server certificate it issued
    for 127.0.0.1 and localhost, as PEM files in `directory`."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def make(cls, directory: Path) -> TlsFiles:
        import trustme

        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        tls = cls(directory / "ca.pem", directory / "server.pem", directory / "server.key")
        ca.cert_pem.write_to_path(str(tls.ca_file))
        cert.cert_chain_pems[0].write_to_path(str(tls.cert_file))
        cert.private_key_pem.write_to_path(str(tls.key_file))
        return tls


def create_database(server_url: str) -> str:
    """CREATE DATABASE with a random name on the server of `server_url`; return its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"central_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


class ServerThread:
    """Serve an ASGI app with uvicorn in a daemon thread on 127.0.0.1 (https with `tls`)."""

    def __init__(self, app: Any, port: int | None = None, tls: TlsFiles | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.tls = tls
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            ssl_certfile=str(tls.cert_file) if tls else None,
            ssl_keyfile=str(tls.key_file) if tls else None,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("central server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()


class SignedClient:
    """The smallest correct store-side caller: signs each request exactly as sent."""

    def __init__(
        self,
        base_url: str,
        store: str,
        key: str,
        timeout: float = 30.0,
        clock: Any = time.time,
        ca_file: Path | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.clock = clock
        verify: Any = True
        if ca_file is not None:
            import ssl

            verify = ssl.create_default_context(cafile=str(ca_file))
        self.http = httpx.Client(base_url=base_url, timeout=timeout, verify=verify)

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        store: str | None = None,
        key: str | None = None,
        now: float | None = None,
    ) -> httpx.Response:
        headers = proto.sign_request(
            method,
            path,
            body,
            store or self.store,
            key or self.key,
            self.clock() if now is None else now,
        )
        if body:
            headers["Content-Type"] = "application/json"
        return self.http.request(method, path, content=body, headers=headers)

    def push(self, messages: Sequence[dict[str, Any]]) -> httpx.Response:
        body = json.dumps({"messages": list(messages)}).encode()
        return self.request("POST", f"/v1/stores/{self.store}/messages", body)

    def pull(self, resource: str, cursor: str | None = None, limit: int = 100) -> httpx.Response:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        return self.request("GET", f"/v1/stores/{self.store}/{resource}?{query}")

    def pull_all(self, resource: str, limit: int = 100) -> tuple[list[dict[str, Any]], str]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.pull(resource, cursor, limit)
            page.raise_for_status()
            data = page.json()
            items.extend(data["items"])
            cursor = data["next_cursor"]
            if not data["has_more"]:
                return items, cursor or ""

    def __enter__(self) -> SignedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def message(
    kind: str, store: str, payload: dict[str, Any], id: str | None = None
) -> dict[str, Any]:
    """A wire message dict with a fresh UUID."""
    return {
        "id": id or str(uuid.uuid4()),
        "store": store,
        "kind": kind,
        "created_at": "2026-11-26T10:00:00+00:00",
        "payload": payload,
    }


def return_message(
    store: str,
    ref: str,
    order_number: str,
    lines: Sequence[tuple[int, str, int]],
    refund_minor: int = 1999,
    tender: str = "card",
) -> dict[str, Any]:
    """A `return.committed` message for (line_no, sku, quantity) lines, refunding
    `refund_minor` a unit to the order's VISA 4242 card (or in `tender`)."""
    return message(
        "return.committed",
        store,
        {
            "ref": ref,
            "order_number": order_number,
            "counter": "C1",
            "cashier": "alice",
            "currency": "USD",
            "lines": [
                {
                    "line_no": line_no,
                    "sku": sku,
                    "quantity": qty,
                    "refund_minor": refund_minor * qty,
                    "fee_minor": 0,
                    "condition": "new",
                    "reason": "wrong_size",
                    "disposition": "restock_new",
                }
                for line_no, sku, qty in lines
            ],
            "refunds": [
                {
                    "tender": tender,
                    "amount_minor": refund_minor * sum(q for _, _, q in lines),
                    "card_brand": "VISA" if tender == "card" else None,
                    "card_last4": "4242" if tender == "card" else None,
                }
            ],
        },
    )


def seed_reference(engine: Any, skus: Sequence[str] = ("SKU-1",)) -> None:
    """What head office checks pushed facts against: the catalog SKUs, cashier "alice" and
    manager "mia" (company-wide)."""
    from counter_app.central import service

    service.publish_catalog(
        engine,
        [
            proto.CatalogItem(sku=sku, name=sku, category="test", price_minor=1999, currency="USD")
            for sku in skus
        ],
    )
    service.publish_staff(
        engine,
        [
            service.staff_from_record(
                {
                    "username": name,
                    "display_name": name.title(),
                    "role": role,
                    "pin": "246810",
                    "travelling": True,
                }
            )
            for name, role in (("alice", "cashier"), ("mia", "manager"))
        ],
    )


def stock_message(store: str, sku: str = "SKU-1", quantity: int = 1) -> dict[str, Any]:
    return message(
        "stock.movement", store, {"sku": sku, "quantity": quantity, "cause": "return", "ref": None}
    )


def serve_in_subprocess(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`counter-app central serve` in its own process on a free port; (process, base URL)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "counter_app.central.cli",
            "central",
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
            "--log-level",
            "error",
        ],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("central server did not start")
