"""Return authorizations over HTTP: the portal creates them, stores pull, fetch and claim.

- `POST /v1/return-authorizations` (the returns portal, `Authorization: Bearer <key>`):
  201 `AuthorizationCreated`; 422 with the refusal's code (`final_sale`, `outside_window`...).
  The customer's e-mail (when asked for and SMTP is configured) goes after the answer.
- `GET /v1/stores/{store}/authorizations` — every authorization of the company, by cursor.
- `GET /v1/stores/{store}/authorizations/{code}` — a live fetch (404 `unknown_authorization`).
- `POST /v1/stores/{store}/authorizations/{code}/claim` — the store's return consumes it:
  200, or 409 `authorization_used` / `_cancelled` / `_expired` with the store and date.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.contract import (
    CLAIM_AUTHORIZATION_OPERATION,
    CREATE_AUTHORIZATION_OPERATION,
    SIGNED,
    StorePath,
    errors,
)
from counter_app.central.api.errors import ApiError, validation_details
from counter_app.central.api.gate import Gate, refuse
from counter_app.central.api.portal import PortalGate
from counter_app.central.api.pulls import pull_endpoint
from counter_app.central.auth_mail import send_authorization_email

log = logging.getLogger("counter_app.central")

CodePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[0-9A-Za-z*~$=-]{1,32}$",
        description="the code as printed (RA-XXXXX-XXXXX-C) or canonical (11 symbols)",
    ),
]
M = TypeVar("M", bound=BaseModel)
_CONFLICT = ("authorization_used", "authorization_cancelled", "authorization_expired")


def _refused(exc: service.AuthorizationRefused) -> ApiError:
    if exc.code == "unknown_authorization":
        return ApiError(404, str(exc), exc.code)
    return ApiError(409 if exc.code in _CONFLICT else 422, str(exc), exc.code)


def _parse(request: Request, body: bytes, model: type[M], who: str | None) -> M:
    """The body as `model`, refused (422) the way a push is: too deep, not JSON, not text."""
    if proto.json_too_deep(body):
        raise refuse(request, 422, "JSON nested too deeply", who, code="too_deep")
    try:
        raw = json.loads(body)
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise refuse(request, 422, "text is not Unicode", who, code="bad_text") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise refuse(request, 422, "malformed JSON", who, code="malformed_json") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        found = exc.errors(include_input=False, include_url=False, include_context=False)
        raise ApiError(
            422, "schema violation", "schema_violation", validation_details(found)
        ) from None


def authorization_router(gate: Gate) -> APIRouter:
    router = APIRouter()
    portal = PortalGate(gate)
    settings = gate.settings

    @router.post(
        "/v1/return-authorizations",
        operation_id=CREATE_AUTHORIZATION_OPERATION,
        summary="Create a return authorization (the returns portal, with its bearer key)",
        description=(
            "Authenticated with `Authorization: Bearer <portal key>` "
            "(`counter-app central add-portal-key`). 422 codes: unknown_order, unknown_line, "
            "final_sale, outside_window, already_returned, already_authorized, bad_reason, "
            "bad_quantity. The answer is signed with the portal key."
        ),
        status_code=201,
        response_model=proto.AuthorizationCreated,
        responses=errors(*SIGNED, 429),
    )
    async def create(request: Request) -> JSONResponse:
        name, body = await portal.authenticate(request)
        wanted = _parse(request, body, proto.AuthorizationRequest, f"portal:{name}")
        try:
            created = await run_in_threadpool(
                service.create_authorization, gate.engine, wanted, gate.now(), f"portal:{name}"
            )
        except service.AuthorizationRefused as exc:
            raise _refused(exc) from None
        log.info("portal %s created authorization for order %s", name, wanted.order_number)
        mail = None
        if wanted.email and settings.smtp_url:
            mail = BackgroundTask(
                send_authorization_email, gate.engine, created.authorization.code,
                settings.smtp_url, settings.mail_from, public_url=settings.public_url,
            )  # fmt: skip
        return JSONResponse(created.model_dump(mode="json"), status_code=201, background=mail)

    _pull_route(router, gate)
    _store_routes(router, gate)
    return router


def _pull_route(router: APIRouter, gate: Gate) -> None:
    """Pulled like orders (the same endpoint), expiry judged by head office's clock."""

    def fetch(engine: Engine, store: str, position: int, limit: int) -> proto.Page[Any]:
        return service.pull_authorizations(engine, store, position, limit, gate.now())

    router.get(
        "/v1/stores/{store}/authorizations",
        operation_id="pull_authorizations",
        summary="One page of the company's return authorizations, in change order",
        response_model=proto.Page[proto.ReturnAuthorization],
        responses=errors(*SIGNED),
    )(pull_endpoint(gate, fetch))


def _store_routes(router: APIRouter, gate: Gate) -> None:
    @router.get(
        "/v1/stores/{store}/authorizations/{code}",
        operation_id="fetch_return_authorization",
        summary="Fetch one return authorization live, by its code",
        response_model=proto.ReturnAuthorization,
        responses=errors(*SIGNED, 404),
    )
    async def fetch(request: Request, store: StorePath, code: CodePath) -> JSONResponse:
        await gate.store_request(request, store)
        found = await run_in_threadpool(service.get_authorization, gate.engine, code, gate.now())
        if found is None:
            raise ApiError(404, "unknown return authorization", "unknown_authorization")
        return JSONResponse(found.model_dump(mode="json"))

    @router.post(
        "/v1/stores/{store}/authorizations/{code}/claim",
        operation_id=CLAIM_AUTHORIZATION_OPERATION,
        summary="Consume a return authorization for one of this store's returns",
        description="The same store claiming again for the same return is answered the same.",
        response_model=proto.ReturnAuthorization,
        responses=errors(*SIGNED, 404, 409),
    )
    async def claim(request: Request, store: StorePath, code: CodePath) -> JSONResponse:
        _, body = await gate.authenticate(request, store)
        await run_in_threadpool(service.touch_store, gate.engine, store, gate.now())
        wanted = _parse(request, body, proto.AuthorizationClaim, store)
        try:
            done = await run_in_threadpool(
                service.claim_authorization, gate.engine, store, code, wanted.return_ref,
                gate.now(),
            )  # fmt: skip
        except service.AuthorizationRefused as exc:
            raise _refused(exc) from None
        return JSONResponse(done.model_dump(mode="json"))


__all__ = ["authorization_router"]
