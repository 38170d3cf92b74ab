"""The live order lookup: scoped, masked for other stores' orders, rate-limited and logged.

A store looking up its own order gets all of it (it sold it, and holds it already). Any
other order — another store's, or an online one — is answered with only what a return
needs: lines, paid amounts, payment brand and last 4, and the customer's contact masked.
Each store has a fixed budget of lookups per minute, counted in `order_lookups` (the log
itself), so every worker process shares it; a store's lookups are serialised by a lock on
its row, so two workers cannot both spend the last one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.models import CentralOrder, OrderLookup, Store
from counter_app.central.service.pulls import _orders_with_lines
from counter_app.central.service.tx import retrying
from counter_app.domain.masking import mask_email, mask_name, mask_phone

LOOKUPS_PER_MINUTE = 30
WINDOW = timedelta(minutes=1)


class LookupThrottled(Exception):
    """The store spent its lookups for this minute."""


def mask_order(order: proto.Order) -> proto.Order:
    customer = order.customer
    if customer is not None:
        customer = customer.model_copy(
            update={
                "name": mask_name(customer.name),
                "email": mask_email(customer.email),
                "phone": mask_phone(customer.phone),
                "loyalty_tier": None,
            }
        )
    return order.model_copy(update={"customer": customer})


def lookup_order(
    engine: Engine, store: str, number: str, now: datetime, limit: int = LOOKUPS_PER_MINUTE
) -> proto.Order | None:
    """One lookup by `store`: the order (masked unless it is the store's own) or None;
    raises LookupThrottled past the budget (a refused lookup is not logged or counted)."""

    def work(session: Session) -> proto.Order | None:
        session.execute(select(Store.code).where(Store.code == store).with_for_update())
        used = session.execute(
            select(func.count())
            .select_from(OrderLookup)
            .where(OrderLookup.store == store, OrderLookup.at > now - WINDOW)
        ).scalar_one()
        if used >= limit:
            raise LookupThrottled(
                f"too many order lookups from this store ({limit} a minute); try again in a minute"
            )
        row = session.get(CentralOrder, number)
        found = None if row is None else _orders_with_lines(session, [row])[0]
        masked = found is not None and row is not None and row.store != store
        session.add(
            OrderLookup(
                store=store, order_number=number, at=now, found=found is not None, masked=masked
            )
        )
        return mask_order(found) if masked and found is not None else found

    return retrying(engine, work)


def lookups_of(engine: Engine, store: str | None = None) -> list[OrderLookup]:
    """The lookup log, oldest first (of one store, or of all)."""
    with Session(engine) as session:
        query = select(OrderLookup).order_by(OrderLookup.id)
        if store is not None:
            query = query.where(OrderLookup.store == store)
        return list(session.execute(query).scalars())
