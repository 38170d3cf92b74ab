"""What can go wrong talking to head office, without the HTTP client: the desk imports
these at start-up, and httpx loads only when the store first talks to head office."""

from __future__ import annotations


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


__all__ = ["AuthorizationConflict", "CentralRefused", "CentralUnavailable", "CentralUntrusted"]
