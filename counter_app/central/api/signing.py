"""Every answer leaves through here: signed for the store that asked, with security headers.

The gate, once a request's signature checks out, puts the key, timestamp and nonce in the
request's `SIGNER` slot; the answer is then signed with them (see `sync_protocol`). Answers to
unauthenticated requests (the console, 401s, the health check) carry no signature. The
console's one stylesheet is served by head office (`/static/console.css`, `style-src 'self'`).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from counter_app import sync_protocol as proto

SIGNER = "counter_app.central.signer"

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_CSP_NAME = b"content-security-policy"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class ResponseGuard:
    """ASGI middleware: buffer each answer, add the security headers, sign it if asked to."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        signer: dict[str, Any] = {}
        scope[SIGNER] = signer
        start: Message | None = None
        chunks: list[bytes] = []

        async def guarded(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = [h for h in start.get("headers", []) if h[0].lower() != b"x-signature"]
            # A route may set a policy of its own (a chart's SVG allows its one
            # <style> by hash, nothing more); otherwise the default one.
            own = any(h[0].lower() == b"content-security-policy" for h in headers)
            headers.extend(h for h in SECURITY_HEADERS if not (own and h[0] == _CSP_NAME))
            if signer:
                signature = proto.sign_response(
                    int(start["status"]), signer["timestamp"], signer["nonce"], body, signer["key"]
                )
                headers.append((proto.HEADER_SIGNATURE.lower().encode(), signature.encode()))
                if signer.get("echo"):  # a portal answer: what it was signed over
                    for name, value in ((proto.HEADER_TIMESTAMP, signer["timestamp"]),
                                        (proto.HEADER_NONCE, signer["nonce"])):  # fmt: skip
                        headers.append((name.lower().encode(), value.encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, guarded)
