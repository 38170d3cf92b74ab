"""The gift receipt: what was bought, one scannable gift code per line, and never a price.

Pure like documents.py (whose store header and local time it reuses): the same data renders
to ESC/POS, PNG and text. Labels come in English and Chinese (`GIFT_LABELS`); product names
print as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from counter_app.domain.documents import (
    ReceiptData,
    StoreInfo,
    _label,
    _local,
    _receipt_footer,
    _receipt_heading,
    _store_header,
    _tender_name,
)
from counter_app.domain.money import Money
from counter_app.domain.print_blocks import (
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Rule,
    Text,
    _clean,
)

GIFT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "GIFT RECEIPT",
        "order": "Order",
        "purchased": "Purchased",
        "printed": "Printed",
        "qty": "Qty",
        "gift_code": "Gift code",
        "terms": (
            "A gift for you. To return or exchange it, bring the item and this receipt: the "
            "refund is store credit or an exchange. Prices are not shown. Each gift code can "
            "be used once."
        ),
    },
    "zh_CN": {
        "title": "礼品收据",
        "order": "订单",
        "purchased": "购买日期",
        "printed": "打印时间",
        "qty": "数量",
        "gift_code": "礼品码",
        "terms": (
            "这是送给您的礼物。如需退货或换货，请携带商品和本收据：退款以店内余额或换货方式"
            "办理。本收据不显示价格。每个礼品码仅可使用一次。"
        ),
    },
}


def gift_labels(language: str) -> Mapping[str, str]:
    """The gift receipt's labels in `language` ("zh", "zh_CN" -> Chinese; else English)."""
    return GIFT_LABELS["zh_CN"] if language.lower().startswith("zh") else GIFT_LABELS["en"]


@dataclass(frozen=True, slots=True)
class GiftLine:
    product_name: str
    sku: str
    qty: int
    gift_code: str


@dataclass(frozen=True, slots=True)
class GiftReceiptData:
    """What a gift receipt shows: deliberately no amount, tender or customer."""

    store: StoreInfo
    order_number: str
    order_date: date
    printed_at: datetime
    timezone: str
    lines: tuple[GiftLine, ...]
    language: str = "en"


def build_gift_receipt(data: GiftReceiptData) -> Document:
    """The gift receipt of an order: each line with its gift code as a barcode."""
    lab = gift_labels(data.language)
    b: list[Block] = _store_header(data.store)
    b += [
        Feed(1),
        Text(lab["title"], align="center", bold=True, size="double"),
        Rule(),
        Columns(lab["order"], _clean(data.order_number), bold=True),
        Columns(lab["purchased"], data.order_date.isoformat()),
        Columns(lab["printed"], _local(data.printed_at, data.timezone)),
        Rule(),
    ]
    for line in data.lines:
        b.append(Text(_clean(line.product_name), bold=True))
        b.append(Text(f"  {_clean(line.sku)}  {lab['qty']} {line.qty}"))
        b.append(Barcode(line.gift_code))
        b.append(Text(f"{lab['gift_code']}: {line.gift_code}", align="center", bold=True))
        b.append(Feed(1))
    b += [Rule(), Text(lab["terms"]), Feed(1), Cut()]
    return Document(kind="gift_receipt", title=f"gift-{data.order_number}", blocks=tuple(b))


# --- the receipt of a gift return ----------------------------------------------------------

GIFT_RETURN_TITLE = "GIFT RETURN RECEIPT"
_VOUCHER_AMOUNT = re.compile(r"^[0-9A-Z]{1,12}-([A-Z]{3})(\d{1,10})-[0-9A-Z]{8}$")


def voucher_value(code: str | None) -> Money | None:
    """The value a voucher code states (its check value is verified elsewhere)."""
    m = _VOUCHER_AMOUNT.match(code or "")
    return Money(int(m.group(2)), m.group(1)) if m else None


def build_gift_return_receipt(data: ReceiptData, gift_codes: Mapping[str, str]) -> Document:
    """A return receipt for the recipient of a gift: the items, their gift codes, how it was
    refunded and the voucher's value — never what the buyer paid for a line, the refund
    before any bonus, or the buyer's tenders. `gift_codes` maps a SKU to its code."""
    title = data.labels.get("gift_return_title", GIFT_RETURN_TITLE)
    data = replace(data, labels={**data.labels, "title": title})
    lab = data.labels
    b: list[Block] = _store_header(data.store)
    b += _receipt_heading(data)
    for line in data.lines:
        b.append(Text(_clean(line.product_name), bold=True))
        b.append(Text(f"  {_clean(line.sku)}  {_label(lab, 'qty')} {line.qty}"))
        if line.sku in gift_codes:
            gift_code = data.labels.get("gift_code", "Gift code")
            b.append(Text(f"  {gift_code}: {_clean(gift_codes[line.sku])}"))
        b.append(
            Text(
                f"  {_label(lab, 'condition')}: {_clean(line.condition_label)}; "
                f"{_label(lab, 'reason')}: {_clean(line.reason_label)}"
            )
        )
    b.append(Rule())
    b.append(Text(_label(lab, "refunded_to") + ":", bold=True))
    for kind in dict.fromkeys(t.kind for t in data.tenders):
        b.append(Text("  " + _tender_name(replace(data.tenders[0], kind=kind), lab)))
    value = voucher_value(data.voucher_code)
    if value is not None:
        b.append(Columns(data.labels.get("voucher_value", "Voucher value"), str(value), bold=True))
    terms = data.terms_text
    if terms.startswith("Voucher value"):  # its bonus would tell the price: said above
        terms = terms.split(". ", 1)[1] if ". " in terms else ""
    elif terms.startswith("代金券面值"):
        terms = terms.split("。", 1)[1] if "。" in terms else ""
    b += _receipt_footer(replace(data, terms_text=terms))
    return Document(kind="return_receipt", title=f"{data.return_ref}-{data.copy}", blocks=tuple(b))
