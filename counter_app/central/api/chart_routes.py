"""The console's charts: the page `/console/charts` and each chart as `/console/charts/<name>.svg`.

Signed in like every console page. The SVG is drawn on the server (`central.charts`, pygal)
from `service.chart_data`; it is served under its own Content-Security-Policy that allows
nothing but its one `<style>` element, by hash. Titles are English or Chinese by `?lang=` or
the browser's Accept-Language. `?weeks=` picks the period (1..52 weeks up to this one).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central import charts
from counter_app.central.api.gate import Gate
from counter_app.central.api.session import SignedIn, signed_in
from counter_app.central.language import Lang, pick
from counter_app.central.service import chart_data
from counter_app.central.web import render

WEEK_CHOICES = (4, 8, 12, 26, 52)
SVG_TYPE = "image/svg+xml"


def parse_weeks(value: str | None) -> tuple[int, str | None]:
    """(weeks, one line about a value that was not used)."""
    if value is None or value == "":
        return chart_data.DEFAULT_WEEKS, None
    if value.isdigit() and len(value) <= 3 and 1 <= int(value) <= chart_data.MAX_WEEKS:
        return int(value), None
    return chart_data.DEFAULT_WEEKS, (
        f"Weeks must be a whole number from 1 to {chart_data.MAX_WEEKS}; "
        f"showing {chart_data.DEFAULT_WEEKS}."
    )


def svg_policy(svg: str) -> str:
    """The SVG's own CSP: its style element(s) by hash, nothing else, not framed."""
    styles = " ".join(charts.style_hashes(svg)) or "'none'"
    return f"default-src 'none'; style-src {styles}; frame-ancestors 'none'; base-uri 'none'"


def chart_router(gate: Gate) -> APIRouter:
    router = APIRouter(
        prefix="/console/charts", include_in_schema=False, dependencies=[Depends(signed_in)]
    )
    engine = gate.engine

    def language(request: Request) -> Lang:
        return pick(request.headers.get("accept-language"), request.query_params.get("lang"))

    @router.get("", response_class=HTMLResponse)
    async def page(request: Request, viewer: SignedIn) -> HTMLResponse:
        weeks, error = parse_weeks(request.query_params.get("weeks"))
        lang = language(request)
        period = chart_data.period_ending(gate.now(), weeks)
        return render(
            "charts.html", viewer=viewer, section="charts", charts=charts.titles(lang),
            weeks=weeks, choices=sorted({*WEEK_CHOICES, weeks}), lang=lang, error=error,
            start=period.start, end=period.end,
        )  # fmt: skip

    @router.get("/{name}.svg")
    async def chart(name: str, request: Request) -> Response:
        if name not in charts.CHARTS:
            return Response("No such chart.\n", status_code=404, media_type="text/plain")
        weeks, error = parse_weeks(request.query_params.get("weeks"))
        if error:
            return Response(error + "\n", status_code=400, media_type="text/plain")
        lang = language(request)
        period = chart_data.period_ending(gate.now(), weeks)

        def draw() -> str:
            return charts.render(name, chart_data.chart_data(engine, name, period), lang)

        svg = await run_in_threadpool(draw)
        return Response(
            svg,
            media_type=SVG_TYPE,
            headers={"content-security-policy": svg_policy(svg), "vary": "accept-language"},
        )

    return router
