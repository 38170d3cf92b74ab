"""The report types (column, chart, period, report) and the SQL pieces every report shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func
from sqlalchemy.sql.elements import ColumnElement

from counter_app.adapters.db import tables as t
from counter_app.domain.policy import Policy
from counter_app.services.errors import BadInput

ColumnKind = Literal["text", "int", "money", "percent", "bool"]
FAULT_REASONS = frozenset({"defective", "damaged_in_transit"})
MAX_FEEDBACK_PER_REASON = 5
MAX_PERIOD_DAYS = 3660


# What a text column's values are, so a screen can show them in its own language (the CSV
# and the CLI keep the values): a reason or condition code, a category code, a policy label,
# "reason / condition" pairs of codes, a policy rule's code (FINAL_SALE).
ColumnWords = Literal["", "reason", "condition", "category", "label", "reason_condition", "rule"]
NoteParams = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: ColumnKind = "text"
    words: ColumnWords = ""


@dataclass(frozen=True)
class Chart:
    """How the UI draws the report: one bar (or line) per row, `series` are column keys."""

    kind: Literal["bar", "line"]
    label_key: str
    series: tuple[str, ...]
    limit: float | None = None  # a horizontal line (e.g. the policy's frequent-returner limit)
    limit_label: str = ""
    max_points: int = 15
    limit_template: str = ""  # limit_label before its numbers went in (for translation)
    limit_params: NoteParams = ()


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
    # each note as (English template, its {name} values), for a screen that translates it
    note_templates: tuple[tuple[str, NoteParams], ...] = ()

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
    lists_customers: bool = False  # names customers: the command line asks for an admin


@dataclass
class _Ctx:
    conn: Connection
    period: Period
    policy: Policy
    now: datetime
    notes: list[str] = field(default_factory=list)
    title: str = ""  # the ReportDef's title, filled by the registry
    note_templates: list[tuple[str, NoteParams]] = field(default_factory=list)

    def note(self, template: str, **params: object) -> None:
        """A note under the report: the English text, and its template for translation."""
        values = {k: str(v) for k, v in params.items()}
        self.notes.append(template.format(**values))
        self.note_templates.append((template, tuple(values.items())))


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


def _report(
    x: _Ctx,
    name: str,
    columns: tuple[Column, ...],
    rows: list[dict[str, Any]],
    chart: Chart,
) -> Report:
    return Report(
        name=name,
        title=x.title,
        period=x.period,
        currency=x.policy.currency,
        columns=columns,
        rows=rows,
        chart=chart,
        notes=tuple(x.notes),
        note_templates=tuple(x.note_templates),
    )
