"""Does the audit trail know the store's business? Each row against its audit entry.

The hash chain (domain/audit.py) proves entries were not edited; it cannot see a row that
was edited, or a trail that was emptied. Here every return (with its lines, refunds and
stock movements), override, manager stock move and day close is matched to its entry and
compared field by field, and the chain is compared with the heads the outbox published.
Pure: the rows come in as plain values.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from counter_app.domain.audit import AuditRecord
from counter_app.domain.stock import LOCATION_BY_DISPOSITION

# (line_no, sku, quantity, refund_minor, fee_minor)
LineFact = tuple[int, str, int, int, int]
# (sku, location, quantity, note, at as UTC text)
MoveFact = tuple[str, str, int, str, str]
# How many references a "N rows have no audit entry" line names.
NAMED = 5


@dataclass(frozen=True)
class ReturnFacts:
    """A return as the database has it; `moves` are (original SKU, place, quantity)."""

    ref: str
    cashier: str
    order_number: str | None
    currency: str
    total_minor: int
    tender: str
    lines: tuple[LineFact, ...]
    refunds: tuple[tuple[str, int], ...]
    moves: tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class OverrideFacts:
    ref: str
    line_no: int
    manager: str
    reason: str
    rule_codes: tuple[str, ...]


@dataclass(frozen=True)
class DayCloseFacts:
    subject: str
    manager: str
    returns: int
    refund_total_minor: int
    refunds_by_tender: Mapping[str, int]


@dataclass(frozen=True)
class StoreFacts:
    returns: Sequence[ReturnFacts] = ()
    overrides: Sequence[OverrideFacts] = ()
    day_closes: Sequence[DayCloseFacts] = ()
    # Manager moves between places (cause "disposition_change"), one fact per movement.
    manager_moves: Sequence[MoveFact] = ()
    # Movements no audited action explains (no return, unknown cause): "id cause sku".
    unexplained_moves: Sequence[str] = ()
    # Chain heads the outbox published (audit.head / audit.anchor), sent or not: seq -> hash.
    published: Mapping[int, str] = field(default_factory=dict)


def utc_text(at: datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _data(record: AuditRecord) -> dict[str, Any]:
    try:
        data = json.loads(record.data_json)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _money(minor: object, currency: str) -> str:
    if not isinstance(minor, int):
        return repr(minor)
    units, cents = divmod(abs(minor), 100)
    return f"{'-' if minor < 0 else ''}{units}.{cents:02d} {currency}"


def _missing(count: int, what: str, names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMED]) + (", ..." if len(names) > NAMED else "")
    what, verb = (what, "has") if count == 1 else (f"{what}s", "have")
    return f"audit trail missing: {count} {what} {verb} no audit entry ({shown})"


def _by_subject(records: Iterable[AuditRecord], action: str) -> dict[str, list[AuditRecord]]:
    found: dict[str, list[AuditRecord]] = {}
    for record in records:
        if record.action == action:
            found.setdefault(record.subject, []).append(record)
    return found


def check_returns(records: Sequence[AuditRecord], returns: Sequence[ReturnFacts]) -> list[str]:
    """Every return has exactly one entry, and the entry says what the rows say."""
    entries = _by_subject(records, "return.committed")
    problems: list[str] = []
    missing = [r.ref for r in returns if r.ref not in entries]
    if missing:
        problems.append(_missing(len(missing), "return", missing))
    known = {r.ref for r in returns}
    for ref, found in entries.items():
        if ref not in known:
            problems.append(f"return {ref} is in the audit trail but not in the database")
        if len(found) > 1:
            problems.append(f"return {ref} has {len(found)} audit entries")
    for facts in returns:
        if facts.ref in entries:
            problems.extend(_compare_return(facts, entries[facts.ref][0]))
    return problems


def _compare_return(facts: ReturnFacts, record: AuditRecord) -> list[str]:
    data, ref, cur = _data(record), facts.ref, facts.currency
    problems: list[str] = []
    if record.actor != facts.cashier or data.get("cashier") != facts.cashier:
        problems.append(
            f"return {ref}: the cashier is {facts.cashier} in the database but "
            f"{record.actor} in its audit entry (entry {record.seq})"
        )
    if data.get("total_minor") != facts.total_minor:
        problems.append(
            f"return {ref}: the refund total is {_money(facts.total_minor, cur)} in the "
            f"database but {_money(data.get('total_minor'), cur)} in its audit entry"
        )
    if facts.order_number is not None and data.get("order_number") != facts.order_number:
        problems.append(f"return {ref}: its order differs from its audit entry")
    if data.get("tender") != facts.tender:
        problems.append(f"return {ref}: its tender differs from its audit entry")
    problems.extend(_compare_lines(facts, data))
    problems.extend(_compare_refunds(facts, data))
    return problems


def _entry_lines(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    lines = data.get("lines")
    return [x for x in lines if isinstance(x, dict)] if isinstance(lines, list) else []


def _compare_lines(facts: ReturnFacts, data: Mapping[str, Any]) -> list[str]:
    entry = {
        (
            x.get("line_no"),
            x.get("sku"),
            x.get("quantity"),
            x.get("refund_minor"),
            x.get("fee_minor"),
        )
        for x in _entry_lines(data)
    }
    problems = []
    rows = set(facts.lines)
    for line_no, sku, qty, refund, fee in sorted(rows - entry):
        problems.append(
            f"return {facts.ref}: line {line_no} ({sku}, {qty} unit(s), refund "
            f"{_money(refund, facts.currency)}, fee {_money(fee, facts.currency)}) differs from "
            "its audit entry"
        )
    if len(entry) != len(rows) and not problems:
        problems.append(f"return {facts.ref}: its lines differ from its audit entry")
    # Stock: each returned line's units went where its disposition says, once.
    wanted = Counter(
        (
            str(x.get("sku")),
            LOCATION_BY_DISPOSITION.get(str(x.get("disposition")), "?"),
            x.get("quantity"),
        )
        for x in _entry_lines(data)
    )
    wanted.update((str(sku), "sellable", -qty) for sku, qty in _exchange_items(data))
    if wanted != Counter(facts.moves):
        problems.append(
            f"return {facts.ref}: its stock movements {sorted(facts.moves)} differ from its "
            f"audit entry {sorted(wanted.elements())}"
        )
    return problems


def _exchange_items(data: Mapping[str, Any]) -> list[tuple[object, int]]:
    """(sku, quantity) the customer took instead, as the return's entry says."""
    exchange = data.get("exchange")
    lines = exchange.get("lines") if isinstance(exchange, dict) else None
    items = [x for x in lines if isinstance(x, dict)] if isinstance(lines, list) else []
    return [(x.get("sku"), x["quantity"]) for x in items if isinstance(x.get("quantity"), int)]


def _compare_refunds(facts: ReturnFacts, data: Mapping[str, Any]) -> list[str]:
    refunds = data.get("refunds")
    items = [x for x in refunds if isinstance(x, dict)] if isinstance(refunds, list) else []
    entry = sorted((str(x.get("tender")), x.get("amount_minor")) for x in items)
    rows = sorted(facts.refunds)
    problems = []
    if entry != rows:
        cur = facts.currency
        said = ", ".join(f"{t} {_money(a, cur)}" for t, a in rows) or "none"
        logged = ", ".join(f"{t} {_money(a, cur)}" for t, a in entry) or "none"
        problems.append(
            f"return {facts.ref}: refunds in the database ({said}) differ from its audit "
            f"entry ({logged})"
        )
    paid = sum(a for _, a in rows)
    if paid != facts.total_minor:
        problems.append(
            f"return {facts.ref}: its refunds add up to {_money(paid, facts.currency)}, its "
            f"total says {_money(facts.total_minor, facts.currency)}"
        )
    return problems


def check_overrides(
    records: Sequence[AuditRecord], overrides: Sequence[OverrideFacts]
) -> list[str]:
    entries: dict[tuple[str, object], AuditRecord] = {}
    for record in records:
        if record.action == "override.granted":
            entries[(record.subject, _data(record).get("line_no"))] = record
    problems: list[str] = []
    missing = [f"{o.ref} line {o.line_no}" for o in overrides if (o.ref, o.line_no) not in entries]
    if missing:
        problems.append(_missing(len(missing), "override", missing))
    known = {(o.ref, o.line_no) for o in overrides}
    for ref, line_no in entries:
        if (ref, line_no) not in known:
            problems.append(f"override of {ref} line {line_no} is in the audit trail only")
    for o in overrides:
        entry = entries.get((o.ref, o.line_no))
        if entry is None:
            continue
        data = _data(entry)
        if entry.actor != o.manager or data.get("manager") != o.manager:
            problems.append(
                f"override of {o.ref} line {o.line_no}: approved by {o.manager} in the "
                f"database but by {entry.actor} in its audit entry"
            )
        codes = data.get("rule_codes")
        if data.get("reason") != o.reason or tuple(codes or ()) != o.rule_codes:
            problems.append(
                f"override of {o.ref} line {o.line_no}: its reason or rules differ from its "
                "audit entry"
            )
    return problems


def check_day_closes(records: Sequence[AuditRecord], closes: Sequence[DayCloseFacts]) -> list[str]:
    entries = _by_subject(records, "day.closed")
    problems: list[str] = []
    missing = [c.subject for c in closes if c.subject not in entries]
    if missing:
        problems.append(_missing(len(missing), "day close", missing))
    known = {c.subject for c in closes}
    problems.extend(
        f"day close {s} is in the audit trail but not in the database"
        for s in entries
        if s not in known
    )
    for close in closes:
        if close.subject not in entries:
            continue
        record = entries[close.subject][-1]
        data = _data(record)
        if record.actor != close.manager:
            problems.append(
                f"day close {close.subject}: closed by {close.manager} in the database but "
                f"by {record.actor} in its audit entry"
            )
        same = (
            data.get("returns") == close.returns
            and data.get("refund_total_minor") == close.refund_total_minor
            and data.get("refunds_by_tender") == dict(close.refunds_by_tender)
        )
        if not same:
            problems.append(f"day close {close.subject}: its figures differ from its audit entry")
    return problems


def check_stock(
    records: Sequence[AuditRecord], moves: Sequence[MoveFact], unexplained: Sequence[str]
) -> list[str]:
    """Manager moves: each `stock.moved` entry is two movements (out of one place, into the
    other) with its reason and time; any other movement must belong to a return."""
    wanted: Counter[MoveFact] = Counter()
    for record in records:
        if record.action == "stock.received":
            d, n = _data(record), _data(record).get("quantity")
            if isinstance(n, int):
                sku, place = str(d.get("sku")), str(d.get("location"))
                wanted[(sku, place, n, "received", utc_text(record.at))] += 1
        if record.action != "stock.moved":
            continue
        d, at = _data(record), utc_text(record.at)
        qty, reason = d.get("quantity"), str(d.get("reason"))
        if isinstance(qty, int):
            wanted[(str(d.get("sku")), str(d.get("from")), -qty, reason, at)] += 1
            wanted[(str(d.get("to_sku")), str(d.get("to")), qty, reason, at)] += 1
    actual = Counter(moves)
    problems: list[str] = []
    extra = sorted((actual - wanted).elements())
    if extra:
        names = [f"{q:+d} {sku} in {loc} at {at}" for sku, loc, q, _, at in extra]
        problems.append(_missing(len(extra), "stock movement", names))
    problems.extend(
        f"audit entry for moving {q:+d} {sku} in {loc} at {at} has no stock movement"
        for sku, loc, q, _, at in sorted((wanted - actual).elements())
    )
    if unexplained:
        problems.append(_missing(len(unexplained), "stock movement", list(unexplained)))
    return problems


def check_published(records: Sequence[AuditRecord], published: Mapping[int, str]) -> list[str]:
    """The chain holds every head the outbox published: a shorter or rewritten chain is not
    the one head office was told about."""
    if not published:
        return []
    hashes = {r.seq: r.hash for r in records}
    last = max(hashes, default=0)
    top = max(published)
    problems: list[str] = []
    if top > last:
        problems.append(
            f"the outbox published entry {top} but the trail ends at entry {last}: entries "
            "were removed from the end"
        )
    changed = [s for s in sorted(published) if s in hashes and hashes[s] != published[s]]
    if changed:
        problems.append(
            f"{len(changed)} entries differ from what the outbox published (first: entry "
            f"{changed[0]}): the trail was rewritten"
        )
    return problems


def check_business(records: Sequence[AuditRecord], facts: StoreFacts) -> list[str]:
    """Every problem of the rows against the trail, in plain words."""
    return [
        *check_published(records, facts.published),
        *check_returns(records, facts.returns),
        *check_overrides(records, facts.overrides),
        *check_stock(records, facts.manager_moves, facts.unexplained_moves),
        *check_day_closes(records, facts.day_closes),
    ]
