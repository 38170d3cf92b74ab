"""GET /v1/stores/{store}/...: the pages a store pulls, and the live order lookup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.errors import ApiError
from counter_app.central.api.gate import Gate, refuse

Fetch = Callable[[Engine, str, int, int], proto.Page[Any]]


def _pull(gate: Gate, fetch: Fetch) -> Callable[..., Any]:
    """An endpoint answering one page of `fetch` after the client's cursor."""

    async def endpoint(
        request: Request,
        store: str,
        cursor: str | None = Query(default=None, max_length=40),
        limit: int = Query(default=proto.DEFAULT_PAGE_LIMIT, ge=1, le=proto.MAX_PAGE_LIMIT),
    ) -> JSONResponse:
        await gate.store_request(request, store)
        try:
            position = service.parse_cursor(cursor)
        except ValueError:
            raise refuse(request, 422, "invalid cursor", store, code="invalid_cursor") from None
        page = await run_in_threadpool(fetch, gate.engine, store, position, limit)
        return JSONResponse(page.model_dump(mode="json"))

    return endpoint


def pull_router(gate: Gate) -> APIRouter:
    router = APIRouter()
    router.get("/v1/stores/{store}/orders")(_pull(gate, service.pull_orders))
    router.get("/v1/stores/{store}/catalog")(_pull(gate, service.pull_catalog))
    router.get("/v1/stores/{store}/policies")(_pull(gate, service.pull_policies))
    router.get("/v1/stores/{store}/staff")(_pull(gate, service.pull_staff))
    router.get("/v1/stores/{store}/settlements")(_pull(gate, service.pull_settlements))

    @router.get("/v1/stores/{store}/orders/{number}")
    async def order(request: Request, store: str, number: str) -> JSONResponse:
        await gate.store_request(request, store)
        found = await run_in_threadpool(service.get_order, gate.engine, number)
        if found is None:
            raise ApiError(404, "unknown order", "unknown_order")
        return JSONResponse(found.model_dump(mode="json"))

    return router
