"""Words for the codes the core uses (tenders, channels, dispositions, locations) and the
small conversions every screen needs (Qt dates, plain-text escaping). One place for each, so
a screen never spells a code its own way.

Each table keeps the translation context it was first written in, so the shipped .ts file
still finds every string."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate

from ui.i18n import category_name as category_name  # re-exported: one place for words
from ui.i18n import policy_label
from ui.i18n import tier_name as tier_name


def _tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def tender_name(code: str) -> str:
    return {
        "original": _tr("MainWindow", "Original payment"),
        "cash": _tr("MainWindow", "Cash"),
        "store_credit": _tr("MainWindow", "Store credit"),
        "exchange": _tr("MainWindow", "Exchange"),
        "card": _tr("MainWindow", "Card"),
        "gift_card": _tr("MainWindow", "Gift card"),
    }.get(code, code)


def channel_name(code: str) -> str:
    return {
        "online": _tr("MainWindow", "Online"),
        "store": _tr("MainWindow", "In store"),
    }.get(code, code)


def payment_label(payment: Any) -> str:
    """A payment as the customer knows it: card brand + last 4 only, else the tender."""
    if payment.tender == "card":
        return str(payment.label())
    return tender_name(payment.tender)


def disposition_name(code: str) -> str:
    """Where a returned item went, in the words of the history screen."""
    return {
        "restock_new": _tr("HistoryDialog", "back on the shelf"),
        "restock_open_box": _tr("HistoryDialog", "open-box shelf"),
        "return_to_vendor": _tr("HistoryDialog", "back to the vendor"),
        "scrap": _tr("HistoryDialog", "scrap"),
    }.get(code, code)


def location_name(code: str) -> str:
    """A stock location, in the words of the manager's stock screen."""
    return {
        "sellable": _tr("Manager", "Restocked"),
        "open_box": _tr("Manager", "Open box"),
        "vendor": _tr("Manager", "Return to vendor"),
        "scrap": _tr("Manager", "Scrap"),
    }.get(code, code)


def override_reason_name(code: str) -> str:
    """Why a manager overrode the policy (the code saved with the override), in words."""
    return {
        "customer_goodwill": _tr("OverrideDialog", "Customer goodwill"),
        "store_error": _tr("OverrideDialog", "Our mistake (store or delivery)"),
        "policy_exception": _tr("OverrideDialog", "Exception to the policy"),
        "manager_discretion": _tr("OverrideDialog", "Manager's discretion"),
    }.get(code, code)


def policy_word(pairs: Any, code: str) -> str:
    """A reason or condition code in the current language: the policy's (English) label for
    it, translated through the .ts (context PolicyLabel); the code itself if unknown."""
    label = dict(pairs).get(code)
    return policy_label(label) if label else code


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def escape(text: str) -> str:
    """Data put inside rich text is shown as the characters it is, never as markup."""
    return html.escape(text, quote=False)


def plain_tip(text: str) -> str:
    """A tooltip that shows data as typed: Qt renders a tooltip that looks like HTML as
    HTML, so text with markup characters is escaped inside an explicit rich-text paragraph
    (white-space kept), the only way to make a tooltip show "<b>" literally."""
    if "<" not in text and "&" not in text:
        return text
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"
