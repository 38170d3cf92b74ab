"""Request and answer signatures of the store <-> central protocol (version 1).

Signing: every request carries ``X-Store``, ``X-Timestamp`` (unix seconds), ``X-Nonce``
(32 fresh lower-case hex digits) and ``X-Signature`` = hex HMAC-SHA256(key,
f"{METHOD}\\n{PATH_WITH_QUERY}\\n{timestamp}\\n{nonce}\\n" + sha256_hex(body)). The server
refuses timestamps more than ``MAX_SKEW_SECONDS`` in the past or ``MAX_FUTURE_SKEW_SECONDS``
in the future, and a nonce it has already seen from that store within the window (replay).

Every answer to an authenticated request is signed back with the same key:
``X-Signature`` = hex HMAC-SHA256(key, f"RESPONSE\\n{status}\\n{timestamp}\\n{nonce}\\n" +
sha256_hex(body)), with the request's own timestamp and nonce, so a recorded answer cannot be
passed off as the answer to another request. The client refuses an answer without it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from counter_app.sync_types import SIGNATURE_PATTERN, TIMESTAMP_PATTERN, matches

HEADER_STORE = "X-Store"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGNATURE = "X-Signature"
HEADER_NONCE = "X-Nonce"
NONCE_PATTERN = r"^[0-9a-f]{32}$"
MAX_SKEW_SECONDS = 300
MAX_FUTURE_SKEW_SECONDS = 30


class SignatureError(Exception):
    """A request's signature headers are missing, wrong, or outside the time window."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_string(
    method: str, path_with_query: str, timestamp: str, body: bytes, nonce: str = ""
) -> str:
    """The exact text both sides sign; one definition so client and server cannot drift."""
    return f"{method.upper()}\n{path_with_query}\n{timestamp}\n{nonce}\n{sha256_hex(body)}"


def response_string(status: int, timestamp: str, nonce: str, body: bytes) -> str:
    """What head office signs in an answer: bound to the request by its timestamp and nonce."""
    return f"RESPONSE\n{status}\n{timestamp}\n{nonce}\n{sha256_hex(body)}"


def _key_bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode("utf-8")


def _hmac(key: str | bytes, text: str) -> str:
    return hmac.new(_key_bytes(key), text.encode("utf-8"), hashlib.sha256).hexdigest()


def compute_signature(
    method: str,
    path_with_query: str,
    timestamp: str,
    body: bytes,
    key: str | bytes,
    nonce: str = "",
) -> str:
    return _hmac(key, canonical_string(method, path_with_query, timestamp, body, nonce))


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign_request(
    method: str,
    path: str,
    body: bytes,
    store: str,
    key: str | bytes,
    now: float,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers to add to one request. `path` includes the query string, exactly as sent."""
    timestamp = str(int(now))
    nonce = nonce or new_nonce()
    return {
        HEADER_STORE: store,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: compute_signature(method, path, timestamp, body, key, nonce),
    }


def check_request_headers(
    timestamp: str | None,
    nonce: str | None,
    signature: str | None,
    now: float,
    max_skew: int = MAX_SKEW_SECONDS,
    max_future: int = MAX_FUTURE_SKEW_SECONDS,
) -> tuple[str, str, str]:
    """The checks that need no key: headers present, well formed, timestamp in the window."""
    if not timestamp or not signature or not nonce:
        raise SignatureError("unsigned", "missing signature headers")
    if not matches(TIMESTAMP_PATTERN, timestamp):
        raise SignatureError("bad_timestamp", "timestamp is not unix seconds")
    if not matches(NONCE_PATTERN, nonce):
        raise SignatureError("bad_nonce", "nonce is not 32 lower-case hex digits")
    if not matches(SIGNATURE_PATTERN, signature):
        raise SignatureError("bad_signature", "signature is not 64 hex digits")
    ts = int(timestamp)
    if now - ts > max_skew:
        raise SignatureError("stale_timestamp", "timestamp too old")
    if ts - now > max_future:
        raise SignatureError("future_timestamp", "timestamp too far in the future")
    return timestamp, nonce, signature


def verify_signature(
    method: str,
    path: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    key: str | bytes,
    now: float,
    max_skew: int = MAX_SKEW_SECONDS,
    nonce: str | None = None,
    max_future: int = MAX_FUTURE_SKEW_SECONDS,
) -> None:
    """Raise SignatureError unless the signature is right and the timestamp is fresh.

    The time window is checked first so a replayed request is reported as such. Whether the
    nonce was seen before is the server's business: that needs state shared by its workers.
    """
    ts, once, sig = check_request_headers(timestamp, nonce, signature, now, max_skew, max_future)
    expected = compute_signature(method, path, ts, body, key, once)
    if not hmac.compare_digest(expected, sig.lower()):
        raise SignatureError("bad_signature", "signature does not match")


def sign_response(status: int, timestamp: str, nonce: str, body: bytes, key: str | bytes) -> str:
    return _hmac(key, response_string(status, timestamp, nonce, body))


def verify_response(
    status: int,
    timestamp: str,
    nonce: str,
    body: bytes,
    signature: str | None,
    key: str | bytes,
) -> None:
    """Raise SignatureError unless head office signed this answer to this request."""
    if not signature:
        raise SignatureError("unsigned", "the answer is not signed")
    if not matches(SIGNATURE_PATTERN, signature):
        raise SignatureError("bad_signature", "the answer's signature is not 64 hex digits")
    expected = sign_response(status, timestamp, nonce, body, key)
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureError("bad_signature", "the answer's signature does not match")
