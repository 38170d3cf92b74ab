"""Returned-stock window: places, open-box label reprint, moving units, vendor export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from counter_app.services.stock import stock_on_hand
from tests.gui import tables
from tests.gui.test_manager_reports import manager_ctx, shot  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(60)


def test_stock_window(qtbot: Any, manager_ctx: Any, tmp_path: Path) -> None:  # noqa: F811
    from ui.manager.stock_window import StockWindow

    window = StockWindow(manager_ctx)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    with qtbot.waitSignal(window.loaded, timeout=20_000):
        window.show()
    # the fixture's like-new lamp was returned as defective: the vendor's, not open box
    assert window.tabs.tabText(1) == "Open box (1)"
    window.tabs.setCurrentIndex(1)
    page = window.pages["open_box"]
    assert tables.rows(page.received) == 1 and tables.rows(page.on_hand) == 1
    shot(window, "stock_open_box")
    page.received.selectRow(0)
    with qtbot.waitSignal(window.label_queued, timeout=20_000):
        window.reprint_selected_label()
    # vendor tab: the three defective lamps; export them
    window.tabs.setCurrentIndex(2)
    vendor = window.pages["vendor"]
    assert tables.rows(vendor.on_hand) == 1
    shot(window, "stock_vendor")
    target = tmp_path / "rtv.csv"
    assert window.export_vendor_csv(str(target))
    assert "Acme,HOM-1,Desk Lamp,3,119.97,USD" in target.read_text(encoding="utf-8-sig")
    # move one lamp from the vendor pile to scrap, with a reason
    vendor.on_hand.selectRow(0)
    window.move_to.setCurrentIndex(window.move_to.findData("scrap"))
    window.move_reason.setText("glass shattered")
    with qtbot.waitSignal(window.moved, timeout=20_000):
        window.move_selected()
    qtbot.waitUntil(lambda: window.tabs.tabText(3) == "Scrap (1)", timeout=20_000)
    levels = {(s.sku, s.location): s.on_hand for s in stock_on_hand(manager_ctx.app.engine)}
    assert levels[("HOM-1", "vendor")] == 2 and levels[("HOM-1", "scrap")] == 1
    # without a reason nothing moves
    vendor.on_hand.selectRow(0)
    window.move_selected()
    qtbot.waitUntil(lambda: "reason" in window.banner.text(), timeout=20_000)
    window.close()
    assert manager_ctx.tasks.wait(5_000)


def test_mail_dialog_shows_failures_and_retries(qtbot: Any, manager_ctx: Any) -> None:  # noqa: F811
    from sqlalchemy import select

    from counter_app.adapters.db import repository as repo
    from counter_app.adapters.db import tables as t
    from counter_app.services.notifications import list_notifications
    from counter_app.services.unit_of_work import UnitOfWork
    from ui.manager.mail_dialog import MailDialog

    engine = manager_ctx.app.engine
    with UnitOfWork(engine, write=True) as uow:
        rid = uow.conn.execute(select(t.returns.c.id).order_by(t.returns.c.id)).scalars().first()
        repo.insert_row(
            uow.conn,
            t.notifications,
            {
                "return_id": rid,
                "channel": "email",
                "recipient": "ann@example.com",
                "language": "en",
                "status": "failed",
                "attempts": 8,
                "last_error": "The mail server refused the address: 550",
                "created_at": manager_ctx.app.clock.now(),
            },
        )
        uow.commit()
    dialog = MailDialog(manager_ctx)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.show()
    assert tables.rows(dialog.table) == 1 and "could not be sent" in dialog.banner.text()
    shot(dialog, "customer_emails")
    dialog.table.selectRow(0)
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.retry_selected()
    assert [n.status for n in list_notifications(engine)] == ["pending"]
    dialog.close()
    assert manager_ctx.tasks.wait(5_000)
