"""The edited-outbox attack end to end: after one real return, the pending `return.committed`
row in the counter's SQLite file is edited to claim a card refund of 99,999.99 to a card the
order never saw. `counter-app sync` sends it; head office rejects it, `central settle` pays
nothing, and the store shows a sync exception."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from counter_app.central.cli import main as central_main
from counter_app.central.models import SettlementRecord
from counter_app.cli.main import main
from counter_app.services.sync import sync_status
from tests.cli_helpers import ADMIN, ADMIN_PIN, admin_cli, cli
from tests.e2e.test_sync_e2e import Central, _return, _store, _sync, central_server

__all__ = ["central_server"]

pytestmark = pytest.mark.postgres


def _forge(db_file: Path, ref: str) -> None:
    """What an attacker with the counter's disk does: rewrite the pending message."""
    with sqlite3.connect(db_file) as conn:
        (seq, raw), *_ = conn.execute(
            "select seq, payload_json from outbox where kind = 'return.committed' "
            "and status = 'pending'"
        ).fetchall()
        body = json.loads(raw)
        payload = body["payload"]
        assert payload["ref"] == ref
        payload["lines"][0]["refund_minor"] = 9_999_999
        payload["refunds"] = [
            {
                "tender": "card",
                "amount_minor": 9_999_999,
                "charged_tender": "card",
                "card_brand": "VISA",
                "card_last4": "1111",
            }
        ]
        conn.execute("update outbox set payload_json = ? where seq = ?", (json.dumps(body), seq))


def test_an_edited_outbox_row_is_rejected_and_never_paid(
    central_server: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "a.db"
    db_url = f"sqlite:///{db_file}"
    key = central_server.keys["S001"]
    store = _store(tmp_path, "S001", db_url, central_server.url, key)
    assert _sync(store, central_server.url, key).ok
    ref = _return(store, "O-S1")
    store.close()
    _forge(db_file, ref)

    home = ["--home", str(tmp_path / "S001"), "--db", db_url]
    # Changing the config needs the store's administrator (`setup` makes the first one).
    code, _out, err = cli(
        tmp_path / "S001",
        "--db",
        db_url,
        "setup",
        "--admin",
        ADMIN,
        "--pin",
        "-",
        stdin=f"{ADMIN_PIN}\n",
    )
    assert code == 0, err
    # Head office is https with the test CA; a secret setting is given as `-`, its value on
    # the line after the admin PIN.
    for name, value, then in (
        ("central_url", central_server.url, ""),
        ("central_ca_file", central_server.ca_file, ""),
        ("central_key", "-", f"{key}\n"),
    ):
        code, _out, err = admin_cli(
            tmp_path / "S001", "--db", db_url, "config", "set", name, value, then=then
        )
        assert code == 0, err
    assert main([*home, "sync"]) == 0
    # The return and its stock movement are one unit: both rejected at head office, one
    # exception (the return's) at the store.
    assert "rejected 1" in capsys.readouterr().out

    engine = central_server.engine
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from returns")).scalar_one() == 0
        status, reason = conn.execute(
            text("select status, reason from messages where kind = 'return.committed'")
        ).one()
    assert status == "rejected" and reason.startswith("over_refund")
    assert central_main(["central", "settle", ref, "--db", central_server.db_url]) != 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SettlementRecord)).scalar_one() == 0
        # Its stock movement came with it and went with it: nothing counted for this return.
        assert conn.execute(text("select count(*) from stock_movements")).scalar_one() == 0
    store = _store(tmp_path, "S001", db_url, central_server.url, key)
    assert sync_status(store.engine).open_exceptions == 1
    store.close()
