"""Device-independent print documents: the plain input dataclasses and the pure builders.

A document is a flat tuple of blocks (print_blocks.py: text, label/amount columns, rules,
codes, feeds, cut, drawer kick, signature line). Builders are pure functions of plain input
dataclasses, so the same receipt renders identically to ESC/POS, PNG and plain text, and can
be rebuilt for a reprint. Nothing here knows about printers, fonts or pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from counter_app.domain.exchange_receipt import ExchangeReceipt, exchange_blocks
from counter_app.domain.money import Money
from counter_app.domain.print_blocks import (
    QR,
    Align,
    Barcode,
    Block,
    CashDrawer,
    Columns,
    Cut,
    Document,
    Feed,
    Rule,
    Signature,
    Text,
    TextSize,
    _clean,
    card_last4,
    scrub_pan,
)

__all__ = [
    "DEFAULT_LABELS",
    "QR",
    "Align",
    "Barcode",
    "Block",
    "CashDrawer",
    "Columns",
    "Copy",
    "Cut",
    "Document",
    "Feed",
    "LabelData",
    "OverrideNote",
    "ReceiptData",
    "ReceiptLine",
    "Rule",
    "Signature",
    "StoreInfo",
    "TenderKind",
    "TenderLine",
    "TestPageData",
    "Text",
    "TextSize",
    "VoucherData",
    "ZReportData",
    "build_return_receipt",
    "build_shelf_label",
    "build_test_page",
    "build_voucher",
    "build_z_report",
    "card_last4",
    "scrub_pan",
]

TenderKind = Literal["card", "cash", "store_credit", "gift_card", "exchange"]
Copy = Literal["customer", "store"]


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreInfo:
    name: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    product_name: str
    sku: str
    qty: int
    condition_label: str
    reason_label: str
    refund: Money
    fee: Money


@dataclass(frozen=True, slots=True)
class TenderLine:
    kind: TenderKind
    amount: Money
    card_brand: str | None = None
    card_last4: str | None = None


@dataclass(frozen=True, slots=True)
class OverrideNote:
    line_sku: str
    manager_name: str
    reason: str


DEFAULT_LABELS: dict[str, str] = {
    "title": "RETURN RECEIPT",
    "store_copy": "STORE COPY",
    "reference": "Return",
    "date": "Date",
    "counter": "Counter",
    "cashier": "Cashier",
    "order": "Order",
    "order_date": "Order date",
    "receiptless": "No receipt — store credit at the lowest price of the last {days} days",
    "qty": "Qty",
    "condition": "Condition",
    "reason": "Reason",
    "fee": "Fee",
    "refund_total": "Refund total",
    "fees_total": "Fees",
    "refunded_to": "Refunded to",
    "arrives": "Arrives",
    "override": "Manager override",
    "terms": "Terms",
    "voucher": "Store credit voucher",
    "customer_signature": "Customer signature",
    "tender.card": "Card",
    "tender.cash": "Cash",
    "tender.store_credit": "Store credit",
    "tender.gift_card": "Gift card",
    "tender.exchange": "Exchange",
    "authorization": "Return code",
    "status": "Your return's progress",
}


def _label(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key) or DEFAULT_LABELS.get(key, key)


@dataclass(frozen=True, slots=True)
class ReceiptData:
    """Everything a return receipt shows; shaped after the committed return."""

    store: StoreInfo
    return_ref: str
    created_at: datetime
    timezone: str
    counter: str
    cashier_name: str
    order_number: str
    order_date: date
    lines: tuple[ReceiptLine, ...]
    tenders: tuple[TenderLine, ...]
    overrides: tuple[OverrideNote, ...] = ()
    terms_text: str = ""
    arrival_text: Mapping[str, str] = field(default_factory=dict)
    voucher_code: str | None = None
    copy: Copy = "customer"
    labels: Mapping[str, str] = field(default_factory=dict)
    receiptless_days: int | None = None  # a return without receipt: the lookback in days
    exchange: ExchangeReceipt | None = None  # what the customer took instead, if anything
    authorization_code: str | None = None  # the return code as printed (RA-XXXXX-XXXXX-C)
    status_url: str | None = None  # head office's public status page of this return


@dataclass(frozen=True, slots=True)
class VoucherData:
    store: StoreInfo
    code: str
    amount: Money
    issued_at: datetime
    timezone: str
    return_ref: str = ""
    expires_on: date | None = None
    terms_text: str = ""


@dataclass(frozen=True, slots=True)
class LabelData:
    new_sku: str
    product_name: str
    condition_label: str
    price: Money
    original_sku: str = ""


@dataclass(frozen=True, slots=True)
class ZReportData:
    store: StoreInfo
    business_date: date
    generated_at: datetime
    timezone: str
    counter: str
    returns_count: int
    refunds_by_tender: tuple[tuple[TenderKind, Money], ...]
    cash_paid_out: Money
    overrides: tuple[OverrideNote, ...] = ()
    cash_taken_in: Money | None = None  # exchange balances paid in cash
    messages_waiting: int = 0
    failed_print_jobs: int = 0
    last_sync_at: datetime | None = None
    closed_by: str = ""


@dataclass(frozen=True, slots=True)
class TestPageData:
    """What the printer test page reports about the configured printer."""

    __test__ = False  # not a pytest test class despite the name

    profile_name: str
    paper_mm: int
    columns: int
    connection: str = ""
    code_pages: tuple[str, ...] = ()
    cjk: bool = False


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------


def _local(ts: datetime, tz: str) -> str:
    if ts.tzinfo is None:
        raise ValueError("timestamps on printed documents must be timezone-aware")
    try:
        local = ts.astimezone(ZoneInfo(tz))
    except Exception:  # unknown zone name: print in the timestamp's own offset
        local = ts
    return local.strftime("%Y-%m-%d %H:%M")


def _store_header(store: StoreInfo) -> list[Block]:
    blocks: list[Block] = [Text(_clean(store.name), align="center", bold=True, size="double")]
    blocks += [Text(_clean(a), align="center") for a in store.address_lines]
    if store.phone:
        blocks.append(Text(_clean(store.phone), align="center"))
    return blocks


def _tender_name(t: TenderLine, labels: Mapping[str, str]) -> str:
    name = _label(labels, f"tender.{t.kind}")
    if t.kind == "card":
        brand = _clean(t.card_brand or "").strip()
        last4 = card_last4(t.card_last4)
        parts = [p for p in (brand or name, f"**** {last4}" if last4 else "") if p]
        return " ".join(parts)
    return name


def _sum(amounts: Sequence[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for a in amounts:
        total = total + a
    return total


def build_return_receipt(data: ReceiptData) -> Document:
    """The customer (or store) receipt for one committed return."""
    currency = data.tenders[0].amount.currency if data.tenders else "USD"
    if data.lines:
        currency = data.lines[0].refund.currency
    b: list[Block] = _store_header(data.store)
    b += _receipt_heading(data)
    b += _receipt_lines(data)
    b += _receipt_refund(data, currency)
    b += exchange_blocks(data.exchange, data.labels, DEFAULT_LABELS) if data.exchange else []
    b += _receipt_footer(data)
    title = f"{data.return_ref}-{data.copy}"
    return Document(kind="return_receipt", title=title, blocks=tuple(b))


def _receipt_heading(data: ReceiptData) -> list[Block]:
    """Title, the store-copy banner, and who/when/which order."""
    lab = data.labels
    b: list[Block] = [Feed(1), Text(_label(lab, "title"), align="center", bold=True)]
    if data.copy == "store":
        b.append(Text(_label(lab, "store_copy"), align="center", bold=True, size="double"))
    b.append(Rule())
    b.append(Columns(_label(lab, "reference"), _clean(data.return_ref), bold=True))
    if data.authorization_code:
        b.append(Columns(_label(lab, "authorization"), _clean(data.authorization_code)))
    b.append(Columns(_label(lab, "date"), _local(data.created_at, data.timezone)))
    b.append(Columns(_label(lab, "counter"), _clean(data.counter)))
    b.append(Columns(_label(lab, "cashier"), _clean(data.cashier_name)))
    if data.receiptless_days is not None:
        b.append(Text(_label(lab, "receiptless").format(days=data.receiptless_days), bold=True))
    else:
        b.append(Columns(_label(lab, "order"), _clean(data.order_number)))
        b.append(Columns(_label(lab, "order_date"), data.order_date.isoformat()))
    b.append(Rule())
    return b


def _receipt_lines(data: ReceiptData) -> list[Block]:
    """Each returned line with its fee and overrides; overrides of unlisted lines after."""
    lab = data.labels
    b: list[Block] = []
    overrides_by_sku: dict[str, list[OverrideNote]] = {}
    for o in data.overrides:
        overrides_by_sku.setdefault(o.line_sku, []).append(o)
    for line in data.lines:
        b.append(Text(_clean(line.product_name), bold=True))
        b.append(
            Columns(f"  {_clean(line.sku)}  {_label(lab, 'qty')} {line.qty}", str(line.refund))
        )
        b.append(
            Text(
                f"  {_label(lab, 'condition')}: {_clean(line.condition_label)}; "
                f"{_label(lab, 'reason')}: {_clean(line.reason_label)}"
            )
        )
        if line.fee:
            b.append(Columns(f"  {_label(lab, 'fee')}", str(-line.fee)))
        for o in overrides_by_sku.pop(line.sku, []):
            b.append(
                Text(f"  {_label(lab, 'override')}: {_clean(o.manager_name)} - {_clean(o.reason)}")
            )
    for notes in overrides_by_sku.values():  # overrides for lines not listed: still shown
        for o in notes:
            b.append(
                Text(
                    f"{_label(lab, 'override')} ({_clean(o.line_sku)}): "
                    f"{_clean(o.manager_name)} - {_clean(o.reason)}"
                )
            )
    b.append(Rule())
    return b


def _receipt_refund(data: ReceiptData, currency: str) -> list[Block]:
    """Fees, the refund total and where it went (with when each tender arrives)."""
    lab = data.labels
    b: list[Block] = []
    fees = _sum([ln.fee for ln in data.lines], currency)
    if fees:
        b.append(Columns(_label(lab, "fees_total"), str(-fees)))
    total = _sum([t.amount for t in data.tenders], currency)
    b.append(Columns(_label(lab, "refund_total"), str(total), bold=True))
    b.append(Text(_label(lab, "refunded_to") + ":", bold=True))
    for t in data.tenders:
        b.append(Columns("  " + _tender_name(t, lab), str(t.amount)))
        arrival = data.arrival_text.get(t.kind)
        if arrival:
            b.append(Text(f"    {_label(lab, 'arrives')}: {_clean(arrival)}"))
    return b


def _receipt_footer(data: ReceiptData) -> list[Block]:
    """Voucher, terms, the return's codes, signature line (store copy), cut and drawer."""
    lab = data.labels
    b: list[Block] = []
    if data.voucher_code:
        b.append(Rule())
        b.append(Text(_label(lab, "voucher"), align="center", bold=True))
        b.append(Barcode(data.voucher_code))
        b.append(Text(data.voucher_code, align="center"))
    if data.terms_text:
        b.append(Rule())
        b.append(Text(_clean(data.terms_text)))
    b.append(Rule())
    b.append(Barcode(data.return_ref))
    b.append(QR(data.return_ref))
    b.append(Text(_clean(data.return_ref), align="center", bold=True))
    if data.status_url and data.copy == "customer":
        b.append(Feed(1))
        b.append(Text(_label(lab, "status"), align="center"))
        b.append(QR(data.status_url))
    if data.copy == "store":
        b.append(Feed(2))
        b.append(Signature(_label(lab, "customer_signature")))
    b.append(Feed(1))
    b.append(Cut())
    cash_in = data.exchange is not None and data.exchange.tender == "cash"
    if data.copy == "customer" and (cash_in or any(t.kind == "cash" for t in data.tenders)):
        b.append(CashDrawer())
    return b


def build_voucher(data: VoucherData) -> Document:
    """A store-credit voucher; its code (with check value) is printed as text and barcode."""
    b: list[Block] = _store_header(data.store)
    b += [
        Feed(1),
        Text("STORE CREDIT", align="center", bold=True, size="double"),
        Text(str(data.amount), align="center", bold=True, size="double"),
        Rule(),
        Columns("Issued", _local(data.issued_at, data.timezone)),
    ]
    if data.return_ref:
        b.append(Columns("Return", _clean(data.return_ref)))
    if data.expires_on:
        b.append(Columns("Valid until", data.expires_on.isoformat()))
    b += [Feed(1), Barcode(data.code), Text(data.code, align="center", bold=True)]
    if data.terms_text:
        b += [Rule(), Text(_clean(data.terms_text))]
    b += [Feed(1), Cut()]
    return Document(kind="voucher", title=f"voucher-{data.code}", blocks=tuple(b))


def build_shelf_label(data: LabelData) -> Document:
    """An open-box shelf label: the new SKU as a barcode, name, condition and price."""
    b: list[Block] = [
        Text(_clean(data.product_name), bold=True),
        Columns(_clean(data.condition_label), str(data.price), bold=True),
    ]
    if data.original_sku:
        b.append(Text(f"was {_clean(data.original_sku)}"))
    b += [Barcode(data.new_sku), Text(_clean(data.new_sku), align="center"), Cut()]
    return Document(kind="shelf_label", title=f"label-{data.new_sku}", blocks=tuple(b))


def build_z_report(data: ZReportData) -> Document:
    """End-of-day summary for the manager."""
    b: list[Block] = _store_header(data.store)
    b += [
        Text("Z-REPORT (RETURNS)", align="center", bold=True),
        Rule(),
        Columns("Business date", data.business_date.isoformat()),
        Columns("Counter", _clean(data.counter)),
        Columns("Printed", _local(data.generated_at, data.timezone)),
        Rule(),
        Columns("Returns", str(data.returns_count), bold=True),
        Text("Refunds by tender:", bold=True),
    ]
    total = Money.zero(data.cash_paid_out.currency)
    for kind, amount in data.refunds_by_tender:
        b.append(Columns("  " + DEFAULT_LABELS[f"tender.{kind}"], str(amount)))
        total = total + amount
    b.append(Columns("Refund total", str(total), bold=True))
    b.append(Columns("Cash paid out", str(data.cash_paid_out), bold=True))
    if data.cash_taken_in:
        b.append(Columns("Cash taken in (exchanges)", str(data.cash_taken_in), bold=True))
    b.append(Rule())
    b.append(Columns("Manager overrides", str(len(data.overrides))))
    for o in data.overrides:
        b.append(Text(f"  {_clean(o.line_sku)}: {_clean(o.manager_name)} - {_clean(o.reason)}"))
    b.append(Columns("Messages waiting to sync", str(data.messages_waiting)))
    last = _local(data.last_sync_at, data.timezone) if data.last_sync_at else "never"
    b.append(Columns("Last sync", last))
    b.append(Columns("Failed print jobs", str(data.failed_print_jobs)))
    if data.closed_by:
        b.append(Columns("Closed by", _clean(data.closed_by)))
    b += [Feed(2), Signature("Manager signature"), Feed(1), Cut()]
    title = f"z-report-{data.business_date.isoformat()}-{data.counter}"
    return Document(kind="z_report", title=title, blocks=tuple(b))


def build_test_page(data: TestPageData) -> Document:
    """A printer test page: widths, alignment, code pages, scripts, codes, cut."""
    ruler = "".join(str(i % 10) for i in range(1, data.columns + 1))
    b: list[Block] = [
        Text("PRINTER TEST", align="center", bold=True, size="double"),
        Columns("Profile", data.profile_name),
        Columns("Paper", f"{data.paper_mm} mm / {data.columns} columns"),
    ]
    if data.connection:
        b.append(Columns("Connection", data.connection))
    b.append(Columns("CJK (GB18030)", "yes" if data.cjk else "no"))
    if data.code_pages:
        b.append(Text("Code pages: " + ", ".join(data.code_pages)))
    b += [
        Rule(),
        Text(ruler),
        Text("left"),
        Text("center", align="center"),
        Text("right", align="right"),
        Text("bold", bold=True),
        Text("double", size="double"),
        Columns("Label", "12.34 USD"),
        Rule(),
        Text("Latin: Crème brûlée, Größe, Ñandú"),
        Text("Cyrillic: Привет, мир"),
        Text("Chinese: 退货收据 测试"),
        Text("Mixed: 退货 Crème brûlée Привет"),
        Text("Emoji: 🙂 📦"),
        Rule(),
        Barcode("TEST-1234"),
        QR("TEST-1234"),
        Feed(1),
        Cut(),
    ]
    return Document(kind="test_page", title=f"test-{data.profile_name}", blocks=tuple(b))
