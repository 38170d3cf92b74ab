"""The store's HTTP client for the central system: signed requests, short timeouts.

`CentralClient` is the interface the sync service uses; `HttpCentralClient` is the real one
(httpx), `FakeCentral` an in-memory stand-in for unit tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from counter_app import sync_protocol as proto

PULL_RESOURCES = ("catalog", "staff", "policies", "orders", "settlements")


class CentralUnavailable(ConnectionError):
    """The central system could not be reached or did not answer properly; try again later."""


class CentralRefused(RuntimeError):
    """The central system refused the request (key, signature, or the request itself)."""

    def __init__(self, message: str, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code

    @property
    def bad_content(self) -> bool:
        """Refused for what was sent (too big, unreadable), not for who sent it."""
        return self.status_code in (413, 422)


class CentralClient(Protocol):
    def push(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def pull(self, resource: str, cursor: str | None, limit: int) -> dict[str, Any]: ...

    def lookup_order(self, number: str) -> dict[str, Any] | None: ...


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
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the central URL must start with http:// or https://")
        self._store = store
        self._key = key
        self._now = now
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
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

    def _request(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        headers = proto.sign_request(method, path, body, self._store, self._key, self._now())
        if body:
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CentralUnavailable(f"head office could not be reached: {exc}") from exc
        if response.status_code >= 500:
            raise CentralUnavailable(f"head office answered {response.status_code}; try later")
        return response

    def push(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = json.dumps({"messages": messages}, ensure_ascii=False).encode("utf-8")
        response = self._request("POST", f"{proto.API_PREFIX}/stores/{self._store}/messages", body)
        if response.status_code != 200:
            raise CentralRefused(
                f"head office refused the batch ({response.status_code}): {response.text[:200]}"
            )
        try:
            results: list[dict[str, Any]] = response.json()["results"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CentralUnavailable("head office sent an unreadable answer") from exc
        return results

    def pull(self, resource: str, cursor: str | None, limit: int) -> dict[str, Any]:
        query = f"?limit={limit}" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
        path = f"{proto.API_PREFIX}/stores/{self._store}/{resource}{query}"
        response = self._request("GET", path)
        if response.status_code != 200:
            raise CentralRefused(f"head office refused {resource} ({response.status_code})")
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
        if response.status_code != 200:
            raise CentralRefused(f"head office refused the order lookup ({response.status_code})")
        result: dict[str, Any] = response.json()
        return result


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
