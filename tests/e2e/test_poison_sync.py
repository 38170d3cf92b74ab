"""One message head office cannot take never blocks a store (real head office on 127.0.0.1).

Head office refuses a batch holding a NUL byte (422), or — through a test rule in front of
it — fails with 500 whenever one marked message is in the batch. The store halves the batch
until that message is alone, records it as one sync exception, sends everything else, and
still pulls. An outage (503, or 500 for everything) marks nothing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app import sync_protocol as proto
from counter_app.adapters.central_client import HttpCentralClient
from counter_app.adapters.db import repository as repo
from counter_app.bootstrap import App, bootstrap
from counter_app.central import db as central_db
from counter_app.central import models as cm
from counter_app.central import service as central
from counter_app.central.app import CentralSettings, create_app
from counter_app.central.testing import ServerThread
from counter_app.config import Settings
from counter_app.services.clock import FixedClock
from counter_app.services.sync import list_exceptions, run_sync, sync_status
from counter_app.services.unit_of_work import UnitOfWork
from tests.factories import PRODUCTS

NOW = datetime.now(UTC).replace(microsecond=0)
Scope = MutableMapping[str, Any]
Asgi = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


@dataclass
class Rule:
    """Which requests the test front answers 500 itself instead of passing them on."""

    marker: bytes | None = None  # 500 for any push whose body holds this
    all_pushes: bool = False  # 500 for every push (head office broken for writes)
    seen_500: int = 0


def _front(app: Asgi, rule: Rule) -> Asgi:
    """An ASGI wrapper: reads the body, answers 500 when the rule says so."""

    async def wrapped(
        scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        body = b"".join(chunks)
        if rule.all_pushes or (rule.marker and rule.marker in body):
            rule.seen_500 += 1
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"text/plain")],
                }
            )
            await send({"type": "http.response.body", "body": b"Internal Server Error"})
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return wrapped


@dataclass
class Head:
    url: str
    engine: Any
    key: str
    rule: Rule


@pytest.fixture
def head(pg_server: Any) -> Iterator[Head]:
    db_url = pg_server.create_database()
    central_db.upgrade(db_url)
    engine = central_db.make_engine(db_url)
    key = central.add_store(engine, "S001", "Store S001")
    central.publish_catalog(
        engine,
        [
            proto.CatalogItem(
                sku=s,
                name=n,
                category=c,
                barcodes=[b],
                serialised=ser,
                price_minor=p,
                currency="USD",
                vendor="Acme",
            )
            for s, n, c, ser, p, b in PRODUCTS
        ],
    )
    rule = Rule()
    app = create_app(CentralSettings(db_url=db_url, engine=engine))
    server = ServerThread(_front(app, rule)).start()  # type: ignore[arg-type]
    try:
        yield Head(server.base_url, engine, key, rule)
    finally:
        server.stop()
        engine.dispose()


def _store(tmp: Path, head: Head) -> App:
    settings = Settings(
        home=tmp / "S001",
        db_url=f"sqlite:///{tmp / 's.db'}",
        store_code="S001",
        counter_code="C1",
        central_url=head.url,
        central_key=head.key,
    )
    return bootstrap(settings, clock=FixedClock(NOW))


def _queue_moves(app: App, skus: list[str]) -> list[str]:
    """Stock-movement messages straight into the outbox, as an edited disk could hold."""
    with UnitOfWork(app.engine, write=True) as uow:
        ids = [
            repo.add_outbox(
                uow.conn,
                kind="stock.movement",
                at=NOW,
                store="S001",
                payload={"sku": sku, "quantity": 1, "cause": "recount", "ref": None},
            )
            for sku in skus
        ]
        uow.commit()
    return ids


def _sync(app: App, head: Head) -> Any:
    with HttpCentralClient(head.url, "S001", head.key, timeout=5) as client:
        return run_sync(
            app.engine, client, app.clock, app.policies, sleep=lambda _s: None, attempts=3
        )


def _accepted_at_head(head: Head) -> list[str]:
    with head.engine.connect() as conn:
        return sorted(conn.execute(select(cm.StockMovement.sku)).scalars())


def _good(n: int) -> list[str]:
    return [PRODUCTS[i % len(PRODUCTS)][0] for i in range(n)]


def test_nul_byte_message_is_isolated_everything_else_syncs(head: Head, tmp_path: Path) -> None:
    app = _store(tmp_path, head)
    good = _good(9)
    ids = _queue_moves(app, [*good[:4], "APP-1\x00", *good[4:]])
    report = _sync(app, head)
    assert report.ok, report.error
    assert (report.pushed, report.rejected) == (9, 1)
    assert report.pulled["catalog"] == len(PRODUCTS)  # pulls ran in the same sync
    assert _accepted_at_head(head) == sorted(good)
    problems = list_exceptions(app.engine)
    assert [p.message_id for p in problems] == [ids[4]]
    assert "422" in problems[0].reason
    assert sync_status(app.engine).waiting == 0


def test_message_head_office_500s_on_is_isolated(head: Head, tmp_path: Path) -> None:
    head.rule.marker = json.dumps("POISON-SKU").encode()
    app = _store(tmp_path, head)
    good = _good(12)
    ids = _queue_moves(app, [*good[:7], "POISON-SKU", *good[7:]])
    report = _sync(app, head)
    assert report.ok, report.error
    assert (report.pushed, report.rejected) == (12, 1)
    assert _accepted_at_head(head) == sorted(good)
    problems = list_exceptions(app.engine)
    assert [p.message_id for p in problems] == [ids[7]]
    assert "500" in problems[0].reason
    assert sync_status(app.engine).open_exceptions == 1
    # The store keeps syncing: later messages go through, the exception is not repeated.
    _queue_moves(app, ["HOM-1"])
    again = _sync(app, head)
    assert again.ok and again.pushed == 1 and again.rejected == 0
    assert len(list_exceptions(app.engine)) == 1


def test_lone_500_message_waits_for_evidence(head: Head, tmp_path: Path) -> None:
    """Alone in the outbox, a 500 cannot be told from a broken head office: it stays
    pending (the pulls still run) until a later sync sends it beside an accepted one."""
    head.rule.marker = json.dumps("POISON-SKU").encode()
    app = _store(tmp_path, head)
    _queue_moves(app, ["POISON-SKU"])
    report = _sync(app, head)
    assert not report.ok and "500" in (report.error or "")
    assert report.pulled["catalog"] == len(PRODUCTS)
    assert sync_status(app.engine).waiting == 1 and not list_exceptions(app.engine)
    _queue_moves(app, ["HOM-1"])
    assert _sync(app, head).ok
    assert len(list_exceptions(app.engine)) == 1 and sync_status(app.engine).waiting == 0


def test_head_office_failing_every_push_marks_nothing(head: Head, tmp_path: Path) -> None:
    head.rule.all_pushes = True
    app = _store(tmp_path, head)
    _queue_moves(app, _good(40))
    report = _sync(app, head)
    assert not report.ok
    assert report.pulled["catalog"] == len(PRODUCTS)  # pulls ran although the push failed
    assert sync_status(app.engine).waiting == 40
    assert not list_exceptions(app.engine)
    assert head.rule.seen_500 < 40  # finding out cost a few requests, not one per message
    head.rule.all_pushes = False
    assert _sync(app, head).ok and _accepted_at_head(head) == sorted(_good(40))
    with UnitOfWork(app.engine) as uow:
        assert repo.pending_outbox_count(uow.conn) == 0
