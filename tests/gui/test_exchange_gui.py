"""An exchange at the counter, end to end in the window with keys and scans only: the even
swap (a variant picked from the list), the refundable one (a cheaper item scanned) and the
balance owed (paid by card on the standalone terminal, or cash), with what was committed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select, update

from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.services.unit_of_work import UnitOfWork
from tests.gui.conftest import GIFT, SCARF, GuiStore, shot, sign_in
from tests.gui.test_return_workflow import key, open_order, scan_item, settle, wedge_scan
from tests.gui.zh_walk import english_on_screen

pytestmark = pytest.mark.timeout(90)

# The scarf of O-1001 (APP-1, paid 25.00) comes in other sizes and colours.
VARIANTS = [
    # sku, name, size, colour, price, barcode, sellable on hand
    ("APP-1B", "Wool Scarf", "L", "Blue", 2500, "2000000000916", 0),
    ("APP-1K", "Wool Scarf Kids", "S", "Grey", 1800, "2000000000923", 5),
    ("APP-1L", "Wool Scarf", "L", "Grey", 2500, "2000000000930", 3),
    ("APP-1R", "羊毛围巾 红色", "M", "红色", 2900, "2000000000947", 2),
]
KIDS, LARGE, RED, BLUE = "2000000000923", "2000000000930", "2000000000947", "2000000000916"


@pytest.fixture
def exchange_store(gui_store: GuiStore) -> Iterator[GuiStore]:
    with UnitOfWork(gui_store.engine, write=True) as uow:
        uow.conn.execute(
            update(t.products)
            .where(t.products.c.sku == "APP-1")
            .values(style="SCARF-W", size="M", colour="Grey")
        )
        repo.insert_many(uow.conn, t.products, [
            {"sku": sku, "name": name, "category": "apparel", "serialised": False,
             "price_minor": price, "currency": "USD", "vendor": "Acme", "open_box_of": None,
             "style": "SCARF-W", "size": size, "colour": colour}
            for sku, name, size, colour, price, _b, _n in VARIANTS
        ])  # fmt: skip
        repo.insert_many(
            uow.conn, t.product_barcodes, [{"barcode": b, "sku": s} for s, *_, b, _n in VARIANTS]
        )
        stock = [(s, n) for s, *_, n in VARIANTS] + [("APP-1", 1), ("GFT-1", 10)]
        repo.insert_many(
            uow.conn,
            t.stock_levels,
            [{"sku": s, "location": "sellable", "on_hand": n} for s, n in stock],
        )
        uow.commit()
    yield gui_store


def on_hand(engine: Any, sku: str) -> int:
    with UnitOfWork(engine) as uow:
        s = t.stock_levels.c
        found = uow.conn.execute(
            select(s.on_hand).where(s.sku == sku, s.location == "sellable")
        ).scalar()
    return int(found or 0)


def committed(engine: Any) -> dict[str, Any]:
    """The return, the exchange sale it paid for, its payments and the stock that left."""
    with UnitOfWork(engine) as uow:
        c = uow.conn
        ret = c.execute(select(t.returns)).one()
        sale = c.execute(select(t.orders).where(t.orders.c.id == ret.exchange_order_id)).one()
        lines = c.execute(
            select(t.order_lines.c.sku, t.order_lines.c.quantity).where(
                t.order_lines.c.order_id == sale.id
            )
        ).all()
        pays = c.execute(
            select(t.payments.c.tender, t.payments.c.amount_minor, t.payments.c.card_brand,
                   t.payments.c.card_last4, t.payments.c.approval_code)
            .where(t.payments.c.order_id == sale.id).order_by(t.payments.c.tender)
        ).all()  # fmt: skip
        moves = c.execute(
            select(t.stock_movements.c.sku, t.stock_movements.c.quantity).where(
                t.stock_movements.c.cause == "exchange"
            )
        ).all()
    return {"return": ret, "sale": sale, "lines": [tuple(r) for r in lines],
            "payments": [tuple(p) for p in pays], "moves": [tuple(m) for m in moves]}  # fmt: skip


def receipt_jobs(engine: Any, ref: str) -> list[str]:
    with UnitOfWork(engine) as uow:
        j = t.print_jobs.c
        return list(uow.conn.execute(select(j.kind).where(j.subject == ref)).scalars())


def return_the_scarf(qtbot: Any, win: Any) -> None:
    """Open O-1001, scan the scarf, pick reason and condition with the keys."""
    win.activateWindow()
    sign_in(qtbot, win)
    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Down)  # wrong size
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Down)  # new
    settle(win)
    assert win.session.summary is not None and not win.session.summary.blocked


def choose_exchange(qtbot: Any, win: Any) -> None:
    """Alt+T to the refund tender, arrows to "Exchange", F9: the exchange page opens."""
    key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    tender = win.work.refund.tender
    assert tender.hasFocus()
    for _ in range(tender.count()):
        if tender.currentData() == "exchange":
            break
        key(qtbot, Qt.Key.Key_Down)
    assert tender.currentData() == "exchange"
    assert "Exchange" in win.work.refund.confirm_button.text()
    key(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: win.work.exchange.active, timeout=10_000)
    settle(win)
    assert win.work.exchange.panel.scan_input.hasFocus()


def take(qtbot: Any, win: Any, barcode: str) -> None:
    """The handheld scanner reads what the customer takes instead."""
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        wedge_scan(qtbot, barcode)
    settle(win)


def refused(qtbot: Any, win: Any, barcode: str) -> str:
    win.banner.clear()
    wedge_scan(qtbot, barcode)
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=10_000)
    settle(win)
    return str(win.banner.text())


def outcome(win: Any) -> str:
    return str(win.work.exchange.panel.outcome.text())


def confirm(qtbot: Any, win: Any) -> str:
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        key(qtbot, Qt.Key.Key_F9)
    settle(win)
    return str(done.args[0])


def test_even_exchange_of_another_size_picked_from_the_variants(
    qtbot: Any, window: Any, exchange_store: GuiStore
) -> None:
    win = window
    return_the_scarf(qtbot, win)
    choose_exchange(qtbot, win)
    panel = win.work.exchange.panel
    skus = [panel.variants.rows[i].sku for i in range(panel.variants.rowCount())]
    assert skus == ["APP-1", "APP-1B", "APP-1K", "APP-1L", "APP-1R"]
    on_hand_col = [panel.variants.data(panel.variants.index(i, 4)) for i in range(len(skus))]
    assert on_hand_col == ["1", "none", "5", "3", "2"]
    assert outcome(win) == "Scan what the customer takes instead."
    assert not panel.confirm_button.isEnabled()
    # refusals: one clear line each, nothing added
    assert "gift cards are not given in exchange" in refused(qtbot, win, GIFT)
    assert "Wool Scarf: only 0 on the sellable shelf, not 1." in refused(qtbot, win, BLUE)
    # a card number scanned or typed here by mistake is never sent, kept or shown
    assert "Never type the full card number" in refused(qtbot, win, "4111111111111111")
    assert "4111" not in win.banner.text() and panel.scan_input.text() == ""
    assert panel.taken.rowCount() == 0
    # the large grey one, with the arrows and Enter on the variants
    key(qtbot, Qt.Key.Key_Tab)
    assert panel.variants_view.hasFocus()
    for _ in range(skus.index("APP-1L")):
        key(qtbot, Qt.Key.Key_Down)
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        key(qtbot, Qt.Key.Key_Return)
    settle(win)
    assert [(r.sku, r.quantity) for r in panel.taken.rows] == [("APP-1L", 1)]
    assert outcome(win) == "Even exchange: nothing changes hands."
    assert not panel.balance.method.isVisible() and not panel.balance.refund_tender.isVisible()
    assert panel.confirm_button.isEnabled()
    shot(win, "exchange_even")
    ref = confirm(qtbot, win)
    assert win.work.right.currentIndex() == 1
    number = committed(exchange_store.engine)["sale"].number
    assert number.startswith("X-S001-C1-")
    assert win.banner.text() == (
        f"Exchange {ref} confirmed: sale {number}. Even: nothing changed hands."
    )
    # the receipt is printed as for any return, and previewed
    assert receipt_jobs(exchange_store.engine, ref) == ["return_receipt"]
    qtbot.waitUntil(lambda: not win.work.confirmed.receipt_view.pixmap().isNull(), timeout=10_000)
    shot(win, "exchange_even_confirmed")
    done = committed(exchange_store.engine)
    assert done["return"].ref == ref and done["return"].tender_choice == "exchange"
    assert done["lines"] == [("APP-1L", 1)]
    assert done["payments"] == [("exchange", 2500, None, None, None)]
    assert done["moves"] == [("APP-1L", -1)]
    assert on_hand(exchange_store.engine, "APP-1L") == 2


def test_refundable_exchange_of_a_cheaper_item_scanned(
    qtbot: Any, window: Any, exchange_store: GuiStore
) -> None:
    win = window
    return_the_scarf(qtbot, win)
    choose_exchange(qtbot, win)
    panel = win.work.exchange.panel
    take(qtbot, win, KIDS)
    assert outcome(win) == "Refund to customer $7.00"
    balance = panel.balance
    assert balance.refund_tender.isVisible() and not balance.method.isVisible()
    assert balance.refund_tender.currentData() == "original"
    shot(win, "exchange_refundable")
    ref = confirm(qtbot, win)
    assert "$7.00 refunded to Original payment." in win.banner.text()
    done = committed(exchange_store.engine)
    assert done["return"].ref == ref and done["return"].total_refund_minor == 2500
    assert done["lines"] == [("APP-1K", 1)]
    assert done["payments"] == [("exchange", 1800, None, None, None)]
    assert done["moves"] == [("APP-1K", -1)]


def test_balance_owed_paid_by_card_never_keeps_a_card_number(
    qtbot: Any, window: Any, exchange_store: GuiStore
) -> None:
    win = window
    return_the_scarf(qtbot, win)
    choose_exchange(qtbot, win)
    panel = win.work.exchange.panel
    take(qtbot, win, RED)
    take(qtbot, win, LARGE)
    assert outcome(win) == "Customer pays $29.00"
    # a wrong scan taken back out: Tab Tab to what is taken, Delete
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Tab)
    assert panel.taken_view.hasFocus()
    with qtbot.waitSignal(win.draft_changed, timeout=10_000):
        key(qtbot, Qt.Key.Key_Delete)
    settle(win)
    assert [r.sku for r in panel.taken.rows] == ["APP-1R"]
    assert outcome(win) == "Customer pays $4.00"
    balance = panel.balance
    assert balance.method.isVisible() and balance.method.currentData() == "cash"
    # pays by card on the store's terminal: Alt+P, Down
    key(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert balance.method.hasFocus()
    key(qtbot, Qt.Key.Key_Down)
    assert balance.method.currentData() == "card" and balance.last4.isVisible()
    assert "last 4 digits" in panel.hint.text() and not panel.confirm_button.isEnabled()
    key(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert balance.last4.hasFocus()
    # the full card number typed into "Last 4": refused at once, cleared, never shown
    QTest.keyClicks(balance.last4, "4111", Qt.KeyboardModifier.NoModifier, 200)
    QTest.keyClicks(balance.last4, "1", Qt.KeyboardModifier.NoModifier, 200)
    qtbot.wait(300)
    assert balance.last4.text() == ""
    assert "Never type the full card number" in win.banner.text()
    assert "41111" not in win.banner.text()
    QTest.keyClicks(balance.last4, "1111", Qt.KeyboardModifier.NoModifier, 200)
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert balance.approval.hasFocus()
    QTest.keyClicks(balance.approval, "ab12c9", Qt.KeyboardModifier.NoModifier, 200)
    qtbot.wait(300)
    settle(win)
    assert panel.hint.text() == "" and panel.confirm_button.isEnabled()
    shot(win, "exchange_balance_card")
    ref = confirm(qtbot, win)
    assert "The customer paid $4.00 by card." in win.banner.text()
    shot(win, "exchange_balance_confirmed")
    done = committed(exchange_store.engine)
    assert done["return"].ref == ref
    assert done["lines"] == [("APP-1R", 1)]
    assert done["payments"] == [
        ("card", 400, "Visa", "1111", "AB12C9"),
        ("exchange", 2500, None, None, None),
    ]
    assert done["moves"] == [("APP-1R", -1)]


def test_exchange_in_chinese_balance_paid_in_cash(
    qtbot: Any, window: Any, exchange_store: GuiStore
) -> None:
    from ui import i18n

    win = window
    assert i18n.set_language("zh_CN")
    return_the_scarf(qtbot, win)
    key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    tender = win.work.refund.tender
    while tender.currentData() != "exchange":
        key(qtbot, Qt.Key.Key_Down)
    assert win.work.refund.confirm_button.text() == "换货：顾客换走什么？"
    key(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: win.work.exchange.active, timeout=10_000)
    settle(win)
    panel = win.work.exchange.panel
    assert panel.title.text() == "4  换货：顾客换走的商品"
    assert outcome(win) == "请扫描顾客换走的商品。"
    assert refused(qtbot, win, GIFT) == "Gift Card $50 是礼品卡：礼品卡不能用于换货。"
    assert refused(qtbot, win, BLUE) == "Wool Scarf：可售库存只有 0 件，不够 1 件。"
    take(qtbot, win, RED)
    assert [r.name for r in panel.taken.rows] == ["羊毛围巾 红色"]
    assert outcome(win) == "顾客需补 US$4.00"
    assert panel.balance.method.currentText() == "现金（放入钱箱）"
    assert panel.confirm_button.isEnabled()
    assert english_on_screen(win, exchange_store.engine) == []  # tests/gui/zh_walk.py
    shot(win, "exchange_zh_CN")
    confirm(qtbot, win)
    assert "顾客已用现金补付 US$4.00。" in win.banner.text()
    shot(win, "exchange_confirmed_zh_CN")
    done = committed(exchange_store.engine)
    assert done["lines"] == [("APP-1R", 1)]
    assert done["payments"] == [
        ("cash", 400, None, None, None),
        ("exchange", 2500, None, None, None),
    ]
    assert on_hand(exchange_store.engine, "APP-1R") == 1


def test_back_keeps_the_items_and_another_tender_drops_them(
    qtbot: Any, window: Any, exchange_store: GuiStore
) -> None:
    win = window
    return_the_scarf(qtbot, win)
    choose_exchange(qtbot, win)
    take(qtbot, win, LARGE)
    key(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # back to the return
    qtbot.waitUntil(lambda: win.work.right.currentIndex() == 0, timeout=5_000)  # animated click
    assert win.work.inspection.isVisible()
    assert win.work.refund.tender.hasFocus()
    key(qtbot, Qt.Key.Key_F9)  # still "Exchange": the same items are there
    qtbot.waitUntil(lambda: win.work.exchange.active, timeout=10_000)
    settle(win)
    assert [r.sku for r in win.work.exchange.panel.taken.rows] == ["APP-1L"]
    key(qtbot, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: win.work.right.currentIndex() == 0, timeout=5_000)
    tender = win.work.refund.tender
    while tender.currentData() != "original":
        key(qtbot, Qt.Key.Key_Up)
    settle(win)
    assert win.session.draft.exchange is None, "a plain refund takes nothing out"
    assert win.work.refund.confirm_button.text() == "Confirm return"
    ref = confirm(qtbot, win)
    assert "Refund $25.00 to Original payment" in win.banner.text()
    with UnitOfWork(exchange_store.engine) as uow:
        row = uow.conn.execute(select(t.returns).where(t.returns.c.ref == ref)).one()
    assert row.exchange_order_id is None and row.tender_choice == "original"
    assert on_hand(exchange_store.engine, "APP-1L") == 3
