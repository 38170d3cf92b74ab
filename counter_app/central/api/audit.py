"""GET /v1/stores/{store}/audit/anchor: the store's last anchored audit-chain head, for
`counter-app audit verify --central` (signed like the store's other calls)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central.api.contract import SIGNED, StorePath, errors
from counter_app.central.api.gate import Gate
from counter_app.central.service.anchors import last_anchor


def audit_router(gate: Gate) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/v1/stores/{store}/audit/anchor",
        operation_id="audit_anchor",
        summary="The store's last anchored audit-chain head (seq 0: none yet)",
        response_model=proto.AuditAnchorState,
        responses=errors(*SIGNED),
    )
    async def anchor(request: Request, store: StorePath) -> JSONResponse:
        await gate.store_request(request, store)
        state = await run_in_threadpool(last_anchor, gate.engine, store)
        return JSONResponse(state.model_dump(mode="json"))

    return router
