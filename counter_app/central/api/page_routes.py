"""The head-office page and its sign-in: a session cookie (Secure, HttpOnly, SameSite=Strict)
issued for a head-office account (`counter-app central add-admin`)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central import service
from counter_app.central.api.gate import Gate, _read_body
from counter_app.central.page import render_login_page, render_status_page
from counter_app.central.service import admins

COOKIE = "central_session"
_FORM_LIMIT = 4096


def page_router(gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    engine = gate.engine

    async def signed_in(request: Request) -> str | None:
        token = request.cookies.get(COOKIE)
        return await run_in_threadpool(admins.session_user, engine, token, gate.now())

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        if await signed_in(request) is None:
            return RedirectResponse("/login", status_code=303)
        statuses = await run_in_threadpool(service.store_statuses, engine, None, False)
        return HTMLResponse(render_status_page(statuses, gate.now()))

    @router.get("/login", response_class=HTMLResponse)
    async def login_form() -> HTMLResponse:
        return HTMLResponse(render_login_page())

    @router.post("/login")
    async def login(request: Request) -> Response:
        body = await _read_body(request, _FORM_LIMIT)
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=5)
        username = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        ok = await run_in_threadpool(admins.check_password, engine, username, password)
        if not ok:
            return HTMLResponse(render_login_page(failed=True), status_code=401)
        token = await run_in_threadpool(admins.start_session, engine, username, gate.now())
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(admins.SESSION_TTL.total_seconds()),
            path="/",
            secure=gate.settings.secure_cookies,
            httponly=True,
            samesite="strict",
        )
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await run_in_threadpool(admins.end_session, engine, request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return response

    return router
