"""Property-based (hypothesis stateful) runs of sell / return / partial return / override /
re-return against the real services and a real database: after every step every money and
stock invariant holds, and the database agrees with a simple model of what was returned."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.adapters.db.migrate import upgrade
from counter_app.domain.draft import ReturnDraft
from counter_app.domain.policy import PolicyHolder, default_policy_path, load_policy_file
from counter_app.services import auth
from counter_app.services.clock import FixedClock
from counter_app.services.errors import AlreadyReturned, NotRefundable
from counter_app.services.returns import ReturnDesk
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import PRODUCTS, add_order, make_store, snapshot
from tests.invariants import check_invariants

PRICES = {sku: price for sku, _n, _c, _s, price, _b in PRODUCTS}
SKUS = sorted(PRICES)
REASONS = [
    "defective",
    "wrong_size",
    "not_as_described",
    "changed_mind",
    "arrived_late",
    "damaged_in_transit",
    "wrong_item",
]
CONDITIONS = ["new", "like_new", "opened", "used", "damaged", "defective"]


@contextmanager
def cheap_pin_hashing() -> Iterator[None]:
    """argon2id with tiny costs while the machine runs: these runs test money and stock,
    and a real-cost PIN check (~0.3 s) per sign-in would leave no time for examples."""
    saved = auth._hasher
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    try:
        yield
    finally:
        auth._hasher = saved


def _fill(url: str, *, migrate: bool) -> None:
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    make_store(engine, NOW)
    engine.dispose()


class ReturnsMachine(RuleBasedStateMachine):
    new_db: Callable[[Path], str]  # set by the test: a copy of a store with staff, per example
    seen: Counter[str] = Counter()  # what the runs really exercised, across examples

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="counter-stateful-"))
        self.engine: Engine = make_engine(type(self).new_db(self.folder))
        self.clock = FixedClock(NOW)
        policies = PolicyHolder(load_policy_file(default_policy_path()))
        self.desk = ReturnDesk(
            self.engine, self.clock, policies, store_code="S001", counter_code="C1"
        )
        self.cashier = auth.authenticate(self.engine, self.clock, "alice", "1234")
        self.n_orders = 0
        # The model: order number -> {line_no: (sold, returned)}, paid, refunded.
        self.lines: dict[str, dict[int, list[int]]] = {}
        self.refunded: dict[str, int] = {}
        self.paid: dict[str, int] = {}

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------ sell
    @initialize(target=orders)
    def first_sale(self) -> str:
        return self._sell([("APP-1", 2, 5000), ("HOM-1", 1, 3999)], [("card", 8999)], 3)

    @rule(target=orders, data=st.data())
    def sell(self, data: st.DataObject) -> str:
        n_lines = data.draw(st.integers(1, 4), label="lines")
        lines = []
        for _ in range(n_lines):
            sku = data.draw(st.sampled_from(SKUS), label="sku")
            qty = data.draw(st.integers(1, 3), label="qty")
            discount = data.draw(st.sampled_from([0, 0, 10, 25]), label="discount%")
            lines.append((sku, qty, PRICES[sku] * qty * (100 - discount) // 100))
        total = sum(p for *_, p in lines)
        kind = data.draw(st.sampled_from(["card", "cash", "split", "split3"]), label="tenders")
        if kind in ("card", "cash") or total < 3:
            payments = [(kind if kind in ("card", "cash") else "card", total)]
        elif kind == "split":
            cash = data.draw(st.integers(1, total - 1), label="cash part")
            payments = [("card", total - cash), ("cash", cash)]
        else:
            a = data.draw(st.integers(1, total - 2), label="first card")
            b = data.draw(st.integers(1, total - a - 1), label="cash")
            payments = [("card", a), ("cash", b), ("card", total - a - b)]
        age = data.draw(st.sampled_from([1, 3, 10, 20, 50]), label="days ago")
        return self._sell(lines, payments, age)

    def _sell(
        self, lines: list[tuple[str, int, int]], payments: list[tuple[str, int]], age_days: float
    ) -> str:
        self.n_orders += 1
        number = f"O-{self.n_orders}"
        serials = {
            n: f"SN{n}X{self.n_orders}" for n, (sku, *_r) in enumerate(lines, 1) if sku == "ELE-1"
        }
        add_order(
            self.engine,
            number,
            self.clock.now() - timedelta(days=age_days),
            lines,
            payments,
            serials=serials,
        )
        self.lines[number] = {n: [qty, 0] for n, (_s, qty, _p) in enumerate(lines, 1)}
        self.paid[number] = sum(a for _t, a in payments)
        self.refunded[number] = 0
        return number

    # ------------------------------------------------------------ return
    @rule(order=orders, data=st.data())
    def return_items(self, order: str, data: st.DataObject) -> None:
        self._return(order, data, partial=False)

    @rule(order=orders, data=st.data())
    def partial_return(self, order: str, data: st.DataObject) -> None:
        self._return(order, data, partial=True)

    def _return(self, order: str, data: st.DataObject, *, partial: bool) -> None:
        open_lines = [n for n, (sold, ret) in self.lines[order].items() if ret < sold]
        if not open_lines:
            return
        chosen = data.draw(
            st.lists(st.sampled_from(open_lines), min_size=1, unique=True), label="lines"
        )
        draft = self.desk.start_return(self.desk.find_order(order), self.cashier)
        wanted: dict[int, int] = {}
        for n in chosen:
            sold, ret = self.lines[order][n]
            left = sold - ret
            qty = 1 if partial else data.draw(st.integers(1, left), label=f"qty {n}")
            dl = self.desk.select_line(draft, n, qty)
            wanted[n] = qty
            if dl.line.serialised and dl.line.serial:
                right = data.draw(st.booleans(), label="right serial")
                self.desk.set_serial(draft, n, dl.line.serial if right else "SN-WRONG")
            self.desk.record_inspection(
                draft,
                n,
                reason_code=data.draw(st.sampled_from(REASONS), label="reason"),
                condition=data.draw(st.sampled_from(CONDITIONS), label="condition"),
            )
        decisions = self.desk.evaluate(draft)
        for n, decision in decisions.items():
            if (
                decision.outcome in ("refer", "deny")
                and decision.overridable
                and data.draw(st.booleans(), label=f"manager overrides {n}")
            ):
                self.desk.authorize_override(
                    draft, n, manager_username="maria", pin="987654", reason="customer_goodwill"
                )
                self.seen["override"] += 1
        summary = self.desk.refund_summary(draft)
        before = snapshot(self.engine)
        if summary.blocked:
            with pytest.raises(NotRefundable):
                self.desk.commit_return(draft, "original")
            assert snapshot(self.engine) == before
            self.seen["blocked"] += 1
            return
        assert summary.tenders_allowed, summary
        tender = data.draw(st.sampled_from(summary.tenders_allowed), label="tender")
        committed = self.desk.commit_return(draft, tender)
        assert committed.total.minor >= 0
        assert committed.total == summary.total
        for n, qty in wanted.items():
            self.lines[order][n][1] += qty
        self.refunded[order] += committed.total.minor
        self.seen["commit"] += 1
        self.seen[f"tender {tender}"] += 1
        if len(self.desk.find_order(order).payments) > 1:
            self.seen["commit split tender"] += 1
        after = snapshot(self.engine)
        assert after["returns"] == before["returns"] + 1
        assert after["returned_units"] == before["returned_units"] + sum(wanted.values())
        assert after["refunded_minor"] == before["refunded_minor"] + committed.total.minor

    # ------------------------------------------------------------ re-return
    @precondition(
        lambda self: any(ret > 0 for ls in self.lines.values() for _s, ret in ls.values())
    )
    @rule(data=st.data())
    def return_again(self, data: st.DataObject) -> None:
        """A line returned in full cannot be returned again; a stale draft that asks for
        more than is left loses at commit. Either way nothing changes."""
        candidates = [(o, n) for o, ls in self.lines.items() for n, (_s, r) in ls.items() if r > 0]
        order, n = data.draw(st.sampled_from(sorted(candidates)), label="returned line")
        sold, ret = self.lines[order][n]
        before = snapshot(self.engine)
        if ret == sold:
            draft = self.desk.start_return(self.desk.find_order(order), self.cashier)
            with pytest.raises(AlreadyReturned):
                self.desk.select_line(draft, n, 1)
            self.seen["re-return full line"] += 1
        else:
            # A draft made before the earlier return (stale): it asks for more than is left.
            draft = self._stale_draft(order, n, sold - ret + 1)
            self.desk.evaluate(draft)
            summary = self.desk.refund_summary(draft)
            if summary.blocked:
                return
            with pytest.raises(AlreadyReturned):
                self.desk.commit_return(draft, summary.tenders_allowed[0])
            self.seen["re-return stale draft"] += 1
        assert snapshot(self.engine) == before

    def _stale_draft(self, order: str, line_no: int, qty: int) -> ReturnDraft:
        fresh = self.desk.find_order(order)
        line = fresh.line(line_no)
        # Rewind what this counter saw to the time of the sale.
        stale_line = dataclasses.replace(line, returned_quantity=0)
        stale = dataclasses.replace(
            fresh, lines=tuple(stale_line if ln.line_no == line_no else ln for ln in fresh.lines)
        )
        draft = self.desk.start_return(stale, self.cashier)
        self.desk.select_line(draft, line_no, qty)
        self.desk.record_inspection(draft, line_no, reason_code="defective", condition="defective")
        return draft

    # ------------------------------------------------------------ time
    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # ------------------------------------------------------------ invariants
    @invariant()
    def database_invariants_hold(self) -> None:
        assert check_invariants(self.engine) == []

    @invariant()
    def money_per_order_and_payment(self) -> None:
        with UnitOfWork(self.engine) as uow:
            c = uow.conn
            refunds = dict(
                c.execute(
                    select(t.orders.c.number, func.coalesce(func.sum(t.refunds.c.amount_minor), 0))
                    .select_from(t.orders)
                    .join(t.returns, t.returns.c.order_id == t.orders.c.id, isouter=True)
                    .join(t.refunds, t.refunds.c.return_id == t.returns.c.id, isouter=True)
                    .group_by(t.orders.c.number)
                ).all()
            )
            paid = dict(
                c.execute(
                    select(t.orders.c.number, func.sum(t.payments.c.amount_minor))
                    .join(t.payments, t.payments.c.order_id == t.orders.c.id)
                    .group_by(t.orders.c.number)
                ).all()
            )
            for _pid, amount, refunded in c.execute(
                select(t.payments.c.id, t.payments.c.amount_minor, t.payments.c.refunded_minor)
            ):
                assert 0 <= refunded <= amount
            negative = c.execute(
                select(func.count()).select_from(t.refunds).where(t.refunds.c.amount_minor < 0)
            ).scalar_one()
            assert negative == 0
            returned = {
                (o, n): r
                for o, n, r in c.execute(
                    select(
                        t.orders.c.number,
                        t.order_lines.c.line_no,
                        t.order_lines.c.returned_quantity,
                    ).join(t.order_lines, t.order_lines.c.order_id == t.orders.c.id)
                )
            }
        for number in self.lines:
            assert refunds[number] <= paid[number]
            assert refunds[number] == self.refunded[number]
            assert paid[number] == self.paid[number]
            for n, (_sold, ret) in self.lines[number].items():
                assert returned[(number, n)] == ret


def _run(new_db: Callable[[Path], str], max_examples: int, steps: int) -> Counter[str]:
    ReturnsMachine.new_db = staticmethod(new_db)  # type: ignore[assignment]
    ReturnsMachine.seen = Counter()
    run_state_machine_as_test(
        ReturnsMachine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
            derandomize=True,  # the same runs every time: CI never flickers
        ),
    )
    return ReturnsMachine.seen


def _check_coverage(
    seen: Counter[str],
    wanted: tuple[str, ...] = ("commit", "override", "blocked", "re-return full line"),
) -> None:
    print(dict(seen))
    # The run really exercised what it claims to (not only sales and blocked returns).
    for what in wanted:
        assert seen[what] > 0, (what, dict(seen))


def test_sell_return_override_keeps_every_invariant_sqlite(tmp_path: Path) -> None:
    with cheap_pin_hashing():
        template = tmp_path / "template.db"
        _fill(f"sqlite:///{template}", migrate=True)

        def new_db(folder: Path) -> str:
            shutil.copyfile(template, folder / "store.db")
            return f"sqlite:///{folder / 'store.db'}"

        seen = _run(new_db, max_examples=40, steps=25)
    _check_coverage(seen)
    assert seen["commit split tender"] > 0


def test_sell_return_override_keeps_every_invariant_postgresql(
    pg_server: Any, _pg_store_template: str
) -> None:
    with cheap_pin_hashing():
        url = pg_server.create_database(template=_pg_store_template)
        _fill(url, migrate=False)
        template = url.rsplit("/", 1)[1]
        seen = _run(
            lambda _folder: pg_server.create_database(template=template), max_examples=8, steps=15
        )
    _check_coverage(seen, ("commit", "blocked"))  # the long SQLite run checks the rest
