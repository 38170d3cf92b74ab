"""Audit anchoring against a real head office on 127.0.0.1 (PostgreSQL): every sync anchors
the store's chain; a rewound or forked head is refused (a sync exception at the store, a red
row on the head-office page); `audit verify --central` finds a chain rewritten after it was
anchored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from counter_app.adapters.central_client import HttpCentralClient
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.engine import make_engine
from counter_app.central.api.session import COOKIE
from counter_app.central.models import AuditAnchor
from counter_app.central.service import admins
from counter_app.central.testing import message
from counter_app.cli.main import main
from counter_app.services.anchor import anchor_payloads
from counter_app.services.audit import compare_with_central, verify_audit_trail
from counter_app.services.clock import FixedClock
from counter_app.services.sync import list_exceptions, run_sync
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.sync_protocol import MAX_ANCHOR_HASHES
from tests.cli_helpers import ADMIN, ADMIN_PIN, AS_ADMIN, cli
from tests.conftest import NOW
from tests.integration.central_fixtures import LiveCentral

pytestmark = pytest.mark.postgres


@pytest.fixture
def store_db(sqlite_db_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_db_url)
    yield engine
    engine.dispose()


def note(engine: Engine, count: int, what: str = "note") -> None:
    """`count` more audit entries (as any audited action appends them)."""
    with UnitOfWork(engine, write=True) as uow:
        for n in range(count):
            repo.append_audit(
                uow.conn, at=NOW, actor="maria", action="test.note", subject=what, data={"n": n}
            )
        uow.commit()


def cut_back_to(engine: Engine, seq: int) -> None:
    """Delete the entries after `seq` and move the head back: a chain that verifies."""
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM audit_entries WHERE seq > {seq}"))
        if seq == 0:
            conn.execute(text("DELETE FROM audit_head"))
        else:
            conn.execute(
                text(
                    f"UPDATE audit_head SET seq = {seq}, hash = "
                    f"(SELECT hash FROM audit_entries WHERE seq = {seq})"
                )
            )


def local_head(engine: Engine) -> tuple[int, str]:
    with UnitOfWork(engine) as uow:
        head = repo.audit_head(uow.conn)
    assert head is not None
    return head


def sync(engine: Engine, central: LiveCentral) -> Any:
    with HttpCentralClient(central.base_url, "S001", central.keys["S001"]) as client:
        report = run_sync(engine, client, FixedClock(NOW), attempts=1)
    assert report.ok, report.error
    return report


def anchors(central: LiveCentral) -> list[tuple[int, int, str, str | None]]:
    with Session(central.engine) as session:
        return [
            (a.from_seq, a.seq, a.status, a.reason)
            for a in session.execute(select(AuditAnchor).order_by(AuditAnchor.id)).scalars()
        ]


def anchored(central: LiveCentral) -> dict[str, Any]:
    with HttpCentralClient(central.base_url, "S001", central.keys["S001"]) as client:
        return client.audit_anchor()


def head_office_page(central: LiveCentral) -> str:
    """The sync-health page of the console, as a signed-in head-office account sees it."""
    admins.add_admin(central.engine, "hq", "correct horse battery")
    token = admins.start_session(central.engine, "hq")
    with httpx.Client(base_url=central.base_url) as browser:
        page = browser.get("/console/sync", headers={"Cookie": f"{COOKIE}={token}"})
    assert page.status_code == 200
    return page.text


def test_a_normal_sync_anchors_and_the_next_one_extends_it(
    central: LiveCentral, store_db: Engine
) -> None:
    central.add_store("S001")
    assert anchored(central)["seq"] == 0
    note(store_db, 10)
    sync(store_db, central)
    assert anchors(central) == [(0, 10, "accepted", None)]
    state = anchored(central)
    assert (state["seq"], state["hash"]) == local_head(store_db) and state["refused"] is None
    sync(store_db, central)  # nothing new: nothing sent
    assert len(anchors(central)) == 1
    note(store_db, 3)
    sync(store_db, central)
    assert anchors(central)[-1] == (10, 13, "accepted", None)
    assert compare_with_central(store_db, anchored(central)) == (0, [])
    note(store_db, 2)
    assert compare_with_central(store_db, anchored(central)) == (2, [])
    assert verify_audit_trail(store_db)[1] == []
    assert list_exceptions(store_db) == []


def test_a_rewound_head_is_refused_and_shows_as_an_exception(
    central: LiveCentral, store_db: Engine
) -> None:
    central.add_store("S001")
    note(store_db, 10)
    sync(store_db, central)
    cut_back_to(store_db, 5)
    report = sync(store_db, central)
    assert report.rejected == 1
    assert anchors(central)[-1][:3] == (5, 5, "refused")
    [problem] = list_exceptions(store_db)
    assert problem.kind == "audit.anchor" and problem.reason.startswith("audit_rewound")
    state = anchored(central)
    assert state["seq"] == 10 and (state["refused"] or "").startswith("audit_rewound")
    page = head_office_page(central)
    assert 'class="ok audit-refused"' in page and "head refused: audit_rewound" in page
    # the refused head is not sent again until the chain changes
    sync(store_db, central)
    assert len(list_exceptions(store_db)) == 1
    # locally, the outbox still remembers entry 10
    assert any("the outbox published entry 10" in p for p in verify_audit_trail(store_db)[1])


def test_a_forked_head_at_11_is_refused(central: LiveCentral, store_db: Engine) -> None:
    central.add_store("S001")
    note(store_db, 10)
    sync(store_db, central)
    cut_back_to(store_db, 5)
    note(store_db, 6, what="rewritten")  # entries 6..11: a longer chain, not continuing 10
    assert verify_audit_trail(store_db)[1] != []  # the outbox knows the old entry 10
    report = sync(store_db, central)
    assert report.rejected == 1
    assert anchors(central)[-1][:3] == (10, 11, "refused")
    [problem] = list_exceptions(store_db)
    assert problem.reason.startswith("audit_fork")
    assert anchored(central)["seq"] == 10


def test_head_office_refuses_non_extending_heads_on_the_wire(central: LiveCentral) -> None:
    central.add_store("S001")
    client = central.client("S001")
    chain = [f"{n:064x}" for n in range(1, 11)]
    first = anchor_payloads(0, list(enumerate(chain, 1)), 10)
    assert (
        client.push([message("audit.anchor", "S001", first[0])]).json()["results"][0]["status"]
        == "accepted"
    )

    def push(payload: dict[str, Any], kind: str = "audit.anchor") -> tuple[str, str]:
        result = client.push([message(kind, "S001", payload)]).json()["results"][0]
        return result["status"], (result["reason"] or "").split(":")[0]

    back = {"from_seq": 5, "prev_hash": chain[4], "seq": 5, "hash": chain[4], "hashes": []}
    assert push(back) == ("rejected", "audit_rewound")
    other = "ab" * 32
    fork = {"from_seq": 10, "prev_hash": other, "seq": 11, "hash": "cd" * 32,
            "hashes": ["cd" * 32]}  # fmt: skip
    assert push(fork) == ("rejected", "audit_fork")
    gap = {"from_seq": 11, "prev_hash": "cd" * 32, "seq": 12, "hash": other, "hashes": [other]}
    assert push(gap) == ("rejected", "audit_gap")
    short = {"from_seq": 10, "prev_hash": chain[9], "seq": 12, "hash": other, "hashes": [other]}
    assert push(short) == ("rejected", "anchor_malformed")
    # an audit.head for an anchored entry must carry the anchored hash
    assert push({"seq": 5, "hash": other}, "audit.head") == ("rejected", "audit_chain_mismatch")
    assert push({"seq": 5, "hash": chain[4]}, "audit.head") == ("accepted", "")
    good = {"from_seq": 10, "prev_hash": chain[9], "seq": 11, "hash": other, "hashes": [other]}
    assert push(good) == ("accepted", "")
    assert [a[1] for a in anchors(central) if a[2] == "accepted"] == [10, 11]


def test_long_stretches_are_sent_as_consecutive_anchors(
    central: LiveCentral, store_db: Engine
) -> None:
    central.add_store("S001")
    note(store_db, MAX_ANCHOR_HASHES + 5)
    sync(store_db, central)
    assert [a[:3] for a in anchors(central)] == [
        (0, MAX_ANCHOR_HASHES, "accepted"),
        (MAX_ANCHOR_HASHES, MAX_ANCHOR_HASHES + 5, "accepted"),
    ]


def test_verify_central_finds_a_chain_rewritten_after_anchoring(
    central: LiveCentral,
    store_db: Engine,
    sqlite_db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    central.add_store("S001")
    home = ["--home", str(tmp_path), "--db", sqlite_db_url]
    first = cli(tmp_path, "--db", sqlite_db_url, "setup", "--admin", ADMIN, "--pin", "-",
                stdin=f"{ADMIN_PIN}\n")  # fmt: skip
    assert first[0] == 0, first[2]
    for name, value in (("central_url", central.base_url), ("central_key", central.keys["S001"])):
        code, _out, err = cli(tmp_path, "--db", sqlite_db_url, "config", "set", name, "-",
                              *AS_ADMIN, stdin=f"{ADMIN_PIN}\n{value}\n")  # fmt: skip
        assert code == 0, err
    note(store_db, 10)
    sync(store_db, central)
    anchored_seq = local_head(store_db)[0]  # the notes, and the sign-in and config entries
    capsys.readouterr()
    assert main([*home, "audit", "verify", "--central"]) == 0
    assert "head office anchored it; 0 newer entries" in capsys.readouterr().out
    # A thorough rewrite: a new, self-consistent chain and no trace of it in the outbox.
    cut_back_to(store_db, 0)
    note(store_db, anchored_seq, what="rewritten")
    with store_db.begin() as conn:
        conn.execute(t.outbox.delete())
    assert verify_audit_trail(store_db)[1] == []  # the store alone cannot tell
    assert main([*home, "audit", "verify", "--central"]) == 1
    out = capsys.readouterr().out
    assert f"TAMPERED: entry {anchored_seq} is not the one head office anchored" in out
    cut_back_to(store_db, 7)
    assert main([*home, "audit", "verify", "--central"]) == 1
    expected = f"anchored entry {anchored_seq} but the local trail ends at entry 7"
    assert expected in capsys.readouterr().out
