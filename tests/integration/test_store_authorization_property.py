"""Random returns started online through the real ReturnDesk on SQLite and PostgreSQL: two
counters open the same code, scan (also items not authorized), check items against the
photo and confirm in any order, with head office reachable or not. Whatever happens, a code
is consumed by at most one return (here and at head office), a code that was not open is
consumed by none, an authorized line never returns more units than authorized, no line
refunds more than was paid for its units, and the store's invariants hold."""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from counter_app.adapters.central_client import FakeCentral
from counter_app.adapters.db import authorizations as store_auth
from counter_app.adapters.db import tables as t
from counter_app.services.errors import CounterError
from counter_app.services.returns import ReturnDesk
from counter_app.services.sync_apply import apply_authorization
from counter_app.services.unit_of_work import UnitOfWork
from tests.authorization_helpers import auth_item
from tests.conftest import NOW
from tests.factories import PRODUCTS, Store, add_order, days_before, make_store
from tests.invariants import check_invariants

SKUS = ("APP-1", "APP-2", "HOM-1")
BARCODE = {sku: code for sku, *_, code in PRODUCTS}
_numbers = itertools.count(1)


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    with UnitOfWork(store_engine, write=True) as uow:
        for sku in SKUS:
            store_auth.save_image(uow.conn, sku, "image/png", "0" * 64, b"\x89PNG")
        uow.commit()
    return s


op_st = st.one_of(
    st.tuples(st.just("scan"), st.integers(0, 1), st.integers(0, 2)),
    st.tuples(st.just("photo"), st.integers(0, 1), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("commit"), st.integers(0, 1)),
    st.tuples(st.just("outage"), st.integers(1, 2)),
)
spec_st = st.fixed_dictionaries(
    {
        "sold": st.lists(st.integers(1, 3), min_size=1, max_size=3),
        "authorized": st.lists(st.integers(0, 3), min_size=3, max_size=3),  # 0: not on it
        "status": st.sampled_from(["open", "open", "open", "used", "cancelled", "expired"]),
        "online": st.booleans(),
        "ops": st.lists(op_st, min_size=1, max_size=12),
    }
)


def _desk(store: Store, counter: str, central: FakeCentral | None) -> ReturnDesk:
    desk = ReturnDesk(store.engine, store.clock, store.policies, store_code="S001",
                      counter_code=counter)  # fmt: skip
    if central is not None:
        desk.central = lambda: nullcontext(central)
    return desk


def _commit(desk: ReturnDesk, draft: Any) -> str:
    for dl in draft.selected():
        reason = dl.authorized_reason or "changed_mind"
        desk.record_inspection(draft, dl.line.line_no, reason_code=reason, condition="new")
    desk.evaluate(draft)
    return desk.commit_return(draft, "original").ref


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a DB run takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=spec_st)
def test_a_code_is_consumed_once_and_never_refunds_more(store: Store, spec: dict[str, Any]) -> None:
    number = f"O-P{next(_numbers)}"
    sold = spec["sold"]
    add_order(store.engine, number, days_before(NOW, 3),
              [(SKUS[i], q, 1000 * q + 1) for i, q in enumerate(sold)])  # fmt: skip
    lines = [(i + 1, SKUS[i], min(a, sold[i]), "wrong_size")
             for i, a in enumerate(spec["authorized"][: len(sold)]) if a]  # fmt: skip
    if not lines:
        lines = [(1, SKUS[0], 1, "wrong_size")]
    extra: dict[str, Any] = {}
    if spec["status"] == "used":
        extra = {"used_by_store": "S002", "used_at": NOW.isoformat()}
    elif spec["status"] == "cancelled":
        extra = {"cancelled_at": NOW.isoformat()}
    item = auth_item(number, lines, NOW, status=spec["status"],
                     days=-1 if spec["status"] == "expired" else 10, **extra)  # fmt: skip
    code = item["code"]
    with UnitOfWork(store.engine, write=True) as uow:
        apply_authorization(uow.conn, item)
        uow.commit()
    central = FakeCentral() if spec["online"] else None
    if central is not None:
        central.authorizations[code] = dict(item)
    desks = [_desk(store, c, central) for c in ("C1", "C2")]
    drafts: list[Any] = []
    for desk in desks:
        try:
            drafts.append(desk.open_authorization(code, store.user("alice")))
        except CounterError:
            drafts.append(None)
    if spec["status"] != "open":
        assert drafts == [None, None]
    committed: list[str] = []
    for op in spec["ops"]:
        kind, who = op[0], op[1]
        draft, desk = drafts[who] if op[0] != "outage" else None, desks[who % 2]
        try:
            if kind == "outage" and central is not None:
                central.fail_next = who
            elif draft is None:
                continue
            elif kind == "scan" and op[2] < len(sold):
                desk.verify_item(draft, BARCODE[SKUS[op[2]]])
            elif kind == "photo" and op[2] in draft.lines:
                desk.verify_by_photo(draft, op[2], op[3])
            elif kind == "commit":
                committed.append(_commit(desk, draft))
        except CounterError:
            pass
    for desk, draft in zip(desks, drafts, strict=True):  # then both counters finish
        if draft is None:
            continue
        try:
            for dl in draft.selected():
                desk.verify_item(draft, BARCODE[dl.line.sku])
            committed.append(_commit(desk, draft))
        except CounterError:
            pass
    authorized = {n: q for n, _, q, _ in lines}
    r, rl = t.returns.c, t.return_lines.c
    with UnitOfWork(store.engine) as uow:
        using = uow.conn.execute(select(r.id, r.ref).where(r.authorization_code == code)).all()
        returned = uow.conn.execute(
            select(rl.line_no, func.sum(rl.quantity), func.sum(rl.refund_minor))
            .join(t.returns, r.id == rl.return_id)
            .where(r.authorization_code == code)
            .group_by(rl.line_no)
        ).all()
    event(f"returns using the code: {len(using)}")
    assert len(using) <= 1 and len(committed) == len(using)
    if spec["status"] != "open":
        assert using == []
    if central is not None:
        assert len({ref for c, ref in central.claims if c == code}) <= 1
        assert all(ref == using[0].ref for c, ref in central.claims if c == code) or not using
    for line_no, quantity, refund in returned:
        if line_no in authorized:
            assert quantity <= authorized[line_no]
        assert quantity <= sold[line_no - 1]
        assert refund <= (1000 * sold[line_no - 1] + 1) * quantity // sold[line_no - 1] + 1
    assert check_invariants(store.engine) == []


def test_two_counters_racing_on_one_code_offline_one_wins(store: Store) -> None:
    import threading

    add_order(store.engine, "O-R1", days_before(NOW, 3), [("APP-1", 2, 2000)])
    item = auth_item("O-R1", [(1, "APP-1", 1, "wrong_size")], NOW)
    with UnitOfWork(store.engine, write=True) as uow:
        apply_authorization(uow.conn, item)
        uow.commit()
    desks = [_desk(store, c, None) for c in ("C1", "C2")]
    drafts = [d.open_authorization(item["code"], store.user("alice")) for d in desks]
    for desk, draft in zip(desks, drafts, strict=True):
        desk.verify_item(draft, BARCODE["APP-1"])
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = _commit(desks[i], drafts[i])
        except Exception as exc:  # the loser's refusal is the result under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(lost) == 1 and isinstance(lost[0], CounterError), results
    assert "return code" in str(lost[0]) or "already returned" in str(lost[0]).lower()
    with UnitOfWork(store.engine) as uow:
        count = uow.conn.execute(
            select(func.count()).where(t.returns.c.authorization_code == item["code"])
        ).scalar_one()
    assert count == 1 and check_invariants(store.engine) == []
