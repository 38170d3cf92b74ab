"""Where things stand: a store's own status, head office's status of all stores, the
head-office page and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from counter_app.central import service
from counter_app.central.api.gate import Gate
from counter_app.central.page import render_status_page


def status_router(gate: Gate) -> APIRouter:
    router = APIRouter()
    engine = gate.engine

    @router.get("/v1/stores/{store}/status")
    async def store_status(request: Request, store: str) -> JSONResponse:
        await gate.store_request(request, store)
        statuses = await run_in_threadpool(service.store_statuses, engine, store, True)
        return JSONResponse(statuses[0].model_dump(mode="json"))

    @router.get("/v1/status")
    async def status(request: Request) -> JSONResponse:
        await gate.authenticate(request, None)
        statuses = await run_in_threadpool(service.store_statuses, engine, None, False)
        return JSONResponse({"stores": [s.model_dump(mode="json") for s in statuses]})

    @router.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        statuses = await run_in_threadpool(service.store_statuses, engine, None, False)
        return HTMLResponse(render_status_page(statuses, gate.now()))

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return router
