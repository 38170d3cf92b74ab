"""The returns portal as a caller: `Authorization: Bearer <portal key>`.

A key is checked by its SHA-256 (`service.portal_caller`, constant-time compare); a wrong,
unknown or revoked key gets the same 401 as any failed authentication. Failed attempts are
counted per client address: after `portal_failures_per_minute` in a minute the address is
answered 429 without a look at its key until the minute has passed (per worker process).

The answer is signed with the portal's own key like a store's (`sync_protocol.sign_response`):
over the request's `X-Timestamp` and `X-Nonce` when the portal sends them (checked: in the
window, never used before), else over a timestamp and nonce head office picks; either way
both are echoed in the answer's headers so the portal can check the signature.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import timedelta

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.errors import ApiError
from counter_app.central.api.gate import Gate, _read_body, _unauthorized
from counter_app.central.api.signing import SIGNER

WINDOW_SECONDS = 60.0
MAX_TRACKED = 10_000  # addresses remembered at most (the oldest forgotten first)


class PortalGate:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        now = time.monotonic()
        seen = self.failures.get(client, deque())
        while seen and now - seen[0] > WINDOW_SECONDS:
            seen.popleft()
        return seen

    def _fail(self, client: str) -> None:
        seen = self._recent(client)
        seen.append(time.monotonic())
        self.failures[client] = seen
        if len(self.failures) > MAX_TRACKED:
            del self.failures[next(iter(self.failures))]

    async def authenticate(self, request: Request) -> tuple[str, bytes]:
        """(portal key name, body); raises 401 / 429."""
        settings = self.gate.settings
        client = request.client.host if request.client else "?"
        if len(self._recent(client)) >= settings.portal_failures_per_minute:
            raise ApiError(429, "too many failed authentications; wait a minute", "rate_limited")
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        name = None
        if scheme.lower() == "bearer" and key:
            name = await run_in_threadpool(service.portal_caller, self.gate.engine, key)
        if name is None:
            self._fail(client)
            raise _unauthorized(request, "bad or revoked portal key", None)
        timestamp, nonce = await self._freshness(request, name, client)
        signer = request.scope.get(SIGNER)
        if signer is not None:
            signer.update(key=key, timestamp=timestamp, nonce=nonce, echo=True)
        return name, await _read_body(request, settings.max_body_bytes)

    async def _freshness(self, request: Request, name: str, client: str) -> tuple[str, str]:
        """The request's timestamp and nonce (checked), or fresh ones head office picks."""
        settings = self.gate.settings
        timestamp = request.headers.get(proto.HEADER_TIMESTAMP)
        nonce = request.headers.get(proto.HEADER_NONCE)
        if timestamp is None and nonce is None:
            return str(int(settings.clock())), proto.new_nonce()
        try:
            timestamp, nonce, _ = proto.check_request_headers(
                timestamp, nonce, "0" * 64, settings.clock(),
                settings.max_skew_seconds, settings.max_future_skew_seconds,
            )  # fmt: skip
        except proto.SignatureError as exc:
            self._fail(client)
            raise _unauthorized(request, f"portal {name}: {exc.code}: {exc}", None) from None
        expires = self.gate.now() + timedelta(
            seconds=settings.max_skew_seconds + settings.max_future_skew_seconds + 1
        )
        fresh = await run_in_threadpool(
            service.first_use_of_nonce, self.gate.engine, f"~{name}"[:32], nonce, expires,
            self.gate.now(),
        )  # fmt: skip
        if not fresh:
            self._fail(client)
            raise _unauthorized(request, f"portal {name}: replayed nonce", None)
        return timestamp, nonce
