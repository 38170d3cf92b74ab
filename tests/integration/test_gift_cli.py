"""`counter-app receipt ORDER --gift`, a gift return from the shell and its receipt, and
`counter-app credit show CODE` — in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.domain.gift import GIFT_CODE_RE
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.sync_protocol import GiftReceiptIssuedPayload
from tests.conftest import NOW
from tests.factories import Store, add_order, days_before, make_store
from tests.integration.test_receipt_cli import _codes, _db_url, run

Cap = pytest.CaptureFixture[str]
PRICES = ("25.00", "19.99", "39.99", "USD")


@pytest.fixture
def store(store_engine: Engine) -> Store:
    s = make_store(store_engine, NOW)
    add_order(
        s.engine,
        "O-GR",
        days_before(NOW, 3),
        [("APP-1", 1, 2500), ("APP-2", 1, 1999), ("HOM-1", 1, 3999)],
        [("card", 5000), ("cash", 3498)],
    )
    return s


def _outbox(engine: Engine, kind: str) -> list[dict[str, object]]:
    with UnitOfWork(engine) as uow:
        rows = uow.conn.execute(select(t.outbox.c.payload_json).where(t.outbox.c.kind == kind))
        return [json.loads(r[0])["payload"] for r in rows]


def _gift_codes(text: str) -> list[str]:
    return re.findall(r"Gift code: (G-[0-9A-Z]{10})", text)


def test_gift_receipt_has_a_code_per_line_and_no_price(
    store: Store, tmp_path: Path, capsys: Cap
) -> None:
    db = _db_url(store.engine)
    code, out, err = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift")
    assert code == 0, err
    codes = _gift_codes(out)
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(GIFT_CODE_RE.match(c) for c in codes)
    assert "GIFT RECEIPT" in out and "纯棉T恤 白色" in out
    assert not any(p in out for p in PRICES) and "VISA" not in out and "Cash" not in out
    # stored on the lines, and sent to head office once, as the protocol's payload
    messages = _outbox(store.engine, "gift_receipt.issued")
    assert len(messages) == 1
    payload = GiftReceiptIssuedPayload.model_validate(messages[0])
    assert payload.order_number == "O-GR"
    assert [(ln.line_no, ln.gift_code) for ln in payload.lines] == list(enumerate(codes, 1))
    # printed again: the same codes, no new message
    code, again, err = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift")
    assert code == 0 and _gift_codes(again) == codes
    assert len(_outbox(store.engine, "gift_receipt.issued")) == 1
    # the PNG carries each code as a barcode; Chinese labels on request; ESC/POS cuts
    png = tmp_path / "g.png"
    code, _, err = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift", "--format", "png",
                       "--out", str(png), "--language", "zh_CN")  # fmt: skip
    assert code == 0, err
    assert set(codes) <= _codes(png.read_bytes())
    code, zh, _ = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift", "--language", "zh_CN")
    assert "礼品收据" in zh and all(c in zh for c in codes)
    esc = tmp_path / "g.escpos"
    code, _, err = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift", "--format", "escpos",
                       "--out", str(esc))  # fmt: skip
    data = esc.read_bytes()
    assert code == 0 and b"\x1dV" in data and b"\x1bp" not in data  # cut, no drawer kick
    assert all(c.encode() in data for c in codes)
    zh_cjk = ("--language", "zh_CN", "--profile", "TM-T88V+cjk")
    code, _, err = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift", "--format", "escpos",
                       "--out", str(esc), *zh_cjk)  # fmt: skip
    data = esc.read_bytes()
    assert code == 0 and "礼品收据".encode("gb18030") in data  # the printer's Chinese font
    assert "纯棉T恤".encode("gb18030") in data and all(c.encode() in data for c in codes)


def test_gift_return_from_the_shell_and_its_receipt(
    store: Store, tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n" * 4))
    db = _db_url(store.engine)
    code, out, err = run(capsys, tmp_path, db, "receipt", "O-GR", "--gift")
    gift = _gift_codes(out)[1]  # the Chinese T-shirt
    create = ("returns", "create", gift, "--cashier", "alice", "--pin", "-",
              "--line", "2:1:wrong_size:new")  # fmt: skip
    code, out, err = run(capsys, tmp_path, db, *create)
    assert code == 1 and err.strip().endswith("store credit or an exchange only.")
    code, out, err = run(capsys, tmp_path, db, *create, "--tender", "store_credit", "--json")
    assert code == 0, err
    ref = json.loads(out)["ref"]
    code, _again, err = run(capsys, tmp_path, db, *create, "--tender", "store_credit")
    assert code == 1 and "already used" in err and len(err.strip().splitlines()) == 1
    code, receipt, err = run(capsys, tmp_path, db, "receipt", ref)
    assert code == 0, err
    assert "GIFT RETURN RECEIPT" in receipt and gift in receipt and "纯棉T恤 白色" in receipt
    assert "19.99" not in receipt and "VISA" not in receipt and "  Cash" not in receipt
    assert "Voucher value" in receipt and "bonus" not in receipt
    value = re.search(r"Voucher value\s+(\d+\.\d\d) USD", receipt)
    assert value is not None and value.group(1) != "19.99"  # the voucher's value, with bonus
    voucher = next(ln.strip() for ln in receipt.splitlines() if "-USD" in ln and "[" not in ln)

    code, shown, err = run(capsys, tmp_path, db, "credit", "show", voucher, "--json")
    assert code == 0, err
    st = json.loads(shown)
    assert st["genuine"] is True and st["return_ref"] == ref
    assert st["value_minor"] == st["left_minor"] and st["spent_minor"] == 0
    assert st["value_minor"] == int(float(value.group(1)) * 100 + 0.5)
    code, text, err = run(capsys, tmp_path, db, "credit", "show", voucher)
    assert code == 0 and "Genuine" in text and "left" in text
    code, text, err = run(capsys, tmp_path, db, "credit", "show", st["store_credit"])
    assert code == 0 and "no check value" in text and voucher in text

    forged = re.sub(r"USD(\d+)", lambda m: f"USD{int(m.group(1)) + 1000}", voucher)
    code, text, err = run(capsys, tmp_path, db, "credit", "show", forged)
    assert code == 1 and "not genuine" in text and "left" not in text
    code, text, err = run(capsys, tmp_path, db, "credit", "show", "SC-S001-C9-999999")
    assert code == 1 and "No store credit" in err


def test_gift_receipt_of_an_unknown_order_is_one_line(
    store: Store, tmp_path: Path, capsys: Cap
) -> None:
    code, _out, err = run(capsys, tmp_path, _db_url(store.engine), "receipt", "O-NOPE", "--gift")
    assert code == 1 and "No order O-NOPE" in err and len(err.strip().splitlines()) == 1


def test_the_demo_has_gift_receipts_and_two_gift_returns(tmp_path: Path, capsys: Cap) -> None:
    from counter_app.adapters.db.engine import make_engine

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    code, out, err = run(capsys, tmp_path, url, "demo", "--orders", "300", "--returns", "4")
    assert code == 0, err
    engine = make_engine(url)
    rl, p = t.return_lines.c, t.products.c
    with UnitOfWork(engine) as uow:
        gifted = uow.conn.execute(
            select(t.order_lines.c.gift_code).where(t.order_lines.c.gift_code.is_not(None))
        ).all()
        returned = uow.conn.execute(
            select(p.name, rl.gift_code).join(t.products, p.sku == rl.sku)
            .where(rl.gift_code.is_not(None))
        ).all()  # fmt: skip
    engine.dispose()
    assert len(gifted) >= 3 and all(GIFT_CODE_RE.match(c) for (c,) in gifted)
    assert len(returned) == 2 and any(not name.isascii() for name, _ in returned)
    assert len(_outbox(make_engine(url), "gift_receipt.issued")) >= 2
    code, out, err = run(capsys, tmp_path, url, "audit", "verify")
    assert code == 0 and "intact" in out
