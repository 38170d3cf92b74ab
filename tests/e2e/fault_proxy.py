"""A fault-injecting HTTP proxy on 127.0.0.1, between a store and the central service.

Each request meets one fate, drawn from a seeded RNG: passed through, dropped before the
server sees it, dropped after the server committed (the response never arrives), reset in
the middle of the response body, delayed past the client's timeout, or answered 5xx.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FATES = ("pass", "drop_request", "drop_response", "reset_mid_body", "delay", "error_5xx")


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        fault_rate: float = 0.4,
        seed: int = 1,
        delay_seconds: float = 3.0,
        verify: Any = True,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.fault_rate = fault_rate
        self.delay_seconds = delay_seconds
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.fates: Counter[str] = Counter()
        self.enabled = True
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self, "GET")

            def do_POST(self) -> None:
                proxy.handle(self, "POST")

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="fault-proxy", daemon=True
        )
        self.upstream_client = httpx.Client(timeout=60, verify=verify)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.upstream_client.close()

    def _fate(self) -> str:
        with self.lock:
            if not self.enabled or self.rng.random() >= self.fault_rate:
                fate = "pass"
            else:
                fate = self.rng.choice(FATES[1:])
            self.fates[fate] += 1
            return fate

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        fate = self._fate()
        if fate == "drop_request":
            _reset(handler)
            return
        if fate == "error_5xx":
            _reply(handler, 503, b'{"detail":"injected outage"}')
            return
        headers = {
            k: v
            for k, v in handler.headers.items()
            if k.lower() not in ("host", "content-length", "connection")
        }
        response = self.upstream_client.request(
            method, self.upstream + handler.path, content=body, headers=headers
        )
        if fate == "drop_response":
            _reset(handler)  # the server has committed; the client never hears of it
            return
        if fate == "delay":
            time.sleep(self.delay_seconds)
        if fate == "reset_mid_body":
            handler.send_response(response.status_code)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(response.content)))
            _signature(handler, response)
            handler.end_headers()
            handler.wfile.write(response.content[: max(1, len(response.content) // 2)])
            handler.wfile.flush()
            _reset(handler)
            return
        _reply(handler, response.status_code, response.content, response)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # resets are the point of this server


def _signature(handler: BaseHTTPRequestHandler, upstream: httpx.Response | None) -> None:
    """Pass head office's answer signature through (the store refuses answers without it)."""
    if upstream is not None and "X-Signature" in upstream.headers:
        handler.send_header("X-Signature", upstream.headers["X-Signature"])


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    upstream: httpx.Response | None = None,
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        _signature(handler, upstream)
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:
        pass


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close with RST (SO_LINGER 0), like a network that drops the connection."""
    sock: socket.socket = handler.connection
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
    handler.close_connection = True
