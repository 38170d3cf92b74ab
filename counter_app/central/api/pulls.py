"""GET /v1/stores/{store}/...: the pages a store pulls, and the live order lookup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.contract import (
    SIGNED,
    CursorQuery,
    LimitQuery,
    OrderNumber,
    StorePath,
    errors,
)
from counter_app.central.api.errors import ApiError, ErrorBody
from counter_app.central.api.gate import Gate, refuse

_THROTTLED = "too many order lookups from this store this minute"

Fetch = Callable[[Engine, str, int, int], proto.Page[Any]]

_PULLS: tuple[tuple[str, Fetch, type[BaseModel]], ...] = (
    ("orders", service.pull_orders, proto.Order),
    ("catalog", service.pull_catalog, proto.CatalogItem),
    ("policies", service.pull_policies, proto.PolicyVersion),
    ("staff", service.pull_staff, proto.StaffMember),
    ("settlements", service.pull_settlements, proto.Settlement),
)


def pull_endpoint(gate: Gate, fetch: Fetch) -> Callable[..., Any]:
    """An endpoint answering one page of `fetch` after the client's cursor."""

    async def endpoint(
        request: Request,
        store: StorePath,
        cursor: CursorQuery = None,
        limit: LimitQuery = proto.DEFAULT_PAGE_LIMIT,
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
    for resource, fetch, model in _PULLS:
        router.get(
            f"/v1/stores/{{store}}/{resource}",
            operation_id=f"pull_{resource}",
            summary=f"One page of {resource}, in change order after the cursor",
            response_model=proto.Page[model],  # type: ignore[valid-type]
            responses=errors(*SIGNED),
        )(pull_endpoint(gate, fetch))

    @router.get(
        "/v1/stores/{store}/orders/{number}",
        operation_id="lookup_order",
        summary="Look up an order of the company by number (another store's: masked)",
        description=(
            "A store's own order in full; any other order with only what a return needs "
            "(customer contact masked). Rate-limited per store (429) and logged."
        ),
        response_model=proto.Order,
        responses={**errors(*SIGNED, 404), 429: {"model": ErrorBody, "description": _THROTTLED}},
    )
    async def order(request: Request, store: StorePath, number: OrderNumber) -> JSONResponse:
        await gate.store_request(request, store)
        try:
            found = await run_in_threadpool(
                service.lookup_order, gate.engine, store, number, gate.now()
            )
        except service.LookupThrottled as exc:
            raise ApiError(429, str(exc), "rate_limited") from None
        if found is None:
            raise ApiError(404, "unknown order", "unknown_order")
        return JSONResponse(found.model_dump(mode="json"))

    return router
