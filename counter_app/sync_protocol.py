"""The store <-> central wire protocol, version 1: request signing and message shapes.

Shared by the reference central service and the store-side sync client, so both sides agree
on one definition. Pure: no I/O, no database, no network.

Signing: every request carries ``X-Store``, ``X-Timestamp`` (unix seconds) and
``X-Signature`` = hex HMAC-SHA256(key, f"{METHOD}\\n{PATH_WITH_QUERY}\\n{timestamp}\\n" +
sha256_hex(body)). The server refuses timestamps more than ``MAX_SKEW_SECONDS`` away from
its clock, which stops old captured requests from being replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

API_PREFIX = "/v1"
HEADER_STORE = "X-Store"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGNATURE = "X-Signature"
MAX_SKEW_SECONDS = 300
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_BATCH = 500
DEFAULT_PAGE_LIMIT = 100
MAX_PAGE_LIMIT = 1000
# What a PostgreSQL BIGINT holds: change numbers, cursors and audit sequence numbers.
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
# Deeper JSON than this is refused before parsing (a recursive parser would overflow).
MAX_JSON_DEPTH = 32
# A cursor is the decimal change number last seen: ASCII digits only, 0..MAX_BIGINT.
CURSOR_PATTERN = r"^[0-9]{1,19}$"
STORE_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
TIMESTAMP_PATTERN = r"^[0-9]{1,12}$"
SIGNATURE_PATTERN = r"^[0-9a-fA-F]{64}$"

# ---------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------


class SignatureError(Exception):
    """A request's signature headers are missing, wrong, or outside the time window."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _matches(pattern: str, value: str) -> bool:
    # fullmatch: "$" alone would let a trailing newline through.
    return re.fullmatch(pattern.strip("^$"), value, flags=re.ASCII) is not None


def valid_store_code(value: str) -> bool:
    return _matches(STORE_CODE_PATTERN, value)


def parse_cursor(cursor: str | None) -> int:
    """Cursors are opaque to stores; here they are the last change number seen."""
    if cursor is None or cursor == "":
        return 0
    if not _matches(CURSOR_PATTERN, cursor) or int(cursor) > MAX_BIGINT:
        raise ValueError("invalid cursor")
    return int(cursor)


_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than `limit` (brackets in strings not counted).

    Checked before `json.loads`, whose recursion would otherwise end in RecursionError."""
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_string(method: str, path_with_query: str, timestamp: str, body: bytes) -> str:
    """The exact text both sides sign; one definition so client and server cannot drift."""
    return f"{method.upper()}\n{path_with_query}\n{timestamp}\n{sha256_hex(body)}"


def _key_bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode("utf-8")


def compute_signature(
    method: str, path_with_query: str, timestamp: str, body: bytes, key: str | bytes
) -> str:
    message = canonical_string(method, path_with_query, timestamp, body).encode("utf-8")
    return hmac.new(_key_bytes(key), message, hashlib.sha256).hexdigest()


def sign_request(
    method: str,
    path: str,
    body: bytes,
    store: str,
    key: str | bytes,
    now: float,
) -> dict[str, str]:
    """Headers to add to one request. `path` includes the query string, exactly as sent."""
    timestamp = str(int(now))
    return {
        HEADER_STORE: store,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: compute_signature(method, path, timestamp, body, key),
    }


def verify_signature(
    method: str,
    path: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    key: str | bytes,
    now: float,
    max_skew: int = MAX_SKEW_SECONDS,
) -> None:
    """Raise SignatureError unless the signature is right and the timestamp is fresh.

    The time window is checked first so a replayed request is reported as such.
    """
    if not timestamp or not signature:
        raise SignatureError("unsigned", "missing signature headers")
    if not _matches(TIMESTAMP_PATTERN, timestamp):
        raise SignatureError("bad_timestamp", "timestamp is not unix seconds")
    if not _matches(SIGNATURE_PATTERN, signature):
        raise SignatureError("bad_signature", "signature is not 64 hex digits")
    ts = int(timestamp)
    if abs(now - ts) > max_skew:
        raise SignatureError("stale_timestamp", "timestamp outside the allowed window")
    expected = compute_signature(method, path, timestamp, body, key)
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureError("bad_signature", "signature does not match")


# ---------------------------------------------------------------------------------------------
# Messages (store -> central)
# ---------------------------------------------------------------------------------------------

MessageKind = Literal[
    "return.committed",
    "stock.movement",
    "override.granted",
    "store_credit.issued",
    "audit.head",
    "sync_exception.resolved",
]
Tender = Literal["card", "cash", "store_credit", "gift_card", "exchange"]
StoreCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Text = Annotated[str, Field(max_length=200)]
Minor = Annotated[int, Field(ge=0, le=10**12)]
Last4 = Annotated[str, Field(pattern=r"^[0-9]{4}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _Payload(BaseModel):
    # Unknown fields are kept (newer store versions may send more) but types are strict.
    model_config = ConfigDict(extra="allow")


class ReturnLinePayload(_Payload):
    line_no: int = Field(ge=1, le=MAX_INT, description="the order line being returned")
    sku: Text
    quantity: int = Field(ge=1, le=100_000)
    refund_minor: Minor
    fee_minor: Minor = 0
    condition: Text
    reason: Text
    disposition: Text


class RefundPayload(_Payload):
    tender: Tender
    amount_minor: Minor
    card_brand: Text | None = None
    card_last4: Last4 | None = None


class ReturnCommittedPayload(_Payload):
    ref: Text
    order_number: Text
    counter: Text
    cashier: Text
    currency: Currency
    lines: list[ReturnLinePayload] = Field(min_length=1, max_length=1000)
    refunds: list[RefundPayload] = Field(default_factory=list, max_length=20)


class StockMovementPayload(_Payload):
    sku: Text
    quantity: int = Field(ge=-(10**9), le=10**9)
    cause: Text
    ref: Text | None = None


class OverrideGrantedPayload(_Payload):
    ref: Text
    line_no: int = Field(ge=1, le=MAX_INT)
    manager: Text
    reason: str = Field(max_length=2000)
    rule_codes: list[Text] = Field(default_factory=list, max_length=100)


class StoreCreditIssuedPayload(_Payload):
    ref: Text
    amount_minor: Minor
    currency: Currency


class AuditHeadPayload(_Payload):
    seq: int = Field(ge=0, le=MAX_BIGINT)
    hash: str = Field(pattern=r"^[0-9a-fA-F]{16,128}$")


class SyncExceptionResolvedPayload(_Payload):
    message_id: str = Field(description="id of the rejected message being resolved")
    manager: Text
    note: str = Field(default="", max_length=2000)


PAYLOAD_MODELS: dict[str, type[BaseModel]] = {
    "return.committed": ReturnCommittedPayload,
    "stock.movement": StockMovementPayload,
    "override.granted": OverrideGrantedPayload,
    "store_credit.issued": StoreCreditIssuedPayload,
    "audit.head": AuditHeadPayload,
    "sync_exception.resolved": SyncExceptionResolvedPayload,
}


class Message(BaseModel):
    """One fact, once: central deduplicates on `id` forever."""

    model_config = ConfigDict(extra="forbid")

    id: str
    store: StoreCode
    kind: MessageKind
    created_at: datetime
    payload: dict[str, Any]

    @field_validator("id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return str(uuid.UUID(value))

    _typed: BaseModel | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _payload_matches_kind(self) -> Message:
        self._typed = PAYLOAD_MODELS[self.kind].model_validate(self.payload)
        return self

    def typed_payload(self) -> BaseModel:
        """The payload as the model for its kind (validated once, when the message was)."""
        if self._typed is None:
            self._typed = PAYLOAD_MODELS[self.kind].model_validate(self.payload)
        return self._typed


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(max_length=MAX_BATCH)


PushStatus = Literal["accepted", "duplicate", "rejected"]


class PushResult(BaseModel):
    id: str
    status: PushStatus
    reason: str | None = None


class PushResponse(BaseModel):
    results: list[PushResult]


# ---------------------------------------------------------------------------------------------
# Pulled data (central -> store)
# ---------------------------------------------------------------------------------------------

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a cursor pull; pass `next_cursor` back to resume after the last item."""

    items: list[T]
    next_cursor: str
    has_more: bool


class Customer(BaseModel):
    code: Text
    name: Text
    email: Text | None = None
    phone: Text | None = None
    loyalty_tier: Text | None = None


class OrderLine(BaseModel):
    line_no: int = Field(ge=1, le=MAX_INT)
    sku: Text
    quantity: int = Field(ge=1, le=MAX_INT)
    unit_price_minor: Minor
    discount_minor: Minor = 0
    tax_minor: Minor = 0
    paid_minor: Minor
    serial: Text | None = None
    final_sale: bool = False
    returned_quantity: int = Field(default=0, ge=0, le=MAX_INT)


class Payment(BaseModel):
    """Card brand and last four digits only — never a full card number."""

    model_config = ConfigDict(extra="forbid")

    tender: Tender
    amount_minor: Minor
    card_brand: Text | None = None
    card_last4: Last4 | None = None


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Text
    store: StoreCode | None = None
    channel: Literal["online", "store"]
    placed_at: datetime
    currency: Currency
    barcode: Text | None = None
    customer: Customer | None = None
    lines: list[OrderLine] = Field(min_length=1)
    payments: list[Payment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _line_numbers_unique(self) -> Order:
        numbers = [line.line_no for line in self.lines]
        if len(numbers) != len(set(numbers)):
            raise ValueError("order line numbers must be unique")
        for line in self.lines:
            if line.returned_quantity > line.quantity:
                raise ValueError(f"line {line.line_no}: returned more than sold")
        return self


class CatalogItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Text
    name: Text
    category: Text
    barcodes: list[Text] = Field(default_factory=list)
    serialised: bool = False
    price_minor: Minor
    currency: Currency
    vendor: Text | None = None


class PolicyVersion(BaseModel):
    version: Text
    published_at: datetime
    toml: str


class StaffMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Text
    display_name: Text
    role: Literal["cashier", "manager", "admin"]
    pin_hash: str = Field(pattern=r"^\$argon2id\$")
    active: bool = True


class Settlement(BaseModel):
    return_ref: Text
    tender: Tender
    amount_minor: Minor
    settled_at: datetime
    gateway_ref: Text


class AuditHead(BaseModel):
    seq: int
    hash: str
    received_at: datetime


class OpenException(BaseModel):
    message_id: str
    kind: MessageKind
    reason: str | None
    received_at: datetime


class StoreStatus(BaseModel):
    store: str
    name: str
    last_contact_at: datetime | None
    messages_received: int
    open_exceptions: int
    audit_head: AuditHead | None
    exceptions: list[OpenException] = Field(default_factory=list)
