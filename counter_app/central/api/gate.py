"""Who may call what: the settings of one service, request signatures, store keys.

Every refused request is answered with a status code and logged without its body. Every
authentication failure (unknown store, bad or stale signature, replay, revoked key) gets the
same 401 body, so a caller cannot tell which store codes exist; the log says which it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.api.errors import ApiError
from counter_app.central.api.signing import SIGNER
from counter_app.central.master_key import MasterKey

log = logging.getLogger("counter_app.central")

ADMIN = "admin"


@dataclass
class CentralSettings:
    """`admin_key` signs head-office requests (X-Store: admin); None disables /v1/status.
    `master_key` opens the store keys (default: from the environment, when first needed)."""

    db_url: str
    admin_key: str | None = None
    master_key: MasterKey | None = None
    openapi: bool = False
    secure_cookies: bool = True
    max_skew_seconds: int = proto.MAX_SKEW_SECONDS
    max_future_skew_seconds: int = proto.MAX_FUTURE_SKEW_SECONDS
    max_body_bytes: int = proto.MAX_BODY_BYTES
    max_batch: int = proto.MAX_BATCH
    # How long a rotated or revoked key may still be honoured by a worker that cached it.
    key_cache_seconds: float = 10.0
    # Pushes write in worker threads; more at once only convoy on the GIL and on locks, so
    # the rest queue here in arrival order (fair to every store).
    max_concurrent_pushes: int = 4
    # Failed returns-portal authentications a client address may make in a minute.
    portal_failures_per_minute: int = 10
    # Where customer e-mails (return authorizations) go out, and from whom; None: not sent.
    smtp_url: str | None = None
    mail_from: str = "returns@localhost"
    # https URL of head office's public pages (the e-mailed status link); None: no link.
    public_url: str | None = None
    clock: Callable[[], float] = field(default=time.time)
    engine: Engine | None = None


class _KeyCache:
    """Store keys change rarely; caching them saves a query and a decryption per request."""

    def __init__(self, engine: Engine, settings: CentralSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._keys: dict[str, tuple[list[str], float]] = {}

    def get(self, code: str, now: datetime) -> list[str]:
        hit = self._keys.get(code)
        mono = time.monotonic()
        if hit is not None and mono - hit[1] < self.settings.key_cache_seconds:
            return hit[0]
        if self.settings.master_key is None:
            self.settings.master_key = MasterKey.resolve()
        keys = service.valid_keys(self.engine, code, self.settings.master_key, now)
        self._keys[code] = (keys, mono)
        return keys


def refuse(
    request: Request,
    status: int,
    reason: str,
    store: str | None = None,
    code: str | None = None,
    details: list[dict[str, str]] | None = None,
) -> ApiError:
    """Log a refusal (never its body) and build the error to raise."""
    client = request.client.host if request.client else "?"
    log.warning(
        "refused %s %s from %s (store=%s): %d %s",
        request.method,
        request.url.path,
        client,
        store,
        status,
        reason,
    )
    return ApiError(status, reason, code, details or ())


async def _read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes; refuse early on Content-Length, and again while streaming."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise refuse(request, 413, "request body too large")
        except ValueError:
            raise refuse(request, 400, "bad content-length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refuse(request, 413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _path_with_query(request: Request) -> str:
    """The path exactly as the client sent it (and signed it), query string included."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def _unauthorized(request: Request, reason: str, store: str | None) -> ApiError:
    """Log why; answer every authentication failure with the very same body."""
    refuse(request, 401, reason, store)
    return ApiError(401, "authentication failed", "unauthorized")


class Gate:
    """One service's engine, settings and key cache, and the checks every route runs first."""

    def __init__(self, settings: CentralSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.keys = _KeyCache(engine, settings)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.settings.clock(), UTC)

    async def _keys_of(self, store: str) -> list[str]:
        if store == ADMIN:
            return [self.settings.admin_key] if self.settings.admin_key else []
        if not proto.valid_store_code(store):
            return []
        return await run_in_threadpool(self.keys.get, store, self.now())

    async def _verify(self, request: Request, store: str, body: bytes) -> tuple[str, str, str]:
        """(key that signed, timestamp, nonce); raises SignatureError."""
        settings = self.settings
        headers = request.headers
        timestamp, nonce, signature = proto.check_request_headers(
            headers.get(proto.HEADER_TIMESTAMP),
            headers.get(proto.HEADER_NONCE),
            headers.get(proto.HEADER_SIGNATURE),
            settings.clock(),
            settings.max_skew_seconds,
            settings.max_future_skew_seconds,
        )
        path = _path_with_query(request)
        for key in await self._keys_of(store):  # two keys while a rotation is in grace
            try:
                proto.verify_signature(
                    request.method, path, body, timestamp, signature, key, settings.clock(),
                    settings.max_skew_seconds, nonce, settings.max_future_skew_seconds,
                )  # fmt: skip
            except proto.SignatureError:
                continue
            expires = self.now() + timedelta(
                seconds=settings.max_skew_seconds + settings.max_future_skew_seconds + 1
            )
            fresh = await run_in_threadpool(
                service.first_use_of_nonce, self.engine, store, nonce, expires, self.now()
            )
            if not fresh:
                raise proto.SignatureError("replay", "nonce already used (replayed request)")
            return key, timestamp, nonce
        raise proto.SignatureError("bad_signature", "unknown store, revoked key or bad signature")

    async def authenticate(self, request: Request, path_store: str | None) -> tuple[str, bytes]:
        """Check the signature; a store may act only on its own paths, head office on the
        others. Returns the caller and the body it signed; the answer is signed back."""
        body = await _read_body(request, self.settings.max_body_bytes)
        store = request.headers.get(proto.HEADER_STORE)
        if not store:
            raise _unauthorized(request, "unsigned request", None)
        try:
            key, timestamp, nonce = await self._verify(request, store, body)
        except proto.SignatureError as exc:
            raise _unauthorized(request, f"{exc.code}: {exc}", store) from None
        signer = request.scope.get(SIGNER)
        if signer is not None:
            signer.update(key=key, timestamp=timestamp, nonce=nonce)
        if path_store is not None and path_store != store:
            raise refuse(request, 403, "a store may only act on its own resources", store)
        if path_store is None and store != ADMIN:
            raise refuse(request, 403, "head-office endpoint", store)
        return store, body

    async def store_request(self, request: Request, store: str) -> None:
        """A signed request of `store` on its own resources; counts as a sign of life."""
        await self.authenticate(request, store)
        await run_in_threadpool(service.touch_store, self.engine, store, self.now())
