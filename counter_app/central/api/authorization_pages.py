"""The console's return-authorizations page: open, used, expired, cancelled (50 a page), and
the cancel action (`service.authorizations.cancel_authorization`, by the signed-in user)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central.api.gate import Gate
from counter_app.central.api.session import SignedIn, Viewer, checked_form, signed_in
from counter_app.central.service import authorizations as auth
from counter_app.central.web import display_code, render

PAGE_SIZE = 50
SHOWN = ("open", "used", "expired", "cancelled")


def authorization_page_router(gate: Gate) -> APIRouter:
    router = APIRouter(
        prefix="/console", include_in_schema=False, dependencies=[Depends(signed_in)]
    )
    engine = gate.engine

    async def page(
        viewer: Viewer, status: str, number: int = 1, flash: str | None = None,
        error: str | None = None, status_code: int = 200,
    ) -> HTMLResponse:  # fmt: skip
        offset = (number - 1) * PAGE_SIZE
        rows = await run_in_threadpool(
            auth.list_authorizations, engine, status, gate.now(), PAGE_SIZE + 1, offset
        )
        return render(
            "authorizations.html", status_code=status_code, viewer=viewer,
            section="authorizations", statuses=SHOWN, status=status, rows=rows[:PAGE_SIZE],
            more=len(rows) > PAGE_SIZE, page=number, flash=flash, error=error,
        )  # fmt: skip

    @router.get("/authorizations", response_class=HTMLResponse)
    async def authorizations(request: Request, viewer: SignedIn) -> HTMLResponse:
        params = request.query_params
        status = params.get("status") or "open"
        number = params.get("page", "1")
        page_no = int(number) if number.isdigit() and len(number) < 7 else 1
        if status not in SHOWN:
            return await page(viewer, "open", error=f"Status must be one of {', '.join(SHOWN)}; "
                              "showing open ones.")  # fmt: skip
        done = params.get("cancelled", "")[:40]
        flash = f"Cancelled {display_code(done)}." if done else None
        return await page(viewer, status, page_no, flash=flash)

    @router.post("/authorizations/{code}/cancel")
    async def cancel(code: str, request: Request, viewer: SignedIn) -> Response:
        await checked_form(request, viewer)
        try:
            done = await run_in_threadpool(
                auth.cancel_authorization, engine, code[:40], gate.now(), viewer.username
            )
        except auth.AuthorizationRefused as exc:
            return await page(viewer, "open", error=f"Not cancelled: {exc}", status_code=409)
        back = "/console/authorizations?" + urlencode({"status": "cancelled",
                                                      "cancelled": done.code})  # fmt: skip
        return RedirectResponse(back, status_code=303)

    return router
