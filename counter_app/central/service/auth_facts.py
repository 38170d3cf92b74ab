"""What a push batch knows about the return authorizations its returns name (loaded by
`auth_ingest.prefetch_authorizations`, checked and updated as the batch's returns apply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class AuthFacts:
    id: int
    code: str
    order_number: str
    status: str  # open | used | cancelled (expired is read from expires_at)
    expires_at: datetime
    used_by_store: str | None
    used_return_ref: str | None
    used_at: datetime | None
    cancelled_at: datetime | None


@dataclass
class AuthBatch:
    authorizations: dict[str, AuthFacts] = field(default_factory=dict)  # code -> facts
    tokens_taken: set[str] = field(default_factory=set)  # status tokens already in use
