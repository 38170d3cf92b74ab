"""Tables of the reference central service.

`seq` columns hold a company-wide change sequence number: every insert or update of a
pullable row takes the next number, so a store pulling "everything after cursor N" also sees
rows that changed after it last pulled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.central.fact_models import ReturnLineFact, ReturnOverride
from counter_app.central.model_base import Base, BigId


class ChangeCounter(Base):
    """One row: the last change sequence number handed out."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Store(Base):
    __tablename__ = "stores"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    messages_received: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)
    audit_hash: Mapped[str | None] = mapped_column(String(128))
    audit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StoreKey(Base):
    """A store's signing keys. The HMAC key must be readable to check signatures (a shared
    secret, not a password), so it is kept encrypted with the head-office master key. After a
    rotation the old key stays valid until `not_after`; a revoked key is never valid again."""

    __tablename__ = "store_keys"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False, index=True)
    key_enc: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    not_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestNonce(Base):
    """Nonces seen within the signature window: a second use of one is a replay. The primary
    key makes the check atomic across worker processes."""

    __tablename__ = "request_nonces"
    store: Mapped[str] = mapped_column(String(32), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )


class Admin(Base):
    """A head-office account for the status page; the password is kept as an argon2id hash."""

    __tablename__ = "admins"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(512), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AdminSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored."""

    __tablename__ = "admin_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("admins.username"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


OPEN_EXCEPTION = "status = 'rejected' AND resolved_at IS NULL"


class InboundMessage(Base):
    """Every message ever received, accepted or rejected; `message_id` is unique forever."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    # The return a message belongs to (its ref): a return, its stock movements, override and
    # store credit are accepted or rejected together; dependents wait as "held" until then.
    group_ref: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status in ('accepted', 'rejected', 'held')", name="ck_messages_status"),
        Index("ix_messages_group", "store", "group_ref"),
        # Partial: only open exceptions are indexed, so accepting a message costs no entry.
        Index(
            "ix_messages_open",
            "store",
            postgresql_where=text(OPEN_EXCEPTION),
            sqlite_where=text(OPEN_EXCEPTION),
        ),
    )


class CentralOrder(Base):
    __tablename__ = "orders"
    number: Mapped[str] = mapped_column(String(200), primary_key=True)
    store: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    barcode: Mapped[str | None] = mapped_column(String(200))
    customer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    payments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    # An exchange sale: the return whose value paid for it (one sale per return).
    return_ref: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (
        CheckConstraint("channel in ('online', 'store')", name="ck_orders_channel"),
        Index("ix_orders_return_ref", "return_ref", unique=True),
        Index("ix_orders_placed", "placed_at", "store"),
    )


class CentralOrderLine(Base):
    """Returned quantity is split: refunds head office recorded itself (online) and returns
    accepted from stores. Their sum never exceeds the sold quantity (CHECK)."""

    __tablename__ = "order_lines"
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    discount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    tax_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    serial: Mapped[str | None] = mapped_column(String(200))
    final_sale: Mapped[bool] = mapped_column(Boolean, nullable=False)
    online_returned_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    store_returned_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Money refunded on this line by returns accepted from stores (never above what it paid).
    refunded_minor: Mapped[int] = mapped_column(
        BigInteger, nullable=False, default=0, server_default=text("0")
    )
    # The code printed on this line's gift receipt: unique company-wide.
    gift_code: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (
        Index("ix_order_lines_gift_code", "gift_code", unique=True),
        CheckConstraint("quantity > 0", name="ck_order_lines_quantity"),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= paid_minor",
            name="ck_order_lines_refunded",
        ),
        CheckConstraint(
            "online_returned_quantity >= 0 AND store_returned_quantity >= 0 AND "
            "online_returned_quantity + store_returned_quantity <= quantity",
            name="ck_order_lines_returned",
        ),
    )


class OrderPayment(Base):
    """One payment of an order (as published), with what store refunds have taken back from
    it; a refund is charged to a payment of its tender (and card), never above its amount."""

    __tablename__ = "order_payments"
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), primary_key=True)
    payment_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    card_brand: Mapped[str | None] = mapped_column(String(200))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    refunded_minor: Mapped[int] = mapped_column(
        BigInteger, nullable=False, default=0, server_default=text("0")
    )
    __table_args__ = (
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor",
            name="ck_order_payments_refunded",
        ),
    )


class CentralReturn(Base):
    """A return accepted from a store; its card refunds are settled later. A receiptless
    return has no order; its customer is known only by `customer_key` (a hash), which is what
    the per-customer caps count over, company-wide."""

    __tablename__ = "returns"
    ref: Mapped[str] = mapped_column(String(200), primary_key=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False)
    order_number: Mapped[str | None] = mapped_column(ForeignKey("orders.number"))
    kind: Mapped[str] = mapped_column(
        String(16), nullable=False, default="order", server_default=text("'order'")
    )
    customer_key: Mapped[str | None] = mapped_column(String(64))
    # When the store committed it (the message's created_at) and what it refunded in all.
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total_minor: Mapped[int] = mapped_column(
        BigInteger, nullable=False, default=0, server_default=text("0")
    )
    message_id: Mapped[str] = mapped_column(String(36), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    refunds: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Checked against head office's records (amounts, payments); only these are settled.
    validated: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    # The return authorization it consumed (one return per code) and the token of its public
    # status page (unguessable; unique).
    authorization_code: Mapped[str | None] = mapped_column(String(16))
    status_token: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (
        CheckConstraint("kind in ('order', 'receiptless', 'gift')", name="ck_returns_kind"),
        Index("ix_returns_customer", "customer_key", "committed_at"),
        # The console: newest first, across stores and per store; by order number.
        Index("ix_returns_committed", "committed_at"),
        Index("ix_returns_store_committed", "store", "committed_at"),
        Index("ix_returns_order_number", "order_number"),
        Index("ix_returns_authorization_code", "authorization_code", unique=True),
        Index("ix_returns_status_token", "status_token", unique=True),
    )


class GiftRedemption(Base):
    """A gift-receipt code used by an accepted return: once company-wide (the primary key)."""

    __tablename__ = "gift_redemptions"
    gift_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    return_ref: Mapped[str] = mapped_column(ForeignKey("returns.ref"), nullable=False)
    store: Mapped[str] = mapped_column(String(32), nullable=False)


class CentralAuthorization(Base):
    """A return started online: lines of one order reserved until a store's return consumes
    them (status "used", once company-wide), head office cancels it, or it expires (computed
    from `expires_at`, never stored). `seq` orders the stores' pull."""

    __tablename__ = "return_authorizations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    order_number: Mapped[str] = mapped_column(
        ForeignKey("orders.number"), nullable=False, index=True
    )
    refund: Mapped[str] = mapped_column(String(16), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    customer_first_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    status_token: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    used_by_store: Mapped[str | None] = mapped_column(String(32))
    used_return_ref: Mapped[str | None] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    __table_args__ = (
        CheckConstraint(
            "status in ('open', 'used', 'cancelled')", name="ck_return_authorizations_status"
        ),
        CheckConstraint(
            "refund in ('original', 'store_credit', 'exchange')",
            name="ck_return_authorizations_refund",
        ),
    )


class CentralAuthorizationLine(Base):
    __tablename__ = "return_authorization_lines"
    authorization_id: Mapped[int] = mapped_column(
        ForeignKey("return_authorizations.id"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_return_authorization_lines_quantity"),
    )


class PortalKey(Base):
    """A key of the web shop's returns portal: only its SHA-256 is kept; a revoked key is
    never valid again (adding the name anew issues a new key)."""

    __tablename__ = "portal_keys"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StockMovement(Base):
    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False)
    sku: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    cause: Mapped[str] = mapped_column(String(200), nullable=False)
    ref: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(36), nullable=False)
    __table_args__ = (Index("ix_stock_movements_store_sku", "store", "sku"),)


class CatalogProduct(Base):
    __tablename__ = "catalog"
    sku: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(200), nullable=False)
    barcodes: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    serialised: Mapped[bool] = mapped_column(Boolean, nullable=False)
    price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    vendor: Mapped[str | None] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    # Variants of one product share a `style`.
    style: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[str | None] = mapped_column(String(200))
    colour: Mapped[str | None] = mapped_column(String(200))
    # The product's picture as published (base64 PNG/JPEG, bounded by the protocol).
    image_base64: Mapped[str | None] = mapped_column(Text)


class CatalogPrice(Base):
    """A product's price from `effective_from` until the next point: the history the
    receiptless lowest-recent-price check reads, and the exchange price check."""

    __tablename__ = "catalog_prices"
    sku: Mapped[str] = mapped_column(ForeignKey("catalog.sku"), primary_key=True)
    effective_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Policy(Base):
    __tablename__ = "policies"
    version: Mapped[str] = mapped_column(String(200), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    toml: Mapped[str] = mapped_column(Text, nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)


class StaffAccount(Base):
    """A store pulls only its own staff (`store`, the home store) and staff flagged
    `travelling` (company staff who work at any store). Neither: pulled by no store."""

    __tablename__ = "staff"
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    store: Mapped[str | None] = mapped_column(String(32))
    travelling: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    pin_hash: Mapped[str] = mapped_column(String(300), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    __table_args__ = (
        CheckConstraint("role in ('cashier', 'manager', 'admin')", name="ck_staff_role"),
    )


class StaffWithdrawal(Base):
    """A store an account was taken away from (moved to another home store, or no longer
    travelling): that store pulls it once more, disabled, with an unusable PIN hash."""

    __tablename__ = "staff_withdrawals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(200), nullable=False)
    store: Mapped[str] = mapped_column(String(32), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    pin_hash: Mapped[str] = mapped_column(String(300), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)


class OrderLookup(Base):
    """Each live order lookup a store made: the log, and the per-store rate limit's count
    (kept here so every worker process sees the same budget)."""

    __tablename__ = "order_lookups"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False)
    order_number: Mapped[str] = mapped_column(String(200), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    found: Mapped[bool] = mapped_column(Boolean, nullable=False)
    masked: Mapped[bool] = mapped_column(Boolean, nullable=False)
    __table_args__ = (Index("ix_order_lookups_store_at", "store", "at"),)


class SettlementRecord(Base):
    __tablename__ = "settlements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False)
    return_ref: Mapped[str] = mapped_column(ForeignKey("returns.ref"), nullable=False)
    refund_index: Mapped[int] = mapped_column(Integer, nullable=False)
    tender: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    settled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    gateway_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    __table_args__ = (
        UniqueConstraint("return_ref", "refund_index", name="uq_settlements_refund"),
        Index("ix_settlements_settled_at", "settled_at"),  # the console, newest first
    )


class AuditAnchor(Base):
    """Every audit.anchor a store sent, accepted or refused: the history of its chain head.

    An accepted anchor extends the previous accepted one (its `from_seq` and `prev_hash` are
    that one's `seq` and `hash`); `hashes` are the entry hashes from_seq+1..seq."""

    __tablename__ = "audit_anchors"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(ForeignKey("stores.code"), nullable=False)
    message_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    from_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(128), nullable=False)
    hashes: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (
        CheckConstraint("status in ('accepted', 'refused')", name="ck_audit_anchors_status"),
        CheckConstraint("from_seq >= 0 AND seq >= 0", name="ck_audit_anchors_seq"),
        Index("ix_audit_anchors_store_seq", "store", "status", "seq"),
    )


__all__ = [
    "AuditAnchor",
    "Base",
    "CatalogPrice",
    "CatalogProduct",
    "CentralAuthorization",
    "CentralAuthorizationLine",
    "CentralOrder",
    "CentralOrderLine",
    "CentralReturn",
    "ChangeCounter",
    "GiftRedemption",
    "InboundMessage",
    "OrderLookup",
    "OrderPayment",
    "Policy",
    "PortalKey",
    "ReturnLineFact",
    "ReturnOverride",
    "SettlementRecord",
    "StaffAccount",
    "StaffWithdrawal",
    "StockMovement",
    "Store",
]
