"""The public return-status page `/r/<token>` (no sign-in): a return's or an authorization's
timeline for the customer, in English or Chinese by the browser's Accept-Language.

What a stranger can learn is bounded: a token is 16 random bytes; an unknown or malformed
one gets the same short 404 page (the same queries run for both); the page names the
customer by first name only. Each client address may ask `LIMIT` times a minute (kept in
the worker's memory; cheap, and enough to make guessing pointless on top of the token's
size). Pages are not cached (`Cache-Control: no-store` like every answer) and not indexed.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from counter_app.central.api.gate import Gate
from counter_app.central.language import Lang, pick
from counter_app.central.service.status_page import PublicStatus, public_status
from counter_app.central.web import STATIC, render

STYLESHEET = STATIC / "status.css"
LIMIT = 30  # pages per client address per WINDOW seconds
WINDOW = 60.0
MAX_CLIENTS = 10_000

TEXT: dict[Lang, dict[str, str]] = {
    "en": {
        "title": "Your return", "hello": "Hello {name},", "hello_anon": "Hello,",
        "items": "Items", "reference": "Return reference", "expires": "Bring the items by",
        "authorized": "Return authorized online", "received": "Received at {store}",
        "received_pending": "Bring the items to any of our stores",
        "refunded": "Refunded", "refunded_pending": "Refund when the items are checked",
        "settled": "Card refund settled — it shows on your statement within a few days",
        "settled_pending": "Card refund on its way to your bank",
        "cancelled": "This return was cancelled", "expired": "This return code has expired",
        "missing_title": "Not found", "missing": "There is no return at this address.",
        "busy_title": "Too many requests", "busy": "Please try again in a minute.",
        "pending": "to come",
    },
    "zh": {
        "title": "您的退货", "hello": "{name}，您好：", "hello_anon": "您好：",
        "items": "商品", "reference": "退货单号", "expires": "请在此日期前送回商品",
        "authorized": "已在线批准退货", "received": "已在{store}收到商品",
        "received_pending": "请将商品送到我们的任一门店",
        "refunded": "已退款", "refunded_pending": "商品检查后退款",
        "settled": "银行卡退款已完成，几天内会显示在您的账单上",
        "settled_pending": "银行卡退款正在处理中",
        "cancelled": "此退货已取消", "expired": "此退货码已过期",
        "missing_title": "未找到", "missing": "此地址没有退货记录。",
        "busy_title": "请求过多", "busy": "请一分钟后再试。",
        "pending": "待完成",
    },
}  # fmt: skip
TENDERS: dict[Lang, dict[str, str]] = {
    "en": {"card": "to your card", "cash": "in cash", "store_credit": "as store credit",
           "gift_card": "to a gift card", "exchange": "as an exchange"},
    "zh": {"card": "退回银行卡", "cash": "现金", "store_credit": "商店积分",
           "gift_card": "礼品卡", "exchange": "换货"},
}  # fmt: skip


class ClientLimit:
    """At most `limit` requests per `window` seconds per client address (this process)."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.seen: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        at = time.monotonic() if now is None else now
        if len(self.seen) > MAX_CLIENTS:  # forget the quiet ones first
            for key in [k for k, q in self.seen.items() if not q or q[-1] < at - self.window]:
                del self.seen[key]
        times = self.seen.setdefault(client, deque())
        while times and times[0] <= at - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(at)
        return True


def _page(status: PublicStatus, lang: Lang) -> HTMLResponse:
    return render("status.html", status=status, lang=lang, t=TEXT[lang], tenders=TENDERS[lang])


def _short(lang: Lang, status_code: int, what: str) -> HTMLResponse:
    """The one page of a refusal (404 unknown or malformed, 429 too many): a title, a line."""
    text = TEXT[lang]
    return render("status_missing.html", status_code=status_code, lang=lang,
                  title=text[f"{what}_title"], line=text[what])  # fmt: skip


def status_page_router(gate: Gate, limit: ClientLimit | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    engine = gate.engine
    guard = limit or ClientLimit()

    @router.get("/static/status.css")
    async def stylesheet() -> Response:
        return FileResponse(Path(STYLESHEET), media_type="text/css")

    @router.get("/r/{token}", response_class=HTMLResponse)
    async def status(token: str, request: Request) -> HTMLResponse:
        lang = pick(request.headers.get("accept-language"))
        client = request.client.host if request.client else "unknown"
        if not guard.allow(client):
            return _short(lang, 429, "busy")
        found = await run_in_threadpool(public_status, engine, token[:64], gate.now())
        if found is None:
            return _short(lang, 404, "missing")
        response = _page(found, lang)
        response.headers["vary"] = "accept-language"
        return response

    return router
