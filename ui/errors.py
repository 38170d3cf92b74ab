"""The one place that turns a failed action into words a cashier understands."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from counter_app.services.errors import (
    AlreadyReturned,
    AuthorizationRefused,
    BadInput,
    CounterError,
    GiftCodeUsed,
    ItemNotOnOrder,
    OrderNotFound,
)
from ui import i18n

_CTX = "MainWindow"  # the context the .ts file knows these strings by


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def friendly_error(exc: BaseException, code: str = "") -> str:
    """The banner text for a failed action: what happened and what to do next."""
    english = i18n.current_language() == "en"
    if isinstance(exc, AuthorizationRefused):  # a return code: one line, with its date
        from ui.counter.authorized_view import refusal_text

        return refusal_text(str(exc))
    if isinstance(exc, CounterError):
        if english:
            return str(exc)
        if isinstance(exc, OrderNotFound):
            return tr(
                "No order {code} in this store's records. Check the number, or search by "
                "phone, e-mail or card (F2)."
            ).format(code=code)
        if isinstance(exc, ItemNotOnOrder):
            return tr(
                "The item {code} is not on this order. Check you scanned the right item or "
                "the right order."
            ).format(code=code)
        if isinstance(exc, GiftCodeUsed):
            return tr("This gift receipt was already used for a return; it cannot be used again.")
        if isinstance(exc, AlreadyReturned):
            return tr("This item was already returned.") + " " + str(exc)
        if isinstance(exc, BadInput):
            return tr("That input was not accepted:") + " " + str(exc)
        return str(exc)
    return tr(
        "Something went wrong talking to the database. Nothing was changed. Try again; if it "
        "keeps happening, call support."
    )
