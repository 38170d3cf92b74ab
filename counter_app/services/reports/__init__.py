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

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from counter_app.domain.policy import Policy
from counter_app.domain.stock import SELLABLE_DISPOSITIONS
from counter_app.services.errors import BadInput
from counter_app.services.reports.breakdowns import (
    _by_cashier,
    _by_category,
    _by_day,
    _by_product,
    _by_reason,
)
from counter_app.services.reports.csv_io import (
    format_cell,
    from_csv,
    parse_cell,
    to_csv,
    write_csv,
)
from counter_app.services.reports.model import (
    FAULT_REASONS,
    MAX_FEEDBACK_PER_REASON,
    MAX_PERIOD_DAYS,
    Chart,
    Column,
    ColumnKind,
    Period,
    Report,
    ReportDef,
    _Ctx,
)
from counter_app.services.reports.rates import (
    SOLD_CACHE,
    _rate_by_category,
    _rate_by_product,
    warm_sales,
)
from counter_app.services.reports.review import (
    _frequent_returners,
    _overrides_by_manager,
    _overrides_by_rule,
    _reason_vs_condition,
)
from counter_app.services.unit_of_work import UnitOfWork

__all__ = [
    "FAULT_REASONS",
    "MAX_FEEDBACK_PER_REASON",
    "MAX_PERIOD_DAYS",
    "REPORTS",
    "SELLABLE_DISPOSITIONS",
    "SOLD_CACHE",
    "Chart",
    "Column",
    "ColumnKind",
    "Period",
    "Report",
    "ReportDef",
    "format_cell",
    "from_csv",
    "parse_cell",
    "parse_day",
    "run_report",
    "to_csv",
    "warm_sales",
    "write_csv",
]


def _def(
    name: str,
    title: str,
    fn: Callable[[_Ctx], Report],
    description: str,
    *,
    lists_customers: bool = False,
) -> ReportDef:
    def build(conn: Connection, period: Period, policy: Policy, now: datetime) -> Report:
        return fn(_Ctx(conn, period, policy, now, title=title))

    return ReportDef(name, title, build, description, lists_customers)


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
            lists_customers=True,
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
