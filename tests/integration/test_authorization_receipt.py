"""A return started online, after the counter: its receipt prints the return code beside the
reference (English and Chinese labels) and, when head office's public URL is configured, a QR
of the customer's status page — read back from the real ESC/POS bytes (native QR command, and
the raster a printer without one gets, decoded with zxing-cpp); the e-mail names the code;
`returns show` shows it; the public URL is checked like the central URL."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.inspect import parse_escpos, text_lines
from counter_app.adapters.printing.profile import load_profile
from counter_app.cli.main import main
from counter_app.config import Settings, check_setting
from counter_app.domain.auth_code import display_code
from counter_app.domain.documents import build_return_receipt
from counter_app.domain.exchange_receipt import EXCHANGE_LABELS_ZH
from counter_app.services.history import get_return
from counter_app.services.notifications import build_email
from counter_app.services.receipts import receipt_data
from counter_app.services.unit_of_work import UnitOfWork
from tests.authorization_helpers import auth_item
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.test_store_authorization_desk import LINES, confirm, pulled

PUBLIC = "https://returns.example.com"


@pytest.fixture
def committed(store_engine: Engine) -> tuple[Store, str, str, str]:
    """(store, return ref, canonical code, status token) of a committed authorized return."""
    store = make_store(store_engine, NOW)
    customer = {"code": "C1", "name": "Lin 林", "email": "lin@example.com", "phone": "+1555"}
    add_order(
        store.engine, "O-A1", days_before(NOW, 5),
        [("APP-1", 3, 7500), ("APP-2", 1, 1999), ("HOM-1", 1, 3999)], customer=customer,
    )  # fmt: skip
    item = pulled(store, auth_item("O-A1", LINES, NOW))
    draft = store.desk.open_authorization(item["code"], store.user("alice"))
    ref = confirm(store, draft).ref
    with UnitOfWork(store.engine) as uow:
        token = uow.conn.execute(
            select(t.returns.c.status_token).where(t.returns.c.ref == ref)
        ).scalar_one()
    return store, ref, item["code"], token


def _settings(store: Store, tmp_path: Path, public: str = PUBLIC) -> Settings:
    url = store.engine.url.render_as_string(hide_password=False)
    return Settings(home=tmp_path, db_url=url, central_public_url=public)


def test_receipt_prints_the_code_and_a_status_qr(
    committed: tuple[Store, str, str, str], tmp_path: Path
) -> None:
    store, ref, code, token = committed
    data = receipt_data(store.engine, _settings(store, tmp_path), store.policies.current, ref)
    status = f"{PUBLIC}/r/{token}"
    for labels, label, spec in (
        ({}, "Return code", "TM-T88V"),
        (EXCHANGE_LABELS_ZH, "退货码", "TM-T88V+cjk"),  # Chinese as GB18030 text
    ):
        doc = build_return_receipt(replace(data, labels=labels))
        native = load_profile(spec)
        ops = parse_escpos(render_escpos_bytes(doc, native), native)
        lines = text_lines(ops)
        assert any(label in line and display_code(code) in line for line in lines), lines
        assert {o.value for o in ops if o.kind == "qr_data"} == {ref, status}
        raster = load_profile("ZJ-5870+cjk")
        images = [o.value for o in parse_escpos(render_escpos_bytes(doc, raster), raster)
                  if o.kind == "image"]  # fmt: skip
        decoded = {r.text for img in images for r in zxingcpp.read_barcodes(img)}
        assert status in decoded and ref in decoded
    store_copy = build_return_receipt(replace(data, copy="store"))
    ops = parse_escpos(render_escpos_bytes(store_copy, native), native)
    assert status not in {o.value for o in ops if o.kind == "qr_data"}  # the customer's only
    # without a public URL: the code still, no status QR
    plain = receipt_data(store.engine, _settings(store, tmp_path, ""), store.policies.current, ref)
    ops = parse_escpos(render_escpos_bytes(build_return_receipt(plain), native), native)
    assert {o.value for o in ops if o.kind == "qr_data"} == {ref}


def test_email_names_the_code_beside_the_reference(
    committed: tuple[Store, str, str, str],
) -> None:
    store, ref, code, _ = committed
    view = get_return(store.engine, ref)
    for language, words in (("en", f"{ref} (return code {display_code(code)})"),
                            ("zh_CN", f"{ref}（退货码 {display_code(code)}）")):  # fmt: skip
        message = build_email(
            view, recipient="lin@example.com", language=language, sender="r@example.com",
            store_name="Test Store",
        )  # fmt: skip
        assert words in message.get_content()


def test_returns_show_has_the_code(
    committed: tuple[Store, str, str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, ref, code, _ = committed
    db = store.engine.url.render_as_string(hide_password=False)
    assert main(["--home", str(tmp_path), "--db", db, "returns", "show", ref]) == 0
    assert f"Return code {display_code(code)}" in capsys.readouterr().out
    assert main(["--home", str(tmp_path), "--db", db, "returns", "show", ref, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["authorization_code"] == display_code(code)


@pytest.mark.parametrize(
    "value",
    ["http://returns.example.com", "ftp://x", "https://u:pw@returns.example.com", "https://x/?a=1"],
)
def test_public_url_must_be_plain_https(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", str(tmp_path), "config", "set", "central_public_url", value]) != 0
    err = capsys.readouterr().err.strip()
    assert "central_public_url" in err and len(err.splitlines()) == 1
    assert "pw" not in err
    assert check_setting("central_public_url", PUBLIC) == PUBLIC
    assert check_setting("central_public_url", "") == ""
