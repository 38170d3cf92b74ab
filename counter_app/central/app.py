"""The HTTP face of the central service: the signed /v1 API and the head-office page.

`create_app(settings)` builds everything; nothing (engine, key cache) exists at import.
Every refused request is answered with a status code and logged without its body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.db import make_engine
from counter_app.central.page import render_status_page

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


def _refuse(request: Request, status: int, reason: str, store: str | None = None) -> HTTPException:
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
    return HTTPException(status_code=status, detail=reason)


async def _read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes; refuse early on Content-Length, and again while streaming."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise _refuse(request, 413, "request body too large")
        except ValueError:
            raise _refuse(request, 400, "bad content-length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _refuse(request, 413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _path_with_query(request: Request) -> str:
    """The path exactly as the client sent it (and signed it), query string included."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def create_app(settings: CentralSettings) -> FastAPI:
    engine = settings.engine or make_engine(settings.db_url)
    keys = _KeyCache(engine, settings.key_cache_seconds)
    push_slots = asyncio.Semaphore(settings.max_concurrent_pushes)
    app = FastAPI(title="Returns Counter central", version="1", docs_url=None, redoc_url=None)
    app.state.engine = engine
    app.state.settings = settings

    async def authenticate(request: Request, path_store: str | None) -> tuple[str, bytes]:
        body = await _read_body(request, settings.max_body_bytes)
        store = request.headers.get(proto.HEADER_STORE)
        if not store:
            raise _refuse(request, 401, "unsigned request")
        if store == ADMIN:
            key = settings.admin_key
        else:
            key = await run_in_threadpool(keys.get, store)
        if key is None:
            raise _refuse(request, 401, "unknown store", store)
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
            raise _refuse(request, 401, exc.code, store) from None
        if path_store is not None and path_store != store:
            raise _refuse(request, 403, "a store may only act on its own resources", store)
        if path_store is None and store != ADMIN:
            raise _refuse(request, 403, "head-office endpoint", store)
        return store, body

    def now() -> datetime:
        return datetime.fromtimestamp(settings.clock(), UTC)

    async def store_request(request: Request, store: str) -> None:
        await authenticate(request, store)
        await run_in_threadpool(service.touch_store, engine, store, now())

    @app.post("/v1/stores/{store}/messages")
    async def push(request: Request, store: str) -> JSONResponse:
        _, body = await authenticate(request, store)
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _refuse(request, 422, "malformed JSON", store) from None
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("messages"), list)
            and len(raw["messages"]) > settings.max_batch
        ):
            raise _refuse(request, 413, f"more than {settings.max_batch} messages", store)
        try:
            batch = proto.PushRequest.model_validate(raw)
        except ValidationError as exc:
            log.warning(
                "refused push from %s: schema violation (%d errors)", store, exc.error_count()
            )
            errors = exc.errors(include_input=False, include_url=False, include_context=False)
            return JSONResponse(
                status_code=422, content={"detail": "schema violation", "errors": errors}
            )
        foreign = [m.id for m in batch.messages if m.store != store]
        if foreign:
            raise _refuse(request, 403, "message for another store in batch", store)
        async with push_slots:
            results = await run_in_threadpool(
                service.push_messages, engine, store, batch.messages, now()
            )
        return JSONResponse(proto.PushResponse(results=results).model_dump(mode="json"))

    def _pull(
        fetch: Callable[[Engine, str, int, int], proto.Page[Any]],
    ) -> Callable[..., Any]:
        async def endpoint(
            request: Request,
            store: str,
            cursor: str | None = Query(default=None, max_length=40),
            limit: int = Query(default=proto.DEFAULT_PAGE_LIMIT, ge=1, le=proto.MAX_PAGE_LIMIT),
        ) -> JSONResponse:
            await store_request(request, store)
            try:
                position = service.parse_cursor(cursor)
            except ValueError:
                raise _refuse(request, 422, "invalid cursor", store) from None
            page = await run_in_threadpool(fetch, engine, store, position, limit)
            return JSONResponse(page.model_dump(mode="json"))

        return endpoint

    app.get("/v1/stores/{store}/orders")(_pull(service.pull_orders))
    app.get("/v1/stores/{store}/catalog")(_pull(service.pull_catalog))
    app.get("/v1/stores/{store}/policies")(_pull(service.pull_policies))
    app.get("/v1/stores/{store}/staff")(_pull(service.pull_staff))
    app.get("/v1/stores/{store}/settlements")(_pull(service.pull_settlements))

    @app.get("/v1/stores/{store}/orders/{number}")
    async def order(request: Request, store: str, number: str) -> JSONResponse:
        await store_request(request, store)
        found = await run_in_threadpool(service.get_order, engine, number)
        if found is None:
            raise HTTPException(status_code=404, detail="unknown order")
        return JSONResponse(found.model_dump(mode="json"))

    @app.get("/v1/stores/{store}/status")
    async def store_status(request: Request, store: str) -> JSONResponse:
        await store_request(request, store)
        statuses = await run_in_threadpool(service.store_statuses, engine, store, True)
        return JSONResponse(statuses[0].model_dump(mode="json"))

    @app.get("/v1/status")
    async def status(request: Request) -> JSONResponse:
        await authenticate(request, None)
        statuses = await run_in_threadpool(service.store_statuses, engine, None, False)
        return JSONResponse({"stores": [s.model_dump(mode="json") for s in statuses]})

    @app.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        statuses = await run_in_threadpool(service.store_statuses, engine, None, False)
        return HTMLResponse(render_status_page(statuses, now()))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
