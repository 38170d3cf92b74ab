"""A return authorization as the counter sees it: the lines a customer asked to return
online, the refund they chose, and until when the code is good. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuthorizedLine:
    line_no: int
    sku: str
    quantity: int
    reason: str  # the policy's reason code the customer gave online


@dataclass(frozen=True)
class Authorization:
    code: str  # canonical (counter_app.domain.auth_code); printed with display_code()
    order_number: str
    status: str  # open | used | cancelled | expired
    refund: str  # original | store_credit | exchange
    lines: tuple[AuthorizedLine, ...]
    created_at: datetime
    expires_at: datetime
    status_token: str
    used_by_store: str | None = None
    used_at: datetime | None = None
    cancelled_at: datetime | None = None

    def line(self, line_no: int) -> AuthorizedLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)
