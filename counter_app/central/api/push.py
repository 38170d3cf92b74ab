"""POST /v1/stores/{store}/messages: a store pushes a batch of outbox messages."""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.contract import PUSH_OPERATION, SIGNED, StorePath, errors
from counter_app.central.api.errors import ApiError, validation_details
from counter_app.central.api.gate import Gate, refuse

log = logging.getLogger("counter_app.central")


def push_router(gate: Gate) -> APIRouter:
    router = APIRouter()
    settings = gate.settings
    push_slots = asyncio.Semaphore(settings.max_concurrent_pushes)

    @router.post(
        "/v1/stores/{store}/messages",
        operation_id=PUSH_OPERATION,
        summary="Push a batch of outbox messages; one result per message, in order",
        response_model=proto.PushResponse,
        responses=errors(*SIGNED),
    )
    async def push(request: Request, store: StorePath) -> JSONResponse:
        _, body = await gate.authenticate(request, store)
        if proto.json_too_deep(body):
            raise refuse(request, 422, "JSON nested too deeply", store, code="too_deep")
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise refuse(request, 422, "malformed JSON", store, code="malformed_json") from None
        try:
            # "\ud800" parses to a lone surrogate, which no UTF-8 column can hold.
            json.dumps(raw, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise refuse(request, 422, "text is not Unicode", store, code="bad_text") from None
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("messages"), list)
            and len(raw["messages"]) > settings.max_batch
        ):
            raise refuse(request, 413, f"more than {settings.max_batch} messages", store)
        try:
            batch = proto.PushRequest.model_validate(raw)
        except ValidationError as exc:
            log.warning(
                "refused push from %s: schema violation (%d errors)", store, exc.error_count()
            )
            errors = exc.errors(include_input=False, include_url=False, include_context=False)
            raise ApiError(
                422, "schema violation", "schema_violation", validation_details(errors)
            ) from None
        foreign = [m.id for m in batch.messages if m.store != store]
        if foreign:
            raise refuse(request, 403, "message for another store in batch", store)
        async with push_slots:
            results = await run_in_threadpool(
                service.push_messages, gate.engine, store, batch.messages, gate.now()
            )
        return JSONResponse(proto.PushResponse(results=results).model_dump(mode="json"))

    return router
