"""Return authorizations for store tests: a valid `ReturnAuthorization` item (as head office
publishes it) and a desk wired to an in-memory head office."""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from counter_app.adapters.central_client import FakeCentral
from counter_app.domain.auth_code import new_code
from counter_app.services.returns import ReturnDesk


def auth_item(
    order_number: str,
    lines: list[tuple[int, str, int, str]],
    now: datetime,
    *,
    status: str = "open",
    code: str | None = None,
    days: int = 14,
    **extra: Any,
) -> dict[str, Any]:
    """A `ReturnAuthorization` as JSON; `lines` are (line_no, sku, quantity, reason)."""
    return {
        "code": code or new_code(secrets.token_bytes(7)),
        "order_number": order_number,
        "status": status,
        "refund": extra.pop("refund", "original"),
        "lines": [
            {"line_no": n, "sku": s, "quantity": q, "reason": r} for n, s, q, r in lines
        ],
        "created_at": (now - timedelta(days=1)).isoformat(),
        "expires_at": (now + timedelta(days=days)).isoformat(),
        "status_token": secrets.token_urlsafe(16),
        **extra,
    }


def code_needing_escapes() -> str:
    """A code whose check symbol is one a URL path escapes ($ * ~ = or U's neighbours):
    signed as sent (%24), so both sides must sign the raw path."""
    for n in range(10_000):
        code = new_code(n.to_bytes(7, "big"))
        if code[-1] in "$*=":
            return code
    raise AssertionError("no such code")


def connect(desk: ReturnDesk, central: FakeCentral) -> FakeCentral:
    """The desk asks `central` live (fetch at open, claim at commit)."""
    desk.central = lambda: nullcontext(central)
    return central
