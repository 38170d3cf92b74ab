"""Reading a policy TOML document into a validated `Policy`.

A bad policy must never reach a counter half-understood, so every unknown key, wrong type or
out-of-range value is refused with the file, the key and the line. tomllib does not report
where keys are, so `policy_reader._KeyLines` scans the text for headers and `key =` lines.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from counter_app.domain.policy_model import (
    DISPOSITIONS,
    KNOWN_CONDITIONS,
    REFUND_TENDERS,
    ApprovalRule,
    CategoryRule,
    ConditionRule,
    ExchangeRule,
    FrequentReturnerRule,
    HolidayExtension,
    Policy,
    PolicyError,
    ReasonRule,
    ReceiptlessRule,
    SerialRule,
    TenderRule,
)
from counter_app.domain.policy_reader import _TOML_LINE, Path_, T, _KeyLines, _Reader
from counter_app.domain.stock import (
    DEFAULT_REASON_DISPOSITIONS,
    NEVER_AS_NEW_CONDITIONS,
    NEVER_AS_NEW_REASONS,
)

CATEGORY_KEYS = frozenset(
    {
        "window_days",
        "channel_window_days",
        "returnable",
        "non_returnable_hard",
        "final_sale",
        "accepted_conditions",
        "receipt_required",
        "restocking_fee_percent",
        "restocking_fee_minimum",
        "restocking_fee_conditions",
    }
)
CHANNELS = ("online", "store")


TOP_KEYS = frozenset(
    {
        "policy",
        "conditions",
        "reasons",
        "defaults",
        "categories",
        "holiday_extensions",
        "loyalty",
        "receiptless",
        "approval",
        "frequent_returner",
        "serials",
        "tenders",
        "dispositions",
        "exchange",
        "labels",
    }
)
LANGUAGE = re.compile(r"[a-z]{2}(_[A-Z]{2})?")


def load_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate a policy document; raises PolicyError naming file, key and line."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        raise PolicyError(source, "", line, f"not valid TOML: {exc}") from None
    r = _Reader(source, _KeyLines(text))
    r.table(doc, (), TOP_KEYS)
    for required in ("policy", "conditions", "reasons", "defaults"):
        if required not in doc:
            raise r.error((), f"missing table [{required}]")

    head = r.table(doc, ("policy",), frozenset({"version", "currency", "timezone"}))
    version = r.get(head, ("policy",), "version", r.string)
    if not version.strip():
        raise r.error(("policy", "version"), "must not be empty")
    currency = r.get(head, ("policy",), "currency", r.string)
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise r.error(("policy", "currency"), f"not an ISO 4217 currency code: {currency!r}")
    r.currency = currency
    timezone = r.get(head, ("policy",), "timezone", r.string)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.error(
            ("policy", "timezone"),
            f"unknown time zone {timezone!r} (use an IANA name like America/New_York)",
        ) from None

    conditions = _load_conditions(r, doc)
    reasons = _load_reasons(r, doc)
    dispositions = _load_dispositions(r, doc, conditions, reasons)
    defaults = _load_category(r, doc, ("defaults",), "*", None)
    categories: dict[str, CategoryRule] = {}
    if "categories" in doc:
        for name in r.table(doc, ("categories",), None):
            categories[name] = _load_category(r, doc, ("categories", name), name, defaults)

    return Policy(
        version=version,
        currency=currency,
        timezone=timezone,
        source=source,
        defaults=defaults,
        categories=MappingProxyType(categories),
        condition_rules=MappingProxyType(conditions),
        reason_rules=MappingProxyType(reasons),
        holiday_extensions=_load_holidays(r, doc),
        loyalty_extra_days=MappingProxyType(_load_loyalty(r, doc)),
        receiptless=_load_receiptless(r, doc),
        approval=_load_approval(r, doc),
        frequent_returner=_load_frequent(r, doc),
        serials=_load_serials(r, doc),
        tenders=_load_tenders(r, doc),
        reason_dispositions=dispositions,
        exchange=_load_exchange(r, doc),
        translated_labels=_load_labels(r, doc, conditions, reasons),
    )


def _load_conditions(r: _Reader, doc: Mapping[str, Any]) -> dict[str, ConditionRule]:
    table = r.table(doc, ("conditions",), frozenset(KNOWN_CONDITIONS))
    out: dict[str, ConditionRule] = {}
    for code in table:
        path: Path_ = ("conditions", code)
        entry = r.table(doc, path, frozenset({"label", "disposition"}))
        label = r.get(entry, path, "label", r.string)
        disposition = r.get(entry, path, "disposition", r.string)
        if disposition not in DISPOSITIONS:
            raise r.error(
                (*path, "disposition"),
                f"unknown disposition {disposition!r} (known: {', '.join(DISPOSITIONS)})",
            )
        out[code] = ConditionRule(code, label, disposition)
    missing = [c for c in KNOWN_CONDITIONS if c not in out]
    if missing:
        raise r.error(
            ("conditions",),
            f"every condition needs a label and disposition; missing: {', '.join(missing)}",
        )
    return out


def _load_dispositions(
    r: _Reader,
    doc: Mapping[str, Any],
    conditions: Mapping[str, ConditionRule],
    reasons: Mapping[str, ReasonRule],
) -> Mapping[str, Mapping[str, str]]:
    """`[dispositions.<reason>] <condition> = "<disposition>"` over the model's defaults;
    refuses any cell that would restock as new what was returned broken."""
    cells = {reason: dict(row) for reason, row in DEFAULT_REASON_DISPOSITIONS.items()}
    table = r.table(doc, ("dispositions",), frozenset(reasons)) if "dispositions" in doc else {}
    for reason in table:
        path: Path_ = ("dispositions", reason)
        for condition in r.table(doc, path, frozenset(KNOWN_CONDITIONS)):
            where = r.get(table[reason], path, condition, r.string)
            if where not in DISPOSITIONS:
                raise r.error(
                    (*path, condition),
                    f"unknown disposition {where!r} (known: {', '.join(DISPOSITIONS)})",
                )
            cells.setdefault(reason, {})[condition] = where
    for reason in reasons:
        for condition, rule in conditions.items():
            where = cells.get(reason, {}).get(condition, rule.disposition)
            broken = reason in NEVER_AS_NEW_REASONS or condition in NEVER_AS_NEW_CONDITIONS
            if where == "restock_new" and broken:
                key = condition in cells.get(reason, {})
                raise r.error(
                    ("dispositions", reason, condition) if key else ("conditions", condition),
                    f"a unit returned as {reason!r} in condition {condition!r} cannot be "
                    "restocked as new",
                )
    return MappingProxyType({k: MappingProxyType(v) for k, v in cells.items()})


def _load_reasons(r: _Reader, doc: Mapping[str, Any]) -> dict[str, ReasonRule]:
    table = r.table(doc, ("reasons",), None)
    out: dict[str, ReasonRule] = {}
    for code in table:
        path: Path_ = ("reasons", code)
        entry = r.table(doc, path, frozenset({"label", "waives_fee"}))
        out[code] = ReasonRule(
            code,
            r.get(entry, path, "label", r.string),
            r.get(entry, path, "waives_fee", r.boolean, False),
        )
    if not out:
        raise r.error(("reasons",), "needs at least one reason code")
    return out


def _load_category(
    r: _Reader, doc: Mapping[str, Any], path: Path_, name: str, base: CategoryRule | None
) -> CategoryRule:
    t = r.table(doc, path, CATEGORY_KEYS)

    def pick(key: str, kind: Callable[[Any, Path_], T], inherited: T | None) -> T:
        return r.get(t, path, key, kind, inherited)

    channel_windows: dict[str, int] = dict(base.channel_window_days) if base else {}
    window_days = pick("window_days", r.days, base.window_days if base else None)
    if base is not None and "window_days" in t:
        # A category's own window replaces the inherited per-channel ones too.
        channel_windows = {}
    if "channel_window_days" in t:
        cw_path = (*path, "channel_window_days")
        table = r.table(doc, cw_path, frozenset(CHANNELS))
        channel_windows.update({ch: r.days(v, (*cw_path, ch)) for ch, v in table.items()})
    fee_minimum = pick(
        "restocking_fee_minimum", r.money, base.restocking_fee_minimum if base else None
    )
    return CategoryRule(
        name=name,
        window_days=window_days,
        channel_window_days=MappingProxyType(channel_windows),
        returnable=pick("returnable", r.boolean, base.returnable if base else None),
        non_returnable_hard=pick(
            "non_returnable_hard", r.boolean, base.non_returnable_hard if base else None
        ),
        final_sale=pick("final_sale", r.boolean, base.final_sale if base else None),
        accepted_conditions=pick(
            "accepted_conditions", r.conditions, base.accepted_conditions if base else None
        ),
        receipt_required=pick(
            "receipt_required", r.boolean, base.receipt_required if base else None
        ),
        restocking_fee_percent=pick(
            "restocking_fee_percent", r.percent, base.restocking_fee_percent if base else None
        ),
        restocking_fee_minimum=fee_minimum,
        restocking_fee_conditions=pick(
            "restocking_fee_conditions",
            r.conditions,
            base.restocking_fee_conditions if base else None,
        ),
    )


def _load_holidays(r: _Reader, doc: Mapping[str, Any]) -> tuple[HolidayExtension, ...]:
    if "holiday_extensions" not in doc:
        return ()
    raw = doc["holiday_extensions"]
    if not isinstance(raw, list):
        raise r.error(
            ("holiday_extensions",), "must be an array of tables ([[holiday_extensions]])"
        )
    out = []
    keys = frozenset({"name", "bought_from", "bought_until", "returnable_until", "categories"})
    for index in range(len(raw)):
        path: Path_ = ("holiday_extensions", index)
        if not isinstance(raw[index], dict):
            raise r.error(path, "must be a table")
        t: dict[str, Any] = raw[index]
        for key in t:
            if key not in keys:
                raise r.error(
                    (*path, key), f"unknown key (expected one of: {', '.join(sorted(keys))})"
                )
        name = r.get(t, path, "name", r.string)
        start = r.get(t, path, "bought_from", r.local_date)
        end = r.get(t, path, "bought_until", r.local_date)
        until = r.get(t, path, "returnable_until", r.local_date)
        if end < start:
            raise r.error((*path, "bought_until"), f"{end} is before bought_from {start}")
        if until < end:
            raise r.error((*path, "returnable_until"), f"{until} is before bought_until {end}")
        categories = (
            frozenset(r.get(t, path, "categories", r.string_list)) if "categories" in t else None
        )
        out.append(HolidayExtension(name, start, end, until, categories))
    return tuple(out)


def _load_loyalty(r: _Reader, doc: Mapping[str, Any]) -> dict[str, int]:
    if "loyalty" not in doc:
        return {}
    t = r.table(doc, ("loyalty",), frozenset({"extra_window_days"}))
    if "extra_window_days" not in t:
        return {}
    path: Path_ = ("loyalty", "extra_window_days")
    tiers = r.table(doc, path, None)
    return {tier: r.days(v, (*path, tier)) for tier, v in tiers.items()}


def _load_labels(
    r: _Reader,
    doc: Mapping[str, Any],
    conditions: Mapping[str, ConditionRule],
    reasons: Mapping[str, ReasonRule],
) -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    """`[labels.zh_CN.conditions] new = "全新未拆封"` (and `.reasons`): the labels in another
    language, for receipts, e-mails and screens in that language; only known codes."""
    if "labels" not in doc:
        return MappingProxyType({})
    out: dict[str, Mapping[str, Mapping[str, str]]] = {}
    for language in r.table(doc, ("labels",), None):
        if not LANGUAGE.fullmatch(language):
            raise r.error(("labels", language), "not a language code (like zh_CN)")
        parts: dict[str, Mapping[str, str]] = {}
        for part, known in (("conditions", conditions), ("reasons", reasons)):
            path: Path_ = ("labels", language, part)
            if part not in r.table(doc, path[:2], frozenset({"conditions", "reasons"})):
                continue
            table = r.table(doc, path, frozenset(known))
            parts[part] = MappingProxyType(
                {code: r.get(table, path, code, r.string).strip() for code in table}
            )
            if not all(parts[part].values()):
                raise r.error(path, "a label must not be empty")
        out[language] = MappingProxyType(parts)
    return MappingProxyType(out)


def _sub(r: _Reader, doc: Mapping[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    if name not in doc:
        raise r.error((), f"missing table [{name}]")
    return r.table(doc, (name,), frozenset(keys))


def _tender_list(r: _Reader, value: Any, path: Path_) -> tuple[str, ...]:
    items = r.string_list(value, path)
    for item in items:
        if item not in REFUND_TENDERS:
            raise r.error(path, f"unknown tender {item!r} (known: {', '.join(REFUND_TENDERS)})")
    return items


def _load_receiptless(r: _Reader, doc: Mapping[str, Any]) -> ReceiptlessRule:
    keys = {
        "allowed",
        "price_lookback_days",
        "limit_period_days",
        "max_count",
        "max_value",
        "tenders",
        "store_credit_bonus_percent",
    }
    t = _sub(r, doc, "receiptless", keys)
    p: Path_ = ("receiptless",)
    return ReceiptlessRule(
        allowed=r.get(t, p, "allowed", r.boolean),
        price_lookback_days=r.get(t, p, "price_lookback_days", r.days),
        limit_period_days=r.get(t, p, "limit_period_days", r.days),
        max_count=r.get(t, p, "max_count", r.count),
        max_value=r.get(t, p, "max_value", r.money),
        tenders=r.get(t, p, "tenders", lambda v, q: _tender_list(r, v, q), ("store_credit",)),
        store_credit_bonus_percent=r.get(t, p, "store_credit_bonus_percent", r.percent, Decimal(0)),
    )


def _load_approval(r: _Reader, doc: Mapping[str, Any]) -> ApprovalRule:
    t = _sub(
        r,
        doc,
        "approval",
        {"auto_approve_below", "refer_above", "fast_path_skips_frequent_returner"},
    )
    p: Path_ = ("approval",)
    below = r.get(t, p, "auto_approve_below", r.money)
    above = r.get(t, p, "refer_above", r.money)
    if above < below:
        raise r.error((*p, "refer_above"), f"{above} is below auto_approve_below {below}")
    return ApprovalRule(
        below, above, r.get(t, p, "fast_path_skips_frequent_returner", r.boolean, True)
    )


def _load_frequent(r: _Reader, doc: Mapping[str, Any]) -> FrequentReturnerRule:
    t = _sub(r, doc, "frequent_returner", {"lookback_days", "max_returns"})
    p: Path_ = ("frequent_returner",)
    return FrequentReturnerRule(
        r.get(t, p, "lookback_days", r.days), r.get(t, p, "max_returns", r.count)
    )


def _load_serials(r: _Reader, doc: Mapping[str, Any]) -> SerialRule:
    t = _sub(r, doc, "serials", {"require_match", "mismatch_hard"})
    p: Path_ = ("serials",)
    return SerialRule(
        r.get(t, p, "require_match", r.boolean), r.get(t, p, "mismatch_hard", r.boolean, False)
    )


def _load_tenders(r: _Reader, doc: Mapping[str, Any]) -> TenderRule:
    keys = {
        "original",
        "exchange",
        "store_credit",
        "store_credit_bonus_percent",
        "cash_refund_below",
    }
    t = _sub(r, doc, "tenders", keys)
    p: Path_ = ("tenders",)
    return TenderRule(
        original=r.get(t, p, "original", r.boolean),
        exchange=r.get(t, p, "exchange", r.boolean),
        store_credit=r.get(t, p, "store_credit", r.boolean),
        store_credit_bonus_percent=r.get(t, p, "store_credit_bonus_percent", r.percent),
        cash_refund_below=r.get(t, p, "cash_refund_below", r.money),
    )


def _load_exchange(r: _Reader, doc: Mapping[str, Any]) -> ExchangeRule:
    """[exchange] is optional: without it a replacement is priced at today's price."""
    if "exchange" not in doc:
        return ExchangeRule()
    t = _sub(r, doc, "exchange", {"like_for_like_at_paid_price"})
    p: Path_ = ("exchange",)
    return ExchangeRule(r.get(t, p, "like_for_like_at_paid_price", r.boolean, False))


def load_policy_file(path: Path) -> Policy:
    """Load a policy file; a missing or unreadable file is a PolicyError too."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(path.name, "", None, f"cannot read the policy file: {exc}") from None
    return load_policy(text, path.name)


def default_policy_path() -> Path:
    """resources/policy/default.toml in the repository (the parent of the counter_app package)."""
    return Path(__file__).resolve().parents[2] / "resources" / "policy" / "default.toml"


class PolicyHolder:
    """Keeps the policy in force; a replacement takes effect only if it loads cleanly.

    Head office may publish a broken file; the counter must keep working on the old one.
    `zone` is the store's time zone: when set, every policy handed out counts its window
    days (and everything else local) in it; the policy's own `timezone` is only the default.
    """

    def __init__(self, policy: Policy, zone: str | None = None) -> None:
        self._lock = threading.Lock()
        self._zone = zone
        self._policy = self._localised(policy)

    def _localised(self, policy: Policy) -> Policy:
        if not self._zone or self._zone == policy.timezone:
            return policy
        return dataclasses.replace(policy, timezone=self._zone)

    @property
    def current(self) -> Policy:
        with self._lock:
            return self._policy

    @property
    def store_zone(self) -> str | None:
        """The store's zone given at start (None: the policy's zone is used)."""
        return self._zone

    def replace(self, text: str, source: str = "<policy>") -> Policy:
        """Swap in the policy in `text`; raises PolicyError and keeps the old one if it is bad."""
        policy = self._localised(load_policy(text, source))
        with self._lock:
            self._policy = policy
        return policy

    def replace_file(self, path: Path) -> Policy:
        policy = self._localised(load_policy_file(path))
        with self._lock:
            self._policy = policy
        return policy
