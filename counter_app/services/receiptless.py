"""Receiptless returns: identify the customer, price scanned products at their lowest recent
price, and count the customer's limits again under a row lock when the return is committed.

The draft is the one every return uses, on a synthetic order (domain/receiptless.py), so the
policy, the refund summary and the commit keep one shape; `ReturnDesk` calls in here.

The customer is named by phone or e-mail (normalised with `proto.normalise_customer`); an ID
document number is optional and kept only as HMAC-SHA256 under a per-store secret in a
private file (`id_document.key` in the data folder, 0600). HMAC rather than argon2: the same
number must give the same digest so a customer can be found by it and checked against it;
without the secret the digest cannot be tested against guessed numbers. The counters of one
store share the file (copy it when setting up another counter). The number itself is never
stored, logged or printed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, update
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import receiptless as rows
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.private_files import make_private_dir, write_atomic
from counter_app.domain.draft import DraftLine, RefundSummary, ReturnDraft, refund_summary
from counter_app.domain.masking import mask_email, mask_phone
from counter_app.domain.model import Customer, User
from counter_app.domain.money import Money
from counter_app.domain.policy import CustomerHistory, PastReturn, Policy
from counter_app.domain.receiptless import (
    ScannedProduct,
    lowest_price,
    receiptless_order,
    with_scanned,
)
from counter_app.services.errors import BadInput, CounterError, NotFound, NotRefundable
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_code, printable
from counter_app.sync_payloads import customer_key, normalise_customer

ID_SECRET_FILE = "id_document.key"
HISTORY_DAYS = 365
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ReceiptlessCustomer:
    """Who returns without a receipt: a phone number or e-mail (required) and, when the
    store asks for it, an ID document number (hashed at once; never shown in a repr)."""

    contact: str
    id_document: str | None = field(default=None, repr=False)


def normalised_contact(contact: str) -> str:
    """The phone or e-mail in its one spelling, or BadInput saying what is wrong."""
    if not isinstance(contact, str) or len(contact) > 254 or not contact.strip():
        raise BadInput("Enter the customer's phone number or e-mail address.")
    value = normalise_customer(contact)
    if "@" in value:
        if not _EMAIL.match(value):
            raise BadInput("That e-mail address does not look right.")
        return value
    if not 7 <= len(value.lstrip("+")) <= 20:
        raise BadInput("That phone number does not look right (7 to 20 digits).")
    return value


def id_document_hash(secret: bytes, number: str) -> str:
    """HMAC-SHA256 of the ID document number (letters and digits, upper case)."""
    text = unicodedata.normalize("NFKC", number or "").upper()
    cleaned = "".join(ch for ch in text if ch.isalnum())
    if not 4 <= len(cleaned) <= 40:
        raise BadInput("That ID document number does not look right (4 to 40 letters or digits).")
    return hmac.new(secret, b"id-document/v1:" + cleaned.encode(), hashlib.sha256).hexdigest()


def load_id_secret(home: Path) -> bytes:
    """The store's ID-document secret; created (0600) the first time it is needed."""
    path = Path(home) / ID_SECRET_FILE
    if not path.exists():
        make_private_dir(path.parent)
        write_atomic(path, secrets.token_hex(32) + "\n")
    try:
        return bytes.fromhex(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError) as exc:
        raise CounterError(f"The ID-document secret {path} cannot be read.") from exc


# ------------------------------------------------------------------ customer


def _customer(row: Any) -> Customer:
    return Customer(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        loyalty_tier=row["loyalty_tier"],
    )


def _by_contact(conn: Connection, contact: str) -> Any:
    if "@" in contact:
        return rows.customer_by_email(conn, contact)
    for row in rows.customers_with_phone_ending(conn, contact[-4:]):
        if normalise_customer(str(row["phone"])) == contact:
            return row
    return None


def _find_or_create(conn: Connection, contact: str, digest: str | None) -> Customer:
    row = _by_contact(conn, contact)
    if row is None and digest is not None:
        row = rows.customer_by_document(conn, digest)
    if row is None:
        email = contact if "@" in contact else None
        name = (mask_email(email) if email else mask_phone(contact)) or "?"
        conn.execute(
            insert(t.customers).values(
                code="RL-" + customer_key(contact)[:16].upper(),
                name=name,
                email=email,
                phone=None if email else contact,
                id_document_hash=digest,
            )
        )
        return _customer(_by_contact(conn, contact))
    if digest is not None and row["id_document_hash"] not in (None, digest):
        raise BadInput("The ID document does not match the one this customer showed before.")
    if digest is not None and row["id_document_hash"] is None:
        conn.execute(
            update(t.customers).where(t.customers.c.id == row["id"]).values(id_document_hash=digest)
        )
    return _customer(row)


def identify(
    engine: Engine, customer: ReceiptlessCustomer, secret: Callable[[], bytes] | None
) -> tuple[Customer, str]:
    """The customer's row (found or created) and their `customer_key`."""
    contact = normalised_contact(customer.contact)
    digest: str | None = None
    if customer.id_document:
        if secret is None:
            raise BadInput("This counter cannot record ID documents (no store secret is set up).")
        digest = id_document_hash(secret(), customer.id_document)
    for attempt in range(2):  # two counters creating the same customer: the second finds it
        try:
            with UnitOfWork(engine, write=True) as uow:
                found = _find_or_create(uow.conn, contact, digest)
                uow.commit()
            return found, customer_key(contact)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def history(conn: Connection, customer: Customer, now: datetime, policy: Policy) -> CustomerHistory:
    """The customer's returns at this store (receiptless ones marked) for the policy's limits."""
    days = max(HISTORY_DAYS, policy.receiptless.limit_period_days)
    found = rows.returns_since(conn, customer.id, now - timedelta(days=days))
    past = tuple(
        PastReturn(at, Money(minor, policy.currency), kind == "receiptless")
        for at, minor, kind in found
    )
    return CustomerHistory(loyalty_tier=customer.loyalty_tier, past_returns=past)


# ------------------------------------------------------------------ draft


def start(
    engine: Engine,
    policy: Policy,
    now: datetime,
    store_code: str,
    found: tuple[Customer, str],
    cashier: User,
) -> ReturnDraft:
    customer, key = found
    order = receiptless_order(customer, policy.currency, store_code, now)
    draft = ReturnDraft(order=order, cashier=cashier, kind="receiptless", customer_key=key)
    with UnitOfWork(engine) as uow:
        draft.customer_history = history(uow.conn, customer, now, policy)
    return draft


def scanned_product(engine: Engine, barcode: str, policy: Policy, now: datetime) -> ScannedProduct:
    """The product for a barcode (or SKU) at its lowest price of the policy's last N days."""
    code = clean_code(barcode, "product barcode")
    with UnitOfWork(engine) as uow:
        sku = repo.sku_for_barcode(uow.conn, code)
        product = rows.product_row(uow.conn, sku) if sku is not None else None
        if product is None:
            raise NotFound(f"No product {printable(code)} in this store's catalog.")
        prices = rows.price_history(uow.conn, product["sku"])
        barcodes = rows.barcodes_of(uow.conn, product["sku"])
    since = now - timedelta(days=policy.receiptless.price_lookback_days)
    lowest = lowest_price(prices, int(product["price_minor"]), since, now)
    return ScannedProduct(
        sku=product["sku"],
        name=product["name"],
        category=product["category"],
        serialised=bool(product["serialised"]),
        vendor=product["vendor"] or "",
        barcodes=barcodes,
        lowest_price=Money(lowest, product["currency"]),
    )


def add_product(draft: ReturnDraft, product: ScannedProduct) -> DraftLine:
    """One unit of `product` as a new line of the draft (and of its synthetic order)."""
    draft.order, line = with_scanned(draft.order, product)
    draft_line = DraftLine(line=line, quantity=1, verified=True)
    draft.lines[line.line_no] = draft_line
    return draft_line


def remove_line(draft: ReturnDraft, line_no: int) -> None:
    """Take a line out; the rest are numbered 1..n again (their decisions to be made again)."""
    kept = [dl for no, dl in sorted(draft.lines.items()) if no != line_no]
    draft.lines = {}
    draft.order = receiptless_order(
        draft.order.customer or _missing(), draft.order.currency, draft.order.store_code,
        draft.order.placed_at,
    )  # fmt: skip
    for dl in kept:
        draft.order, line = with_scanned(draft.order, _product_of(dl))
        dl.line, dl.decision = line, None
        draft.lines[line.line_no] = dl


def _product_of(dl: DraftLine) -> ScannedProduct:
    ln = dl.line
    return ScannedProduct(
        ln.sku, ln.name, ln.category, ln.serialised, ln.vendor, ln.barcodes, ln.unit_price
    )


def _missing() -> Customer:
    raise BadInput("A return without a receipt needs the customer: identify them first.")


# ------------------------------------------------------------------ commit


def recheck_limits(
    conn: Connection,
    draft: ReturnDraft,
    shown: RefundSummary,
    decide: Callable[[ReturnDraft], object],
    policy: Policy,
    now: datetime,
) -> None:
    """Inside the commit's transaction: lock the customer's row, count their returns as they
    are now (another counter may just have committed one) and decide again. Refuses when the
    return would no longer pass — so two counters cannot both use the customer's last return."""
    customer = draft.order.customer or _missing()
    rows.lock_customer(conn, customer.id)
    fresh = draft.clone()
    fresh.customer_history = history(conn, customer, now, policy)
    decide(fresh)
    again = refund_summary(fresh)
    if not again.blocked and (again.lines, again.total) == (shown.lines, shown.total):
        return
    limits = [
        r.message
        for dl in fresh.selected()
        for r in (dl.decision.reasons if dl.decision else ())
        if r.code == "RECEIPTLESS_LIMIT"
    ]
    detail = limits[0] if limits else " ".join(again.blocked)
    raise NotRefundable(
        "This customer's returns without a receipt changed a moment ago (another counter): "
        + detail
    )


def receiptless_refund(
    conn: Connection, return_id: int, total: Money, tender: str
) -> list[dict[str, Any]]:
    """The refund row of a receiptless return (charged to no payment) and its payload."""
    if not total:
        return []
    repo.insert_row(
        conn,
        t.refunds,
        {
            "return_id": return_id,
            "tender": tender,
            "payment_id": None,
            "amount_minor": total.minor,
            "status": "paid",
        },
    )
    return [
        {
            "tender": tender,
            "amount_minor": total.minor,
            "charged_tender": None,
            "card_brand": None,
            "card_last4": None,
        }
    ]


def unit_price_minor(draft: ReturnDraft, dl: DraftLine) -> int | None:
    """Receiptless: the lowest recent price one unit was refunded at (else not sent)."""
    return dl.line.unit_price.minor if draft.kind == "receiptless" else None
