"""A return started online, finished at the counter (issue 15): the return code is scanned,
its lines come up picked with the customer's reasons, each item scan checks its line, and
the cashier grades and confirms in at most 2 keys besides the scans. An item without a
barcode is checked against the catalog photo; refused codes show one line and change
nothing. Screenshots at 1366×768 in English and Chinese."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter_app.adapters.catalog_image import clean_catalog_image
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.authorizations import save_authorization, save_image
from counter_app.adapters.product_picture import product_picture_base64
from counter_app.domain.auth_code import display_code, new_code
from counter_app.services.unit_of_work import UnitOfWork
from tests.authorization_helpers import auth_item
from tests.conftest import NOW
from tests.factories import snapshot
from tests.gui.conftest import EARBUDS, LAMP, SCARF, GuiStore, pick_cell, shot, sign_in
from tests.gui.test_return_workflow import key, settle, wedge_scan

pytestmark = pytest.mark.timeout(90)


class Keys:
    """Every key the cashier presses besides the scans, counted."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot, self.count = qtbot, 0

    def __call__(self, k: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
        self.count += 1
        key(self.qtbot, k, modifier)


def code_for(n: int) -> str:
    return new_code(bytes([n] * 7))


OPEN, USED, EXPIRED, CANCELLED = (code_for(n) for n in (1, 2, 3, 4))


LINES = [(1, "APP-1", 1, "wrong_size"), (2, "HOM-1", 1, "defective")]


@pytest.fixture
def authorized(gui_store: GuiStore) -> GuiStore:
    """The store with return codes for order O-1001 as the store pulled them (open, used at
    another store, expired, cancelled) and the catalog pictures of its products."""
    common = {"refund": "store_credit"}
    items = [
        auth_item("O-1001", LINES, NOW, code=OPEN, **common),
        auth_item("O-1001", LINES, NOW, code=USED, status="used", used_by_store="S002",
                  used_at=(NOW - timedelta(days=1)).isoformat(), **common),
        auth_item("O-1001", LINES, NOW, code=EXPIRED, days=-1, **common),
        auth_item("O-1001", LINES, NOW, code=CANCELLED, status="cancelled",
                  cancelled_at=(NOW - timedelta(days=2)).isoformat(), **common),
    ]  # fmt: skip
    with UnitOfWork(gui_store.engine, write=True) as uow:
        for item in items:
            save_authorization(uow.conn, item)
        for sku, name, category in (("APP-1", "Wool Scarf", "apparel"),
                                    ("HOM-1", "Desk Lamp", "home")):  # fmt: skip
            png, digest = clean_catalog_image(product_picture_base64(sku, name, category))
            save_image(uow.conn, sku, "image/png", digest, png)
        uow.commit()
    return gui_store


def looked_at(qtbot: Any, win: Any, name: str) -> None:
    """A screenshot once the layout has settled (a widget just shown is laid out late)."""
    settle(win)
    qtbot.wait(50)
    shot(win, name)


def open_code(qtbot: Any, win: Any, text: str) -> None:
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        wedge_scan(qtbot, text)
    settle(win)


def scan_item(qtbot: Any, win: Any, code: str) -> None:
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        wedge_scan(qtbot, code)
    settle(win)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_return_code_scans_and_two_keys(
    qtbot: Any, window: Any, authorized: GuiStore, language: str
) -> None:
    from ui import i18n

    win = window
    assert i18n.set_language(language)
    win.activateWindow()
    sign_in(qtbot, win)
    keys = Keys(qtbot)
    open_code(qtbot, win, display_code(OPEN))
    draft = win.session.draft
    assert draft.authorization is not None and draft.authorization.code == OPEN
    picked = {n: (dl.quantity, dl.authorized_reason, dl.verified) for n, dl in draft.lines.items()}
    assert picked == {1: (1, "wrong_size", False), 2: (1, "defective", False)}
    assert display_code(OPEN) in win.work.order_panel.order_labels["number"][1].text()
    assert display_code(OPEN) in win.work.scan_panel.hint.text()
    assert win.work.inspection.reason.currentData() == "wrong_size"  # the customer's reason
    looked_at(qtbot, win, f"authorized_opened_{language}")

    scan_item(qtbot, win, SCARF)
    scan_item(qtbot, win, LAMP)
    assert all(dl.verified for dl in win.session.draft.lines.values())
    assert win.work.inspection.condition.hasFocus()  # the reason came with the code
    keys(Qt.Key.Key_F10)  # all as new
    settle(win)
    summary = win.session.summary
    assert summary is not None and not summary.blocked, summary
    assert win.work.refund.tender.currentData() == "store_credit"  # the customer's choice
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        keys(Qt.Key.Key_F9)
    assert display_code(OPEN) in win.work.confirmed.receipt_view.text()
    settle(win)
    assert keys.count <= 2
    assert display_code(OPEN) in win.banner.text()
    looked_at(qtbot, win, f"authorized_confirmed_{language}")
    ref = done.args[0]
    assert committed(authorized) == [(ref, OPEN, "store_credit", True, 2)]


def committed(gui_store: GuiStore) -> list[tuple[str, str | None, str, bool, int]]:
    """(ref, return code, tender, has a status token, lines) of every return written."""
    r, ln = t.returns.c, t.return_lines.c
    with UnitOfWork(gui_store.engine) as uow:
        rows = uow.conn.execute(select(r.id, r.ref, r.authorization_code, r.tender_choice,
                                       r.status_token)).all()  # fmt: skip
        return [
            (row.ref, row.authorization_code, row.tender_choice, bool(row.status_token),
             len(uow.conn.execute(select(ln.id).where(ln.return_id == row.id)).all()))
            for row in rows
        ]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_catalog_photo_matches_and_does_not(
    qtbot: Any, window: Any, authorized: GuiStore, language: str
) -> None:
    """No barcode on the scarf: Alt+M on its catalog photo checks it. The lamp is not the
    one in its photo: Alt+D takes it out of the return, which is then confirmed without it."""
    from ui import i18n

    win = window
    assert i18n.set_language(language)
    win.activateWindow()
    sign_in(qtbot, win)
    open_code(qtbot, win, display_code(OPEN).lower())  # typed, in lower case
    check = win.work.inspection.catalog
    assert win.session.current_line == 1 and check.isVisible()
    qtbot.waitUntil(check.has_picture, timeout=10_000)
    assert check.matches.isEnabled() and check.no_match.isEnabled()
    looked_at(qtbot, win, f"authorized_photo_check_{language}")
    with qtbot.waitSignal(win.session.photo_checked, timeout=10_000) as checked:
        key(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert checked.args == [1, True]
    settle(win)
    scarf = win.session.draft.lines[1]
    assert scarf.verified and scarf.verified_by_photo
    assert not check.isVisible()  # checked: the condition photo slot is back
    assert win.work.inspection.condition.hasFocus()

    pick_cell(win, 1, 1)  # the lamp's line
    settle(win)
    assert win.session.current_line == 2 and check.isVisible()
    qtbot.waitUntil(check.has_picture, timeout=10_000)
    check.no_match.setFocus()  # reachable with Tab; Enter presses it
    with qtbot.waitSignal(win.session.photo_checked, timeout=10_000) as checked:
        key(qtbot, Qt.Key.Key_Return)
    assert checked.args == [2, False]
    settle(win)
    assert 2 not in win.session.draft.lines
    assert "\n" not in win.banner.text() and win.banner.kind == "warning"

    pick_cell(win, 0, 1)
    settle(win)
    win.work.inspection.condition.setFocus()
    key(qtbot, Qt.Key.Key_Down)  # New, unopened
    settle(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000):
        key(qtbot, Qt.Key.Key_F9)
    settle(win)
    assert [dl.line.line_no for dl in win.session.draft.selected()] == [1]
    assert committed(authorized) == [(win.session.committed.ref, OPEN, "store_credit", True, 1)]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_refused_codes_say_one_line_and_change_nothing(
    qtbot: Any, window: Any, authorized: GuiStore, language: str
) -> None:
    from ui import i18n

    win = window
    assert i18n.set_language(language)
    win.activateWindow()
    sign_in(qtbot, win)
    before = snapshot(authorized.engine)
    zh = language == "zh_CN"
    bad_check = display_code(OPEN)[:-1] + ("0" if display_code(OPEN)[-1] != "0" else "1")
    cases = [
        (display_code(USED), "门店 S002" if zh else "already used at store S002 on 19 Nov 2026"),
        (USED, "门店 S002" if zh else "already used at store S002"),  # typed without "RA"
        (display_code(EXPIRED), "2026年11月19日" if zh else "expired on 19 Nov 2026"),
        (display_code(CANCELLED), "已于 2026年11月18日 取消" if zh else "cancelled on 18 Nov"),
        (bad_check, "不是有效的退货码" if zh else "not a valid return code"),
    ]
    for text, words in cases:
        win.banner.clear()
        with qtbot.waitSignal(win.session.scan_failed, timeout=10_000):
            wedge_scan(qtbot, text)
        settle(win)
        said = win.banner.text()
        assert words in said and "\n" not in said, (text, said)
        assert win.banner.kind == "error"
        assert win.session.order is None and win.session.draft is None
        if text == display_code(USED):
            looked_at(qtbot, win, f"authorized_refused_{language}")
    assert snapshot(authorized.engine) == before
    assert committed(authorized) == []
    # an order still opens as ever, and its item scans are not mistaken for codes
    with qtbot.waitSignal(win.order_shown, timeout=10_000):
        wedge_scan(qtbot, "O-1001")
    assert win.session.draft.authorization is None


def test_a_mismatch_is_any_other_return(qtbot: Any, window: Any, authorized: GuiStore) -> None:
    """A wrong item is refused as on any order; a worse condition than the customer said is
    the policy's to decide; a return code scanned over the open return replaces nothing."""
    win = window
    win.activateWindow()
    sign_in(qtbot, win)
    open_code(qtbot, win, display_code(OPEN))
    with qtbot.waitSignal(win.session.scan_failed, timeout=10_000):
        wedge_scan(qtbot, EARBUDS)  # not on order O-1001
    settle(win)
    assert "is not on order O-1001" in win.banner.text()
    assert sorted(win.session.draft.lines) == [1, 2]
    wedge_scan(qtbot, display_code(CANCELLED))
    settle(win)
    assert "Finish or clear the return in progress" in win.banner.text()
    assert win.session.draft.authorization.code == OPEN
    scan_item(qtbot, win, SCARF)
    condition = win.work.inspection.condition
    assert condition.hasFocus()
    condition.setCurrentIndex(condition.findData("damaged"))  # worse than "wrong size"
    settle(win)
    decision = win.session.draft.lines[1].decision
    assert decision is not None and decision.outcome in ("deny", "refer")
    assert win.session.draft.lines[1].inspection.reason_code == "wrong_size"
    assert not win.work.refund.confirm_button.isEnabled()


def test_code_used_elsewhere_meanwhile_is_refused_at_confirm(
    qtbot: Any, window: Any, authorized: GuiStore
) -> None:
    """Head office answers live: the code opens, but another store uses it before Confirm —
    the claim is refused in one line, nothing is written and the return stays on screen."""
    from counter_app.adapters.central_client import FakeCentral
    from tests.authorization_helpers import connect

    central = connect(authorized.core.desk, FakeCentral())
    item = auth_item("O-1001", LINES, NOW, refund="original")
    central.authorizations[item["code"]] = dict(item)
    win = window
    win.activateWindow()
    sign_in(qtbot, win)
    open_code(qtbot, win, display_code(item["code"]))
    assert win.session.draft.authorization.refund == "original"
    scan_item(qtbot, win, SCARF)
    scan_item(qtbot, win, LAMP)
    key(qtbot, Qt.Key.Key_F10)
    settle(win)
    assert win.work.refund.tender.currentData() == "original"
    central.authorizations[item["code"]].update(
        status="used", used_by_store="S002", used_return_ref="R-S002-C1-000009",
        used_at=(NOW - timedelta(minutes=5)).isoformat(),
    )  # fmt: skip
    before = snapshot(authorized.engine)
    with qtbot.waitSignal(win.session.commit_failed, timeout=10_000):
        key(qtbot, Qt.Key.Key_F9)
    settle(win)
    said = win.banner.text()
    assert "already used at store S002" in said and "\n" not in said, said
    assert snapshot(authorized.engine) == before and committed(authorized) == []
    assert win.session.committed is None and sorted(win.session.draft.lines) == [1, 2]
