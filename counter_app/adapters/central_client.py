"""The store's HTTP client for the central system: signed requests, signed answers, TLS.

Every answer must carry head office's signature over it and this request's nonce (see
`sync_protocol`); one that does not is dropped unread (`CentralUntrusted`). Certificates are
verified against the system's CAs or `ca_file`; plain http:// is allowed only to loopback.

`CentralClient` is the interface the sync service uses; `HttpCentralClient` is the real one
(httpx), `FakeCentral` an in-memory stand-in for unit tests.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from counter_app import sync_protocol as proto

PULL_RESOURCES = ("catalog", "staff", "policies", "orders", "settlements", "authorizations")
# Pulled when head office serves them: an older head office answers 404 and the store goes on.
OPTIONAL_RESOURCES = frozenset({"authorizations"})


class CentralUnavailable(ConnectionError):
    """The central system could not be reached or did not answer properly; try again later.

    `status_code` is head office's 5xx answer, 0 when no answer came (network, timeout); sync
    tells a message head office keeps failing on (500) from an outage (502/503, no answer)."""

    def __init__(self, message: str, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code


class CentralUntrusted(CentralUnavailable):
    """An answer not signed by head office with this store's key: dropped unread, like a
    network failure, so nothing from it is applied."""


class CentralRefused(RuntimeError):
    """The central system refused the request (key, signature, or the request itself)."""

    def __init__(self, message: str, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code

    @property
    def bad_content(self) -> bool:
        """Refused for what was sent (too big, unreadable), not for who sent it."""
        return self.status_code in (413, 422)


class AuthorizationConflict(CentralRefused):
    """Head office refused a claim (409): the code was used, cancelled or has expired.
    `code` is head office's reason (authorization_used ...), str() its text with the date."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, 409)
        self.code = code


class CentralClient(Protocol):
    def push(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def pull(self, resource: str, cursor: str | None, limit: int) -> dict[str, Any]: ...

    def lookup_order(self, number: str) -> dict[str, Any] | None: ...


def check_central_url(url: str) -> None:
    """https:// anywhere; plain http:// only to this machine (nothing on the way to read it)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError("the central URL must start with https:// (or http:// to this machine)")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"refusing plain http:// to {host}: use https:// (http:// only to this machine)"
        )


class HttpCentralClient:
    def __init__(
        self,
        base_url: str,
        store: str,
        key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], float] = time.time,
        ca_file: str | None = None,
    ) -> None:
        check_central_url(base_url)
        self._store = store
        self._key = key
        self._now = now
        verify: ssl.SSLContext | bool = True
        if ca_file:
            verify = ssl.create_default_context(cafile=ca_file)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport, verify=verify
        )

    @property
    def store(self) -> str:
        """The store this client signs for (the sync anchors its audit chain as this store)."""
        return self._store

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpCentralClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(
        self, method: str, path: str, body: bytes = b"", *, absent_ok: bool = False
    ) -> httpx.Response:
        """`absent_ok`: an unsigned 404 (a route this head office does not have yet) is
        handed back as such; nothing of its body is used."""
        headers = proto.sign_request(method, path, body, self._store, self._key, self._now())
        if body:
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CentralUnavailable(f"head office could not be reached: {exc}") from exc
        if response.status_code >= 500:
            raise CentralUnavailable(
                f"head office answered {response.status_code}; try later", response.status_code
            )
        try:
            proto.verify_response(
                response.status_code,
                headers[proto.HEADER_TIMESTAMP],
                headers[proto.HEADER_NONCE],
                response.content,
                response.headers.get(proto.HEADER_SIGNATURE),
                self._key,
            )
        except proto.SignatureError as exc:
            if response.status_code == 404 and absent_ok:
                return response
            if response.status_code == 401:  # head office cannot sign for a key it refused
                raise CentralRefused(
                    "head office refused this store's key (401): check central_key", 401
                ) from None
            if response.status_code == 413:  # refused by size, before the signature is read
                raise CentralRefused("head office refused the request as too large", 413) from None
            raise CentralUntrusted(
                f"head office's answer failed its signature check ({exc}); nothing was "
                "applied — is something between this store and head office?"
            ) from None
        return response

    def push(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = json.dumps({"messages": messages}, ensure_ascii=False).encode("utf-8")
        response = self._request("POST", f"{proto.API_PREFIX}/stores/{self._store}/messages", body)
        if response.status_code != 200:
            raise CentralRefused(
                f"head office refused the batch ({response.status_code}): {response.text[:200]}",
                response.status_code,
            )
        try:
            results: list[dict[str, Any]] = response.json()["results"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CentralUnavailable("head office sent an unreadable answer") from exc
        return results

    def pull(self, resource: str, cursor: str | None, limit: int) -> dict[str, Any]:
        query = f"?limit={limit}" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
        path = f"{proto.API_PREFIX}/stores/{self._store}/{resource}{query}"
        response = self._request("GET", path, absent_ok=resource in OPTIONAL_RESOURCES)
        if response.status_code != 200:
            raise CentralRefused(
                f"head office refused {resource} ({response.status_code})", response.status_code
            )
        try:
            page: dict[str, Any] = response.json()
            page["items"], page["next_cursor"], page["has_more"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CentralUnavailable("head office sent an unreadable page") from exc
        return page

    def audit_anchor(self) -> dict[str, Any]:
        """Head office's last anchored audit-chain head of this store (seq 0: none yet)."""
        response = self._request("GET", f"{proto.API_PREFIX}/stores/{self._store}/audit/anchor")
        if response.status_code != 200:
            raise CentralRefused(
                f"head office refused the audit anchor ({response.status_code})",
                response.status_code,
            )
        try:
            return proto.AuditAnchorState.model_validate(response.json()).model_dump(mode="json")
        except ValueError as exc:
            raise CentralUnavailable("head office sent an unreadable audit anchor") from exc

    def lookup_order(self, number: str) -> dict[str, Any] | None:
        path = f"{proto.API_PREFIX}/stores/{self._store}/orders/{quote(number, safe='')}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code == 429:
            raise CentralRefused(_error_message(response), 429)
        if response.status_code != 200:
            raise CentralRefused(
                f"head office refused the order lookup ({response.status_code})",
                response.status_code,
            )
        result: dict[str, Any] = response.json()
        return result

    def fetch_authorization(self, code: str) -> dict[str, Any] | None:
        """A return authorization as head office knows it now (None: no such code)."""
        path = f"{proto.API_PREFIX}/stores/{self._store}/authorizations/{quote(code, safe='')}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CentralRefused(_error_message(response), response.status_code)
        return _authorization(response)

    def claim_authorization(self, code: str, return_ref: str) -> dict[str, Any]:
        """Consume the authorization for this store's return `return_ref` (idempotent for the
        same ref); `AuthorizationConflict` when it is used, cancelled or expired."""
        path = (
            f"{proto.API_PREFIX}/stores/{self._store}/authorizations/{quote(code, safe='')}/claim"
        )
        body = proto.AuthorizationClaim(return_ref=return_ref).model_dump_json().encode("utf-8")
        response = self._request("POST", path, body)
        if response.status_code == 409:
            raise AuthorizationConflict(_error_message(response), _error_code(response))
        if response.status_code != 200:
            raise CentralRefused(_error_message(response), response.status_code)
        return _authorization(response)


def _authorization(response: httpx.Response) -> dict[str, Any]:
    """A signed answer read as a `ReturnAuthorization` (anything else: unreadable)."""
    try:
        found = proto.ReturnAuthorization.model_validate(response.json())
    except ValueError as exc:
        raise CentralUnavailable("head office sent an unreadable authorization") from exc
    return found.model_dump(mode="json")


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"])[:64]
    except (ValueError, KeyError, TypeError):
        return "error"


def _error_message(response: httpx.Response) -> str:
    """Head office's own explanation of a refusal (its `message` field), if readable."""
    try:
        return str(response.json()["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return f"head office refused the request ({response.status_code})"


class FakeCentral:
    """In-memory central for unit tests: accepts everything once, remembers ids."""

    def __init__(self) -> None:
        self.received: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, list[dict[str, Any]]] = {r: [] for r in PULL_RESOURCES}
        self.orders: dict[str, dict[str, Any]] = {}
        self.reject: Callable[[dict[str, Any]], str | None] = lambda _m: None
        self.fail_next: int = 0
        self.unreadable: Callable[[dict[str, Any]], bool] = lambda _m: False
        self.refuse_status: int | None = None
        self.authorizations: dict[str, dict[str, Any]] = {}
        self.claims: list[tuple[str, str]] = []
        self.claim_store = "S001"  # the store a claim is recorded for

    def push(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.fail_next:
            self.fail_next -= 1
            raise CentralUnavailable("simulated outage")
        if self.refuse_status is not None:
            raise CentralRefused("refused", self.refuse_status)
        if any(self.unreadable(m) for m in messages):
            raise CentralRefused("schema violation", 422)
        results = []
        for message in messages:
            if message["id"] in self.received:
                results.append({"id": message["id"], "status": "duplicate", "reason": None})
                continue
            reason = self.reject(message)
            self.received[message["id"]] = message
            status = "rejected" if reason else "accepted"
            results.append({"id": message["id"], "status": status, "reason": reason})
        return results

    def pull(self, resource: str, cursor: str | None, limit: int) -> dict[str, Any]:
        items = self.pages[resource]
        start = int(cursor or 0)
        chunk = items[start : start + limit]
        end = start + len(chunk)
        return {"items": chunk, "next_cursor": str(end), "has_more": end < len(items)}

    def lookup_order(self, number: str) -> dict[str, Any] | None:
        return self.orders.get(number)

    def fetch_authorization(self, code: str) -> dict[str, Any] | None:
        if self.fail_next:
            self.fail_next -= 1
            raise CentralUnavailable("simulated outage")
        return self.authorizations.get(code)

    def claim_authorization(self, code: str, return_ref: str) -> dict[str, Any]:
        """Head office's rule: once, company-wide; the same ref again is the same claim."""
        if self.fail_next:
            self.fail_next -= 1
            raise CentralUnavailable("simulated outage")
        found = self.authorizations.get(code)
        if found is None:
            raise CentralRefused("unknown authorization", 404)
        if found["status"] == "used" and found.get("used_return_ref") != return_ref:
            raise AuthorizationConflict(
                f"used at store {found.get('used_by_store')}", "authorization_used"
            )
        if found["status"] in ("cancelled", "expired"):
            raise AuthorizationConflict(found["status"], f"authorization_{found['status']}")
        found.update(status="used", used_return_ref=return_ref, used_by_store=self.claim_store)
        self.claims.append((code, return_ref))
        return found
