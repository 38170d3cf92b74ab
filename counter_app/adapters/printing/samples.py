"""Sample receipt data for previews, benchmarks and tests (no database needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from counter_app.domain.documents import (
    OverrideNote,
    ReceiptData,
    ReceiptLine,
    StoreInfo,
    TenderLine,
)
from counter_app.domain.money import Money

SAMPLE_STORE = StoreInfo(
    name="Northwind Outlet 北风",
    address_lines=("12 Market Street", "Springfield 4021"),
    phone="+1 555 0100",
)

_PRODUCTS = [
    ("无线蓝牙耳机 Pro 降噪版", "SKU-100234", "Opened, like new", "Changed mind"),
    ("Crème brûlée torch kit", "SKU-200871", "New, sealed", "Gift duplicate"),
    ("Чайник электрический 1.7 л", "SKU-300112", "Opened", "Defective"),
    ("USB-C cable 2 m", "SKU-400019", "New, sealed", "Wrong item"),
    ("儿童保温杯 500ml", "SKU-500777", "Damaged box", "Arrived late"),
]


def sample_receipt_data(
    lines: int = 5,
    copy: str = "customer",
    card_last4: str = "4242",
    tenders: tuple[str, ...] = ("card",),
) -> ReceiptData:
    """A realistic return with mixed-script product names."""
    rl: list[ReceiptLine] = []
    for i in range(lines):
        name, sku, cond, reason = _PRODUCTS[i % len(_PRODUCTS)]
        fee = Money(500 if i % 3 == 0 else 0, "USD")
        rl.append(
            ReceiptLine(
                product_name=name,
                sku=f"{sku}-{i}" if i >= len(_PRODUCTS) else sku,
                qty=1 + i % 2,
                condition_label=cond,
                reason_label=reason,
                refund=Money(1999 + 1000 * i, "USD") - fee,
                fee=fee,
            )
        )
    total = Money(sum(ln.refund.minor for ln in rl), "USD")
    parts: list[TenderLine] = []
    share = total.minor // len(tenders)
    for j, kind in enumerate(tenders):
        amount = share if j < len(tenders) - 1 else total.minor - share * (len(tenders) - 1)
        if kind == "card":
            parts.append(TenderLine("card", Money(amount, "USD"), "VISA", card_last4))
        else:
            parts.append(TenderLine(kind, Money(amount, "USD")))  # type: ignore[arg-type]
    return ReceiptData(
        store=SAMPLE_STORE,
        return_ref="R-0042-02-000123",
        created_at=datetime(2026, 11, 26, 13, 5, tzinfo=UTC),
        timezone="America/Chicago",
        counter="02",
        cashier_name="Alex Kim",
        order_number="W-778812",
        order_date=date(2026, 11, 2),
        lines=tuple(rl),
        tenders=tuple(parts),
        overrides=(OverrideNote(rl[0].sku, "Maria Lopez", "Loyal customer, box damaged"),),
        terms_text=(
            "Refunds go back to the original payment. Keep this receipt; it is your proof "
            "of return. 退货凭证请妥善保管。"
        ),
        arrival_text={"card": "3–10 business days", "store_credit": "now", "cash": "now"},
        copy=copy,  # type: ignore[arg-type]
    )
