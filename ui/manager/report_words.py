"""Report values in the manager's language: the services give codes (reasons, conditions,
categories) and English templates for notes and the chart's limit line, so the CSV and the
command line keep their stable words while the screen shows the current language's."""

from __future__ import annotations

from counter_app.domain.policy import Policy
from counter_app.services.reports import Chart, Report
from counter_app.services.reports.model import NoteParams
from ui import i18n
from ui.labels import category_name, policy_word
from ui.manager.common import tr


def rule_name(code: str) -> str:
    """A policy rule (a decision reason's code, as overrides record them) in a few words."""
    return {
        "UNKNOWN_ORDER": tr("Unknown order"),
        "CURRENCY_MISMATCH": tr("Currency mismatch"),
        "BAD_QUANTITY": tr("Bad quantity"),
        "ALREADY_RETURNED": tr("Already returned"),
        "OVER_REFUND": tr("More than was paid"),
        "NON_RETURNABLE": tr("Category not returnable"),
        "FINAL_SALE": tr("Final sale"),
        "WINDOW_EXPIRED": tr("Return window over"),
        "HOLIDAY_EXTENSION": tr("Holiday extension"),
        "LOYALTY_EXTENSION": tr("Loyalty extension"),
        "CONDITION_NOT_ACCEPTED": tr("Condition not accepted"),
        "CUSTOMER_DAMAGE": tr("Damaged by the customer"),
        "UNKNOWN_REASON": tr("Unknown reason"),
        "SERIAL_MISMATCH": tr("Serial number mismatch"),
        "SERIAL_MISSING": tr("Serial number missing"),
        "RESTOCKING_FEE": tr("Restocking fee"),
        "DEFECTIVE": tr("Defective"),
        "LOW_VALUE_AUTO": tr("Low value, automatic"),
        "OVER_VALUE_LIMIT": tr("Over the value limit"),
        "RETURN_OVER_VALUE_LIMIT": tr("Return over the value limit"),
        "RETURN_CASH_LIMIT": tr("Over the cash limit"),
        "CASH_LEFT": tr("Not enough cash left"),
        "FREQUENT_RETURNER": tr("Frequent returner"),
        "RECEIPT_REQUIRED": tr("Receipt required"),
        "RECEIPTLESS_NOT_ALLOWED": tr("No returns without receipt"),
        "RECEIPTLESS": tr("No receipt"),
        "RECEIPTLESS_LIMIT": tr("No-receipt limit"),
        "(none)": tr("(none)"),
    }.get(code, code)


def word(words: str, value: object, policy: Policy) -> str:
    """One cell of a text column whose values are codes (`Column.words`), as a label."""
    text = "" if value is None else str(value)
    if not words or not text:
        return text
    if words == "reason":
        return policy_word(policy.reason_codes, text)
    if words == "condition":
        return policy_word(policy.conditions, text)
    if words == "category":
        return category_name(text)
    if words == "label":
        return i18n.policy_label(text)
    if words == "rule":
        return rule_name(text)
    if words == "reason_condition":
        reason, _, condition = text.partition(" / ")
        return (
            f"{policy_word(policy.reason_codes, reason)} / "
            f"{policy_word(policy.conditions, condition)}"
        )
    return text


def _fill(template: str, params: NoteParams) -> str:
    values = dict(params)
    try:
        return tr(template).format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a field
        return template.format(**values)


def notes_text(report: Report) -> str:
    """The notes under the report, one a line, translated."""
    if not report.note_templates:
        return "\n".join(report.notes)
    return "\n".join(_fill(template, params) for template, params in report.note_templates)


def limit_text(chart: Chart) -> str:
    """The legend of the chart's limit line (the frequent-returner limit), translated."""
    if not chart.limit_template:
        return chart.limit_label
    return _fill(chart.limit_template, chart.limit_params)
