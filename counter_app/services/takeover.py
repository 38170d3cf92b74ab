"""A manager takes over, or discards, the return another cashier left on a locked counter.

Without this a counter locked mid-return is stranded until that cashier comes back. The
manager signs in on the lock screen with their own PIN (services.auth) and chooses:

* take over — the return in progress is kept, and the draft's cashier becomes the manager:
  the committed return (its row, its ``return.committed`` entry and message, the receipt)
  names the person who finished it and handed out the refund. The ``return.taken_over``
  audit entry, written before anything else happens, names the cashier who started it. An
  approval the manager had given on this return is dropped (nobody approves their own
  return, as ``ReturnDesk.override`` enforces): another manager approves that line again.
* discard — the return is dropped unsaved; ``return.discarded`` records who dropped whose
  return of which order, and what was on it.

Both entries are published to head office with the chain head, like every audited action.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from counter_app.adapters.db import repository as repo
from counter_app.domain.draft import ReturnDraft
from counter_app.domain.model import User
from counter_app.services.clock import Clock
from counter_app.services.errors import OverrideRefused
from counter_app.services.unit_of_work import UnitOfWork


def own_approvals(draft: ReturnDraft, manager: User) -> list[int]:
    """The lines whose approval this manager gave (they would approve their own return)."""
    return [
        no
        for no, dl in sorted(draft.lines.items())
        if dl.override is not None and dl.override.manager.id == manager.id
    ]


def _facts(draft: ReturnDraft, manager: User) -> dict[str, Any]:
    return {
        "draft": draft.id,
        "order_number": draft.order.number,
        "kind": draft.kind,
        "cashier": draft.cashier.username,
        "manager": manager.username,
        "lines": [
            {"line_no": no, "sku": dl.line.sku, "quantity": dl.quantity}
            for no, dl in sorted(draft.lines.items())
        ],
    }


def _record(
    engine: Engine, clock: Clock, store: str, manager: User, action: str, data: dict[str, Any]
) -> None:
    with UnitOfWork(engine, write=True) as uow:
        repo.append_audit_published(
            uow.conn,
            at=clock.now(),
            actor=manager.username,
            action=action,
            subject=str(data["order_number"]),
            data=data,
            store=store,
        )
        uow.commit()


def _check(draft: ReturnDraft, manager: User) -> None:
    if not manager.can_approve:
        raise OverrideRefused(
            f"{manager.display_name} is not a manager and cannot take over another "
            "cashier's return."
        )
    if manager.id == draft.cashier.id:
        raise OverrideRefused("This is already your return: unlock the counter to continue.")


def take_over(
    engine: Engine, clock: Clock, store: str, draft: ReturnDraft, manager: User
) -> ReturnDraft:
    """Audit the take-over; a clone of the draft with the manager as its cashier and without
    the manager's own approvals (the caller re-evaluates it)."""
    _check(draft, manager)
    dropped = own_approvals(draft, manager)
    _record(
        engine, clock, store, manager, "return.taken_over",
        {**_facts(draft, manager), "dropped_approvals": dropped},
    )  # fmt: skip
    clone = draft.clone()
    clone.cashier = manager
    for no in dropped:
        clone.lines[no].override = None
    return clone


def discard(engine: Engine, clock: Clock, store: str, draft: ReturnDraft, manager: User) -> None:
    """Audit dropping another cashier's unsaved return (the screen then clears it)."""
    _check(draft, manager)
    _record(engine, clock, store, manager, "return.discarded", _facts(draft, manager))
