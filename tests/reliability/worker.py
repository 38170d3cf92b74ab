"""Child-process entry points for the reliability tests (a real counter = a real process).

python -m tests.reliability.worker race DB_URL ORDER LINE QTY USER PIN COUNTER START_FILE [COND]
    Signs in, prepares a return of QTY units of LINE (condition COND, default new), prints
    "READY", waits until START_FILE exists, commits, and prints one JSON line:
    {"ok": ref} or {"error": ExceptionName, "message": text}.

python -m tests.reliability.worker race-loop DB_URL USER PIN COUNTER
    A counter that stays up for many rounds: signs in once, then for each line
    "ORDER LINE QTY START_FILE" read from stdin does what `race` does (READY, wait, commit,
    one JSON line, with the committed total as "total"). Ends at end of input.

python -m tests.reliability.worker crash-loop DB_URL RUN_ID SEED
    Signs in, prints "READY", then forever: sells an order, returns some of it, and prints
    "<ref> <lines> <total_minor>" only after commit_return has returned (the acknowledged
    returns). Meant to be SIGKILLed at a random moment.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta

from counter_app.adapters.db.engine import make_engine
from counter_app.domain.policy import PolicyHolder, default_policy_path, load_policy_file
from counter_app.services import auth
from counter_app.services.clock import FixedClock
from counter_app.services.returns import ReturnDesk
from tests.conftest import NOW
from tests.factories import add_order

# (sku, unit price, barcode) of products returnable without a manager under the default policy.
RETURNABLE = [
    ("APP-1", 2500, "2000000000015"),
    ("APP-2", 1999, "2000000000022"),
    ("HOM-1", 3999, "2000000000077"),
]
CONDITIONS = ["new", "new", "like_new", "defective"]
REASONS = ["wrong_size", "changed_mind", "defective", "not_as_described"]


def _desk(url: str, counter: str) -> tuple[ReturnDesk, FixedClock]:
    engine = make_engine(url)
    clock = FixedClock(NOW)
    policies = PolicyHolder(load_policy_file(default_policy_path()))
    return ReturnDesk(engine, clock, policies, store_code="S001", counter_code=counter), clock


def race(
    url: str,
    order: str,
    line_no: int,
    qty: int,
    user: str,
    pin: str,
    counter: str,
    start_file: str,
    condition: str = "new",
) -> int:
    desk, clock = _desk(url, counter)
    result: dict[str, str]
    try:
        cashier = auth.authenticate(desk.engine, clock, user, pin)
        draft = desk.start_return(desk.find_order(order), cashier)
        desk.select_line(draft, line_no, qty)
        desk.record_inspection(draft, line_no, reason_code="wrong_size", condition=condition)
        desk.evaluate(draft)
        print("READY", flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(start_file):
            if time.monotonic() > deadline:
                raise TimeoutError("start file never appeared")
            time.sleep(0.0005)
        committed = desk.commit_return(draft, "original")
        result = {"ok": committed.ref}
    except Exception as exc:  # the parent judges every outcome
        result = {"error": type(exc).__name__, "message": str(exc)}
    print(json.dumps(result), flush=True)
    desk.engine.dispose()
    return 0


def _wait_for(start_file: str) -> None:
    deadline = time.monotonic() + 60
    while not os.path.exists(start_file):
        if time.monotonic() > deadline:
            raise TimeoutError("start file never appeared")
        time.sleep(0.0005)


def race_loop(url: str, user: str, pin: str, counter: str) -> int:
    desk, clock = _desk(url, counter)
    cashier = auth.authenticate(desk.engine, clock, user, pin)
    for job in sys.stdin:
        order, line_no, qty, start_file = job.split()
        result: dict[str, object]
        try:
            draft = desk.start_return(desk.find_order(order), cashier)
            desk.select_line(draft, int(line_no), int(qty))
            desk.record_inspection(draft, int(line_no), reason_code="wrong_size", condition="new")
            desk.evaluate(draft)
        except Exception as exc:  # e.g. the line was returned in full by the last round
            print("READY", flush=True)
            _wait_for(start_file)
            result = {"error": type(exc).__name__, "message": str(exc), "at": "prepare"}
        else:
            print("READY", flush=True)
            _wait_for(start_file)
            try:
                committed = desk.commit_return(draft, "original")
                result = {"ok": committed.ref, "total": committed.total.minor}
            except Exception as exc:  # the parent judges every outcome
                result = {"error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(result), flush=True)
    desk.engine.dispose()
    return 0


def crash_loop(url: str, run_id: str, seed: int) -> int:
    rng = random.Random(seed)
    desk, clock = _desk(url, f"K{run_id}")
    cashier = auth.authenticate(desk.engine, clock, "alice", "1234")
    print("READY", flush=True)
    i = 0
    while True:
        i += 1
        picks = rng.sample(RETURNABLE, rng.randint(1, 3))
        lines = [
            (sku, q, price * q)
            for (sku, price, _), q in zip(picks, [rng.randint(1, 3) for _ in picks], strict=True)
        ]
        total = sum(p for *_, p in lines)
        if rng.random() < 0.4 and total > 1000:
            cash = rng.randint(1, total - 1)
            payments = [("card", total - cash), ("cash", cash)]
        else:
            payments = [("card", total)]
        number = f"K{run_id}-{i}"
        add_order(desk.engine, number, NOW - timedelta(days=rng.uniform(1, 10)), lines, payments)
        draft = desk.start_return(desk.find_order(number), cashier)
        chosen = [n for n in range(1, len(lines) + 1) if rng.random() < 0.7] or [1]
        for n in chosen:
            desk.select_line(draft, n, rng.randint(1, lines[n - 1][1]))
            desk.record_inspection(
                draft, n, reason_code=rng.choice(REASONS), condition=rng.choice(CONDITIONS)
            )
        desk.evaluate(draft)
        summary = desk.refund_summary(draft)
        tender = rng.choice(summary.tenders_allowed)
        committed = desk.commit_return(draft, tender)
        # Acknowledged: only now does the "cashier" see the return as done.
        print(f"{committed.ref} {len(chosen)} {committed.total.minor}", flush=True)


def main(argv: list[str]) -> int:
    mode, *args = argv
    if mode == "race":
        url, order, line_no, qty, user, pin, counter, start_file, *condition = args
        return race(url, order, int(line_no), int(qty), user, pin, counter, start_file, *condition)
    if mode == "race-loop":
        url, user, pin, counter = args
        return race_loop(url, user, pin, counter)
    if mode == "crash-loop":
        url, run_id, seed = args
        return crash_loop(url, run_id, int(seed))
    print(f"unknown mode {mode!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
