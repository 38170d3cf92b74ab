"""The head-office console: returns across stores, sync health, settlements, authorizations.

Every route of this router depends on `signed_in` (set once on the router, so a new page
cannot forget it); POST actions check the session's CSRF token. Pages are Jinja2 templates
(`counter_app.central.web`); the queries live in `service.console`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from counter_app.central.api.gate import Gate
from counter_app.central.api.session import SignedIn, signed_in
from counter_app.central.service import console, console_detail
from counter_app.central.web import freshness, render

TEXT_LIMIT = 200


def _day(value: str, label: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label} must be a date like 2026-12-01; it was ignored.")
        return None


def return_filter(params: dict[str, str]) -> tuple[console.ReturnFilter, str | None]:
    """The search asked for by the query string, and one line about what was ignored."""
    errors: list[str] = []
    kind = params.get("kind", "")
    if kind and kind not in console.KINDS:
        errors.append(f"Kind must be one of {', '.join(console.KINDS)}; it was ignored.")
        kind = ""
    page = params.get("page", "1")
    f = console.ReturnFilter(
        q=params.get("q", "").strip()[:TEXT_LIMIT],
        customer=params.get("customer", "").strip()[:TEXT_LIMIT],
        store=params.get("store", "").strip()[:TEXT_LIMIT],
        kind=kind,
        start=_day(params.get("from", ""), "From", errors),
        end=_day(params.get("to", ""), "To", errors),
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    )
    return f, " ".join(errors) or None


def _query_of(f: console.ReturnFilter) -> dict[str, str]:
    query = {"q": f.q, "customer": f.customer, "store": f.store, "kind": f.kind,
             "from": f.start.isoformat() if f.start else "",
             "to": f.end.isoformat() if f.end else ""}  # fmt: skip
    return {name: value for name, value in query.items() if value}


def console_router(gate: Gate) -> APIRouter:
    router = APIRouter(
        prefix="/console", include_in_schema=False, dependencies=[Depends(signed_in)]
    )
    engine = gate.engine

    @router.get("/returns", response_class=HTMLResponse)
    async def returns(request: Request, viewer: SignedIn) -> HTMLResponse:
        f, error = return_filter(dict(request.query_params))
        result = await run_in_threadpool(console.search_returns, engine, f)
        stores = await run_in_threadpool(console.store_names, engine)
        query = _query_of(f)

        def page_link(page: int) -> str:
            return "/console/returns?" + urlencode({**query, "page": str(page)})

        return render(
            "returns.html", viewer=viewer, section="returns", f=f, error=error, result=result,
            stores=stores, kinds=console.KINDS, page_link=page_link,
        )  # fmt: skip

    @router.get("/returns/{ref:path}", response_class=HTMLResponse)
    async def return_page(ref: str, viewer: SignedIn) -> HTMLResponse:
        detail = await run_in_threadpool(console_detail.return_detail, engine, ref[:TEXT_LIMIT])
        if detail is None:
            return render("not_found.html", status_code=404, viewer=viewer, section="returns",
                          what=f"Head office has no return {ref[:TEXT_LIMIT]}.")  # fmt: skip
        return render("return_detail.html", viewer=viewer, section="returns", r=detail)

    @router.get("/sync", response_class=HTMLResponse)
    async def sync_health(viewer: SignedIn) -> HTMLResponse:
        overview = await run_in_threadpool(console.sync_overview, engine)
        now = gate.now()
        stale = sum(1 for s in overview.statuses if freshness(s.last_contact_at, now) != "ok")
        return render(
            "sync.html",
            viewer=viewer,
            section="sync",
            now=now,
            statuses=overview.statuses,
            last_success=overview.last_success,
            exceptions=overview.exceptions,
            resolved=overview.resolved,
            stale=stale,
            open_total=overview.open_total,
        )

    return router
