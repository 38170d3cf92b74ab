"""Sign-in for the head-office console: a session cookie (Secure, HttpOnly, SameSite=Strict)
issued for a head-office account (`counter-app central add-admin`), and the stylesheet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central.api.gate import Gate
from counter_app.central.api.session import COOKIE, read_form
from counter_app.central.service import admins
from counter_app.central.web import STYLESHEET, render

HOME = "/console/returns"


def page_router(gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    engine = gate.engine

    @router.get("/")
    async def home() -> Response:
        return RedirectResponse(HOME, status_code=303)

    @router.get("/static/console.css")
    async def stylesheet() -> Response:
        return FileResponse(STYLESHEET, media_type="text/css")

    @router.get("/login", response_class=HTMLResponse)
    async def login_form() -> HTMLResponse:
        return render("login.html", failed=False)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await read_form(request, max_fields=5)
        username = form.get("username", "")
        password = form.get("password", "")
        ok = await run_in_threadpool(admins.check_password, engine, username, password)
        if not ok:
            return render("login.html", status_code=401, failed=True)
        token = await run_in_threadpool(admins.start_session, engine, username, gate.now())
        response = RedirectResponse(HOME, status_code=303)
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
