"""One error shape for every refusal: `{"error": code, "message": text, "details": [...]}`.

FastAPI's own answers (validation, unknown route, wrong method) are rewritten to it, so an
integrator parses one model whatever went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("counter_app.central")

# The generic code of each status, used when a refusal names no sharper one.
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_request",
    500: "internal_error",
}


class ErrorDetail(BaseModel):
    """One problem with the request: where (dotted path) and what."""

    loc: str = Field(description="dotted path of the offending field, e.g. messages.1.id")
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every non-2xx answer of the API."""

    error: str = Field(description="machine-readable code, e.g. stale_timestamp")
    message: str = Field(description="human-readable explanation")
    details: list[ErrorDetail] = Field(default_factory=list)


class ApiError(StarletteHTTPException):
    """A refusal with its code, text and details."""

    def __init__(
        self, status: int, message: str, code: str | None = None, details: Sequence[Any] = ()
    ) -> None:
        super().__init__(status_code=status, detail=message)
        self.code = code or CODES.get(status, "error")
        self.details = list(details)


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic errors without the offending input (it may hold card numbers)."""
    return [
        {
            "loc": ".".join(str(part) for part in err.get("loc", ())),
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in errors
    ]


def error_response(
    status: int, code: str, message: str, details: Sequence[Any] = (), headers: Any = None
) -> JSONResponse:
    body = ErrorBody(error=code, message=message, details=list(details))
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Rewrite FastAPI's and Starlette's answers to the one error model."""

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc, ApiError):
            return error_response(exc.status_code, exc.code, str(exc.detail), exc.details)
        code = CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return error_response(exc.status_code, code, message, headers=exc.headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = validation_details(exc.errors())
        return error_response(422, "invalid_request", "request failed validation", details)

    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "unexpected error; try again later")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, crashed)
