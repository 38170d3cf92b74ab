"""The console's settlements page: card refunds pending and settled, the settle action (the
same `service.settle` as `counter-app central settle REF`, one refund at a time) and a CSV
export with the page's columns and text."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central.api.gate import Gate
from counter_app.central.api.session import SignedIn, Viewer, checked_form, signed_in
from counter_app.central.service import console_settlements as cs
from counter_app.central.service.settlements import settle
from counter_app.central.web import render, when

PAGE_SIZE = 50
NUMERIC = ("Refund #", "Amount")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _state(value: str | None) -> str:
    return value if value in cs.STATES else "pending"


def _page(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else 1


def csv_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (a hostile store name, say)."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


async def _page_of(
    gate: Gate, viewer: Viewer, state: str, number: int, flash: str | None = None,
    error: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    offset = (number - 1) * PAGE_SIZE
    rows, total = await run_in_threadpool(cs.settlements, gate.engine, state, PAGE_SIZE, offset)
    pages = max(1, -(-total // PAGE_SIZE))
    columns = cs.headers(state)
    return render(
        "settlements.html", status_code=status_code, viewer=viewer, section="settlements",
        state=state, rows=[(row, cs.cells(row, when)[: len(columns)]) for row in rows],
        total=total, page=number, pages=pages, headers=columns, numeric=NUMERIC, flash=flash,
        error=error,
    )  # fmt: skip


def settlement_router(gate: Gate) -> APIRouter:
    router = APIRouter(
        prefix="/console", include_in_schema=False, dependencies=[Depends(signed_in)]
    )
    engine = gate.engine

    @router.get("/settlements", response_class=HTMLResponse)
    async def settlements(request: Request, viewer: SignedIn) -> HTMLResponse:
        params = request.query_params
        done = params.get("settled", "")[:200]
        flash = f"Settled a card refund of {done}." if done else None
        state, number = _state(params.get("state")), _page(params.get("page"))
        return await _page_of(gate, viewer, state, number, flash)

    @router.get("/settlements.csv")
    async def export(request: Request) -> Response:
        state = _state(request.query_params.get("state"))
        rows, _total = await run_in_threadpool(cs.settlements, engine, state, None, 0)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        columns = cs.headers(state)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_safe(cell) for cell in cs.cells(row, when)[: len(columns)]])
        return Response(
            out.getvalue().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="settlements-{state}.csv"'},
        )

    @router.post("/settlements/{ref:path}/{index}/settle")
    async def settle_one(ref: str, index: str, request: Request, viewer: SignedIn) -> Response:
        await checked_form(request, viewer)
        if not index.isdigit() or len(index) > 4:
            return await _page_of(gate, viewer, "pending", 1, error="No such refund.",
                                  status_code=404)  # fmt: skip
        try:
            done = await run_in_threadpool(
                lambda: settle(engine, ref, now=gate.now(), index=int(index))
            )
        except LookupError as exc:
            return await _page_of(gate, viewer, "pending", 1, error=str(exc), status_code=409)
        if not done:
            flash = f"Refund {int(index) + 1} of {ref} was already settled."
            return await _page_of(gate, viewer, "pending", 1, flash=flash)
        back = "/console/settlements?" + urlencode({"state": "pending", "settled": ref})
        return RedirectResponse(back, status_code=303)

    return router
