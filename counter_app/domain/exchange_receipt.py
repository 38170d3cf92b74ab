"""The exchange part of a return receipt: what went out instead, the balance and how it was
settled, and the exchange sale's number as a barcode (so it can itself be returned).

Pure, like domain.documents: `exchange_blocks` adds blocks after the receipt's refund part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from counter_app.domain.money import Money
from counter_app.domain.print_blocks import Barcode, Block, Columns, Rule, Text, _clean, card_last4

EXCHANGE_LABELS: dict[str, str] = {
    "exchange.title": "EXCHANGE",
    "exchange.taken": "Taken instead",
    "exchange.total": "Exchange total",
    "exchange.carried": "Paid by the return",
    "exchange.even": "Even exchange: nothing to pay",
    "exchange.owed": "Customer paid",
    "exchange.refunded": "Difference refunded",
    "exchange.approval": "Approval",
    "exchange.sale": "Exchange sale",
    "exchange.keep": "Keep this receipt to return the new items.",
}

# The same labels in Chinese, for a receipt printed in Chinese (labels=...).
EXCHANGE_LABELS_ZH: dict[str, str] = {
    "exchange.title": "换货",
    "exchange.taken": "换取商品",
    "exchange.total": "换货合计",
    "exchange.carried": "退货款抵扣",
    "exchange.even": "等价换货：无需补差",
    "exchange.owed": "顾客补差",
    "exchange.refunded": "差额退款",
    "exchange.approval": "授权码",
    "exchange.sale": "换货单号",
    "exchange.keep": "退换新商品时请出示本收据。",
    "tender.cash": "现金",
    "tender.card": "银行卡",
    "authorization": "退货码",
    "status": "扫码查看退货进度",
}


@dataclass(frozen=True, slots=True)
class ExchangeItem:
    product_name: str
    sku: str
    qty: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class ExchangeReceipt:
    """`balance` is signed: positive = the customer paid it (`tender` cash or card),
    negative = refunded after the exchange (shown with the refunds), zero = even."""

    number: str
    items: tuple[ExchangeItem, ...]
    total: Money
    carried: Money
    balance: Money
    tender: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    approval_code: str | None = None


def _label(labels: Mapping[str, str], key: str, fallback: Mapping[str, str]) -> str:
    return labels.get(key) or EXCHANGE_LABELS.get(key) or fallback.get(key, key)


def exchange_blocks(
    ex: ExchangeReceipt, labels: Mapping[str, str], defaults: Mapping[str, str]
) -> list[Block]:
    """What went out, the exchange total, the balance and how it was settled, the sale's
    number as a barcode."""

    def lab(key: str) -> str:
        return _label(labels, key, defaults)

    b: list[Block] = [Rule(), Text(lab("exchange.title"), align="center", bold=True)]
    b.append(Text(lab("exchange.taken") + ":", bold=True))
    for item in ex.items:
        b.append(Text(_clean(item.product_name), bold=True))
        b.append(
            Columns(
                f"  {_clean(item.sku)}  {lab('qty')} {item.qty} x {item.unit_price}",
                str(item.unit_price * item.qty),
            )
        )
    b.append(Columns(lab("exchange.total"), str(ex.total), bold=True))
    b.append(Columns(lab("exchange.carried"), str(ex.carried)))
    b += _settlement(ex, lab)
    b += [
        Rule(),
        Text(lab("exchange.sale"), align="center"),
        Barcode(ex.number),
        Text(_clean(ex.number), align="center", bold=True),
        Text(lab("exchange.keep"), align="center"),
    ]
    return b


def _settlement(ex: ExchangeReceipt, lab: Callable[[str], str]) -> list[Block]:
    if ex.balance.minor > 0:
        how = lab(f"tender.{ex.tender}") if ex.tender else ""
        b: list[Block] = [Columns(f"{lab('exchange.owed')} ({how})", str(ex.balance), bold=True)]
        if ex.tender == "card":
            brand = _clean(ex.card_brand or "").strip()
            last4 = card_last4(ex.card_last4)
            b.append(Text(f"  {brand} •••• {last4}" if last4 else f"  {brand}"))
            if ex.approval_code:
                b.append(Columns(f"  {lab('exchange.approval')}", _clean(ex.approval_code)))
        return b
    if ex.balance.minor < 0:
        return [Columns(lab("exchange.refunded"), str(-ex.balance), bold=True)]
    return [Text(lab("exchange.even"), bold=True)]
