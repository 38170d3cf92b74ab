"""Day close: the counter's end-of-day summary, printed as the Z-report and kept as it was.

`day_summary` reads one counter's local business day (returns, refunds per tender, cash
paid out, overrides) plus what is still outstanding right now (messages waiting to sync,
print jobs not printed, customer e-mails not sent). `close_day` stores that summary in
``day_closes`` (one per store, counter and day — the database refuses a second) with an
audit entry, in one transaction. The Z-report is built from the *stored* summary, so a
reprint next week shows exactly what the manager signed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.documents import (
    Document,
    OverrideNote,
    StoreInfo,
    TenderKind,
    ZReportData,
    build_z_report,
)
from counter_app.domain.model import User
from counter_app.domain.money import Money
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, CounterError, NotFound, OverrideRefused
from counter_app.services.unit_of_work import UnitOfWork

TENDER_ORDER = ("card", "cash", "store_credit", "gift_card", "exchange")
TENDER_NAMES = {
    "card": "Card",
    "cash": "Cash",
    "store_credit": "Store credit",
    "gift_card": "Gift card",
    "exchange": "Exchange",
}


class DayAlreadyClosed(CounterError):
    pass


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


@dataclass(frozen=True)
class DayClose:
    id: int
    summary: DaySummary
    closed_at: datetime
    closed_by: str
    closed_by_name: str

    @property
    def subject(self) -> str:
        return z_report_subject(
            self.summary.store_code, self.summary.counter_code, self.summary.business_date
        )


def store_zone(engine: Engine, store_code: str, default: str) -> str:
    with UnitOfWork(engine) as uow:
        zone = uow.conn.execute(
            select(t.stores.c.timezone).where(t.stores.c.code == store_code)
        ).scalar()
    return str(zone or default)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def _day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _summary(
    conn: Connection,
    *,
    store_code: str,
    counter_code: str,
    business_date: date,
    timezone: str,
    currency: str,
    now: datetime,
) -> DaySummary:
    r, rl, rf = t.returns.c, t.return_lines.c, t.refunds.c
    start, end = _day_bounds(business_date, timezone)
    mine = and_(
        r.store_code == store_code,
        r.counter_code == counter_code,
        r.created_at >= start,
        r.created_at < end,
    )
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(r.total_refund_minor), 0)).where(mine)
    ).one()
    units, fees = conn.execute(
        select(func.coalesce(func.sum(rl.quantity), 0), func.coalesce(func.sum(rl.fee_minor), 0))
        .select_from(t.return_lines.join(t.returns, r.id == rl.return_id))
        .where(mine)
    ).one()
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
    sc = t.store_credits.c
    credit = conn.execute(
        select(func.coalesce(func.sum(sc.amount_minor), 0))
        .select_from(t.store_credits.join(t.returns, r.id == sc.return_id))
        .where(mine)
    ).scalar_one()
    ov, u = t.overrides.c, t.users.c
    overrides = tuple(
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
        store_credit_issued_minor=int(credit),
        overrides=overrides,
        messages_waiting=repo.pending_outbox_count(conn),
        last_sync_at=datetime.fromisoformat(last) if last else None,
        print_jobs_failed=int(jobs.get("failed", 0)),
        print_jobs_pending=int(jobs.get("pending", 0)) + int(jobs.get("printing", 0)),
        notifications_pending=int(mails.get("pending", 0)),
        notifications_failed=int(mails.get("failed", 0)),
    )


def day_summary(
    engine: Engine,
    clock: Clock,
    *,
    store_code: str,
    counter_code: str,
    timezone: str,
    currency: str,
    business_date: date | None = None,
) -> DaySummary:
    """The day as it stands now (nothing is stored): the day-close dialog's preview."""
    now = clock.now()
    day = business_date or local_today(now, timezone)
    with UnitOfWork(engine) as uow:
        return _summary(
            uow.conn,
            store_code=store_code,
            counter_code=counter_code,
            business_date=day,
            timezone=timezone,
            currency=currency,
            now=now,
        )


def close_day(
    engine: Engine,
    clock: Clock,
    *,
    manager: User,
    store_code: str,
    counter_code: str,
    timezone: str,
    currency: str,
    business_date: date | None = None,
    queue_print: bool = False,
) -> DayClose:
    """Store the day's summary once (manager only), audited; optionally queue the Z-report.

    `queue_print` puts a ``z_report`` job in the persisted print queue in the same
    transaction (only once the queue knows how to build it — see `z_report_document`).
    """
    if not manager.can_approve:
        raise OverrideRefused(f"{manager.display_name} is not a manager and cannot close the day.")
    now = clock.now()
    day = business_date or local_today(now, timezone)
    if day > local_today(now, timezone):
        raise BadInput("A day that has not started yet cannot be closed.")
    try:
        with UnitOfWork(engine, write=True) as uow:
            conn = uow.conn
            summary = _summary(
                conn,
                store_code=store_code,
                counter_code=counter_code,
                business_date=day,
                timezone=timezone,
                currency=currency,
                now=now,
            )
            close_id = repo.insert_row(
                conn,
                t.day_closes,
                {
                    "store_code": store_code,
                    "counter_code": counter_code,
                    "business_date": day.isoformat(),
                    "closed_at": now,
                    "closed_by": manager.id,
                    "summary_json": summary.to_json(),
                },
            )
            subject = z_report_subject(store_code, counter_code, day)
            repo.append_audit_published(
                conn,
                at=now,
                actor=manager.username,
                action="day.closed",
                subject=subject,
                data={
                    "returns": summary.returns_count,
                    "refund_total_minor": summary.refund_total_minor,
                    "refunds_by_tender": summary.refunds_by_tender,
                    "warnings": len(summary.warnings),
                },
                store=store_code,
            )
            if queue_print:
                repo.add_print_job(
                    conn,
                    kind="z_report",
                    subject=subject,
                    at=now,
                    counter=counter_code,
                    copy="store",
                )
            uow.commit()
    except IntegrityError as exc:
        if "day_closes" in str(exc.orig or exc) or "uq_day_closes" in str(exc.orig or exc):
            raise DayAlreadyClosed(
                f"Counter {counter_code} was already closed for {day.isoformat()}. "
                "Reprint its Z-report instead."
            ) from None
        raise
    return DayClose(close_id, summary, now, manager.username, manager.display_name)


def z_report_subject(store_code: str, counter_code: str, day: date) -> str:
    return f"Z-{store_code}-{counter_code}-{day.isoformat()}"


def get_day_close(engine: Engine, subject: str) -> DayClose:
    """A stored day close by its Z-report subject (``Z-STORE-COUNTER-YYYY-MM-DD``)."""
    try:
        head, day_text = subject[:-11], subject[-10:]
        day = date.fromisoformat(day_text)
        prefix, store_code, counter_code = head.rstrip("-").split("-", 2)
        if prefix != "Z":
            raise ValueError(subject)
    except ValueError:
        raise BadInput(f"'{subject[:80]}' is not a Z-report (Z-STORE-COUNTER-DATE).") from None
    dc, u = t.day_closes.c, t.users.c
    with UnitOfWork(engine) as uow:
        row = uow.conn.execute(
            select(dc.id, dc.summary_json, dc.closed_at, u.username, u.display_name)
            .join(t.users, u.id == dc.closed_by)
            .where(
                dc.store_code == store_code,
                dc.counter_code == counter_code,
                dc.business_date == day.isoformat(),
            )
        ).first()
    if row is None:
        raise NotFound(f"Counter {counter_code} has not been closed for {day.isoformat()}.")
    return DayClose(row[0], DaySummary.from_json(row[1]), row[2], row[3], row[4])


def list_day_closes(engine: Engine, limit: int = 60) -> list[DayClose]:
    dc, u = t.day_closes.c, t.users.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(
            select(dc.id, dc.summary_json, dc.closed_at, u.username, u.display_name)
            .join(t.users, u.id == dc.closed_by)
            .order_by(dc.business_date.desc(), dc.id.desc())
            .limit(limit)
        ).all()
    return [DayClose(r[0], DaySummary.from_json(r[1]), r[2], r[3], r[4]) for r in rows]


# ------------------------------------------------------------------------------ Z-report


def _store_info(engine: Engine, store_code: str) -> StoreInfo:
    with UnitOfWork(engine) as uow:
        row = uow.conn.execute(
            select(t.stores.c.name, t.stores.c.address, t.stores.c.phone).where(
                t.stores.c.code == store_code
            )
        ).first()
    if row is None:
        return StoreInfo(name=f"Store {store_code}")
    address = tuple(a.strip() for a in str(row[1] or "").splitlines() if a.strip())
    return StoreInfo(name=row[0], address_lines=address, phone=row[2] or "")


def z_report_data(summary: DaySummary, store: StoreInfo) -> ZReportData:
    money = summary.currency
    return ZReportData(
        store=store,
        business_date=summary.business_date,
        generated_at=summary.generated_at,
        timezone=summary.timezone,
        counter=summary.counter_code,
        returns_count=summary.returns_count,
        refunds_by_tender=tuple(
            (cast(TenderKind, k), Money(v, money)) for k, v in summary.refunds_by_tender.items()
        ),
        cash_paid_out=Money(summary.cash_paid_out_minor, money),
        overrides=tuple(
            OverrideNote(f"{o.ref} {o.sku}", o.manager_name, o.reason) for o in summary.overrides
        ),
        messages_waiting=summary.messages_waiting,
        failed_print_jobs=summary.print_jobs_failed,
        last_sync_at=summary.last_sync_at,
    )


def z_report_for(summary: DaySummary, store: StoreInfo, closed_by: str = "") -> Document:
    """The Z-report document of a day's summary."""
    return build_z_report(replace(z_report_data(summary, store), closed_by=closed_by))


def z_report_document(engine: Engine, subject: str) -> Document:
    """The Z-report of a stored day close, for the print queue (kind ``z_report``)."""
    closed = get_day_close(engine, subject)
    return z_report_for(
        closed.summary, _store_info(engine, closed.summary.store_code), closed.closed_by_name
    )
