"""The print queue after a committed return: loopback TCP printers that work, refuse, hang up
or never answer; jobs end printed or waiting with a reason — never lost, never duplicated."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from counter_app.adapters.db import tables as t
from counter_app.adapters.printing import FakePrinter, connect, render_escpos_bytes
from counter_app.adapters.printing.connections import Printer
from counter_app.config import Settings
from counter_app.domain.documents import CashDrawer, Cut, Signature
from counter_app.services.audit import verify_audit_trail
from counter_app.services.errors import BadInput, NotFound
from counter_app.services.print_queue import (
    INTERRUPTED_REASON,
    PrintQueue,
    PrintWorker,
    ProcessResult,
)
from counter_app.services.receipts import receipt_document
from counter_app.services.unit_of_work import UnitOfWork
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.test_printing_connections import (
    HangsUp,
    NeverReads,
    Recording,
    _serve,
    _Server,
    _url,
)

PAN = "4111111111111111"


@pytest.fixture
def recording() -> Iterator[_Server]:
    yield from _serve(Recording)


@pytest.fixture
def hangs_up() -> Iterator[_Server]:
    yield from _serve(HangsUp)


@pytest.fixture
def never_reads() -> Iterator[_Server]:
    yield from _serve(NeverReads, rcvbuf=4096)


def _refused_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return f"tcp://127.0.0.1:{port}"


def commit_return(store: Store, number: str = "O-1", tender: str = "original") -> str:
    """Scarf + Chinese T-shirt + opened earbuds (open-box label), paid by card and cash."""
    add_order(
        store.engine,
        number,
        days_before(NOW, 5),
        [("APP-1", 1, 2500), ("APP-2", 1, 1999), ("ELE-1", 1, 12999)],
        [("card", 12498), ("cash", 5000)],
        serials={3: "SN-" + number},
    )
    desk = store.desk
    draft = desk.start_return(desk.find_order(number), store.user("alice"))
    desk.verify_item(draft, "APP-1")
    desk.verify_item(draft, "APP-2")
    desk.verify_item(draft, "ELE-1", serial="SN-" + number)
    desk.record_inspection(draft, 1, reason_code="wrong_size", condition="new")
    desk.record_inspection(
        draft, 2, reason_code="changed_mind", condition="new", notes=f"card {PAN} in the bag"
    )
    desk.record_inspection(draft, 3, reason_code="changed_mind", condition="opened")
    desk.evaluate(draft)
    return desk.commit_return(draft, tender).ref


@dataclass
class Setup:
    store: Store
    settings: Settings
    ref: str
    url: list[str]  # the printer URL the factory uses (tests change it)

    def queue(self, **kw: object) -> PrintQueue:
        def factory(url: str, profile: str | None, timeout: float) -> Printer:
            return connect(self.url[0], profile, timeout)

        return PrintQueue(
            self.store.engine,
            self.store.clock,
            self.settings,
            self.store.policies,
            factory,
            timeout=kw.pop("timeout", 2.0),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )


def _setup(engine: Engine, tmp_path: Path, url: str = "preview://", **settings: object) -> Setup:
    store = make_store(engine, NOW)
    ref = commit_return(store)
    cfg = Settings(home=tmp_path, db_url="", printer_url=url, **settings)  # type: ignore[arg-type]
    return Setup(store, cfg, ref, [url])


def _statuses(engine: Engine) -> list[tuple[str, str, str, str]]:
    c = t.print_jobs.c
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(select(c.kind, c.subject, c.copy, c.status).order_by(c.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_healthy_printer_prints_every_job_once(
    store_engine: Engine, tmp_path: Path, recording: _Server
) -> None:
    s = _setup(store_engine, tmp_path, _url(recording))
    queue = s.queue()
    assert [(j.kind, j.subject) for j in queue.pending()] == [
        ("shelf_label", f"{s.ref}#3"),
        ("return_receipt", s.ref),
    ]
    results = queue.run_pending()
    assert [r.status for r in results] == ["printed", "printed"]
    assert all(status == "printed" for *_, status in _statuses(store_engine))
    receipt = render_escpos_bytes(
        receipt_document(store_engine, s.settings, s.store.policies.current, s.ref), "TM-T88V"
    )
    time.sleep(0.1)
    data = bytes(recording.received)
    assert data.count(receipt) == 1
    assert b"\x1bp" in receipt  # cash refund: the receipt opens the drawer
    assert PAN.encode() not in data
    jobs = queue.list_jobs()
    assert all(j.attempts == 1 and j.printed_at is not None for j in jobs)
    # A completed job is never sent again by a retry.
    with pytest.raises(BadInput, match="already printed"):
        queue.retry(jobs[0].id)
    assert queue.process_once(ignore_backoff=True) is None
    assert bytes(recording.received).count(receipt) == 1


def test_refused_printer_keeps_the_job_then_prints_it_exactly_once(
    store_engine: Engine, tmp_path: Path, recording: _Server
) -> None:
    s = _setup(store_engine, tmp_path, _refused_url())
    queue = s.queue(backoff_base=30.0)
    started = time.monotonic()
    first = queue.run_pending()
    assert time.monotonic() - started < 3
    assert [r.status for r in first] == ["pending", "pending"]
    assert all("refused" in r.reason for r in first)
    pending = queue.pending()
    assert len(pending) == 2
    assert all(j.attempts == 1 and "refused" in (j.last_error or "") for j in pending)
    assert all(j.next_try_in is not None and j.next_try_in > 20 for j in pending)
    assert queue.process_once() is None  # backing off: nothing is due yet
    # The printer comes back.
    s.url[0] = _url(recording)
    results = queue.run_pending()
    assert [r.status for r in results] == ["printed", "printed"]
    assert queue.run_pending() == []
    time.sleep(0.1)
    receipt = render_escpos_bytes(
        receipt_document(store_engine, s.settings, s.store.policies.current, s.ref), "TM-T88V"
    )
    assert bytes(recording.received).count(receipt) == 1
    assert [j.attempts for j in queue.list_jobs()] == [2, 2]


def test_printer_closing_mid_job_leaves_a_reprintable_job(
    sqlite_db_url: str, tmp_path: Path, hangs_up: _Server, recording: _Server
) -> None:
    from counter_app.adapters.db.engine import make_engine

    engine = make_engine(sqlite_db_url)
    try:
        s = _setup(engine, tmp_path, _url(hangs_up))
        queue = s.queue(timeout=0.5)
        results = queue.run_pending()
        assert results and all(r.status != "printed" for r in results)
        receipt_job = next(j for j in queue.list_jobs() if j.kind == "return_receipt")
        # Part of it reached the printer: not retried silently; the user is offered a reprint.
        assert receipt_job.status == "failed" and receipt_job.reprintable
        assert receipt_job.last_error
        assert queue.process_once(ignore_backoff=True) is None
        # The manager asks for it again once the printer is fixed.
        s.url[0] = _url(recording)
        assert queue.retry(receipt_job.id, "maria").status == "pending"
        assert queue.process_once(ignore_backoff=True).status == "printed"  # type: ignore[union-attr]
        assert verify_audit_trail(engine)[1] == []
    finally:
        engine.dispose()


def test_printer_that_never_answers_does_not_hang_the_queue(
    sqlite_db_url: str, tmp_path: Path, never_reads: _Server
) -> None:
    from counter_app.adapters.db.engine import make_engine

    engine = make_engine(sqlite_db_url)
    try:
        s = _setup(engine, tmp_path, _url(never_reads))
        queue = s.queue(timeout=0.5)
        started = time.monotonic()
        results = queue.run_pending()
        assert time.monotonic() - started < 10
        assert len(results) == 2 and all(r.status == "failed" for r in results)
        assert all(r.possibly_printed for r in results)
        assert [st for *_, st in _statuses(engine)] == ["failed", "failed"]
    finally:
        engine.dispose()


def test_job_interrupted_while_printing_is_recovered_as_reprintable(
    store_engine: Engine, tmp_path: Path
) -> None:
    s = _setup(store_engine, tmp_path)
    printer = FakePrinter("TM-T88V")
    queue = PrintQueue(
        store_engine,
        s.store.clock,
        s.settings,
        s.store.policies,
        lambda url, profile, timeout: printer,
    )
    # The app claims the receipt (attempt committed) and dies before recording the outcome.
    claimed = queue._claim(True, frozenset({queue.pending()[0].id}))
    assert claimed is not None and claimed[1] == "return_receipt"
    assert [st for *_, st in _statuses(store_engine)] == ["pending", "printing"]
    restarted = PrintQueue(
        store_engine,
        s.store.clock,
        s.settings,
        s.store.policies,
        lambda url, profile, timeout: printer,
    )
    assert restarted.recover_interrupted() == 1
    job = restarted.get(claimed[0])
    assert job.status == "failed" and job.reprintable and job.last_error == INTERRUPTED_REASON
    assert job.attempts == 1
    # Only the label prints automatically; the receipt waits for a person's decision.
    assert [r.kind for r in restarted.run_pending()] == ["shelf_label"]
    assert printer.documents and printer.documents[0].kind == "shelf_label"
    assert restarted.retry(job.id, "maria").status == "pending"
    assert restarted.process_once().status == "printed"  # type: ignore[union-attr]
    assert [d.kind for d in printer.documents] == ["shelf_label", "return_receipt"]
    assert restarted.recover_interrupted() == 0


def test_reprint_is_a_new_audited_job_without_a_drawer_kick(
    store_engine: Engine, tmp_path: Path
) -> None:
    s = _setup(store_engine, tmp_path, store_copy=True)
    printer = FakePrinter("TM-T88V")
    queue = PrintQueue(
        store_engine,
        s.store.clock,
        s.settings,
        s.store.policies,
        lambda url, profile, timeout: printer,
    )
    results = queue.run_pending()
    assert [(r.kind, r.status) for r in results] == [
        ("shelf_label", "printed"),
        ("return_receipt", "printed"),
        ("return_receipt", "printed"),  # the store copy, queued when the receipt was claimed
    ]
    customer, store_copy = printer.documents[1], printer.documents[2]
    assert any(isinstance(b, CashDrawer) for b in customer.blocks)
    assert any(isinstance(b, Signature) for b in store_copy.blocks)
    assert not any(isinstance(b, CashDrawer) for b in store_copy.blocks)
    assert isinstance(customer.blocks[-2], Cut) or any(isinstance(b, Cut) for b in customer.blocks)

    job_id = queue.reprint(s.ref, "maria")
    assert queue.run_pending()[0].job_id == job_id
    again = printer.documents[-1]
    assert again.kind == "return_receipt" and not any(
        isinstance(b, CashDrawer) for b in again.blocks
    )
    assert len(printer.documents) == 4  # no second store copy for a reprint
    with UnitOfWork(store_engine) as uow:
        actions = uow.conn.execute(
            select(t.audit_entries.c.action, t.audit_entries.c.actor).where(
                t.audit_entries.c.subject == s.ref
            )
        ).all()
    assert ("receipt.reprinted", "maria") in [tuple(a) for a in actions]
    assert verify_audit_trail(store_engine)[1] == []
    with pytest.raises(NotFound):
        queue.reprint("R-S001-C1-999999")
    text = " ".join(t_ for d in printer.documents for t_ in d.texts())
    assert PAN not in text and "4242" in text


def test_job_whose_data_is_gone_fails_with_a_reason(store_engine: Engine, tmp_path: Path) -> None:
    s = _setup(store_engine, tmp_path)
    with UnitOfWork(store_engine, write=True) as uow:
        uow.conn.execute(
            update(t.print_jobs)
            .where(t.print_jobs.c.kind == "shelf_label")
            .values(subject="R-NOPE#1")
        )
        uow.commit()
    printer = FakePrinter("TM-T88V")
    queue = PrintQueue(
        store_engine, s.store.clock, s.settings, s.store.policies, lambda *a: printer
    )
    results = {r.kind: r for r in queue.run_pending()}
    assert results["shelf_label"].status == "failed" and "cannot be printed" in (
        results["shelf_label"].reason
    )
    assert results["return_receipt"].printed


def test_worker_prints_in_the_background_and_stops_cleanly(
    sqlite_db_url: str, tmp_path: Path, recording: _Server
) -> None:
    from counter_app.adapters.db.engine import make_engine

    engine = make_engine(sqlite_db_url)
    try:
        s = _setup(engine, tmp_path, _url(recording))
        seen: list[ProcessResult] = []
        worker = PrintWorker(s.queue(), idle_interval=0.05, on_result=seen.append)
        worker.start()
        deadline = time.monotonic() + 10
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        # A new return while the worker idles: wake() prints it promptly.
        ref2 = commit_return(s.store, "O-2")
        worker.wake()
        while len(seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.stop()
        worker.join(5)
        assert not worker.is_alive()
        assert [r.status for r in seen] == ["printed"] * 4
        assert ref2 in {r.subject for r in seen}
    finally:
        engine.dispose()


def test_worker_backs_off_while_the_printer_is_down_and_stops_at_once(
    sqlite_db_url: str, tmp_path: Path
) -> None:
    from counter_app.adapters.db.engine import make_engine

    engine = make_engine(sqlite_db_url)
    try:
        s = _setup(engine, tmp_path, _refused_url())
        worker = PrintWorker(
            s.queue(backoff_base=0.05), idle_interval=0.05, min_backoff=0.2, max_backoff=0.4
        )
        worker.start()
        time.sleep(1.0)
        started = time.monotonic()
        worker.stop()
        worker.join(5)
        assert not worker.is_alive() and time.monotonic() - started < 2
        assert worker.last_error and "refused" in worker.last_error
        jobs = s.queue().pending()
        assert len(jobs) == 2  # still there, with the reason
        assert 2 <= sum(j.attempts for j in jobs) <= 8, [j.attempts for j in jobs]
    finally:
        engine.dispose()
