"""Who may call what: the settings of one service, request signatures, store keys.

Every refused request is answered with a status code and logged without its body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.errors import ApiError

log = logging.getLogger("counter_app.central")

ADMIN = "admin"


@dataclass
class CentralSettings:
    """`admin_key` signs head-office requests (X-Store: admin); None disables /v1/status."""

    db_url: str
    admin_key: str | None = None
    max_skew_seconds: int = proto.MAX_SKEW_SECONDS
    max_body_bytes: int = proto.MAX_BODY_BYTES
    max_batch: int = proto.MAX_BATCH
    key_cache_seconds: float = 30.0
    # Pushes write in worker threads; more at once only convoy on the GIL and on locks, so
    # the rest queue here in arrival order (fair to every store).
    max_concurrent_pushes: int = 4
    clock: Callable[[], float] = field(default=time.time)
    engine: Engine | None = None


class _KeyCache:
    """Store keys change rarely; caching them saves a query per request."""

    def __init__(self, engine: Engine, ttl: float) -> None:
        self.engine = engine
        self.ttl = ttl
        self._keys: dict[str, tuple[str, float]] = {}

    def get(self, code: str) -> str | None:
        hit = self._keys.get(code)
        now = time.monotonic()
        if hit is not None and now - hit[1] < self.ttl:
            return hit[0]
        key = service.store_key(self.engine, code)
        if key is not None:
            self._keys[code] = (key, now)
        return key


def refuse(
    request: Request,
    status: int,
    reason: str,
    store: str | None = None,
    code: str | None = None,
    details: list[dict[str, str]] | None = None,
) -> ApiError:
    """Log a refusal (never its body) and build the error to raise."""
    client = request.client.host if request.client else "?"
    log.warning(
        "refused %s %s from %s (store=%s): %d %s",
        request.method,
        request.url.path,
        client,
        store,
        status,
        reason,
    )
    return ApiError(status, reason, code, details or ())


async def _read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes; refuse early on Content-Length, and again while streaming."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise refuse(request, 413, "request body too large")
        except ValueError:
            raise refuse(request, 400, "bad content-length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refuse(request, 413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _path_with_query(request: Request) -> str:
    """The path exactly as the client sent it (and signed it), query string included."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


class Gate:
    """One service's engine, settings and key cache, and the checks every route runs first."""

    def __init__(self, settings: CentralSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.keys = _KeyCache(engine, settings.key_cache_seconds)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.settings.clock(), UTC)

    async def authenticate(self, request: Request, path_store: str | None) -> tuple[str, bytes]:
        """Check the signature; a store may act only on its own paths, head office on the
        others. Returns the caller and the body it signed."""
        settings = self.settings
        body = await _read_body(request, settings.max_body_bytes)
        store = request.headers.get(proto.HEADER_STORE)
        if not store:
            raise refuse(request, 401, "unsigned request", code="unsigned")
        if store != ADMIN and not proto.valid_store_code(store):
            raise refuse(request, 401, "unknown store", code="unknown_store")
        if store == ADMIN:
            key = settings.admin_key
        else:
            key = await run_in_threadpool(self.keys.get, store)
        if key is None:
            raise refuse(request, 401, "unknown store", store, code="unknown_store")
        try:
            proto.verify_signature(
                request.method,
                _path_with_query(request),
                body,
                request.headers.get(proto.HEADER_TIMESTAMP),
                request.headers.get(proto.HEADER_SIGNATURE),
                key,
                settings.clock(),
                settings.max_skew_seconds,
            )
        except proto.SignatureError as exc:
            raise refuse(request, 401, str(exc), store, code=exc.code) from None
        if path_store is not None and path_store != store:
            raise refuse(request, 403, "a store may only act on its own resources", store)
        if path_store is None and store != ADMIN:
            raise refuse(request, 403, "head-office endpoint", store)
        return store, body

    async def store_request(self, request: Request, store: str) -> None:
        """A signed request of `store` on its own resources; counts as a sign of life."""
        await self.authenticate(request, store)
        await run_in_threadpool(service.touch_store, self.engine, store, self.now())
