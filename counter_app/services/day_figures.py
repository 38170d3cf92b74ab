"""What one counter's business day adds up to (`DaySummary`) and the queries that add it up.

Returns, units, refunds per tender, store credit and overrides are the day's; print jobs,
e-mails and messages waiting are what is outstanding right now. day_close.py stores it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t

TENDER_ORDER = ("card", "cash", "store_credit", "gift_card", "exchange")


@dataclass(frozen=True)
class OverrideLine:
    ref: str
    line_no: int
    sku: str
    manager: str
    manager_name: str
    reason: str


@dataclass(frozen=True)
class DaySummary:
    """One counter's day. Money in minor units of `currency`."""

    store_code: str
    counter_code: str
    business_date: date
    timezone: str
    currency: str
    generated_at: datetime
    returns_count: int = 0
    units: int = 0
    refund_total_minor: int = 0
    fees_minor: int = 0
    refunds_by_tender: dict[str, int] = field(default_factory=dict)
    cash_paid_out_minor: int = 0
    # Exchange balances the customers paid in cash into this counter's drawer.
    cash_taken_in_minor: int = 0
    store_credit_issued_minor: int = 0
    overrides: tuple[OverrideLine, ...] = ()
    messages_waiting: int = 0
    last_sync_at: datetime | None = None
    print_jobs_failed: int = 0
    print_jobs_pending: int = 0
    notifications_pending: int = 0
    notifications_failed: int = 0

    @property
    def warning_templates(self) -> list[tuple[str, dict[str, int]]]:
        """What the manager should act on before walking away, as (English template, numbers)
        so the screen can translate the template before filling the numbers in."""
        out: list[tuple[str, dict[str, int]]] = []
        if self.messages_waiting:
            out.append(
                (
                    "{count} message(s) have not reached head office yet: run a sync (Sync now) "
                    "before closing, or make sure tonight's sync runs.",
                    {"count": self.messages_waiting},
                )
            )
        unprinted = self.print_jobs_failed + self.print_jobs_pending
        if unprinted:
            out.append(
                (
                    "{count} print job(s) are not printed ({failed} failed): check the printer "
                    "and reprint what is missing.",
                    {"count": unprinted, "failed": self.print_jobs_failed},
                )
            )
        if self.notifications_failed:
            out.append(
                (
                    "{count} customer e-mail(s) could not be sent: check the mail settings and "
                    "retry them.",
                    {"count": self.notifications_failed},
                )
            )
        return out

    @property
    def warnings(self) -> list[str]:
        return [template.format(**numbers) for template, numbers in self.warning_templates]

    def to_json(self) -> str:
        data = asdict(self)
        data["business_date"] = self.business_date.isoformat()
        data["generated_at"] = self.generated_at.isoformat()
        data["last_sync_at"] = self.last_sync_at.isoformat() if self.last_sync_at else None
        data["warnings"] = self.warnings
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DaySummary:
        data = json.loads(text)
        data.pop("warnings", None)
        data["business_date"] = date.fromisoformat(data["business_date"])
        data["generated_at"] = datetime.fromisoformat(data["generated_at"])
        if data.get("last_sync_at"):
            data["last_sync_at"] = datetime.fromisoformat(data["last_sync_at"])
        data["overrides"] = tuple(OverrideLine(**o) for o in data.get("overrides", []))
        return cls(**data)


def _day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def summarise_day(
    conn: Connection,
    *,
    store_code: str,
    counter_code: str,
    business_date: date,
    timezone: str,
    currency: str,
    now: datetime,
) -> DaySummary:
    """The day's figures for one counter, read in the caller's transaction."""
    r = t.returns.c
    start, end = _day_bounds(business_date, timezone)
    mine = and_(
        r.store_code == store_code,
        r.counter_code == counter_code,
        r.created_at >= start,
        r.created_at < end,
    )
    count, total, units, fees = _day_totals(conn, mine)
    ordered = _refunds_by_tender(conn, mine)
    jobs, mails, last = _outstanding(conn, counter_code)
    return DaySummary(
        store_code=store_code,
        counter_code=counter_code,
        business_date=business_date,
        timezone=timezone,
        currency=currency,
        generated_at=now,
        returns_count=int(count),
        units=int(units),
        refund_total_minor=int(total),
        fees_minor=int(fees),
        refunds_by_tender=ordered,
        cash_paid_out_minor=ordered.get("cash", 0),
        cash_taken_in_minor=_exchange_cash_in(conn, mine),
        store_credit_issued_minor=_store_credit_issued(conn, mine),
        overrides=_override_lines(conn, mine),
        messages_waiting=repo.pending_outbox_count(conn),
        last_sync_at=datetime.fromisoformat(last) if last else None,
        print_jobs_failed=int(jobs.get("failed", 0)),
        print_jobs_pending=int(jobs.get("pending", 0)) + int(jobs.get("printing", 0)),
        notifications_pending=int(mails.get("pending", 0)),
        notifications_failed=int(mails.get("failed", 0)),
    )


def _day_totals(conn: Connection, mine: ColumnElement[bool]) -> tuple[int, int, int, int]:
    """Returns, refund total, units and fees of the returns `mine` selects."""
    r, rl = t.returns.c, t.return_lines.c
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(r.total_refund_minor), 0)).where(mine)
    ).one()
    units, fees = conn.execute(
        select(func.coalesce(func.sum(rl.quantity), 0), func.coalesce(func.sum(rl.fee_minor), 0))
        .select_from(t.return_lines.join(t.returns, r.id == rl.return_id))
        .where(mine)
    ).one()
    return count, total, units, fees


def _refunds_by_tender(conn: Connection, mine: ColumnElement[bool]) -> dict[str, int]:
    """Refunded per tender, in the Z-report's tender order (unknown tenders last, sorted)."""
    r, rf = t.returns.c, t.refunds.c
    by_tender = {
        str(k): int(v)
        for k, v in conn.execute(
            select(rf.tender, func.sum(rf.amount_minor))
            .select_from(t.refunds.join(t.returns, r.id == rf.return_id))
            .where(mine)
            .group_by(rf.tender)
        ).all()
    }
    ordered = {k: by_tender[k] for k in TENDER_ORDER if k in by_tender}
    ordered |= {k: v for k, v in sorted(by_tender.items()) if k not in ordered}
    return ordered


def _exchange_cash_in(conn: Connection, mine: ColumnElement[bool]) -> int:
    """Cash the customers paid at this counter's exchanges (the balance owed)."""
    r, p = t.returns.c, t.payments.c
    paid = conn.execute(
        select(func.coalesce(func.sum(p.amount_minor), 0))
        .select_from(t.payments.join(t.returns, r.exchange_order_id == p.order_id))
        .where(mine, p.tender == "cash")
    ).scalar_one()
    return int(paid)


def _store_credit_issued(conn: Connection, mine: ColumnElement[bool]) -> int:
    r, sc = t.returns.c, t.store_credits.c
    credit = conn.execute(
        select(func.coalesce(func.sum(sc.amount_minor), 0))
        .select_from(t.store_credits.join(t.returns, r.id == sc.return_id))
        .where(mine)
    ).scalar_one()
    return int(credit)


def _override_lines(conn: Connection, mine: ColumnElement[bool]) -> tuple[OverrideLine, ...]:
    r, rl, ov, u = t.returns.c, t.return_lines.c, t.overrides.c, t.users.c
    return tuple(
        OverrideLine(
            row.ref, row.line_no, row.sku or "", row.username, row.display_name, row.reason
        )
        for row in conn.execute(
            select(r.ref, ov.line_no, rl.sku, u.username, u.display_name, ov.reason)
            .select_from(
                t.overrides.join(t.returns, r.id == ov.return_id)
                .join(t.users, u.id == ov.manager_id)
                .outerjoin(
                    t.return_lines, and_(rl.return_id == ov.return_id, rl.line_no == ov.line_no)
                )
            )
            .where(mine)
            .order_by(r.created_at, ov.line_no)
        )
    )


def _outstanding(
    conn: Connection, counter_code: str
) -> tuple[dict[str, int], dict[str, int], str | None]:
    """Right now, not for the day: print jobs by status, e-mails by status, last sync."""
    pj, nt = t.print_jobs.c, t.notifications.c
    jobs: dict[str, int] = dict(
        conn.execute(  # type: ignore[arg-type]
            select(pj.status, func.count())
            .where(
                pj.counter_code == counter_code, pj.status.in_(("failed", "pending", "printing"))
            )
            .group_by(pj.status)
        ).all()
    )
    mails: dict[str, int] = dict(
        conn.execute(  # type: ignore[arg-type]
            select(nt.status, func.count())
            .where(nt.status.in_(("failed", "pending")))
            .group_by(nt.status)
        ).all()
    )
    last = conn.execute(
        select(t.sync_state.c.value).where(t.sync_state.c.key == "last_success")
    ).scalar()
    return jobs, mails, last
