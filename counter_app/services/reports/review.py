"""Reports a manager reviews for abuse: reason vs condition, overrides, frequent returners."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select

from counter_app.adapters.db import tables as t
from counter_app.domain.stock import SELLABLE_DISPOSITIONS
from counter_app.services.reports.model import (
    FAULT_REASONS,
    Chart,
    Column,
    Report,
    _Ctx,
    _in_period,
    _lines_join,
    _report,
    _sorted,
    r_,
    rl_,
    u_,
)


def _reason_condition_rows(x: _Ctx) -> list[dict[str, Any]]:
    """One row per (reason, condition) pair, mismatches first, with its leading SKU."""
    rows = x.conn.execute(
        select(
            rl_.reason_code,
            rl_.condition,
            rl_.sku,
            func.sum(rl_.quantity).label("units"),
            func.sum(rl_.refund_minor).label("refund_minor"),
        )
        .select_from(_lines_join())
        .where(_in_period(x.period))
        .group_by(rl_.reason_code, rl_.condition, rl_.sku)
    ).mappings()
    sellable = {
        code
        for code, rule in x.policy.condition_rules.items()
        if rule.disposition in SELLABLE_DISPOSITIONS
    }
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    leaders: dict[tuple[str, str], tuple[int, str]] = {}
    for r in rows:
        key = (r["reason_code"], r["condition"])
        row = pairs.setdefault(
            key,
            {
                "key": f"{key[0]} / {key[1]}",
                "reason": key[0],
                "condition": key[1],
                "units": 0,
                "refund_minor": 0,
                "mismatch": key[0] in FAULT_REASONS and key[1] in sellable,
                "top_product": "",
                "top_units": 0,
            },
        )
        units = int(r["units"] or 0)
        row["units"] += units
        row["refund_minor"] += int(r["refund_minor"] or 0)
        best = leaders.get(key)
        if best is None or units > best[0] or (units == best[0] and r["sku"] < best[1]):
            leaders[key] = (units, r["sku"])
    for key, (units, sku) in leaders.items():
        pairs[key]["top_product"] = sku
        pairs[key]["top_units"] = units
    return sorted(pairs.values(), key=lambda r: (not r["mismatch"], -r["units"], r["key"]))


def _reason_vs_condition(x: _Ctx) -> Report:
    out = _reason_condition_rows(x)
    x.note(
        "Mismatch: a fault was claimed (defective, damaged in transit) but the item was "
        "graded as sellable."
    )
    return _report(
        x,
        "reason_vs_condition",
        (
            Column("key", "Reason / condition", words="reason_condition"),
            Column("reason", "Reason code"),
            Column("condition", "Condition", words="condition"),
            Column("units", "Units", "int"),
            Column("refund_minor", "Refund value", "money"),
            Column("mismatch", "Mismatch", "bool"),
            Column("top_product", "Leading product"),
            Column("top_units", "Its units", "int"),
        ),
        out,
        Chart("bar", "key", ("units",)),
    )


def _override_rows(x: _Ctx) -> list[tuple[str, str, str, int, int]]:
    ov = t.overrides.c
    rows = x.conn.execute(
        select(
            u_.username,
            func.max(u_.display_name),
            ov.rule_codes,
            func.count(),
            func.coalesce(func.sum(rl_.refund_minor), 0),
        )
        .select_from(
            t.overrides.join(t.returns, r_.id == ov.return_id)
            .join(t.users, u_.id == ov.manager_id)
            .outerjoin(
                t.return_lines, and_(rl_.return_id == ov.return_id, rl_.line_no == ov.line_no)
            )
        )
        .where(_in_period(x.period))
        .group_by(u_.username, ov.rule_codes)
    ).all()
    return [(str(a), str(b), str(c), int(d), int(e)) for a, b, c, d, e in rows]


_OVERRIDE_COLS = (
    Column("overrides", "Overrides", "int"),
    Column("refund_minor", "Refund value", "money"),
)


def _overrides_by_manager(x: _Ctx) -> Report:
    out: dict[str, dict[str, Any]] = {}
    for username, name, _rules, n, value in _override_rows(x):
        row = out.setdefault(
            username, {"key": username, "name": name, "overrides": 0, "refund_minor": 0}
        )
        row["overrides"] += n
        row["refund_minor"] += value
    return _report(
        x,
        "overrides_by_manager",
        (Column("key", "Manager"), Column("name", "Name"), *_OVERRIDE_COLS),
        _sorted(list(out.values()), "overrides", "refund_minor"),
        Chart("bar", "name", ("overrides",)),
    )


def _overrides_by_rule(x: _Ctx) -> Report:
    out: dict[str, dict[str, Any]] = {}
    for _username, _name, rules, n, value in _override_rows(x):
        # One override may lift several rules: it counts once under each of them.
        for code in [c for c in rules.split(",") if c] or ["(none)"]:
            row = out.setdefault(code, {"key": code, "overrides": 0, "refund_minor": 0})
            row["overrides"] += n
            row["refund_minor"] += value
    x.note("An override that lifted several rules counts under each of them.")
    return _report(
        x,
        "overrides_by_rule",
        (Column("key", "Rule", words="rule"), *_OVERRIDE_COLS),
        _sorted(list(out.values()), "overrides", "refund_minor"),
        Chart("bar", "key", ("overrides",)),
    )


def _frequent_returners(x: _Ctx) -> Report:
    rule = x.policy.frequent_returner
    end = min(x.period.end, x.now)
    start = end - timedelta(days=rule.lookback_days)
    c = t.customers.c
    rows = x.conn.execute(
        select(
            c.code.label("key"),
            func.max(c.name).label("name"),
            func.count().label("returns"),
            func.coalesce(func.sum(r_.total_refund_minor), 0).label("refund_minor"),
            func.max(r_.created_at).label("last_at"),
        )
        .select_from(t.returns.join(t.customers, c.id == r_.customer_id))
        .where(r_.created_at >= start, r_.created_at < end)
        .group_by(c.code)
        .having(func.count() >= 2)
        .order_by(func.count().desc(), c.code)
        .limit(50)
    ).mappings()
    out = [
        {
            "key": r["key"],
            "name": r["name"],
            "returns": int(r["returns"]),
            "refund_minor": int(r["refund_minor"]),
            "over_limit": int(r["returns"]) > rule.max_returns,
        }
        for r in rows
    ]
    x.note(
        "Returns in the {days} days up to {end}; the policy refers more than {limit} to a "
        "manager. Customers with 2 or more returns, at most 50.",
        days=rule.lookback_days,
        end=f"{end.astimezone(x.period.zone):%Y-%m-%d %H:%M}",
        limit=rule.max_returns,
    )
    return _report(
        x,
        "frequent_returners",
        (
            Column("key", "Customer"),
            Column("name", "Name"),
            Column("returns", "Returns", "int"),
            Column("refund_minor", "Refund value", "money"),
            Column("over_limit", "Over the limit", "bool"),
        ),
        out,
        Chart(
            "bar",
            "name",
            ("returns",),
            limit=float(rule.max_returns),
            limit_label=f"Policy limit ({rule.max_returns} in {rule.lookback_days} days)",
            limit_template="Policy limit ({limit} in {days} days)",
            limit_params=(("limit", str(rule.max_returns)), ("days", str(rule.lookback_days))),
        ),
    )
