"""Message payloads (store -> central): one model per message kind's payload.

Part of the wire protocol (`counter_app.sync_protocol` re-exports every name). Pure.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator

from counter_app.sync_types import (
    EXTRA_NAME_PATTERN,
    EXTRA_VALUE_SCHEMA,
    AuthorizationCode,
    Count,
    Currency,
    Hash,
    Last4,
    LineNo,
    LongText,
    MessageId,
    Minor,
    StatusToken,
    Tender,
    Text,
    check_extra,
)

ApprovalCode = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9]{4,12}$")]


class _Payload(BaseModel):
    """Unknown fields are kept (newer store versions may send more): scalars only, bounded."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "additionalProperties": EXTRA_VALUE_SCHEMA,
            "propertyNames": {"pattern": EXTRA_NAME_PATTERN},
        },
    )

    @model_validator(mode="after")
    def _extras_are_bounded_scalars(self) -> _Payload:
        for name, value in (self.model_extra or {}).items():
            check_extra(name, value)
        return self


class ReturnLinePayload(_Payload):
    line_no: LineNo = Field(description="the order line being returned")
    sku: Text
    quantity: StrictInt = Field(ge=1, le=100_000)
    refund_minor: Minor
    fee_minor: Minor = 0
    condition: Text
    reason: Text
    disposition: Text
    unit_price_minor: Minor | None = Field(
        default=None,
        description="receiptless: the lowest recent price one unit was refunded at",
    )
    gift_code: Text | None = Field(
        default=None, description="gift return: the gift-receipt code scanned for this line"
    )


class RefundPayload(_Payload):
    tender: Tender = Field(description="the tender it is paid out in")
    amount_minor: Minor
    charged_tender: Tender | None = Field(
        default=None, description="the tender of the order payment it is charged against"
    )
    card_brand: Text | None = None
    card_last4: Last4 | None = None


ReturnKind = Literal["order", "receiptless", "gift"]


class ReturnCommittedPayload(_Payload):
    """`kind` says how the return started. An order or gift return names its order; a
    receiptless one has no order (`order_number` null, `line_no` numbers its lines 1..n) and
    names the customer by `customer_key` (see `customer_key()`), never by plain PII."""

    ref: Text
    kind: ReturnKind = "order"
    order_number: Text | None = None
    customer_key: Hash | None = None
    counter: Text
    cashier: Text
    currency: Currency
    lines: list[ReturnLinePayload] = Field(min_length=1, max_length=1000)
    refunds: list[RefundPayload] = Field(default_factory=list, max_length=20)
    authorization_code: AuthorizationCode | None = Field(
        default=None, description="the return authorization this return consumes (once)"
    )
    status_token: StatusToken | None = Field(
        default=None, description="random token of the return's public status page /r/<token>"
    )


class StockMovementPayload(_Payload):
    sku: Text
    quantity: StrictInt = Field(ge=-(10**9), le=10**9)
    cause: Text
    ref: Text | None = None


class OverrideGrantedPayload(_Payload):
    ref: Text
    line_no: LineNo
    manager: Text
    reason: LongText
    rule_codes: list[Text] = Field(default_factory=list, max_length=100)


class StoreCreditIssuedPayload(_Payload):
    ref: Text
    amount_minor: Minor
    currency: Currency


class AuditHeadPayload(_Payload):
    seq: Count
    hash: Hash


# Entry hashes one audit.anchor carries; a longer stretch is sent as several anchors in a row.
MAX_ANCHOR_HASHES = 1000


class AuditAnchorPayload(_Payload):
    """The chain head at a sync and every entry hash since the last anchored head: entries
    ``from_seq + 1 .. seq`` in order, entry ``from_seq`` having ``prev_hash`` (GENESIS for 0).
    Head office accepts it only if (from_seq, prev_hash) is the head it anchored last."""

    from_seq: Count
    prev_hash: Hash
    seq: Count
    hash: Hash
    hashes: list[Hash] = Field(default_factory=list, max_length=MAX_ANCHOR_HASHES)


class SyncExceptionResolvedPayload(_Payload):
    message_id: MessageId = Field(description="id of the rejected message being resolved")
    manager: Text
    note: LongText = ""


# --- exchanges (issue 14) ---------------------------------------------------------------------


class ExchangeLinePayload(_Payload):
    """One item the customer took instead. `unit_price_minor` is the current catalog price,
    or — for a like-for-like swap when the policy's `exchange.like_for_like_at_paid_price` is
    on — the returned line's paid price per unit (`like_for_like_of` names that return line)."""

    line_no: LineNo = Field(description="line of the exchange sale, 1..n")
    sku: Text
    quantity: StrictInt = Field(ge=1, le=100_000)
    unit_price_minor: Minor
    paid_minor: Minor = Field(description="quantity x unit price: what this line of the sale cost")
    like_for_like_of: LineNo | None = None


ExchangeTender = Literal["exchange", "cash", "card"]


class ExchangePaymentPayload(_Payload):
    """How the exchange sale was paid: `exchange` is value carried over from the return (equal
    to the return's refunds paid out as `exchange`); `cash` or `card` is the balance the
    customer paid (a card on the store's standalone terminal: brand, last 4, approval code)."""

    tender: ExchangeTender
    amount_minor: Minor
    card_brand: Text | None = None
    card_last4: Last4 | None = None
    approval_code: ApprovalCode | None = None


class ExchangeSalePayload(_Payload):
    """The sale an exchange makes: its own order number, linked to the return `ref` (a member
    of the return's message group). Lines' `paid_minor` add up to the payments."""

    ref: Text = Field(description="the return this exchange belongs to")
    order_number: Text
    currency: Currency
    lines: list[ExchangeLinePayload] = Field(min_length=1, max_length=100)
    payments: list[ExchangePaymentPayload] = Field(min_length=1, max_length=10)


# --- gift receipts (issue 14) -----------------------------------------------------------------


class GiftCodePayload(_Payload):
    line_no: LineNo
    gift_code: Text


class GiftReceiptIssuedPayload(_Payload):
    """A store printed a gift receipt for lines that had no gift code from head office."""

    order_number: Text
    lines: list[GiftCodePayload] = Field(min_length=1, max_length=1000)


# --- customer identity for receiptless returns ------------------------------------------------

CUSTOMER_KEY_PREFIX = "returns-counter/customer/v1:"


def normalise_customer(identifier: str) -> str:
    """The one spelling of a phone number (digits, leading + kept) or e-mail (lower case)."""
    text = unicodedata.normalize("NFKC", identifier).strip()
    if "@" in text:
        return text.lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("+" if text.startswith("+") else "") + digits


def customer_key(identifier: str) -> str:
    """What a store sends to name a receiptless customer: the same at every store, so head
    office can count a customer's returns company-wide, without sending the phone or e-mail."""
    data = (CUSTOMER_KEY_PREFIX + normalise_customer(identifier)).encode()
    return hashlib.sha256(data).hexdigest()
