"""Head-office revision "audit anchors": a head office with stores and their audit heads
upgrades, keeps them, and anchors from there (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, inspect, select

from counter_app import sync_protocol as proto
from counter_app.central import db as central_db
from counter_app.central.service import push_messages, store_statuses
from counter_app.central.service.anchors import last_anchor
from counter_app.central.service.tx import utcnow
from counter_app.central.testing import message
from tests.central_old import central_before, insert_store
from tests.store_revisions import BOTH_DATABASES

REVISION = "0002_audit_anchors"


@pytest.fixture(params=BOTH_DATABASES)
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from central_before(REVISION, request, tmp_path)


def test_upgrade_keeps_stores_and_their_heads_and_anchoring_starts(old_central: Engine) -> None:
    assert "audit_anchors" not in inspect(old_central).get_table_names()
    stores = Table("stores", MetaData(), autoload_with=old_central)
    head = "ab" * 32
    with old_central.begin() as conn:
        insert_store(
            conn, "S001", "Old", "k" * 64, utcnow(),
            messages_received=7, audit_seq=3, audit_hash=head, audit_at=utcnow(),
        )  # fmt: skip
    central_db.upgrade(old_central)
    assert "audit_anchors" in inspect(old_central).get_table_names()
    [status] = store_statuses(old_central, "S001")
    assert status.audit_head is not None and status.audit_head.seq == 3
    assert status.messages_received == 7
    assert status.audit_anchor is not None and status.audit_anchor.seq == 0
    hashes = ["01" * 32, "02" * 32, head, "04" * 32]

    def anchor(entry_hashes: list[str]) -> proto.PushResult:
        payload = {"from_seq": 0, "prev_hash": "0" * 64, "seq": 4, "hash": entry_hashes[-1],
                   "hashes": entry_hashes}  # fmt: skip
        wire = proto.MESSAGE.validate_python(message("audit.anchor", "S001", payload))
        return push_messages(old_central, "S001", [wire])[0]

    # the head reported before the upgrade must agree with what is anchored after it
    forged = anchor(["01" * 32, "02" * 32, "0f" * 32, "04" * 32])
    assert forged.status == "rejected" and (forged.reason or "").startswith("audit_fork")
    result = anchor(hashes)
    assert result.status == "accepted", result.reason
    assert last_anchor(old_central, "S001").seq == 4
    with old_central.connect() as conn:
        assert conn.execute(select(stores.c.audit_seq)).scalar_one() == 4
