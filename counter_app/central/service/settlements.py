"""Settling the card refunds of a return (stands in for the payment gateway's callback)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.central.db import next_seq
from counter_app.central.models import CentralReturn, SettlementRecord
from counter_app.central.service.tx import retrying, utcnow


def settle(
    engine: Engine,
    ref: str,
    gateway_ref: str | None = None,
    now: datetime | None = None,
    index: int | None = None,
) -> list[proto.Settlement]:
    """Mark the card refunds of a return settled (stands in for the payment gateway); with
    `index`, only the refund at that position (the console settles one refund at a time).

    Idempotent: refunds already settled are not settled again.
    """

    def work(session: Session) -> list[proto.Settlement]:
        ret = session.get(CentralReturn, ref)
        if ret is None:
            raise LookupError(f"return {ref} is not known to head office")
        if not ret.validated:
            # Accepted before head office checked refunds against payments: a person reviews.
            raise LookupError(f"return {ref} was not validated by head office; it is not paid")
        done = set(
            session.execute(
                select(SettlementRecord.refund_index).where(SettlementRecord.return_ref == ref)
            ).scalars()
        )
        cards = [(i, r) for i, r in enumerate(ret.refunds) if r.get("tender") == "card"]
        if index is not None:
            cards = [(i, r) for i, r in cards if i == index]
            if not cards:
                raise LookupError(f"return {ref} has no card refund #{index}")
        todo = [(i, r) for i, r in cards if i not in done]
        if not todo:
            return []
        start = next_seq(session, len(todo))
        when = now or utcnow()
        out = []
        for offset, (position, refund) in enumerate(todo):
            record = SettlementRecord(
                store=ret.store,
                return_ref=ref,
                refund_index=position,
                tender=refund["tender"],
                amount_minor=int(refund["amount_minor"]),
                settled_at=when,
                gateway_ref=gateway_ref or f"GW-{secrets.token_hex(6).upper()}",
                seq=start + offset,
            )
            session.add(record)
            out.append(
                proto.Settlement(
                    return_ref=ref,
                    tender=record.tender,  # type: ignore[arg-type]
                    amount_minor=record.amount_minor,
                    settled_at=when,
                    gateway_ref=record.gateway_ref,
                )
            )
        return out

    return retrying(engine, work)
