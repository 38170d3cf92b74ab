"""Whatever happens to an order's return authorizations — created, claimed by either store,
cancelled, named by returns pushed from either store, returns and online refunds without a
code — an authorization is consumed by at most one return (and it is the return that claimed
it), a used one stays used, and what open authorizations reserve never exceeds what is left
to return on any line (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.models import (
    CentralAuthorization,
    CentralAuthorizationLine,
    CentralOrderLine,
    CentralReturn,
)
from tests.integration.authorization_helpers import committed, order, push, request, seed
from tests.pg import PostgresServer

SOLD = {1: ("SKU-1", 3), 2: ("SKU-3", 2)}
STORES = ("S001", "S002")
_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ho(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    central_db.upgrade(url)
    engine = central_db.make_engine(url)
    seed(engine)
    yield engine
    engine.dispose()


line_st = st.sampled_from(sorted(SOLD))
op_st = st.one_of(
    st.tuples(st.just("create"), line_st, st.integers(1, 3)),
    st.tuples(st.just("claim"), st.integers(0, 3), st.sampled_from(STORES), st.integers(0, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 3)),
    st.tuples(
        st.just("ingest"),
        st.sampled_from(STORES),
        st.integers(0, 3),
        st.one_of(st.none(), st.integers(0, 3)),
        line_st,
        st.integers(1, 3),
    ),
    st.tuples(st.just("refund"), line_st, st.integers(1, 2)),
)


def _apply(engine: Engine, number: str, codes: list[str], op: tuple[Any, ...]) -> None:
    now = datetime.now(UTC)
    kind = op[0]
    if kind == "create":
        try:
            made = service.create_authorization(
                engine, request(number, ((op[1], op[2], "wrong_size"),)), now, "prop"
            )
            codes.append(made.authorization.code)
        except service.AuthorizationRefused:
            pass
    elif kind in ("claim", "cancel") and op[1] < len(codes):
        try:
            if kind == "claim":
                service.claim_authorization(engine, op[2], codes[op[1]], f"{number}-R{op[3]}", now)
            else:
                service.cancel_authorization(engine, codes[op[1]], now, "prop")
        except service.AuthorizationRefused:
            pass
    elif kind == "ingest":
        _, store, ref, which, line_no, quantity = op
        code = codes[which] if which is not None and which < len(codes) else None
        sku = SOLD[line_no][0]
        wire = committed(store, f"{number}-R{ref}", [(line_no, sku, quantity)], code, number=number)
        push(engine, store, wire)
    elif kind == "refund":
        service.record_online_refund(engine, number, op[1], op[2])


def _check(engine: Engine, number: str, used_before: set[str]) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        auths = list(
            session.execute(
                select(CentralAuthorization).where(CentralAuthorization.order_number == number)
            ).scalars()
        )
        by_id = {a.id: a for a in auths}
        reserved: dict[int, int] = {}
        for line in session.execute(
            select(CentralAuthorizationLine).where(
                CentralAuthorizationLine.authorization_id.in_(list(by_id) or [-1])
            )
        ).scalars():
            auth = by_id[line.authorization_id]
            if service.authorizations.status_of(auth, now) == "open":
                reserved[line.line_no] = reserved.get(line.line_no, 0) + line.quantity
        for line in session.execute(
            select(CentralOrderLine).where(CentralOrderLine.order_number == number)
        ).scalars():
            left = line.quantity - line.online_returned_quantity - line.store_returned_quantity
            assert reserved.get(line.line_no, 0) <= left, (line.line_no, reserved, left)
        returns = list(
            session.execute(
                select(CentralReturn).where(
                    CentralReturn.order_number == number,
                    CentralReturn.authorization_code.isnot(None),
                )
            ).scalars()
        )
        consumers = [r.authorization_code for r in returns]
        assert len(consumers) == len(set(consumers))
        codes = {a.code: a for a in auths}
        for ret in returns:
            auth = codes[ret.authorization_code or ""]
            assert auth.status == "used"
            assert (auth.used_by_store, auth.used_return_ref) == (ret.store, ret.ref)
        assert all(codes[c].status == "used" for c in used_before)
        used_before |= {a.code for a in auths if a.status == "used"}


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op_st, min_size=1, max_size=10))
# claimed at S001, refused from S002, consumed by S001's return; a plain return supersedes
@example(
    ops=[
        ("create", 1, 2), ("create", 1, 1), ("claim", 0, "S001", 0),
        ("ingest", "S002", 1, 0, 1, 1), ("ingest", "S001", 0, 0, 1, 2),
        ("ingest", "S002", 2, None, 1, 1), ("create", 2, 2), ("refund", 2, 1),
    ]
)  # fmt: skip
def test_an_authorization_is_consumed_once_and_never_over_reserves(
    ho: Engine, ops: list[tuple[Any, ...]]
) -> None:
    number = f"P-{next(_numbers)}"
    now = datetime.now(UTC)
    lines = [(sku, quantity, False) for sku, quantity in SOLD.values()]
    service.publish_orders(ho, [order(number, now, lines)])
    codes: list[str] = []
    used: set[str] = set()
    for op in ops:
        _apply(ho, number, codes, op)
        _check(ho, number, used)
