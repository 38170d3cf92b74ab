"""Return rates (returned / sold units) and the per-day cache of units sold behind them."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select

from counter_app.adapters.db import tables as t
from counter_app.domain.policy import Policy
from counter_app.services.reports.model import (
    Chart,
    Column,
    Period,
    Report,
    _Ctx,
    _in_period,
    _lines_join,
    _report,
    p_,
    rl_,
)
from counter_app.services.unit_of_work import UnitOfWork


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
    x.note("Return rate = units returned in the period / units sold in the period.")
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
    x.note("Return rate = units returned in the period / units sold in the period.")
    return _report(
        x,
        "rate_by_category",
        (
            Column("key", "Category", words="category"),
            Column("sold", "Sold", "int"),
            Column("returned", "Returned", "int"),
            Column("rate", "Return rate", "percent"),
        ),
        _rate_sort(rows),
        Chart("bar", "key", ("rate",)),
    )
