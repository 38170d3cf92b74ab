"""What the OpenAPI schema promises: the error answers of each route, the parameters' bounds,
and the push body (read raw for its signature, so FastAPI cannot infer it).

`/openapi.json` (and `counter-app central openapi`) is the contract integrators write to.
Types are strict: an integer is a JSON integer written without fraction or exponent (2, never
2.0, "2" or true); a time is ISO-8601 text with a zone; text has no control characters.
Requests are signed (X-Store, X-Timestamp, X-Signature; see counter_app/sync_protocol.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from counter_app import sync_protocol as proto
from counter_app.central.api.errors import ErrorBody
from counter_app.sync_types import CURSOR_PATTERN, LINE_PATTERN, MAX_BIGINT, STORE_CODE_PATTERN

_WHY: dict[int, str] = {
    400: "malformed request framing (e.g. a Content-Length that is not a number)",
    401: "unsigned, unknown store, wrong signature, or timestamp outside the window",
    403: "signed, but not allowed to act on this resource",
    404: "no such resource",
    413: "body over the size limit, or more messages than a batch may hold",
    409: "the return authorization was used by another return, cancelled, or has expired",
    422: "a parameter or the body does not match this schema",
    429: "too many requests (or failed authentications) from this caller; wait a minute",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status it can refuse with, all as ErrorBody."""
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in statuses}


SIGNED = (400, 401, 403, 413, 422)

StorePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=STORE_CODE_PATTERN,
        description="the store's code; a store may act only on its own",
    ),
]
OrderNumber = Annotated[str, Path(min_length=1, max_length=200, pattern=LINE_PATTERN)]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=19,
        pattern=CURSOR_PATTERN,
        description=f"`next_cursor` of the previous page: decimal digits, 0..{MAX_BIGINT}",
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=proto.MAX_PAGE_LIMIT)]

PUSH_OPERATION = "push_messages"
CREATE_AUTHORIZATION_OPERATION = "create_return_authorization"
CLAIM_AUTHORIZATION_OPERATION = "claim_return_authorization"
# Bodies read raw (their bytes are signed or authenticated first), so FastAPI cannot infer
# them: operation id -> the model its body is.
RAW_BODIES: dict[str, type[Any]] = {
    PUSH_OPERATION: proto.PushRequest,
    CREATE_AUTHORIZATION_OPERATION: proto.AuthorizationRequest,
    CLAIM_AUTHORIZATION_OPERATION: proto.AuthorizationClaim,
}


def _raw_bodies(schema: dict[str, Any]) -> None:
    """Put each raw body and the models it uses into the components; the operation refers
    to it by $ref."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for operation_id, model in RAW_BODIES.items():
        body = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = body
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                if operation.get("operationId") == operation_id:
                    ref = f"#/components/schemas/{model.__name__}"
                    operation["requestBody"] = {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": ref}}},
                    }


def install_contract(app: FastAPI) -> None:
    """`app.openapi()` with the raw bodies filled in (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=__doc__,
                routes=app.routes,
            )
            _raw_bodies(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
