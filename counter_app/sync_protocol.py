"""The store <-> central wire protocol, version 1: request signing and message shapes.

Shared by the reference central service and the store-side sync client, so both sides agree
on one definition. Pure: no I/O, no database, no network. Signing (requests and answers) is
defined in `counter_app.sync_signing`, re-exported here.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    model_validator,
)

from counter_app.sync_payloads import (
    CUSTOMER_KEY_PREFIX,
    MAX_ANCHOR_HASHES,
    AuditAnchorPayload,
    AuditHeadPayload,
    ExchangeLinePayload,
    ExchangePaymentPayload,
    ExchangeSalePayload,
    GiftCodePayload,
    GiftReceiptIssuedPayload,
    OverrideGrantedPayload,
    RefundPayload,
    ReturnCommittedPayload,
    ReturnKind,
    ReturnLinePayload,
    StockMovementPayload,
    StoreCreditIssuedPayload,
    SyncExceptionResolvedPayload,
    _Payload,
    customer_key,
    normalise_customer,
)
from counter_app.sync_signing import (
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_STORE,
    HEADER_TIMESTAMP,
    MAX_FUTURE_SKEW_SECONDS,
    MAX_SKEW_SECONDS,
    NONCE_PATTERN,
    SignatureError,
    canonical_string,
    check_request_headers,
    compute_signature,
    new_nonce,
    response_string,
    sha256_hex,
    sign_request,
    sign_response,
    verify_response,
    verify_signature,
)
from counter_app.sync_types import (
    CURSOR_PATTERN,
    LINES_PATTERN,
    MAX_BIGINT,
    MAX_INT,
    MAX_JSON_DEPTH,
    AuthorizationCode,
    Count,
    Currency,
    Cursor,
    Hash,
    ImageBase64,
    Last4,
    LineNo,
    LongText,
    MessageId,
    Minor,
    StatusToken,
    StoreCode,
    Tender,
    Text,
    Timestamp,
    json_too_deep,
    parse_cursor,
    valid_store_code,
)

# Re-exported: the boundary checks the service runs before parsing or querying.
__all__ = [
    "CURSOR_PATTERN",
    "CUSTOMER_KEY_PREFIX",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_STORE",
    "HEADER_TIMESTAMP",
    "MAX_ANCHOR_HASHES",
    "MAX_BIGINT",
    "MAX_FUTURE_SKEW_SECONDS",
    "MAX_INT",
    "MAX_JSON_DEPTH",
    "MAX_SKEW_SECONDS",
    "NONCE_PATTERN",
    "AuditAnchorPayload",
    "AuditHeadPayload",
    "AuthorizationCode",
    "ExchangeLinePayload",
    "ExchangePaymentPayload",
    "ExchangeSalePayload",
    "GiftCodePayload",
    "GiftReceiptIssuedPayload",
    "OverrideGrantedPayload",
    "RefundPayload",
    "ReturnCommittedPayload",
    "ReturnKind",
    "ReturnLinePayload",
    "SignatureError",
    "StatusToken",
    "StockMovementPayload",
    "StoreCreditIssuedPayload",
    "SyncExceptionResolvedPayload",
    "canonical_string",
    "check_request_headers",
    "compute_signature",
    "customer_key",
    "json_too_deep",
    "new_nonce",
    "normalise_customer",
    "parse_cursor",
    "response_string",
    "sha256_hex",
    "sign_request",
    "sign_response",
    "valid_store_code",
    "verify_response",
    "verify_signature",
]

API_PREFIX = "/v1"
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_BATCH = 500
DEFAULT_PAGE_LIMIT = 100
MAX_PAGE_LIMIT = 1000

# ---------------------------------------------------------------------------------------------
# Messages (store -> central)
# ---------------------------------------------------------------------------------------------

MessageKind = Literal[
    "return.committed",
    "stock.movement",
    "override.granted",
    "store_credit.issued",
    "audit.head",
    "audit.anchor",
    "sync_exception.resolved",
    "exchange.sale",
    "gift_receipt.issued",
]


class BaseMessage(BaseModel):
    """One fact, once: central deduplicates on `id` forever."""

    model_config = ConfigDict(extra="forbid")

    id: MessageId
    store: StoreCode
    kind: MessageKind
    created_at: Timestamp
    payload: _Payload


class ReturnCommittedMessage(BaseMessage):
    kind: Literal["return.committed"]
    payload: ReturnCommittedPayload


class StockMovementMessage(BaseMessage):
    kind: Literal["stock.movement"]
    payload: StockMovementPayload


class OverrideGrantedMessage(BaseMessage):
    kind: Literal["override.granted"]
    payload: OverrideGrantedPayload


class StoreCreditIssuedMessage(BaseMessage):
    kind: Literal["store_credit.issued"]
    payload: StoreCreditIssuedPayload


class AuditHeadMessage(BaseMessage):
    kind: Literal["audit.head"]
    payload: AuditHeadPayload


class AuditAnchorMessage(BaseMessage):
    kind: Literal["audit.anchor"]
    payload: AuditAnchorPayload


class SyncExceptionResolvedMessage(BaseMessage):
    kind: Literal["sync_exception.resolved"]
    payload: SyncExceptionResolvedPayload


class ExchangeSaleMessage(BaseMessage):
    kind: Literal["exchange.sale"]
    payload: ExchangeSalePayload


class GiftReceiptIssuedMessage(BaseMessage):
    kind: Literal["gift_receipt.issued"]
    payload: GiftReceiptIssuedPayload


Message = Annotated[
    ReturnCommittedMessage
    | StockMovementMessage
    | OverrideGrantedMessage
    | StoreCreditIssuedMessage
    | AuditHeadMessage
    | AuditAnchorMessage
    | SyncExceptionResolvedMessage
    | ExchangeSaleMessage
    | GiftReceiptIssuedMessage,
    Field(discriminator="kind"),
]
MESSAGE: TypeAdapter[BaseMessage] = TypeAdapter(Message)


class PushRequest(BaseModel):
    """A batch of outbox messages, each of one kind with that kind's payload."""

    model_config = ConfigDict(extra="forbid")

    messages: list[Message] = Field(max_length=MAX_BATCH)


PushStatus = Literal["accepted", "duplicate", "rejected"]


class PushResult(BaseModel):
    id: MessageId
    status: PushStatus
    reason: LongText | None = Field(default=None, description="why a message was rejected")


class PushResponse(BaseModel):
    """One result per message sent, in the order sent."""

    results: list[PushResult]


# ---------------------------------------------------------------------------------------------
# Pulled data (central -> store)
# ---------------------------------------------------------------------------------------------

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a cursor pull; pass `next_cursor` back to resume after the last item."""

    items: list[T]
    next_cursor: Cursor
    has_more: StrictBool


class Customer(BaseModel):
    code: Text
    name: Text
    email: Text | None = None
    phone: Text | None = None
    loyalty_tier: Text | None = None


class OrderLine(BaseModel):
    line_no: LineNo
    sku: Text
    quantity: StrictInt = Field(ge=1, le=MAX_INT)
    unit_price_minor: Minor
    discount_minor: Minor = 0
    tax_minor: Minor = 0
    paid_minor: Minor
    serial: Text | None = None
    final_sale: StrictBool = False
    returned_quantity: StrictInt = Field(default=0, ge=0, le=MAX_INT)
    gift_code: Text | None = Field(
        default=None, description="the code on this line's gift receipt (unique company-wide)"
    )


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
    placed_at: Timestamp
    currency: Currency
    barcode: Text | None = None
    customer: Customer | None = None
    lines: list[OrderLine] = Field(min_length=1, max_length=1000)
    payments: list[Payment] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _line_numbers_unique(self) -> Order:
        numbers = [line.line_no for line in self.lines]
        if len(numbers) != len(set(numbers)):
            raise ValueError("order line numbers must be unique")
        for line in self.lines:
            if line.returned_quantity > line.quantity:
                raise ValueError(f"line {line.line_no}: returned more than sold")
        return self


class PricePoint(BaseModel):
    """The product's price from `effective_from` until the next point (history for the
    receiptless lowest-recent-price rule)."""

    model_config = ConfigDict(extra="forbid")

    effective_from: Timestamp
    price_minor: Minor


class CatalogItem(BaseModel):
    """`style` groups the variants of one product (sizes, colours); `prices` is the price
    history, oldest first; `price_minor` is the price now; `image_base64` its picture."""

    model_config = ConfigDict(extra="forbid")

    sku: Text
    name: Text
    category: Text
    barcodes: list[Text] = Field(default_factory=list, max_length=100)
    serialised: StrictBool = False
    price_minor: Minor
    currency: Currency
    vendor: Text | None = None
    style: Text | None = None
    size: Text | None = None
    colour: Text | None = None
    prices: list[PricePoint] = Field(default_factory=list, max_length=1000)
    image_base64: ImageBase64 | None = None


RefundChoice = Literal["original", "store_credit", "exchange"]
AuthorizationStatus = Literal["open", "used", "cancelled", "expired"]


class AuthorizedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    sku: Text
    quantity: StrictInt = Field(ge=1, le=MAX_INT)
    reason: Text = Field(description="the customer's reason code, as in the return policy")


class ReturnAuthorization(BaseModel):
    """A return started online (the web shop's returns portal or `central authorize`): the
    lines reserved on one order, consumed exactly once company-wide by a store's return."""

    model_config = ConfigDict(extra="forbid")

    code: AuthorizationCode
    order_number: Text
    status: AuthorizationStatus
    refund: RefundChoice
    lines: list[AuthorizedLine] = Field(min_length=1, max_length=1000)
    created_at: Timestamp
    expires_at: Timestamp
    status_token: StatusToken
    customer_first_name: Text | None = None
    used_by_store: StoreCode | None = None
    used_return_ref: Text | None = None
    used_at: Timestamp | None = None
    cancelled_at: Timestamp | None = None


class AuthorizationClaim(BaseModel):
    """A store claims an authorization at commit (online): the return that consumes it."""

    model_config = ConfigDict(extra="forbid")

    return_ref: Text


class AuthorizationRequestLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: LineNo
    quantity: StrictInt = Field(ge=1, le=MAX_INT)
    reason: Text


class AuthorizationRequest(BaseModel):
    """POST /v1/return-authorizations (the returns portal, with its own key)."""

    model_config = ConfigDict(extra="forbid")

    order_number: Text
    lines: list[AuthorizationRequestLine] = Field(min_length=1, max_length=1000)
    refund: RefundChoice = "original"
    email: Text | None = Field(default=None, description="where the code and QR are e-mailed")


class AuthorizationCreated(BaseModel):
    """The answer to a portal request: the code (as printed: `RA-XXXXX-XXXXX-C`), its QR as
    PNG (base64) and SVG, the expiry and the public status page's path."""

    model_config = ConfigDict(extra="forbid")

    authorization: ReturnAuthorization
    display_code: Text
    qr_png_base64: StrictStr
    qr_svg: StrictStr
    status_path: Text


class PolicyVersion(BaseModel):
    version: Text
    published_at: Timestamp
    toml: Annotated[StrictStr, Field(max_length=1_000_000, pattern=LINES_PATTERN)]


class StaffMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Text
    display_name: Text
    role: Literal["cashier", "manager", "admin"]
    pin_hash: StrictStr = Field(max_length=512, pattern=r"^\$argon2id\$[ -~]*$")
    active: StrictBool = True


class Settlement(BaseModel):
    return_ref: Text
    tender: Tender
    amount_minor: Minor
    settled_at: Timestamp
    gateway_ref: Text


class AuditHead(BaseModel):
    seq: Count
    hash: Hash
    received_at: Timestamp


class AuditAnchorState(BaseModel):
    """The store's last anchored head at head office (seq 0: nothing anchored yet), and the
    reason the latest anchor after it was refused, if one was."""

    seq: Count
    hash: Hash
    anchored_at: Timestamp | None = None
    refused: StrictStr | None = None


class OpenException(BaseModel):
    message_id: MessageId
    kind: MessageKind
    reason: LongText | None
    received_at: Timestamp


class StoreStatus(BaseModel):
    store: StoreCode
    name: Text
    last_contact_at: Timestamp | None
    messages_received: Count
    open_exceptions: Count
    audit_head: AuditHead | None
    exceptions: list[OpenException] = Field(default_factory=list)
    audit_anchor: AuditAnchorState | None = None


class StatusResponse(BaseModel):
    """Head office's view of every store."""

    stores: list[StoreStatus]
