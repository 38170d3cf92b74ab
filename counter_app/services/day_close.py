"""Day close: the counter's end-of-day summary, printed as the Z-report and kept as it was.

`day_summary` reads one counter's local business day (returns, refunds per tender, cash
paid out, overrides; the queries are in day_figures.py) plus what is still outstanding right
now (messages waiting to sync, print jobs not printed, customer e-mails not sent).
`close_day` stores that summary in ``day_closes`` (one per store, counter and day — the
database refuses a second) with an audit entry, in one transaction. The Z-report is built
from the *stored* summary, so a reprint next week shows exactly what the manager signed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import cast

from sqlalchemy import Connection, Engine, select
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
from counter_app.domain.zones import local_date
from counter_app.services.clock import Clock
from counter_app.services.day_figures import DaySummary as DaySummary  # re-exported
from counter_app.services.day_figures import summarise_day
from counter_app.services.errors import BadInput, CounterError, NotFound, OverrideRefused
from counter_app.services.store_zone import store_zone as zone_of
from counter_app.services.unit_of_work import UnitOfWork

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
    """The store's zone (its row), else `default`; see services/store_zone for the order."""
    return zone_of(engine, store_code, default=default)


def local_today(now: datetime, timezone: str) -> date:
    return local_date(now, timezone)


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
        return summarise_day(
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
    now, day = _day_to_close(clock, manager, timezone, business_date)
    try:
        with UnitOfWork(engine, write=True) as uow:
            conn = uow.conn
            summary = summarise_day(
                conn,
                store_code=store_code,
                counter_code=counter_code,
                business_date=day,
                timezone=timezone,
                currency=currency,
                now=now,
            )
            close_id = _insert_close(conn, summary, manager, now)
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
                _queue_z_report(conn, subject, now, counter_code)
            uow.commit()
    except IntegrityError as exc:
        _raise_if_already_closed(exc, counter_code, day)
        raise
    return DayClose(close_id, summary, now, manager.username, manager.display_name)


def _day_to_close(
    clock: Clock, manager: User, timezone: str, business_date: date | None
) -> tuple[datetime, date]:
    """Now and the day to close (today by default): a manager, and not a future day."""
    if not manager.can_approve:
        raise OverrideRefused(f"{manager.display_name} is not a manager and cannot close the day.")
    now = clock.now()
    day = business_date or local_today(now, timezone)
    if day > local_today(now, timezone):
        raise BadInput("A day that has not started yet cannot be closed.")
    return now, day


def _insert_close(conn: Connection, summary: DaySummary, manager: User, now: datetime) -> int:
    return repo.insert_row(
        conn,
        t.day_closes,
        {
            "store_code": summary.store_code,
            "counter_code": summary.counter_code,
            "business_date": summary.business_date.isoformat(),
            "closed_at": now,
            "closed_by": manager.id,
            "summary_json": summary.to_json(),
        },
    )


def _queue_z_report(conn: Connection, subject: str, now: datetime, counter_code: str) -> None:
    repo.add_print_job(
        conn, kind="z_report", subject=subject, at=now, counter=counter_code, copy="store"
    )


def _raise_if_already_closed(exc: IntegrityError, counter_code: str, day: date) -> None:
    """The unique (store, counter, day) key refused a second close: say so plainly."""
    if "day_closes" in str(exc.orig or exc) or "uq_day_closes" in str(exc.orig or exc):
        raise DayAlreadyClosed(
            f"Counter {counter_code} was already closed for {day.isoformat()}. "
            "Reprint its Z-report instead."
        ) from None


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
        cash_taken_in=Money(summary.cash_taken_in_minor, money),
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
