"""Every text a widget tree shows, and the English words left in it (for the zh_CN tests).

A screen in Chinese may still show data (product and people names, SKUs, order numbers,
money, codes printed on paper such as "RA-...") and a few words every Chinese retail screen
keeps (key names, units, brands): `ALLOWED` lists those words, each with why. Everything
else made of Latin letters is an English word a cashier would have to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

# Latin-letter words a Chinese screen keeps on purpose (short, and each explained).
# fmt: off
ALLOWED = {
    # keys on the keyboard, printed on the keycaps
    "Ctrl", "Alt", "Shift", "Enter", "Esc", "Tab", "F1", "F2", "F3", "F4", "F5", "F6", "F7",
    "F8", "F9", "F10", "F11", "F12", "PgUp", "PgDn", "Ins", "Del", "Delete",
    # codes and standard abbreviations every Chinese till shows as they are
    "PIN", "SKU", "USD", "CNY", "EUR", "CSV", "PNG", "PDF", "QR", "ID", "URL", "TLS", "HTTPS",
    "ESC/POS", "SMTP", "OK", "Z",
    # card brands (as on the card)
    "Visa", "VISA", "Mastercard", "Amex", "UnionPay",
    # the currency sign Chinese locale data gives the dollar: US$25.00
    "US",
    # units
    "mm", "px", "ms", "KB", "MB",
    # the language picker names each language in itself, so anyone can find theirs
    "English",
}
# fmt: on
CODE_COLUMN = "代码"  # "code": such a column is the key the CSV export and the policy file use
_CODE = re.compile(r"\b[A-Z0-9]+(?:[-_/][A-Z0-9]+)+\b")  # SKUs, order numbers, RA-..., S001
_ADDRESS = re.compile(r"\b\w+://\S*|\S+@\S+")  # device URLs, e-mail addresses: typed as is
_KEYS = re.compile(r"\b(?:Ctrl|Alt|Shift)\+\w+")  # a shortcut is named by its keycaps
_MNEMONIC = re.compile(r"\(&\w\)|&(?=\w)")  # "用户(&U)": Alt+U, not a word
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*")


def plain(text: str) -> str:
    """Rich text as the characters it shows."""
    if "<" in text and ">" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _model_texts(model: QAbstractItemModel | None, rows: int = 40) -> Iterable[str]:
    if model is None:
        return
    from PySide6.QtCore import QAbstractListModel, QModelIndex

    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    headers = [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(columns)]
    yield from headers
    for row in range(min(model.rowCount(QModelIndex()), rows)):
        for col in range(columns):
            if CODE_COLUMN in headers[col]:  # a column headed "...代码" shows codes on purpose
                continue
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(model.index(row, col), role)
                if isinstance(value, str):
                    yield value


def _chart_texts(widget: QWidget) -> Iterable[str]:
    from PySide6.QtCharts import QChartView

    chart = widget.chart() if isinstance(widget, QChartView) else None
    if chart is None:
        return
    yield chart.title()
    for axis in chart.axes():
        yield axis.titleText()
        if hasattr(axis, "categories"):
            yield from axis.categories()
    for series in chart.series():
        yield series.name()


def widget_texts(widget: QWidget) -> Iterable[tuple[str, str]]:
    """(where, text) for one widget's own texts."""
    name = type(widget).__name__
    if widget.isWindow():
        yield f"{name}.windowTitle", widget.windowTitle()
    yield f"{name}.toolTip", plain(widget.toolTip())
    if isinstance(widget, QLabel):
        yield f"{name}.text", plain(widget.text())
    elif isinstance(widget, QAbstractButton):
        yield f"{name}.text", widget.text()
    elif isinstance(widget, QLineEdit):
        yield f"{name}.placeholder", widget.placeholderText()
    elif isinstance(widget, (QTextEdit, QPlainTextEdit)):
        yield f"{name}.text", widget.toPlainText()
        yield f"{name}.placeholder", widget.placeholderText()
    elif isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield f"{name}.item", widget.itemText(i)
    elif isinstance(widget, QGroupBox):
        yield f"{name}.title", widget.title()
    elif isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield f"{name}.tab", widget.tabText(i)
    elif isinstance(widget, QMenu):
        yield f"{name}.title", widget.title()
        for action in widget.actions():
            yield f"{name}.action", action.text()
    if isinstance(widget, QAbstractItemView):
        for text in _model_texts(widget.model()):
            yield f"{name}.model", text
    yield from ((f"{name}.chart", t) for t in _chart_texts(widget))


def visible_texts(top: QWidget, menus: Iterable[QMenu] = ()) -> list[tuple[str, str]]:
    """Every non-empty text of `top` and its visible descendants (and the given menus)."""
    found: list[tuple[str, str]] = []
    widgets: list[QWidget] = [top, *top.findChildren(QWidget)]
    for widget in widgets:
        if widget is not top and not widget.isVisibleTo(top):
            continue
        found += [(w, t) for w, t in widget_texts(widget) if t and t.strip()]
    for menu in menus:
        found += [(w, t) for w, t in widget_texts(menu) if t and t.strip()]
    return found


def english_words(text: str, data: Iterable[str] = ()) -> list[str]:
    """The English words in `text` once data (names, SKUs) and codes are taken out."""
    for value in sorted(data, key=len, reverse=True):
        if value:  # as a whole word ("S" the size is not the S of "US$")
            left = r"(?<![A-Za-z0-9])" if value[0].isascii() and value[0].isalnum() else ""
            right = r"(?![A-Za-z0-9])" if value[-1].isascii() and value[-1].isalnum() else ""
            text = re.sub(left + re.escape(value) + right, " ", text)
    text = _MNEMONIC.sub("", _KEYS.sub(" ", _CODE.sub(" ", _ADDRESS.sub(" ", text))))
    words = _WORD.findall(text)
    # a word with a digit in it is a code (S001, C1, F5), not English
    return [w for w in words if w not in ALLOWED and not any(c.isdigit() for c in w)]


def leftovers(texts: list[tuple[str, str]], data: Iterable[str] = ()) -> list[str]:
    data = list(data)
    out = []
    for where, text in texts:
        words = english_words(text, data)
        if words:
            out.append(f"{where}: {text!r} -> {words}")
    return sorted(set(out))


def store_data(engine: Any) -> list[str]:
    """What the store's data holds as typed: product names, vendors, sizes and colours,
    people and store names, and the customers' own words (feedback, notes)."""
    from sqlalchemy import select

    from counter_app.adapters.db import tables as t
    from counter_app.services.unit_of_work import UnitOfWork

    with UnitOfWork(engine) as uow:
        c = uow.conn
        rows = [
            *c.execute(
                select(
                    t.products.c.name, t.products.c.vendor, t.products.c.size, t.products.c.colour
                )
            ).all(),
            *c.execute(select(t.users.c.display_name, t.users.c.username)).all(),
            *c.execute(select(t.customers.c.name, t.customers.c.email)).all(),
            *c.execute(select(t.stores.c.name, t.stores.c.address)).all(),
            *c.execute(select(t.return_lines.c.feedback, t.return_lines.c.notes)).all(),
        ]
    return [str(v) for row in rows for v in row if v]


def english_on_screen(widget: QWidget, engine: Any) -> list[str]:
    """The English words left on `widget` (in zh_CN), the store's data set aside."""
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.processEvents()
    return leftovers(visible_texts(widget), store_data(engine))


def dump(texts: list[tuple[str, str]]) -> str:  # pragma: no cover - a debugging aid
    return "\n".join(f"{w}: {t}" for w, t in texts)


__all__ = [
    "ALLOWED",
    "english_on_screen",
    "english_words",
    "leftovers",
    "plain",
    "store_data",
    "visible_texts",
    "widget_texts",
]
