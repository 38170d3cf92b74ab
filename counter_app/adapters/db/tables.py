"""The store database schema (SQLAlchemy Core).

Invariants that must hold even with two counters racing are CHECK constraints here, so the
database refuses what the code might miss: returned quantity within sold quantity, refunds
within what each payment took, stock movements that name their cause.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out — also on SQLite, which keeps no zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: every stored time must carry its zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Timestamp = UTCDateTime()

stores = Table(
    "stores",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("pin_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", Timestamp, nullable=True),
    # How many lockouts in a row: each lasts longer, the last one until an admin unlocks.
    Column("lockouts", Integer, nullable=False, default=0),
    CheckConstraint("role IN ('cashier', 'manager', 'admin')", name="role"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=True, index=True),
    Column("phone", String(40), nullable=True, index=True),
    Column("loyalty_tier", String(32), nullable=True),
    # Receiptless returns: HMAC-SHA256 of the ID document number (never the number itself).
    Column("id_document_hash", String(64), nullable=True, index=True),
)

products = Table(
    "products",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("category", String(64), nullable=False),
    Column("serialised", Boolean, nullable=False, default=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("vendor", String(200), nullable=False, default=""),
    Column("open_box_of", String(64), ForeignKey("products.sku"), nullable=True),
    # Variants: products of one `style` differ by size and colour (exchanges offer them).
    Column("style", String(64), nullable=True, index=True),
    Column("size", String(32), nullable=True),
    Column("colour", String(64), nullable=True),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
)

# Price history (catalog pull and import): the price from `effective_from` until the next
# point; a receiptless return refunds the lowest price of the policy's last N days.
product_prices = Table(
    "product_prices",
    metadata,
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("effective_from", Timestamp, primary_key=True),
    Column("price_minor", BigInteger, nullable=False),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
)

product_barcodes = Table(
    "product_barcodes",
    metadata,
    Column("barcode", String(64), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False, index=True),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("store_code", String(16), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("placed_at", Timestamp, nullable=False, index=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True, index=True),
    Column("currency", String(3), nullable=False),
    # An exchange sale (number X-...; the return links to it): the original order's purchase
    # time, so a later return of the replacement is judged by the original order's window.
    Column("window_from", Timestamp, nullable=True),
    CheckConstraint("channel IN ('online', 'store')", name="channel"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("discount_minor", BigInteger, nullable=False, default=0),
    Column("tax_minor", BigInteger, nullable=False, default=0),
    Column("paid_minor", BigInteger, nullable=False),
    Column("serial", String(128), nullable=True),
    Column("final_sale", Boolean, nullable=False, default=False),
    Column("returned_quantity", Integer, nullable=False, default=0),
    # What the returned units took of paid_minor (before fees): the line's refund ledger, raised
    # by the committing transaction itself so racing counters can never refund a line twice.
    Column("refunded_minor", BigInteger, nullable=False, default=0),
    # The code on the line's gift receipt (head office's, or printed here): unique everywhere.
    Column("gift_code", String(16), nullable=True, unique=True),
    UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_line"),
    # Covers the sold-units side of the return-rate reports without touching the table.
    Index("ix_order_lines_order_sku_qty", "order_id", "sku", "quantity"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "returned_quantity >= 0 AND returned_quantity <= quantity", name="returned_within_sold"
    ),
    CheckConstraint("paid_minor >= 0", name="paid_not_negative"),
    CheckConstraint(
        "refunded_minor >= 0 AND refunded_minor <= paid_minor", name="line_refund_within_paid"
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
    Column("tender", String(16), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("refunded_minor", BigInteger, nullable=False, default=0),
    Column("card_brand", String(32), nullable=True),
    Column("card_last4", String(4), nullable=True, index=True),
    # The standalone terminal's approval code of a card balance paid at an exchange.
    Column("approval_code", String(12), nullable=True),
    CheckConstraint(
        "tender IN ('card', 'cash', 'gift_card', 'store_credit', 'exchange')", name="tender"
    ),
    CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    CheckConstraint(
        "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_within_paid"
    ),
    CheckConstraint("card_last4 IS NULL OR length(card_last4) = 4", name="last4_only"),
)

counter_sequences = Table(
    "counter_sequences",
    metadata,
    Column("counter_key", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)

returns = Table(
    "returns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(64), nullable=False, unique=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=True, index=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=True, index=True),
    Column("store_code", String(16), nullable=False),
    Column("counter_code", String(16), nullable=False),
    Column("cashier_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", Timestamp, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("total_refund_minor", BigInteger, nullable=False),
    Column("tender_choice", String(16), nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("draft_id", String(36), nullable=False, unique=True),
    # How the return started (ReturnDraft.kind); a receiptless one has no order, a customer.
    Column("kind", String(16), nullable=False, default="order"),
    # The exchange sale this return paid for (what the customer took instead), if any.
    Column("exchange_order_id", Integer, ForeignKey("orders.id"), nullable=True, unique=True),
    # A return started online consumes its authorization once (unique); the status token is
    # the customer's status page (head office's /r/<token>).
    Column("authorization_code", String(11), nullable=True, unique=True),
    Column("status_token", String(22), nullable=True, unique=True),
    CheckConstraint("total_refund_minor >= 0", name="total_not_negative"),
    CheckConstraint("kind IN ('order', 'receiptless', 'gift')", name="kind"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=False, index=True),
    Column("order_line_id", Integer, ForeignKey("order_lines.id"), nullable=True, index=True),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    Column("refund_minor", BigInteger, nullable=False),
    Column("fee_minor", BigInteger, nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("condition", String(32), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("feedback", Text, nullable=False, default=""),
    Column("serial", String(128), nullable=True),
    Column("photo_path", Text, nullable=True),
    Column("photo_sha256", String(64), nullable=True),
    Column("outcome", String(24), nullable=False),
    Column("disposition", String(24), nullable=False),
    Column("reasons_json", Text, nullable=False),
    # The gift-receipt code this line was returned with: a code is used once, at any counter.
    Column("gift_code", String(16), nullable=True, unique=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("refund_minor >= 0 AND fee_minor >= 0", name="money_not_negative"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=False, index=True),
    Column("tender", String(16), nullable=False),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("settled_at", Timestamp, nullable=True),
    Column("gateway_ref", String(64), nullable=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("status IN ('pending', 'settled', 'paid')", name="status"),
)

store_credits = Table(
    "store_credits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("issued_at", Timestamp, nullable=False),
    CheckConstraint("balance_minor >= 0 AND balance_minor <= amount_minor", name="balance"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False, index=True),
    Column("location", String(16), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("cause", String(32), nullable=False),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=True, index=True),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint("quantity <> 0", name="quantity_nonzero"),
    CheckConstraint("length(cause) > 0", name="cause_named"),
    CheckConstraint("location IN ('sellable', 'open_box', 'vendor', 'scrap')", name="location"),
)

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("location", String(16), primary_key=True),
    Column("on_hand", Integer, nullable=False),
)

overrides = Table(
    "overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("grant_id", String(36), nullable=False, unique=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("manager_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("cashier_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("rule_codes", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint("manager_id <> cashier_id", name="no_self_approval"),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Timestamp, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("data_json", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# The chain head, updated in the same transaction as each entry: truncating the tail of
# audit_entries is then detectable (the head no longer matches the last row).
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("kind", String(48), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", Timestamp, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=True, index=True),
    CheckConstraint("status IN ('pending', 'sent', 'rejected')", name="status"),
    Index("ix_outbox_status_seq", "status", "seq"),
)

print_jobs = Table(
    "print_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False, index=True),
    # Each counter prints its own jobs on its own printer, also on a shared database.
    Column("counter_code", String(16), nullable=False, index=True),
    Column("copy", String(16), nullable=False, default="customer"),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("printed_at", Timestamp, nullable=True),
    CheckConstraint("status IN ('pending', 'printing', 'printed', 'failed')", name="status"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("published_at", Timestamp, nullable=False),
    Column("toml", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=False),
)

# Return authorizations pulled from head office (or fetched live), as last heard of.
authorizations = Table(
    "authorizations",
    metadata,
    Column("code", String(11), primary_key=True),
    Column("order_number", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("refund", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("status_token", String(22), nullable=False),
    Column("customer_first_name", String(200), nullable=True),
    Column("used_by_store", String(16), nullable=True),
    Column("used_return_ref", String(64), nullable=True),
    Column("used_at", Timestamp, nullable=True),
    Column("cancelled_at", Timestamp, nullable=True),
    CheckConstraint("status IN ('open', 'used', 'cancelled', 'expired')", name="status"),
    CheckConstraint("refund IN ('original', 'store_credit', 'exchange')", name="refund"),
)

authorization_lines = Table(
    "authorization_lines",
    metadata,
    Column("code", String(11), ForeignKey("authorizations.code"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(64), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

# The catalog's product pictures (checked and re-encoded as PNG by the catalog pull).
catalog_images = Table(
    "catalog_images",
    metadata,
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("mime", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

sync_exceptions = Table(
    "sync_exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(36), ForeignKey("outbox.id"), nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("resolved_at", Timestamp, nullable=True),
    Column("resolved_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("note", Text, nullable=True),
)

# Customer e-mails, queued in the same transaction as the return and sent by a worker.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=False, index=True),
    Column("channel", String(16), nullable=False, default="email"),
    Column("recipient", String(254), nullable=False),
    Column("language", String(16), nullable=False, default="en"),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", Timestamp, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp, nullable=True),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
)

# A counter's end of day: what the Z-report printed, kept as it was.
day_closes = Table(
    "day_closes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("store_code", String(16), nullable=False),
    Column("counter_code", String(16), nullable=False),
    Column("business_date", String(10), nullable=False),
    Column("closed_at", Timestamp, nullable=False),
    Column("closed_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("summary_json", Text, nullable=False),
    UniqueConstraint("store_code", "counter_code", "business_date", name="uq_day_closes_day"),
)
