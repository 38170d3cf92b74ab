"""Returns broken down by reason, category, product, cashier and local day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from counter_app.adapters.db import tables as t
from counter_app.services.reports.model import (
    MAX_FEEDBACK_PER_REASON,
    Chart,
    Column,
    Report,
    _Ctx,
    _hour_bucket,
    _in_period,
    _ints,
    _label,
    _line_aggregates,
    _lines_join,
    _local_day,
    _money_cols,
    _report,
    _sorted,
    p_,
    r_,
    rl_,
    u_,
)


def _by_reason(x: _Ctx) -> Report:
    rows = x.conn.execute(
        select(rl_.reason_code.label("key"), *_line_aggregates())
        .select_from(_lines_join())
        .where(_in_period(x.period))
        .group_by(rl_.reason_code)
    ).mappings()
    out = [
        {
            "key": r["key"],
            "label": _label(x.policy.reason_codes, r["key"]),
            **_ints(r, "returns", "units", "refund_minor", "fee_minor"),
            "feedback_count": 0,
            "feedback": "",
        }
        for r in rows
    ]
    # The customers' own words: how many gave feedback, and the latest few per reason.
    feedback: dict[str, list[str]] = {}
    counts: dict[str, int] = dict(
        x.conn.execute(
            select(rl_.reason_code, func.count())
            .select_from(_lines_join())
            .where(_in_period(x.period), rl_.feedback != "")
            .group_by(rl_.reason_code)
        ).all()
    )
    for code in counts:
        texts = x.conn.execute(
            select(rl_.feedback)
            .select_from(_lines_join())
            .where(_in_period(x.period), rl_.feedback != "", rl_.reason_code == code)
            .order_by(r_.created_at.desc(), rl_.id.desc())
            .limit(MAX_FEEDBACK_PER_REASON)
        ).scalars()
        feedback[code] = [" ".join(str(s).split()) for s in texts]
    for row in out:
        row["feedback_count"] = int(counts.get(row["key"], 0))
        row["feedback"] = " | ".join(feedback.get(row["key"], []))
    return _report(
        x,
        "by_reason",
        (
            Column("key", "Reason code"),
            Column("label", "Reason", words="label"),
            *_money_cols(),
            Column("feedback_count", "Feedback given", "int"),
            Column("feedback", "Latest feedback"),
        ),
        _sorted(out, "units", "refund_minor"),
        Chart("bar", "label", ("units",)),
    )


def _by_category(x: _Ctx) -> Report:
    rows = x.conn.execute(
        select(func.coalesce(p_.category, "?").label("key"), *_line_aggregates())
        .select_from(_lines_join().outerjoin(t.products, p_.sku == rl_.sku))
        .where(_in_period(x.period))
        .group_by(p_.category)
    ).mappings()
    out = [
        {"key": r["key"], **_ints(r, "returns", "units", "refund_minor", "fee_minor")} for r in rows
    ]
    return _report(
        x,
        "by_category",
        (Column("key", "Category", words="category"), *_money_cols()),
        _sorted(out, "refund_minor", "units"),
        Chart("bar", "key", ("refund_minor",)),
    )


def _by_product(x: _Ctx) -> Report:
    rows = x.conn.execute(
        select(
            rl_.sku.label("key"),
            func.max(p_.name).label("name"),
            func.max(p_.category).label("category"),
            *_line_aggregates(),
        )
        .select_from(_lines_join().outerjoin(t.products, p_.sku == rl_.sku))
        .where(_in_period(x.period))
        .group_by(rl_.sku)
    ).mappings()
    out = [
        {
            "key": r["key"],
            "name": r["name"] or "",
            "category": r["category"] or "",
            **_ints(r, "returns", "units", "refund_minor", "fee_minor"),
        }
        for r in rows
    ]
    return _report(
        x,
        "by_product",
        (
            Column("key", "SKU"),
            Column("name", "Product"),
            Column("category", "Category", words="category"),
            *_money_cols(),
        ),
        _sorted(out, "refund_minor", "units"),
        Chart("bar", "key", ("refund_minor",)),
    )


def _by_cashier(x: _Ctx) -> Report:
    rows = x.conn.execute(
        select(
            u_.username.label("key"),
            func.max(u_.display_name).label("name"),
            *_line_aggregates(),
        )
        .select_from(_lines_join().join(t.users, u_.id == r_.cashier_id))
        .where(_in_period(x.period))
        .group_by(u_.username)
    ).mappings()
    out = [
        {
            "key": r["key"],
            "name": r["name"],
            **_ints(r, "returns", "units", "refund_minor", "fee_minor"),
        }
        for r in rows
    ]
    return _report(
        x,
        "by_cashier",
        (Column("key", "User"), Column("name", "Cashier"), *_money_cols()),
        _sorted(out, "returns", "refund_minor"),
        Chart("bar", "name", ("returns",)),
    )


def _by_day(x: _Ctx) -> Report:
    bucket = _hour_bucket(x.conn, r_.created_at).label("bucket")
    per_hour = x.conn.execute(
        select(bucket, *_line_aggregates())
        .select_from(_lines_join())
        .where(_in_period(x.period))
        .group_by(bucket)
    ).mappings()
    zone = x.period.zone
    days: dict[date, dict[str, Any]] = {}
    day = x.period.first
    while day <= x.period.last:  # every day, also those without returns (a flat line)
        days[day] = {
            "key": day.isoformat(),
            "returns": 0,
            "units": 0,
            "refund_minor": 0,
            "fee_minor": 0,
        }
        day += timedelta(days=1)
    for r in per_hour:
        d = _local_day(r["bucket"], zone)
        if d not in days:
            continue
        for k in ("returns", "units", "refund_minor", "fee_minor"):
            # "returns" per hour are distinct within the hour; a return lives in one hour.
            days[d][k] += int(r[k] or 0)
    return _report(
        x,
        "by_day",
        (Column("key", "Day"), *_money_cols()),
        list(days.values()),
        Chart("line", "key", ("refund_minor",), max_points=400),
    )
