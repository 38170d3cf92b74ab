"""Where things stand: a store's own status, head office's status of all stores and the
health check (the head-office page is in `page_routes`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.contract import SIGNED, StorePath, errors
from counter_app.central.api.gate import Gate


class Health(BaseModel):
    status: Literal["ok"] = "ok"


def status_router(gate: Gate) -> APIRouter:
    router = APIRouter()
    engine = gate.engine

    @router.get(
        "/v1/stores/{store}/status",
        operation_id="store_status",
        summary="The store's own status at head office, with its open exceptions",
        response_model=proto.StoreStatus,
        responses=errors(*SIGNED),
    )
    async def store_status(request: Request, store: StorePath) -> JSONResponse:
        await gate.store_request(request, store)
        statuses = await run_in_threadpool(service.store_statuses, engine, store, True)
        return JSONResponse(statuses[0].model_dump(mode="json"))

    @router.get(
        "/v1/status",
        operation_id="all_statuses",
        summary="Every store's status (head office only: X-Store admin)",
        response_model=proto.StatusResponse,
        responses=errors(*SIGNED),
    )
    async def status(request: Request) -> JSONResponse:
        await gate.authenticate(request, None)
        statuses = await run_in_threadpool(service.store_statuses, engine, None, False)
        return JSONResponse(proto.StatusResponse(stores=statuses).model_dump(mode="json"))

    @router.get("/healthz", operation_id="healthz", response_model=Health)
    async def healthz() -> Health:
        return Health()

    return router
