"""Return codes between the real head office (PostgreSQL, served on 127.0.0.1) and two real
stores (SQLite, wired by bootstrap): head office creates a code, both stores pull it; the
first store opens it from the customer's QR (head office's PNG read by the counter's
decoder), asking head office live, verifies, confirms (the claim at head office) and syncs;
the second store, offline, is refused at sync with the reason (a sync problem) and, online,
at the counter with the store and date."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.adapters.central_client import HttpCentralClient
from counter_app.adapters.db import authorizations as store_auth
from counter_app.adapters.scanning.decoder import decode_file
from counter_app.bootstrap import App, bootstrap
from counter_app.central import service
from counter_app.config import Settings
from counter_app.domain.auth_code import display_code
from counter_app.services import auth
from counter_app.services.errors import AuthorizationRefused
from counter_app.services.sync import list_exceptions, run_sync
from counter_app.services.unit_of_work import UnitOfWork
from tests.authorization_helpers import code_needing_escapes
from tests.integration.authorization_helpers import request, seed
from tests.integration.central_fixtures import LiveCentral, central, central_db_url  # noqa: F401


def _store(tmp_path: Path, code: str, live: LiveCentral, key: str, name: str = "") -> App:
    home = tmp_path / (name or code)
    home.mkdir()
    settings = Settings(
        home=home, db_url=f"sqlite:///{home / 'store.db'}", store_code=code,
        central_url=live.base_url, central_key=key,
    )  # fmt: skip
    return bootstrap(settings)


def _sync(app: App, key: str) -> Any:
    with HttpCentralClient(app.settings.central_url, app.settings.store_code, key) as client:
        return run_sync(app.engine, client, app.clock, app.policies, attempts=1)


def _return(app: App, code: str, scanned: str | None = None) -> str:
    cashier = auth.authenticate(app.engine, app.clock, "alice", "246810")
    draft = app.desk.open_authorization(scanned or display_code(code), cashier)
    for dl in draft.selected():
        app.desk.verify_item(draft, dl.line.sku)
        app.desk.record_inspection(
            draft, dl.line.line_no, reason_code=dl.authorized_reason or "", condition="new"
        )
    app.desk.evaluate(draft)
    return app.desk.commit_return(draft, "original").ref


def test_one_code_two_stores(central: LiveCentral, tmp_path: Path) -> None:  # noqa: F811
    keys = seed(central.engine)
    created = service.create_authorization(
        central.engine, request(lines=((1, 1, "wrong_size"), (3, 1, "defective"))),
        datetime.now(UTC), "test",
    )  # fmt: skip
    code = created.authorization.code
    first, second = (_store(tmp_path, s, central, keys[s]) for s in ("S001", "S002"))
    with HttpCentralClient(central.base_url, "S001", keys["S001"]) as client:
        assert client.fetch_authorization(code_needing_escapes()) is None  # signed 404
    try:
        for app in (first, second):
            report = _sync(app, keys[app.settings.store_code])
            assert report.ok and report.pulled["authorizations"] >= 1, report
            with UnitOfWork(app.engine) as uow:
                pulled = store_auth.load_authorization(uow.conn, code)
            assert pulled is not None and pulled.status == "open"
        # the customer's QR (head office's PNG) read by the counter's own decoder
        qr = tmp_path / "qr.png"
        qr.write_bytes(base64.b64decode(created.qr_png_base64))
        [scanned] = [c.text for c in decode_file(qr)]
        assert scanned == display_code(code)
        ref = _return(first, code, scanned)
        found = service.get_authorization(central.engine, code, datetime.now(UTC))
        assert found is not None and (found.status, found.used_by_store, found.used_return_ref) == (
            "used", "S001", ref)  # fmt: skip
        pushed = _sync(first, keys["S001"])
        assert pushed.ok and pushed.rejected == 0 and pushed.pushed >= 1
        # the second store, offline: its pulled copy says open, head office refuses at sync
        second.desk.central = None
        other = _return(second, code)
        report = _sync(second, keys["S002"])
        assert report.rejected == 1
        [problem] = [e for e in list_exceptions(second.engine) if e.kind == "return.committed"]
        assert "authorization_used" in problem.reason or "used" in problem.reason, problem
        assert other.startswith("R-S002-")
        # online, a third counter of the second store is refused at the counter
        third = _store(tmp_path, "S002", central, keys["S002"], "S002-counter-2")
        try:
            _sync(third, keys["S002"])
            with pytest.raises(AuthorizationRefused, match="already used at store S001 on"):
                _return(third, code)
        finally:
            third.close()
    finally:
        first.close()
        second.close()
