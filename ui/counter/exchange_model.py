"""The two tables of the exchange panel as row models: the returned product's variants (other
sizes and colours, with what is on the sellable shelf) and the replacements the customer takes.

Both are `ui.table_model.RowModel`s over the domain's own frozen rows (`Variant`,
`Replacement`): the columns are declared once here, the view only paints them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from counter_app.domain.exchange import Replacement, Variant
from ui import i18n
from ui.table_model import Column, RowModel

_CTX = "ExchangePanel"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def _item(name: str, sku: str) -> str:
    return f"{name} · {sku}"


def stock_text(on_hand: int) -> str:
    """On-hand stock as the cashier reads it: a number, or that the shelf is empty."""
    return str(on_hand) if on_hand > 0 else tr("none")


def variant_columns() -> list[Column[Variant]]:
    return [
        Column(lambda: tr("Item"), lambda v: _item(v.name, v.sku)),
        Column(lambda: tr("Size"), lambda v: v.size or "—"),
        Column(lambda: tr("Colour"), lambda v: v.colour or "—"),
        Column(lambda: tr("Price"), lambda v: i18n.money(v.price), number=True),
        Column(lambda: tr("On hand"), lambda v: stock_text(v.on_hand), number=True),
    ]


def _price_text(r: Replacement) -> str:
    price = i18n.money(r.unit_price)
    if r.like_for_like_of is None:
        return price
    return tr("{price} (as paid, line {line})").format(price=price, line=r.like_for_like_of)


def replacement_columns() -> list[Column[Replacement]]:
    return [
        Column(lambda: tr("Takes instead"), lambda r: _item(r.name, r.sku)),
        Column(lambda: tr("Qty"), lambda r: str(r.quantity), number=True),
        Column(lambda: tr("Unit price"), _price_text, number=True),
        Column(lambda: tr("Amount"), lambda r: i18n.money(r.value), number=True),
    ]


def variants_model() -> RowModel[Variant]:
    return RowModel(variant_columns())


def replacements_model() -> RowModel[Replacement]:
    return RowModel(replacement_columns())
