"""Sync with head office: push the outbox, pull what head office publishes.

Exactly once in effect: a message is marked sent only after head office answered for it, and
head office deduplicates on the message id — so a crash between the two resends, and the
resend is answered "duplicate". Each pulled page is applied with its cursor in one
transaction, and applying is idempotent (the appliers are in sync_apply.py).
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, insert, select, update

from counter_app.adapters.central_client import (
    OPTIONAL_RESOURCES,
    PULL_RESOURCES,
    CentralClient,
    CentralRefused,
    CentralUnavailable,
)
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.domain.model import Order
from counter_app.domain.policy import PolicyError, PolicyHolder, load_policy
from counter_app.services.anchor import KIND as ANCHOR_KIND
from counter_app.services.anchor import queue_anchor
from counter_app.services.clock import Clock
from counter_app.services.errors import BadInput, NotFound
from counter_app.services.sync_apply import APPLIERS, LOCAL_PROBLEMS, apply_order, upsert
from counter_app.services.sync_isolate import push_isolating_bad
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_code, clean_text

BATCH_SIZE = 500
PAGE_SIZE = 500
T_ = TypeVar("T_")


@dataclass
class SyncReport:
    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: dict[str, int] = field(default_factory=dict)
    policy_warning: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class SyncStatus:
    waiting: int
    last_success: datetime | None
    last_error: str | None
    open_exceptions: int


def with_retries(
    action: Callable[[], T_],
    *,
    attempts: int = 5,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T_:
    """Run `action`, retrying when head office is unavailable: exponential backoff, full jitter."""
    rng = rng or random.Random()
    for attempt in range(attempts):
        try:
            return action()
        except CentralUnavailable:
            if attempt == attempts - 1:
                raise
            sleep(rng.uniform(0, min(max_delay, base_delay * 2**attempt)))
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------- push


def push_outbox(
    engine: Engine,
    client: CentralClient,
    clock: Clock,
    *,
    batch_size: int = BATCH_SIZE,
    retry: Callable[[Callable[[], Any]], Any] = with_retries,
    after_answer: Callable[[], None] = lambda: None,
) -> SyncReport:
    """Send every pending outbox message, oldest first, in batches."""
    report = SyncReport()
    while True:
        with UnitOfWork(engine) as uow:
            rows = uow.conn.execute(
                select(t.outbox.c.seq, t.outbox.c.id, t.outbox.c.payload_json)
                .where(t.outbox.c.status == "pending")
                .order_by(t.outbox.c.seq)
                .limit(batch_size)
            ).all()
        if not rows:
            return report
        messages = [json.loads(row.payload_json) for row in rows]
        # Audit anchors are the sync's own bookkeeping: sent, but not counted as messages.
        anchors = {m["id"] for m in messages if m.get("kind") == ANCHOR_KIND}
        results = push_isolating_bad(client, messages, retry)
        after_answer()
        by_id = {r.get("id"): r for r in results}
        now = clock.now()
        delivered: list[int] = []
        with UnitOfWork(engine, write=True) as uow:
            for row in rows:
                result = by_id.get(row.id)
                if result is None:
                    continue  # not answered for: stays pending, sent again next time
                status = result.get("status")
                if status in ("accepted", "duplicate"):
                    delivered.append(row.seq)
                    if row.id not in anchors:  # the sync's own bookkeeping is not counted
                        report.pushed += status == "accepted"
                        report.duplicates += status == "duplicate"
                elif status == "rejected":
                    _record_rejection(uow.conn, row.seq, row.id, result.get("reason"), now)
                    report.rejected += 1
            if delivered:
                uow.conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.seq.in_(delivered), t.outbox.c.status == "pending")
                    .values(status="sent", sent_at=now, attempts=t.outbox.c.attempts + 1)
                )
            uow.commit()
        if len(by_id) == 0:
            raise CentralUnavailable("head office answered for none of the messages")


def _record_rejection(
    conn: Connection, seq: int, message_id: str, reason: Any, now: datetime
) -> None:
    """A rejected message stays on record and becomes an exception for a manager."""
    text = str(reason or "rejected by head office")[:2000]
    conn.execute(
        update(t.outbox)
        .where(t.outbox.c.seq == seq)
        .values(status="rejected", last_error=text, attempts=t.outbox.c.attempts + 1)
    )
    known = conn.execute(
        select(t.sync_exceptions.c.id).where(t.sync_exceptions.c.message_id == message_id)
    ).first()
    if known is None:
        conn.execute(
            insert(t.sync_exceptions).values(message_id=message_id, reason=text, created_at=now)
        )


# ---------------------------------------------------------------------------- pull


def pull_all(
    engine: Engine,
    client: CentralClient,
    policies: PolicyHolder | None = None,
    *,
    retry: Callable[[Callable[[], Any]], Any] = with_retries,
    page_size: int = PAGE_SIZE,
    resources: tuple[str, ...] = PULL_RESOURCES,
) -> SyncReport:
    report = SyncReport()
    for resource in resources:
        count = 0
        while True:
            cursor = _get_state(engine, f"cursor.{resource}")
            try:
                page = retry(functools.partial(client.pull, resource, cursor, page_size))
            except CentralRefused as exc:
                if exc.status_code == 404 and resource in OPTIONAL_RESOURCES:
                    break  # a head office that does not publish these yet
                raise
            with UnitOfWork(engine, write=True) as uow:
                for item in page["items"]:
                    APPLIERS[resource](uow.conn, item)
                _set_state(uow.conn, f"cursor.{resource}", page["next_cursor"])
                uow.commit()
            count += len(page["items"])
            if not page["has_more"] or not page["items"]:
                break
        report.pulled[resource] = count
    if policies is not None and report.pulled.get("policies"):
        report.policy_warning = activate_latest_policy(engine, policies)
    return report


def activate_latest_policy(engine: Engine, policies: PolicyHolder) -> str | None:
    """Put the newest published policy in force, unless it is invalid (then keep the old)."""
    with UnitOfWork(engine, write=True) as uow:
        row = uow.conn.execute(
            select(t.policy_versions.c.version, t.policy_versions.c.toml)
            .order_by(t.policy_versions.c.published_at.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        try:
            load_policy(row.toml, f"policy {row.version}")
        except PolicyError as exc:
            return f"Head office's policy {row.version} is invalid and was not used: {exc}"
        uow.conn.execute(update(t.policy_versions).values(active=False))
        uow.conn.execute(
            update(t.policy_versions)
            .where(t.policy_versions.c.version == row.version)
            .values(active=True)
        )
        uow.commit()
    policies.replace(row.toml, f"policy {row.version}")
    return None


def lookup_order_live(engine: Engine, client: CentralClient, number: str) -> Order | None:
    """Ask head office for an order not (yet) in the local database; keep it locally."""
    number = clean_code(number, "order number")
    try:
        item = client.lookup_order(number)
    except CentralRefused as exc:
        if exc.status_code == 429:  # the store's lookups for this minute are spent
            raise BadInput(f"Head office: {exc}") from exc
        raise
    if item is None:
        return None
    with UnitOfWork(engine, write=True) as uow:
        for line in item.get("lines", []):
            if repo.sku_for_barcode(uow.conn, str(line["sku"])) is None:
                return None  # product unknown here: the next catalog pull brings it
        order_id = apply_order(uow.conn, item)
        uow.commit()
    with UnitOfWork(engine) as uow:
        return repo.load_order(uow.conn, order_id)


# ---------------------------------------------------------------------------- the whole sync


def run_sync(
    engine: Engine,
    client: CentralClient,
    clock: Clock,
    policies: PolicyHolder | None = None,
    **retry_options: Any,
) -> SyncReport:
    """Anchor the audit chain, push, then pull. Records the last success (or the error) for
    the status panel."""

    def retry(action: Callable[[], Any]) -> Any:
        return with_retries(action, **retry_options)

    # Pulls run even when the push failed: a store that cannot send still gets new orders,
    # staff changes and policy.
    report = SyncReport()
    errors: list[str] = []
    store = getattr(client, "store", None)  # a client that knows its store anchors the chain
    if isinstance(store, str):
        queue_anchor(engine, clock, store)
    try:
        pushed = push_outbox(engine, client, clock, retry=retry)
        report.pushed, report.duplicates, report.rejected = (
            pushed.pushed,
            pushed.duplicates,
            pushed.rejected,
        )
    except (CentralUnavailable, CentralRefused) as exc:
        errors.append(str(exc))
    try:
        pulled = pull_all(engine, client, policies, retry=retry)
        report.pulled, report.policy_warning = pulled.pulled, pulled.policy_warning
    except (CentralUnavailable, CentralRefused) as exc:
        errors.append(str(exc))
    report.error = "; ".join(dict.fromkeys(errors)) or None
    with UnitOfWork(engine, write=True) as uow:
        if report.ok:
            _set_state(uow.conn, "last_success", clock.now().isoformat())
            _set_state(uow.conn, "last_error", "")
        else:
            _set_state(uow.conn, "last_error", report.error or "")
        uow.commit()
    return report


def sync_status(engine: Engine) -> SyncStatus:
    with UnitOfWork(engine) as uow:
        waiting = repo.pending_outbox_count(uow.conn)
        open_exceptions = uow.conn.execute(
            select(func.count())
            .select_from(t.sync_exceptions)
            .where(t.sync_exceptions.c.resolved_at.is_(None))
        ).scalar_one()
    last = _get_state(engine, "last_success")
    error = _get_state(engine, "last_error")
    return SyncStatus(
        waiting, datetime.fromisoformat(last) if last else None, error or None, int(open_exceptions)
    )


@dataclass(frozen=True)
class SyncException:
    id: int
    message_id: str
    kind: str
    reason: str
    created_at: datetime
    resolved_at: datetime | None
    note: str | None


def list_exceptions(engine: Engine, include_resolved: bool = False) -> list[SyncException]:
    e, o = t.sync_exceptions.c, t.outbox.c
    query = (
        select(e.id, e.message_id, o.kind, e.reason, e.created_at, e.resolved_at, e.note)
        .join(t.outbox, o.id == e.message_id)
        .order_by(e.id)
    )
    if not include_resolved:
        query = query.where(e.resolved_at.is_(None))
    with UnitOfWork(engine) as uow:
        return [SyncException(*row) for row in uow.conn.execute(query).all()]


def resolve_exception(
    engine: Engine,
    clock: Clock,
    exception_id: int,
    manager_username: str,
    note: str,
    *,
    store_code: str,
) -> None:
    """A manager closes a rejected message with a note; head office hears of it too."""
    note = clean_text(note, "note")
    if not note:
        raise BadInput("Say how the problem was resolved.")
    now = clock.now()
    with UnitOfWork(engine, write=True) as uow:
        row = (
            uow.conn.execute(
                select(t.sync_exceptions).where(t.sync_exceptions.c.id == exception_id)
            )
            .mappings()
            .first()
        )
        if row is None or row["resolved_at"] is not None:
            raise NotFound(f"There is no open sync problem number {exception_id}.")
        manager = repo.user_row(uow.conn, manager_username)
        if manager is None or manager["role"] not in ("manager", "admin"):
            raise BadInput("Only a manager can resolve a sync problem.")
        uow.conn.execute(
            update(t.sync_exceptions)
            .where(t.sync_exceptions.c.id == exception_id)
            .values(resolved_at=now, resolved_by=manager["id"], note=note)
        )
        data = {"message_id": row["message_id"], "manager": manager_username, "note": note}
        repo.append_audit(
            uow.conn,
            at=now,
            actor=manager_username,
            action="sync_exception.resolved",
            subject=row["message_id"],
            data=data,
        )
        kind = uow.conn.execute(
            select(t.outbox.c.kind).where(t.outbox.c.id == row["message_id"])
        ).scalar()
        if kind not in LOCAL_PROBLEMS:  # a refused pulled record is the store's own problem
            repo.add_outbox(
                uow.conn, kind="sync_exception.resolved", at=now, store=store_code, payload=data
            )
        uow.commit()


def next_nightly_run(now: datetime, at: str, timezone: str) -> datetime:
    """The next time the nightly sync is due: `at` (HH:MM) local time, after `now`."""
    try:
        hour, minute = (int(x) for x in at.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise BadInput(f"The sync time must look like 02:00, not {at[:20]!r}.") from None
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=hour, minute=minute)
    return candidate.replace(tzinfo=zone)


def record_sync_error(engine: Engine, error: str) -> None:
    """A sync that failed before or outside `run_sync` (no client, a bad address, an error
    nobody expected): the status says so, as it does for one `run_sync` reports."""
    with UnitOfWork(engine, write=True) as uow:
        _set_state(uow.conn, "last_error", error or "sync failed")
        uow.commit()


def _get_state(engine: Engine, key: str) -> str | None:
    with UnitOfWork(engine) as uow:
        value: str | None = uow.conn.execute(
            select(t.sync_state.c.value).where(t.sync_state.c.key == key)
        ).scalar()
    return value


def _set_state(conn: Connection, key: str, value: str) -> None:
    upsert(conn, t.sync_state, {"key": key}, {"value": value})
