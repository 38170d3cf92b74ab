"""Manager reports: returns by reason, category, product, cashier and day; return rates;
reason vs condition; overrides; frequent returners — each a table plus a chart spec.

Every report aggregates in SQL (GROUP BY) over the return's date range, on SQLite and
PostgreSQL alike, so a 1,000,000-order store answers in well under the 2 s a manager waits.
Periods are local business days in the store's time zone: ``first`` 00:00 to the end of
``last``, converted to UTC once and compared against the indexed ``created_at``/``placed_at``.

Definitions (what each number means, so a manager can check it by hand):

- *refund value* is ``return_lines.refund_minor`` (after fees); *fees* are kept apart;
- *return rate* = units returned in the period / units sold in the period (orders placed
  in the period, every channel), per product or category;
- *reason vs condition* flags lines where the customer claimed a fault (``defective``,
  ``damaged_in_transit``) but the item was graded sellable (a condition the policy restocks);
- *frequent returners* counts returns per customer in the policy's ``lookback_days``
  ending with the period (or now, if earlier), with ``max_returns`` as the limit line.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from counter_app.adapters.db import tables as t
from counter_app.domain.money import parse_money
from counter_app.domain.policy import Policy
from counter_app.domain.stock import SELLABLE_DISPOSITIONS
from counter_app.services.errors import BadInput
from counter_app.services.unit_of_work import UnitOfWork

ColumnKind = Literal["text", "int", "money", "percent", "bool"]
FAULT_REASONS = frozenset({"defective", "damaged_in_transit"})
MAX_FEEDBACK_PER_REASON = 5
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Chart:
    """How the UI draws the report: one bar (or line) per row, `series` are column keys."""

    kind: Literal["bar", "line"]
    label_key: str
    series: tuple[str, ...]
    limit: float | None = None  # a horizontal line (e.g. the policy's frequent-returner limit)
    limit_label: str = ""
    max_points: int = 15


@dataclass(frozen=True)
class Period:
    """Local business days ``first`` .. ``last`` (inclusive) in the store's time zone."""

    first: date
    last: date
    timezone: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise BadInput("The end date is before the start date.")
        if (self.last - self.first).days > MAX_PERIOD_DAYS:
            raise BadInput("Pick a period of at most ten years.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(0), self.zone).astimezone(UTC)

    @classmethod
    def last_days(cls, days: int, now: datetime, timezone: str) -> Period:
        today = now.astimezone(ZoneInfo(timezone)).date()
        return cls(today - timedelta(days=max(1, days) - 1), today, timezone)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    period: Period
    currency: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    chart: Chart
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def total(self, key: str) -> int:
        return sum(int(r.get(key) or 0) for r in self.rows)


@dataclass(frozen=True)
class ReportDef:
    name: str
    title: str
    build: Callable[[Connection, Period, Policy, datetime], Report]
    description: str = ""


@dataclass
class _Ctx:
    conn: Connection
    period: Period
    policy: Policy
    now: datetime
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ helpers

r_, rl_, p_, u_ = t.returns.c, t.return_lines.c, t.products.c, t.users.c


def _in_period(period: Period) -> ColumnElement[bool]:
    return and_(r_.created_at >= period.start, r_.created_at < period.end)


def _lines_join() -> Any:
    return t.return_lines.join(t.returns, r_.id == rl_.return_id)


def _money_cols() -> tuple[Column, ...]:
    return (
        Column("returns", "Returns", "int"),
        Column("units", "Units", "int"),
        Column("refund_minor", "Refund value", "money"),
        Column("fee_minor", "Fees", "money"),
    )


def _line_aggregates() -> list[Any]:
    return [
        func.count(func.distinct(rl_.return_id)).label("returns"),
        func.coalesce(func.sum(rl_.quantity), 0).label("units"),
        func.coalesce(func.sum(rl_.refund_minor), 0).label("refund_minor"),
        func.coalesce(func.sum(rl_.fee_minor), 0).label("fee_minor"),
    ]


def _ints(row: Any, *keys: str) -> dict[str, int]:
    return {k: int(row[k] or 0) for k in keys}


def _sorted(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (*tuple(-(r[k] or 0) for k in keys), str(r.get("key"))))


def _hour_bucket(conn: Connection, column: Any) -> Any:
    """'YYYY-MM-DD HH' of a UTC timestamp column: folded into local days in Python, so days
    follow the store's zone (and its DST changes) on both databases."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)


def _local_day(bucket: Any, zone: ZoneInfo) -> date:
    if isinstance(bucket, datetime):
        moment = bucket if bucket.tzinfo else bucket.replace(tzinfo=UTC)
    else:
        moment = datetime.strptime(str(bucket)[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def _label(pairs: Sequence[tuple[str, str]], code: str) -> str:
    return dict(pairs).get(code, code)


# ------------------------------------------------------------------------------ reports


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
            Column("label", "Reason"),
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
        (Column("key", "Category"), *_money_cols()),
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
            Column("category", "Category"),
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


class _SoldCache:
    """Units sold per local day and SKU, kept between report runs of this process.

    Summing a month of order lines on the 1,000,000-order store takes seconds; the same
    month again, or a month that overlaps it, should not. A day's figures are reused only
    while its orders are unchanged: same number of orders and same highest order id (orders
    are never deleted, and one synced in later for an old day raises both).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[tuple[str, str, date], tuple[int, int, dict[str, int]]] = {}

    def get(self, key: tuple[str, str, date]) -> tuple[int, int, dict[str, int]] | None:
        with self._lock:
            return self._days.get(key)

    def put(self, key: tuple[str, str, date], value: tuple[int, int, dict[str, int]]) -> None:
        with self._lock:
            if len(self._days) > 20_000:
                self._days.clear()
            self._days[key] = value

    def clear(self) -> None:
        with self._lock:
            self._days.clear()


SOLD_CACHE = _SoldCache()


def _sold_by_sku(x: _Ctx) -> dict[str, int]:
    """Units sold per SKU in the period (orders placed in it, every channel), day by day."""
    o, ol = t.orders.c, t.order_lines.c
    conn, period = x.conn, x.period
    url = conn.engine.url.render_as_string(hide_password=True)
    total: dict[str, int] = {}
    day = period.first
    while day <= period.last:
        one = Period(day, day, period.timezone)
        in_day = and_(o.placed_at >= one.start, o.placed_at < one.end)
        # One index range per day (count and highest id): cheap, and tells whether the
        # day's orders changed since its sums were cached.
        count, top = conn.execute(select(func.count(), func.max(o.id)).where(in_day)).one()
        signature = (int(count), int(top or 0))
        key = (url, period.timezone, day)
        cached = SOLD_CACHE.get(key)
        if cached is None or cached[:2] != signature:
            sold: dict[str, int] = {}
            if signature[0]:
                sold = {
                    str(sku): int(units or 0)
                    for sku, units in conn.execute(
                        select(ol.sku, func.sum(ol.quantity))
                        .select_from(t.orders.join(t.order_lines, ol.order_id == o.id))
                        .where(in_day)
                        .group_by(ol.sku)
                    ).all()
                }
            cached = (*signature, sold)
            SOLD_CACHE.put(key, cached)
        for sku, units in cached[2].items():
            total[sku] = total.get(sku, 0) + units
        day += timedelta(days=1)
    return total


def warm_sales(engine: Engine, period: Period, policy: Policy, now: datetime) -> int:
    """Fill the sales cache for `period` (background warm-up); returns units sold."""
    with UnitOfWork(engine) as uow:
        return sum(_sold_by_sku(_Ctx(uow.conn, period, policy, now)).values())


def _sold_and_returned(x: _Ctx, by_category: bool) -> list[dict[str, Any]]:
    sold_by_sku = _sold_by_sku(x)
    if by_category:
        categories = dict(x.conn.execute(select(p_.sku, p_.category)).all())
        sold: dict[str, int] = {}
        for sku, units in sold_by_sku.items():
            category = str(categories.get(sku, "?"))
            sold[category] = sold.get(category, 0) + units
        returned_q = (
            select(p_.category.label("key"), func.sum(rl_.quantity).label("returned"))
            .select_from(_lines_join().join(t.products, p_.sku == rl_.sku))
            .where(_in_period(x.period))
            .group_by(p_.category)
        )
    else:
        sold = sold_by_sku
        returned_q = (
            select(rl_.sku.label("key"), func.sum(rl_.quantity).label("returned"))
            .select_from(_lines_join())
            .where(_in_period(x.period))
            .group_by(rl_.sku)
        )
    returned = {k: int(v or 0) for k, v in x.conn.execute(returned_q).all()}
    rows = []
    for key in set(sold) | set(returned):
        s, r = sold.get(key, 0), returned.get(key, 0)
        rows.append({"key": key, "sold": s, "returned": r, "rate": round(r / s, 4) if s else None})
    return rows


def _rate_sort(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows,
        key=lambda r: (r["rate"] is None, -(r["rate"] or 0), -r["returned"], str(r["key"])),
    )


def _rate_by_product(x: _Ctx) -> Report:
    rows = _sold_and_returned(x, by_category=False)
    names = (
        dict(
            x.conn.execute(
                select(p_.sku, p_.name).where(p_.sku.in_([r["key"] for r in rows]))
            ).all()
        )
        if rows
        else {}
    )
    for row in rows:
        row["name"] = names.get(row["key"], "")
    rows = [r for r in rows if r["returned"] or r["sold"]]
    x.notes.append("Return rate = units returned in the period / units sold in the period.")
    return _report(
        x,
        "rate_by_product",
        (
            Column("key", "SKU"),
            Column("name", "Product"),
            Column("sold", "Sold", "int"),
            Column("returned", "Returned", "int"),
            Column("rate", "Return rate", "percent"),
        ),
        _rate_sort([r for r in rows if r["returned"]])
        + sorted((r for r in rows if not r["returned"]), key=lambda r: str(r["key"])),
        Chart("bar", "key", ("rate",)),
    )


def _rate_by_category(x: _Ctx) -> Report:
    rows = _sold_and_returned(x, by_category=True)
    x.notes.append("Return rate = units returned in the period / units sold in the period.")
    return _report(
        x,
        "rate_by_category",
        (
            Column("key", "Category"),
            Column("sold", "Sold", "int"),
            Column("returned", "Returned", "int"),
            Column("rate", "Return rate", "percent"),
        ),
        _rate_sort(rows),
        Chart("bar", "key", ("rate",)),
    )


def _reason_vs_condition(x: _Ctx) -> Report:
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
    out = sorted(pairs.values(), key=lambda r: (not r["mismatch"], -r["units"], r["key"]))
    x.notes.append(
        "Mismatch: a fault was claimed (defective, damaged in transit) but the item was "
        "graded as sellable."
    )
    return _report(
        x,
        "reason_vs_condition",
        (
            Column("key", "Reason / condition"),
            Column("reason", "Reason code"),
            Column("condition", "Condition"),
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
    x.notes.append("An override that lifted several rules counts under each of them.")
    return _report(
        x,
        "overrides_by_rule",
        (Column("key", "Rule"), *_OVERRIDE_COLS),
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
    x.notes.append(
        f"Returns in the {rule.lookback_days} days up to "
        f"{end.astimezone(x.period.zone):%Y-%m-%d %H:%M}; the policy refers more than "
        f"{rule.max_returns} to a manager. Customers with 2 or more returns, at most 50."
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
        ),
    )


def _report(
    x: _Ctx,
    name: str,
    columns: tuple[Column, ...],
    rows: list[dict[str, Any]],
    chart: Chart,
) -> Report:
    return Report(
        name=name,
        title=REPORTS[name].title,
        period=x.period,
        currency=x.policy.currency,
        columns=columns,
        rows=rows,
        chart=chart,
        notes=tuple(x.notes),
    )


def _def(name: str, title: str, fn: Callable[[_Ctx], Report], description: str) -> ReportDef:
    def build(conn: Connection, period: Period, policy: Policy, now: datetime) -> Report:
        return fn(_Ctx(conn, period, policy, now))

    return ReportDef(name, title, build, description)


REPORTS: dict[str, ReportDef] = {
    d.name: d
    for d in (
        _def("by_reason", "Returns by reason", _by_reason, "units, value and feedback per reason"),
        _def("by_category", "Returns by category", _by_category, "units and value per category"),
        _def("by_product", "Returns by product", _by_product, "units and value per product"),
        _def("by_cashier", "Returns by cashier", _by_cashier, "returns and value per cashier"),
        _def("by_day", "Returns by day", _by_day, "returns and value per local day"),
        _def(
            "rate_by_product",
            "Return rate by product",
            _rate_by_product,
            "returned / sold units per product",
        ),
        _def(
            "rate_by_category",
            "Return rate by category",
            _rate_by_category,
            "returned / sold units per category",
        ),
        _def(
            "reason_vs_condition",
            "Reason vs condition",
            _reason_vs_condition,
            "claimed reason against graded condition, with the leading product",
        ),
        _def(
            "overrides_by_manager",
            "Overrides by manager",
            _overrides_by_manager,
            "manager overrides and their refund value per manager",
        ),
        _def(
            "overrides_by_rule",
            "Overrides by rule",
            _overrides_by_rule,
            "manager overrides per policy rule overridden",
        ),
        _def(
            "frequent_returners",
            "Frequent returners",
            _frequent_returners,
            "customers with many returns in the policy's look-back period",
        ),
    )
}


def run_report(engine: Engine, name: str, period: Period, policy: Policy, now: datetime) -> Report:
    """Build report `name` for `period` (read-only, one short transaction)."""
    definition = REPORTS.get(name)
    if definition is None:
        raise BadInput(f"There is no report '{name[:40]}'. Reports: {', '.join(REPORTS)}.")
    with UnitOfWork(engine) as uow:
        return definition.build(uow.conn, period, policy, now)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"'{text[:20]}' is not a date: use YYYY-MM-DD.") from None


# ------------------------------------------------------------------------------ CSV


def format_cell(column: Column, value: Any) -> str:
    """A cell as CSV text: money as a plain decimal (12.34), rates as a fraction (0.25)."""
    if value is None:
        return ""
    if column.kind == "money":
        minor = int(value)
        sign = "-" if minor < 0 else ""
        units, cents = divmod(abs(minor), 100)
        return f"{sign}{units}.{cents:02d}"
    if column.kind == "bool":
        return "yes" if value else "no"
    if column.kind == "percent":
        return str(Decimal(str(value)))
    return str(value)


def parse_cell(column: Column, text: str) -> Any:
    if column.kind == "text":
        return text
    if text == "":
        return None
    if column.kind == "int":
        return int(text)
    if column.kind == "money":
        return parse_money(text).minor
    if column.kind == "bool":
        return text == "yes"
    return float(text)


def to_csv(report: Report) -> str:
    """The report's table as CSV (header = column titles), for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.title for c in report.columns])
    for row in report.rows:
        writer.writerow([format_cell(c, row.get(c.key)) for c in report.columns])
    return buffer.getvalue()


def from_csv(text: str, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Rows back from `to_csv` (by column title), typed as the report had them."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    by_title = {c.title: c for c in columns}
    cols = [by_title[h] for h in header]
    return [
        {c.key: parse_cell(c, cell) for c, cell in zip(cols, cells, strict=True)}
        for cells in reader
    ]


def write_csv(report: Report, path: str) -> None:
    """UTF-8 with a BOM, so spreadsheet programs read Chinese names right."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(to_csv(report))
