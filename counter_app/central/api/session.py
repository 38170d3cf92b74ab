"""Who is signed in to the head-office console, and the CSRF token of their session.

Every `/console` route depends on `signed_in` (the console router sets it for all its
routes; a handler takes `viewer: SignedIn`); without a valid session cookie the answer is
303 to /login. A POST form carries
`csrf`, an HMAC of the session cookie: a page of another site cannot read the cookie, so it
cannot make the token, and the token dies with the session.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central.api.errors import ApiError
from counter_app.central.api.gate import Gate, _read_body
from counter_app.central.service import admins

COOKIE = "central_session"
FORM_LIMIT = 4096
LOGIN = "/login"


class SignInRequired(Exception):
    """Raised by `signed_in`; answered with 303 to the sign-in form."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in head-office user of one request."""

    username: str
    csrf: str


def csrf_for(token: str) -> str:
    return hmac.new(token.encode("utf-8", "replace"), b"console-csrf", hashlib.sha256).hexdigest()


async def signed_in(request: Request) -> Viewer:
    """The FastAPI dependency: the `Viewer`, or `SignInRequired` (-> 303 /login). The app's
    `Gate` is `app.state.gate` (set by `create_app`)."""
    gate: Gate = request.app.state.gate
    token = request.cookies.get(COOKIE)
    user = await run_in_threadpool(admins.session_user, gate.engine, token, gate.now())
    if user is None or token is None:
        raise SignInRequired
    return Viewer(username=user, csrf=csrf_for(token))


SignedIn = Annotated[Viewer, Depends(signed_in)]
"""A route parameter `viewer: SignedIn` gets the signed-in user (FastAPI caches it per
request, so a router-level `Depends(signed_in)` and the parameter cost one lookup)."""


async def read_form(request: Request, max_fields: int = 10) -> dict[str, str]:
    """A small url-encoded form's first value per field."""
    body = await _read_body(request, FORM_LIMIT)
    form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=max_fields)
    return {name: values[0] for name, values in form.items() if values}


async def checked_form(request: Request, viewer: Viewer) -> dict[str, str]:
    """The form of a console POST, refused (403) unless it carries this session's token."""
    form = await read_form(request)
    if not hmac.compare_digest(form.get("csrf", ""), viewer.csrf):
        raise ApiError(403, "the form is stale or not from this console; reload the page",
                       "bad_csrf")  # fmt: skip
    return form


def install_sign_in(app: FastAPI) -> None:
    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse(LOGIN, status_code=303)

    app.add_exception_handler(SignInRequired, to_login)
