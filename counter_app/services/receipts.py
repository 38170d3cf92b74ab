"""A committed return -> the receipt it prints (pure mapping; nothing is printed here).

`receipt_data` reads the committed return (`history.get_return`), the store row and the
policy's labels and turns them into `ReceiptData`; `receipt_document` builds the printable
`Document`; `receipt_png` renders the on-screen preview; `shelf_label_document` builds the
open-box shelf label for a ``REF#LINE_NO`` print-job subject.

Store-credit vouchers carry a code with a check value (`domain.voucher`). Its secret is the
``voucher_secret`` setting; when that is empty one is generated once and saved in the
config file, so every later receipt (and reprint) shows the same code.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import tomllib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, select

from counter_app.adapters.db import gifts
from counter_app.adapters.db import tables as t
from counter_app.adapters.printing import load_profile, render_png
from counter_app.adapters.printing.profile import PrintProfile
from counter_app.config import Settings, save_settings
from counter_app.domain.auth_code import display_code
from counter_app.domain.documents import (
    Copy,
    Document,
    LabelData,
    OverrideNote,
    ReceiptData,
    ReceiptLine,
    StoreInfo,
    TenderKind,
    TenderLine,
    build_return_receipt,
    build_shelf_label,
)
from counter_app.domain.exchange_receipt import ExchangeReceipt
from counter_app.domain.gift_receipt import build_gift_return_receipt
from counter_app.domain.money import Money
from counter_app.domain.policy import Policy
from counter_app.domain.voucher import make_voucher_code
from counter_app.domain.zones import local_date, pick_zone
from counter_app.services.errors import BadInput, NotFound
from counter_app.services.exchange_history import exchange_receipt
from counter_app.services.history import ReturnView, get_return
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import printable

# When the money is back with the customer, per tender (shown on the receipt).
ARRIVAL_TEXT: dict[str, str] = {
    "card": "3–10 business days",
    "store_credit": "now",
    "cash": "now",
    "gift_card": "now",
    "exchange": "now",
}
DEFAULT_TERMS = "Keep this receipt: it is your proof of return."
CARD_TERMS = "Card refunds are sent today; your bank shows them within the days stated above."

_secret_lock = threading.Lock()


# ------------------------------------------------------------------------------ settings


def ensure_voucher_secret(settings: Settings) -> Settings:
    """Settings with a voucher secret: the configured one, else one generated and saved once.

    Another thread or process may have saved one since `settings` was loaded: the config
    file is read again before generating, so all receipts of this counter agree.
    """
    if settings.voucher_secret:
        return settings
    with _secret_lock:
        saved = _saved_secret(settings.config_file)
        if saved:
            return replace(settings, voucher_secret=saved)
        return save_settings(settings, voucher_secret=secrets.token_hex(32))


def _saved_secret(file: Path) -> str:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ""
    value = data.get("voucher_secret", "")
    return value if isinstance(value, str) else ""


def profile_spec(settings: Settings, profile: str | None = None) -> str:
    """The printer profile spec, with the configured paper width when it differs."""
    spec = (profile or settings.printer_profile or "default").strip()
    if "+" in spec or settings.paper_width_mm not in (58, 80):
        return spec
    if load_profile(spec).paper_mm != settings.paper_width_mm:
        return f"{spec}+{settings.paper_width_mm}mm"
    return spec


def print_profile(settings: Settings, profile: str | None = None) -> PrintProfile:
    return load_profile(profile_spec(settings, profile))


# ------------------------------------------------------------------------------ receipt


def voucher_serial(store_credit_code: str) -> str:
    """The voucher serial (1-12 letters/digits) for a store-credit code such as SC-S001-C1-000042.

    The code without its punctuation and ``SC`` prefix when that fits (S001C1000042), else a
    12-character digest of it; either way the same credit always gets the same serial.
    """
    alnum = re.sub(r"[^0-9A-Z]", "", store_credit_code.upper())
    if alnum.startswith("SC"):
        alnum = alnum[2:]
    if 1 <= len(alnum) <= 12:
        return alnum
    return hashlib.sha256(store_credit_code.encode("utf-8")).hexdigest()[:12].upper()


def _store_info(engine: Engine, store_code: str) -> tuple[StoreInfo, str | None]:
    with UnitOfWork(engine) as uow:
        row = (
            uow.conn.execute(select(t.stores).where(t.stores.c.code == store_code))
            .mappings()
            .first()
        )
    if row is None:
        return StoreInfo(name=f"Store {store_code}"), None
    address = tuple(part.strip() for part in str(row["address"] or "").splitlines() if part.strip())
    return StoreInfo(name=row["name"], address_lines=address, phone=row["phone"] or ""), row[
        "timezone"
    ]


def _local_date(ts: datetime, tz: str) -> Any:
    return local_date(ts, pick_zone(tz))


def _override_reason(code: str, note: str) -> str:
    text = code.replace("_", " ").strip().capitalize()
    return f"{text}: {note.strip()}" if note.strip() else text


def _tender_lines(view: ReturnView) -> tuple[TenderLine, ...]:
    merged: dict[tuple[str, str | None, str | None], Money] = {}
    for r in view.refunds:
        key = (r.tender, r.card_brand, r.card_last4)
        merged[key] = merged[key] + r.amount if key in merged else r.amount
    return tuple(
        TenderLine(cast(TenderKind, kind), amount, brand, last4)
        for (kind, brand, last4), amount in merged.items()
    )


def receipt_data_from_view(
    view: ReturnView,
    store: StoreInfo,
    timezone: str,
    policy: Policy,
    voucher_secret: str,
    copy: Copy = "customer",
    exchange: ExchangeReceipt | None = None,
    public_url: str = "",
) -> ReceiptData:
    """The pure part of `receipt_data`: a committed return's view -> what its receipt shows."""
    if copy not in ("customer", "store"):
        raise BadInput("The receipt copy must be 'customer' or 'store'.")
    voucher = None
    if view.store_credit_code and view.store_credit_amount and view.store_credit_amount.minor > 0:
        voucher = make_voucher_code(
            voucher_serial(view.store_credit_code),
            view.store_credit_amount,
            voucher_secret.encode("utf-8"),
        )
    tenders = _tender_lines(view)
    return ReceiptData(
        store=store,
        return_ref=view.ref,
        created_at=view.created_at,
        timezone=timezone,
        counter=view.counter_code,
        cashier_name=view.cashier_name,
        order_number=view.order_number or "-",
        order_date=_local_date(view.order_placed_at or view.created_at, timezone),
        lines=_receipt_lines(view, policy),
        tenders=tenders,
        overrides=_override_notes(view, copy),
        terms_text=_terms(view, policy, tenders, voucher),
        arrival_text=dict(ARRIVAL_TEXT),
        voucher_code=voucher,
        copy=copy,
        receiptless_days=(
            policy.receiptless.price_lookback_days if view.kind == "receiptless" else None
        ),
        exchange=exchange,
        authorization_code=(
            display_code(view.authorization_code) if view.authorization_code else None
        ),
        status_url=status_url(public_url, view.status_token),
    )


def status_url(public_url: str, token: str | None) -> str | None:
    """Head office's public status page of a return (None: no public URL or no token)."""
    if not public_url or not token:
        return None
    return f"{public_url.rstrip('/')}/r/{token}"


def _receipt_lines(view: ReturnView, policy: Policy) -> tuple[ReceiptLine, ...]:
    """The returned lines with the policy's condition and reason labels."""
    conditions = dict(policy.conditions)
    reasons = dict(policy.reason_codes)
    return tuple(
        ReceiptLine(
            product_name=ln.name,
            sku=ln.sku,
            qty=ln.quantity,
            condition_label=conditions.get(ln.condition, ln.condition),
            reason_label=reasons.get(ln.reason_code, ln.reason_code),
            refund=ln.refund,
            fee=ln.fee,
        )
        for ln in view.lines
    )


def _override_notes(view: ReturnView, copy: Copy) -> tuple[OverrideNote, ...]:
    """Who overrode which line and why. The manager's note is internal: only the store copy
    prints it, never the customer's (nor anything built from the customer copy)."""
    sku_by_line = {ln.line_no: ln.sku for ln in view.lines}
    return tuple(
        OverrideNote(
            sku_by_line.get(o.line_no, f"line {o.line_no}"),
            o.manager_name,
            _override_reason(o.reason, o.note if copy == "store" else ""),
        )
        for o in view.overrides
    )


def _terms(
    view: ReturnView, policy: Policy, tenders: tuple[TenderLine, ...], voucher: str | None
) -> str:
    """Voucher value (and bonus), the policy's terms, the card note and the policy version."""
    terms_parts: list[str] = []
    if voucher and view.store_credit_amount is not None:
        bonus = view.store_credit_amount - sum(
            (tl.amount for tl in tenders if tl.kind == "store_credit"),
            Money.zero(view.store_credit_amount.currency),
        )
        value = f"Voucher value: {view.store_credit_amount}"
        if bonus.minor > 0:
            value += f" (includes a store-credit bonus of {bonus})"
        terms_parts.append(value + ".")
    terms_parts.append(str(getattr(policy, "receipt_terms", "") or "") or DEFAULT_TERMS)
    if any(tl.kind == "card" for tl in tenders):
        terms_parts.append(CARD_TERMS)
    terms_parts.append(f"Policy {policy.version}.")
    return " ".join(terms_parts)


def receipt_data(
    engine: Engine, settings: Settings, policy: Policy, ref: str, copy: Copy = "customer"
) -> ReceiptData:
    """Everything the receipt of committed return `ref` shows (NotFound if there is none)."""
    view = get_return(engine, ref)
    store, tz = _store_info(engine, view.store_code)
    secret = ""
    if view.store_credit_code:
        secret = ensure_voucher_secret(settings).voucher_secret
    zone = pick_zone(settings.timezone, tz, policy.timezone)
    exchange = exchange_receipt(engine, view.ref)
    return receipt_data_from_view(
        view, store, zone, policy, secret, copy, exchange, settings.central_public_url
    )


def receipt_document(
    engine: Engine, settings: Settings, policy: Policy, ref: str, copy: Copy = "customer"
) -> Document:
    data = receipt_data(engine, settings, policy, ref, copy)
    with UnitOfWork(engine) as uow:
        gift_codes = gifts.return_gift_codes(uow.conn, ref)
    if gift_codes:  # a gift's recipient: no prices, no buyer's tenders
        return build_gift_return_receipt(data, gift_codes)
    return build_return_receipt(data)


def receipt_png(
    engine: Engine, settings: Settings, policy: Policy, ref: str, copy: Copy = "customer"
) -> bytes:
    """The receipt as the PNG the screen shows (same layout as the paper)."""
    return render_png(
        receipt_document(engine, settings, policy, ref, copy), print_profile(settings)
    )


# ------------------------------------------------------------------------------ shelf label


def parse_label_subject(subject: str) -> tuple[str, int]:
    ref, sep, line = subject.rpartition("#")
    if not sep or not ref or not line.isdigit():
        raise BadInput(f"'{printable(subject)}' is not a shelf-label subject (REF#LINE).")
    return ref, int(line)


def shelf_label_document(engine: Engine, subject: str, policy: Policy | None = None) -> Document:
    """The open-box shelf label for print-job subject ``REF#LINE_NO``."""
    ref, line_no = parse_label_subject(subject)
    r, rl, p = t.returns.c, t.return_lines.c, t.products.c
    with UnitOfWork(engine) as uow:
        line = (
            uow.conn.execute(
                select(rl.sku, rl.condition)
                .join(t.returns, r.id == rl.return_id)
                .where(r.ref == ref, rl.line_no == line_no)
            )
            .mappings()
            .first()
        )
        if line is None:
            raise NotFound(f"No line {line_no} on return {printable(ref)}.")
        product = (
            uow.conn.execute(
                select(p.sku, p.name, p.price_minor, p.currency).where(p.open_box_of == line["sku"])
            )
            .mappings()
            .first()
        )
        if product is None:  # not restocked as open box: label the product itself
            product = (
                uow.conn.execute(
                    select(p.sku, p.name, p.price_minor, p.currency).where(p.sku == line["sku"])
                )
                .mappings()
                .one()
            )
    conditions = dict(policy.conditions) if policy else {}
    return build_shelf_label(
        LabelData(
            new_sku=product["sku"],
            product_name=product["name"],
            condition_label=conditions.get(line["condition"], line["condition"]),
            price=Money(int(product["price_minor"]), product["currency"]),
            original_sku=line["sku"] if product["sku"] != line["sku"] else "",
        )
    )


def printer_test_page(settings: Settings, url: str, profile: str | None = None) -> Document:
    """The printer test page for `url` with the configured (or given) profile: what
    `counter-app printer test` and the settings' "Print test page" button send."""
    from counter_app.domain.documents import TestPageData, build_test_page

    printed = print_profile(settings, profile)
    return build_test_page(
        TestPageData(
            profile_name=profile_spec(settings, profile),
            paper_mm=printed.paper_mm,
            columns=printed.columns,
            connection=url.split("?")[0],
            code_pages=tuple(enc for _, enc in printed.code_pages),
            cjk=printed.cjk,
        )
    )
