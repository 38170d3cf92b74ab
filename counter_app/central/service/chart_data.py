"""The numbers behind the console's charts, one grouped query (or two) per chart.

Weeks start on Monday 00:00 UTC; a period is the last N weeks up to and including the one
`now` falls in. Each query reads a time range on an indexed column (`orders.placed_at`,
`returns.committed_at`, `return_lines.committed_at`) and buckets rows by week with one CASE
expression, the same SQL on SQLite and PostgreSQL. Definitions:

- return rate by store: returns committed at the store in the week ÷ orders the store sold
  that week (its in-store orders; exchange sales are left out, they are the other half of a
  return); no orders sold → no point;
- return rate by category: units returned (any store) ÷ units sold (any channel) per week,
  by the product's catalog category;
- units returned by reason, per week;
- override rate by store: the store's returns with at least one manager override ÷ its
  returns, over the period; by manager: the returns a manager overrode at a store ÷ that
  store's returns;
- receiptless share by store: receiptless returns ÷ returns, over the period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select
from sqlalchemy.engine import Engine

from counter_app.central.charts import ChartData, Series
from counter_app.central.models import (
    CatalogProduct,
    CentralOrder,
    CentralOrderLine,
    CentralReturn,
    ReturnLineFact,
    ReturnOverride,
    Store,
)

MAX_WEEKS = 52
DEFAULT_WEEKS = 12
UNCATEGORISED = "(uncategorised)"
MAX_MANAGERS = 30


@dataclass(frozen=True)
class Period:
    start: datetime  # a Monday, 00:00 UTC
    weeks: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=self.weeks)

    def edges(self) -> list[datetime]:
        return [self.start + timedelta(weeks=n) for n in range(1, self.weeks)]

    def labels(self) -> list[str]:
        return [(self.start + timedelta(weeks=n)).strftime("%Y-%m-%d") for n in range(self.weeks)]


def period_ending(now: datetime, weeks: int = DEFAULT_WEEKS) -> Period:
    """The `weeks` weeks up to and including the week of `now` (1..MAX_WEEKS)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be 1..{MAX_WEEKS}")
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = day - timedelta(days=day.weekday())
    return Period(start=monday - timedelta(weeks=weeks - 1), weeks=weeks)


def _week(column: Any, period: Period) -> ColumnElement[int]:
    """The week index 0..weeks-1 of a timestamp already known to lie in the period."""
    whens = [(column < edge, n) for n, edge in enumerate(period.edges())]
    if not whens:
        return literal(0)
    return case(*whens, else_=period.weeks - 1)


def _within(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _rate(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _weekly_rates(
    key: str, returned: dict[tuple[str, int], int], sold: dict[tuple[str, int], int], weeks: int
) -> Series:
    return Series(
        key, [_rate(returned.get((key, w), 0), sold.get((key, w), 0)) for w in range(weeks)]
    )


def _store_codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Store.code).order_by(Store.code)).scalars())


def return_rate_by_store(engine: Engine, period: Period) -> ChartData:
    r, o = CentralReturn, CentralOrder
    returned: dict[tuple[str, int], int] = {}
    sold: dict[tuple[str, int], int] = {}
    rw, ow = _week(r.committed_at, period), _week(o.placed_at, period)
    with engine.connect() as conn:
        for code, week, count in conn.execute(
            select(r.store, rw, func.count()).where(_within(r.committed_at, period))
            .group_by(r.store, rw)
        ):  # fmt: skip
            returned[(code, int(week))] = int(count)
        for seller, week, count in conn.execute(
            select(o.store, ow, func.count())
            .where(_within(o.placed_at, period), o.channel == "store", o.return_ref.is_(None))
            .group_by(o.store, ow)
        ):
            if seller is not None:
                sold[(seller, int(week))] = int(count)
    stores = sorted({s for s, _ in returned} | {s for s, _ in sold}) or _store_codes(engine)
    series = [
        Series(
            store,
            [
                _rate(returned.get((store, w), 0), sold.get((store, w), 0))
                for w in range(period.weeks)
            ],
        )
        for store in stores
    ]
    return ChartData(labels=period.labels(), series=series)


def return_rate_by_category(engine: Engine, period: Period) -> ChartData:
    f, o, ol, c = ReturnLineFact, CentralOrder, CentralOrderLine, CatalogProduct
    returned: dict[tuple[str, int], int] = {}
    sold: dict[tuple[str, int], int] = {}
    fw, ow = _week(f.committed_at, period), _week(o.placed_at, period)
    with engine.connect() as conn:
        for category, week, units in conn.execute(
            select(f.category, fw, func.sum(f.quantity))
            .where(_within(f.committed_at, period))
            .group_by(f.category, fw)
        ):
            returned[(category or UNCATEGORISED, int(week))] = int(units or 0)
        for category, week, units in conn.execute(
            select(c.category, ow, func.sum(ol.quantity))
            .select_from(ol)
            .join(o, o.number == ol.order_number)
            .outerjoin(c, c.sku == ol.sku)
            .where(_within(o.placed_at, period), o.return_ref.is_(None))
            .group_by(c.category, ow)
        ):
            key = (category or UNCATEGORISED, int(week))
            sold[key] = sold.get(key, 0) + int(units or 0)
    categories = sorted({k for k, _ in returned} | {k for k, _ in sold})
    series = [
        Series(
            name,
            [
                _rate(returned.get((name, w), 0), sold.get((name, w), 0))
                for w in range(period.weeks)
            ],
        )
        for name in categories
        if any(returned.get((name, w)) for w in range(period.weeks))
    ]
    return ChartData(labels=period.labels(), series=series)


def returns_by_reason(engine: Engine, period: Period) -> ChartData:
    f = ReturnLineFact
    units: dict[tuple[str, int], int] = {}
    fw = _week(f.committed_at, period)
    with engine.connect() as conn:
        for reason, week, total in conn.execute(
            select(f.reason, fw, func.sum(f.quantity))
            .where(_within(f.committed_at, period))
            .group_by(f.reason, fw)
        ):
            units[(reason, int(week))] = int(total or 0)
    totals: dict[str, int] = {}
    for (reason, _), count in units.items():
        totals[reason] = totals.get(reason, 0) + count
    reasons = sorted(totals, key=lambda name: (-totals[name], name))
    series = [
        Series(name, [float(units.get((name, w), 0)) for w in range(period.weeks)])
        for name in reasons
    ]
    return ChartData(labels=period.labels(), series=series, percent=False)


def _returns_per_store(conn: Any, period: Period) -> dict[str, tuple[int, int]]:
    """store -> (returns, receiptless returns) committed in the period."""
    r = CentralReturn
    receiptless = func.sum(case((r.kind == "receiptless", 1), else_=0))
    return {
        store: (int(count), int(rl or 0))
        for store, count, rl in conn.execute(
            select(r.store, func.count(), receiptless)
            .where(_within(r.committed_at, period))
            .group_by(r.store)
        )
    }


def _overridden(conn: Any, period: Period, *by: Any) -> list[Any]:
    r, ov = CentralReturn, ReturnOverride
    return list(
        conn.execute(
            select(r.store, *by, func.count(distinct(ov.return_ref)))
            .select_from(ov)
            .join(r, r.ref == ov.return_ref)
            .where(_within(r.committed_at, period))
            .group_by(r.store, *by)
        )
    )


def override_rate_by_store(engine: Engine, period: Period) -> ChartData:
    with engine.connect() as conn:
        returns = _returns_per_store(conn, period)
        overridden = {store: int(n) for store, n in _overridden(conn, period)}
    stores = sorted(returns)
    values = [_rate(overridden.get(s, 0), returns[s][0]) for s in stores]
    return ChartData(labels=stores, series=[Series("override rate", values)])


def override_rate_by_manager(engine: Engine, period: Period) -> ChartData:
    with engine.connect() as conn:
        returns = _returns_per_store(conn, period)
        rows = _overridden(conn, period, ReturnOverride.manager)
    rates = [
        (f"{manager} @ {store}", _rate(int(n), returns.get(store, (0, 0))[0]) or 0.0)
        for store, manager, n in rows
    ]
    rates.sort(key=lambda item: (-item[1], item[0]))
    top = rates[:MAX_MANAGERS]
    return ChartData(
        labels=[label for label, _ in top],
        series=[Series("override rate", [rate for _, rate in top])],
    )


def receiptless_share_by_store(engine: Engine, period: Period) -> ChartData:
    with engine.connect() as conn:
        returns = _returns_per_store(conn, period)
    stores = sorted(returns)
    values = [_rate(returns[s][1], returns[s][0]) for s in stores]
    return ChartData(labels=stores, series=[Series("receiptless share", values)])


CHART_DATA: dict[str, Callable[[Engine, Period], ChartData]] = {
    "return-rate-by-store": return_rate_by_store,
    "return-rate-by-category": return_rate_by_category,
    "returns-by-reason": returns_by_reason,
    "override-rate-by-store": override_rate_by_store,
    "override-rate-by-manager": override_rate_by_manager,
    "receiptless-share-by-store": receiptless_share_by_store,
}


def chart_data(engine: Engine, name: str, period: Period) -> ChartData:
    """The data of chart `name` (KeyError for a name that is not a chart)."""
    return CHART_DATA[name](engine, period)
