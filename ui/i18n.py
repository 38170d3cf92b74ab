"""Languages: Qt translators, switching at run time, and locale-aware money and dates.

Every user-visible string goes through `QCoreApplication.translate(context, text)`; each
module defines a `tr()` bound to its context. The Chinese catalogue is
resources/translations/counter_zh_CN.ts (compiled to .qm by scripts/build_translations.py).
Switching language installs another translator; Qt then sends every widget a
LanguageChange event and each window re-applies its texts (`retranslate()`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency
from PySide6.QtCore import QCoreApplication, QEvent, QTranslator

from counter_app.domain.money import Money
from counter_app.domain.policy import MESSAGE_TEMPLATES, Policy, Reason

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "resources" / "translations"

# language code in Settings -> (babel locale, .qm base name or None for the source language)
LANGUAGES: dict[str, tuple[str, str | None]] = {
    "en": ("en_US", None),
    "zh_CN": ("zh_Hans_CN", "counter_zh_CN"),
}
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}
ALIASES = {"zh": "zh_CN", "zh-CN": "zh_CN", "zh_Hans": "zh_CN", "en_US": "en", "en-US": "en"}

_AMOUNT = re.compile(r"(?P<sign>-?)(?P<units>\d+)\.(?P<cents>\d\d) (?P<currency>[A-Z]{3})")
_state: dict[str, object] = {"language": "en", "translator": None, "zone": None, "policy": None}


def tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def normalise(language: str) -> str:
    language = ALIASES.get(language, language)
    return language if language in LANGUAGES else "en"


def current_language() -> str:
    return str(_state["language"])


def babel_locale() -> str:
    return LANGUAGES[current_language()][0]


def set_language(language: str) -> bool:
    """Install the translator for `language`; False if its .qm file is missing."""
    language = normalise(language)
    app = QCoreApplication.instance()
    old = _state["translator"]
    if app is not None and isinstance(old, QTranslator):
        QCoreApplication.removeTranslator(old)
    _state["translator"] = None
    _state["language"] = language
    qm = LANGUAGES[language][1]
    ok = True
    if qm is not None:
        translator = QTranslator(app)
        if translator.load(qm, str(TRANSLATIONS)):
            QCoreApplication.installTranslator(translator)
            _state["translator"] = translator
        else:
            ok = False
    _deliver_language_change()
    return ok


def _deliver_language_change() -> None:
    """Qt posts LanguageChange to the app, which posts it to each window: deliver both now
    so every text is in the new language before this call returns."""
    if QCoreApplication.instance() is None:
        return
    for _ in range(2):
        QCoreApplication.sendPostedEvents(None, int(QEvent.Type.LanguageChange))


def set_time_zone(zone: str | None) -> None:
    _state["zone"] = ZoneInfo(zone) if zone else None


def money(amount: Money | None) -> str:
    if amount is None:
        return ""
    value = Decimal(amount.minor) / Decimal(100)
    return str(format_currency(value, amount.currency, locale=babel_locale()))


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    zone = _state["zone"]
    tz = zone if isinstance(zone, ZoneInfo) else None
    local = moment.astimezone(tz) if tz is not None and moment.tzinfo is not None else moment
    loc = babel_locale()
    return f"{format_date(local, 'medium', locale=loc)} {format_time(local, 'short', locale=loc)}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return str(format_date(value, "medium", locale=babel_locale()))


def reason_text(reason: Reason) -> str:
    """A policy reason in the current language (the template is translated, then filled)."""
    template = MESSAGE_TEMPLATES.get(reason.code)
    if template is None:
        return reason.message
    translated = QCoreApplication.translate("PolicyReason", template)
    try:
        return translated.format(**reason_params(reason))
    except (KeyError, IndexError, ValueError):
        return reason.message


def category_name(code: str) -> str:
    """A product category in the current language (policy categories are codes; the words
    come from the .ts file, context PolicyLabel, keyed by the English name)."""
    return {
        "apparel": QCoreApplication.translate("PolicyLabel", "Apparel"),
        "electronics": QCoreApplication.translate("PolicyLabel", "Electronics"),
        "home": QCoreApplication.translate("PolicyLabel", "Home"),
        "beauty": QCoreApplication.translate("PolicyLabel", "Beauty"),
        "toys": QCoreApplication.translate("PolicyLabel", "Toys"),
        "final_sale": QCoreApplication.translate("PolicyLabel", "Final sale"),
        "gift_card": QCoreApplication.translate("PolicyLabel", "Gift card"),
        "hygiene": QCoreApplication.translate("PolicyLabel", "Hygiene"),
        "perishable": QCoreApplication.translate("PolicyLabel", "Perishable"),
    }.get(code) or QCoreApplication.translate("PolicyLabel", code.replace("_", " ").capitalize())


def tier_name(code: str) -> str:
    """A loyalty tier in the current language."""
    return {
        "silver": QCoreApplication.translate("PolicyLabel", "Silver"),
        "gold": QCoreApplication.translate("PolicyLabel", "Gold"),
    }.get(code) or QCoreApplication.translate("PolicyLabel", code.capitalize())


def reason_params(reason: Reason) -> dict[str, str]:
    """The reason's parameters, with the policy's words (category, condition, loyalty tier)
    in the current language; English keeps the engine's own wording."""
    params = dict(reason.params)
    if current_language() == "en":
        return params
    if "category_code" in params:
        params["category"] = category_name(params["category_code"])
    if "condition_label" in params:
        params["condition"] = policy_label(params["condition_label"])
    if "tier_code" in params:
        params["tier"] = tier_name(params["tier_code"])
    for key, value in params.items():  # amounts: "10.00 USD" as this language writes money
        found = _AMOUNT.fullmatch(value)
        if found:
            minor = int(found["units"]) * 100 + int(found["cents"])
            params[key] = money(Money(-minor if found["sign"] else minor, found["currency"]))
    return params


def use_policy(current: Callable[[], Policy] | None) -> None:
    """Where the policy in force is (its `[labels.<language>]` tables name the store's own
    reasons in other languages): `make_window` passes `lambda: app.policies.current`."""
    _state["policy"] = current


def policy_label(label: str) -> str:
    """A reason or condition label from the policy file in the current language: the .ts
    translation (context PolicyLabel, keyed by the English label) when it has one, else the
    policy's own `[labels.<language>]` label for that code, else the label as written."""
    translated = QCoreApplication.translate("PolicyLabel", label)
    current = _state.get("policy")
    if translated != label or current_language() == "en" or not callable(current):
        return translated
    policy = current()
    assert isinstance(policy, Policy)
    language = current_language()
    for code, english in policy.reason_codes:
        if english == label:
            return policy.reason_label(code, language)
    for code, english in policy.conditions:
        if english == label:
            return policy.condition_label(code, language)
    return translated


def warm_up(currency: str = "USD") -> None:
    """Load babel's locale data for every language (takes ~100 ms the first time); run it
    on a worker at start so the first order on screen does not pay for it."""
    from datetime import UTC

    now = datetime.now(UTC)
    for code in LANGUAGES.values():
        format_currency(Decimal("1234.5"), currency, locale=code[0])
        format_date(now, "medium", locale=code[0])
        format_time(now, "short", locale=code[0])
