"""`counter-app demo`: a realistic demo store — products, customers, orders, staff, returns.

Deterministic (seeded) so screenshots and tests see the same store; fast enough to build a
1,000,000-order store for the scale benchmarks (bulk inserts in large transactions).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from counter_app.adapters.catalog_image import clean_catalog_image
from counter_app.adapters.db import repository as repo
from counter_app.adapters.db import tables as t
from counter_app.adapters.db.authorizations import save_image
from counter_app.adapters.product_picture import product_picture_base64
from counter_app.domain.money import Money, allocate
from counter_app.services import auth
from counter_app.services.clock import Clock, FixedClock
from counter_app.services.demo_exchange import demo_exchanges
from counter_app.services.demo_gift import add_gift_demo
from counter_app.services.demo_receiptless import demo_receiptless
from counter_app.services.errors import CounterError
from counter_app.services.unit_of_work import UnitOfWork

STORE_CODE = "S001"
CURRENCY = "USD"
TAX_PERCENT = 8
DEMO_STAFF = (
    ("alice", "Alice Chen", "cashier", "1234"),
    ("bob", "Bob Ortiz", "cashier", "2345"),
    ("maria", "Maria Rossi", "manager", "987654"),
    ("wei", "王伟 Wang Wei", "manager", "876543"),
    ("admin", "Store Admin", "admin", "000000"),
)

_CATALOG: dict[str, tuple[int, list[str], list[str], tuple[int, int]]] = {
    # category: (count, english nouns, chinese nouns, price range in cents)
    "apparel": (
        60,
        [
            "T-Shirt",
            "Hoodie",
            "Jeans",
            "Dress",
            "Jacket",
            "Scarf",
            "Sneakers",
            "Wool Sweater",
            "Rain Coat",
            "Polo Shirt",
        ],
        ["纯棉T恤", "连帽卫衣", "牛仔裤", "连衣裙", "羽绒服", "羊毛围巾", "运动鞋"],
        (1299, 15999),
    ),
    "electronics": (
        40,
        [
            "Wireless Earbuds",
            "Bluetooth Speaker",
            "Smart Watch",
            "Tablet 10in",
            "USB-C Charger",
            "Noise-Cancelling Headphones",
            "Action Camera",
        ],
        ["无线蓝牙耳机", "智能手表", "平板电脑", "移动电源", "降噪耳机"],
        (1999, 89999),
    ),
    "home": (
        30,
        ["Ceramic Mug Set", "Cotton Towel", "Desk Lamp", "Non-stick Pan", "Throw Pillow"],
        ["保温杯", "陶瓷餐具套装", "不粘锅", "台灯"],
        (899, 12999),
    ),
    "beauty": (
        20,
        ["Face Cream", "Lip Balm", "Hair Dryer", "Perfume 50ml"],
        ["保湿面霜", "口红", "吹风机"],
        (599, 9999),
    ),
    "toys": (
        20,
        ["Building Blocks", "Puzzle 1000pc", "Plush Bear", "Remote Car"],
        ["积木玩具", "毛绒熊", "拼图"],
        (999, 7999),
    ),
    "hygiene": (10, ["Toothbrush", "Razor Kit", "Earplugs"], ["电动牙刷", "剃须刀"], (299, 8999)),
    "final_sale": (
        10,
        ["Clearance Jacket", "Sample Sale Bag"],
        ["清仓外套", "特价手提包"],
        (999, 9999),
    ),
    "gift_card": (5, ["Gift Card $25", "Gift Card $50"], ["礼品卡"], (2500, 10000)),
    "perishable": (5, ["Chocolate Box", "Coffee Beans 1kg"], ["月饼礼盒", "绿茶"], (799, 4999)),
}
_COLOURS = ["Black", "White", "Navy", "Red", "Grey", "Green", "Beige"]
_COLOURS_ZH = ["黑色", "白色", "藏青", "红色", "灰色", "绿色", "米色"]
_VENDORS = ["Acme Supply", "Northwind", "Globex", "上海制造有限公司", "Initech"]
_FIRST = [
    "James",
    "Mary",
    "Li",
    "Fatima",
    "Carlos",
    "Anna",
    "Mohammed",
    "Yuki",
    "Olga",
    "Sam",
    "张",
    "李",
    "王",
    "刘",
]
_LAST = [
    "Smith",
    "Garcia",
    "Nguyen",
    "Müller",
    "Kowalski",
    "O'Brien",
    "Zhang",
    "Patel",
    "小明",
    "芳",
    "静",
    "强",
]
_CARD_BRANDS = ["VISA", "MASTERCARD", "AMEX", "DISCOVER"]


@dataclass(frozen=True)
class DemoResult:
    products: int
    customers: int
    orders: int
    returns: int
    staff: tuple[tuple[str, str, str, str], ...]


def ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return body12 + str(check)


def has_store(engine: Engine) -> bool:
    with UnitOfWork(engine) as uow:
        return uow.conn.execute(select(func.count()).select_from(t.orders)).scalar_one() > 0


def build_demo(
    engine: Engine,
    clock: Clock,
    *,
    orders: int = 1200,
    seed: int = 7,
    returns: int = 24,
    desk_factory: Callable[[Clock], Any] | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Fill an empty store database. `desk_factory(clock)` makes the ReturnDesk for returns."""
    if has_store(engine):
        raise CounterError("This database already has a store. Use a new database for the demo.")
    rng = random.Random(seed)
    now = clock.now()
    products = demo_products(rng)
    _insert_store_and_catalog(engine, products)
    for username, name, role, pin in DEMO_STAFF:
        auth.add_user(engine, clock, username, name, role, pin, actor="demo")
    n_customers = max(50, min(orders // 4, 200_000))
    customers = [demo_customer(rng, i) for i in range(1, n_customers + 1)]
    with UnitOfWork(engine, write=True) as uow:
        for start in range(0, len(customers), 20_000):
            repo.insert_many(uow.conn, t.customers, customers[start : start + 20_000])
        uow.commit()
    product_rows = [p for p, _ in products]
    _insert_orders(engine, rng, now, product_rows, orders, n_customers, progress)
    made = _demo_returns(engine, now, rng, orders, returns, desk_factory) if desk_factory else 0
    if desk_factory is not None:
        made += demo_receiptless(engine, now, desk_factory)[0]
    if desk_factory:  # issue 14: gift receipts and two gift returns
        made += add_gift_demo(engine, now, rng, orders, desk_factory, returns=returns > 0)
        made += demo_exchanges(engine, now, desk_factory)
    return DemoResult(len(products), n_customers, orders, made, DEMO_STAFF)


def _insert_store_and_catalog(engine: Engine, products: list[tuple[dict[str, Any], str]]) -> None:
    with UnitOfWork(engine, write=True) as uow:
        repo.insert_many(
            uow.conn,
            t.stores,
            [
                {
                    "code": STORE_CODE,
                    "name": "Returns Counter Demo Store",
                    "address": "100 Main Street\nSpringfield",
                    "phone": "+1 555 0100",
                    "timezone": "America/New_York",
                    "currency": CURRENCY,
                }
            ],
        )
        repo.insert_many(uow.conn, t.products, [p for p, _ in products])
        repo.insert_many(
            uow.conn,
            t.product_barcodes,
            [{"barcode": code, "sku": p["sku"]} for p, code in products],
        )
        for p, _ in products:  # each product's picture, as a catalog pull would keep it
            png, digest = clean_catalog_image(
                product_picture_base64(p["sku"], p["name"], p["category"])
            )
            save_image(uow.conn, p["sku"], "image/png", digest, png)
        uow.commit()


def _insert_orders(
    engine: Engine,
    rng: random.Random,
    now: datetime,
    product_rows: list[dict[str, Any]],
    orders: int,
    n_customers: int,
    progress: Callable[[str], None],
) -> None:
    """The order history, 20,000 orders per transaction, with ids assigned here."""
    batch = 20_000
    line_id = payment_id = 0
    for start in range(1, orders + 1, batch):
        order_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        payment_rows: list[dict[str, Any]] = []
        for order_id in range(start, min(start + batch, orders + 1)):
            order, lines, pays = demo_order(rng, order_id, now, product_rows, n_customers)
            order_rows.append(order)
            for line in lines:
                line_id += 1
                line["id"] = line_id
                line_rows.append(line)
            for pay in pays:
                payment_id += 1
                pay["id"] = payment_id
                payment_rows.append(pay)
        with UnitOfWork(engine, write=True) as uow:
            repo.insert_many(uow.conn, t.orders, order_rows)
            repo.insert_many(uow.conn, t.order_lines, line_rows)
            repo.insert_many(uow.conn, t.payments, payment_rows)
            uow.commit()
        progress(f"{min(start + batch - 1, orders)} of {orders} orders")


def demo_products(rng: random.Random) -> list[tuple[dict[str, Any], str]]:
    rows = []
    n = 0
    for category, (count, nouns, nouns_zh, (low, high)) in _CATALOG.items():
        for i in range(count):
            n += 1
            chinese = i % 3 == 2
            if chinese:
                name = f"{_COLOURS_ZH[i % len(_COLOURS_ZH)]}{nouns_zh[i % len(nouns_zh)]}"
            else:
                name = f"{nouns[i % len(nouns)]} {_COLOURS[(i // len(nouns)) % len(_COLOURS)]}"
            if category == "gift_card":
                name = nouns[i % len(nouns)] if not chinese else f"礼品卡 ¥{(i + 1) * 100}"
            price = rng.randrange(low, high) // 100 * 100 + 99
            rows.append(
                (
                    {
                        "sku": f"{category[:3].upper()}-{n:04d}",
                        "name": name,
                        "category": category,
                        "serialised": category == "electronics",
                        "price_minor": price,
                        "currency": CURRENCY,
                        "vendor": _VENDORS[n % len(_VENDORS)],
                        "open_box_of": None,
                    },
                    ean13(f"200{n:09d}"),
                )
            )
    return rows


def demo_customer(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    has_email = rng.random() < 0.8
    return {
        "id": i,
        "code": f"C{i:07d}",
        "name": f"{first} {last}",
        "email": f"customer{i}@example.com" if has_email else None,
        "phone": f"+1555{i:07d}",
        "loyalty_tier": rng.choices([None, "silver", "gold"], [0.8, 0.15, 0.05])[0],
    }


def demo_order(
    rng: random.Random,
    order_id: int,
    now: datetime,
    products: list[dict[str, Any]],
    n_customers: int,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    channel = "online" if rng.random() < 0.45 else "store"
    placed = now - timedelta(days=rng.uniform(0.05, 120))
    customer_id = (
        rng.randint(1, n_customers) if (channel == "online" or rng.random() < 0.6) else None
    )
    lines = _demo_lines(rng, order_id, products)
    total = sum(line["paid_minor"] for line in lines)
    pays = _demo_payments(rng, order_id, _demo_tenders(rng, channel, total))
    order = {
        "id": order_id,
        "number": f"O-{order_id:07d}",
        "store_code": STORE_CODE if channel == "store" else None,
        "channel": channel,
        "placed_at": placed,
        "customer_id": customer_id,
        "currency": CURRENCY,
    }
    return order, lines, pays


def _demo_lines(
    rng: random.Random, order_id: int, products: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One to four products, an order-level discount spread over them, tax on the net."""
    picks = rng.sample(products, rng.choices([1, 2, 3, 4], [0.4, 0.3, 0.2, 0.1])[0])
    quantities = [rng.choices([1, 2, 3], [0.8, 0.15, 0.05])[0] for _ in picks]
    gross = [p["price_minor"] * q for p, q in zip(picks, quantities, strict=True)]
    order_discount = sum(gross) * rng.choice([0, 0, 0, 10, 15, 20]) // 100
    discounts = allocate(Money(order_discount, CURRENCY), gross)
    lines = []
    for n, (p, g, q, d) in enumerate(zip(picks, gross, quantities, discounts, strict=True), 1):
        net = g - d.minor
        tax = net * TAX_PERCENT // 100
        lines.append(
            {
                "order_id": order_id,
                "line_no": n,
                "sku": p["sku"],
                "quantity": q,
                "unit_price_minor": p["price_minor"],
                "discount_minor": d.minor,
                "tax_minor": tax,
                "paid_minor": net + tax,
                "serial": f"SN{rng.randrange(10**9, 10**10)}" if p["serialised"] else None,
                "final_sale": p["category"] == "final_sale",
                "returned_quantity": 0,
            }
        )
    return lines


def _demo_tenders(rng: random.Random, channel: str, total: int) -> list[tuple[str, int]]:
    """Online orders are paid by card; in store also cash, gift cards, or a gift card split."""
    roll = rng.random()
    if channel == "online" or roll < 0.6:
        return [("card", total)]
    if roll < 0.85:
        return [("cash", total)]
    if roll < 0.92:
        return [("gift_card", total)]
    gift = min(total, rng.choice([2500, 5000]))
    return [("gift_card", gift), ("card", total - gift)] if total > gift else [("gift_card", total)]


def _demo_payments(
    rng: random.Random, order_id: int, tenders: list[tuple[str, int]]
) -> list[dict[str, Any]]:
    pays = []
    for tender, amount in tenders:
        is_card = tender == "card"
        pays.append(
            {
                "order_id": order_id,
                "tender": tender,
                "amount_minor": amount,
                "refunded_minor": 0,
                "card_brand": rng.choice(_CARD_BRANDS) if is_card else None,
                "card_last4": f"{rng.randrange(10000):04d}" if is_card else None,
            }
        )
    return pays


def _demo_returns(
    engine: Engine,
    now: datetime,
    rng: random.Random,
    orders: int,
    wanted: int,
    desk_factory: Callable[[Clock], Any],
) -> int:
    """Real returns through the real desk: partial returns, Chinese names, one override."""
    clock = FixedClock(now)
    desk = desk_factory(clock)
    cashier = auth.authenticate(engine, clock, "alice", "1234")
    made = 0
    override_done = False
    for order_no in rng.sample(range(1, orders + 1), min(orders, wanted * 8)):
        if made >= wanted and override_done:
            break
        order = desk.find_order(f"O-{order_no:07d}")
        age = now - order.placed_at
        if age < timedelta(days=2):
            continue
        clock.at = order.placed_at + min(age, timedelta(days=rng.uniform(1, 10)))
        line = order.lines[0]
        needs_manager = line.category in ("final_sale", "hygiene")
        if (needs_manager and override_done) or (not needs_manager and made >= wanted):
            continue
        if line.category in ("gift_card", "perishable"):
            continue
        committed, overridden = _demo_return(desk, desk.start_return(order, cashier), line, rng)
        override_done = override_done or overridden
        made += committed
    return made


def _demo_return(desk: Any, draft: Any, line: Any, rng: random.Random) -> tuple[bool, bool]:
    """Return one unit of `line`: (committed, a manager override was granted on the way).

    A refusal the demo cannot get past (not overridable, blocked, any CounterError) skips it.
    """
    overridden = False
    try:
        desk.select_line(draft, line.line_no, 1)
        if line.serialised and line.serial:
            desk.set_serial(draft, line.line_no, line.serial)
        desk.record_inspection(
            draft,
            line.line_no,
            reason_code=rng.choice(["wrong_size", "changed_mind", "defective", "not_as_described"]),
            condition=rng.choice(["new", "new", "like_new", "defective"]),
        )
        decision = desk.evaluate(draft)[line.line_no]
        if decision.outcome in ("refer", "deny"):
            if not decision.overridable:
                return False, overridden
            desk.authorize_override(
                draft,
                line.line_no,
                manager_username="maria",
                pin="987654",
                reason="customer_goodwill",
                note="Demo: long-standing customer",
            )
            overridden = True
        summary = desk.refund_summary(draft)
        if summary.blocked or not summary.tenders_allowed:
            return False, overridden
        tender = "original" if "original" in summary.tenders_allowed else summary.tenders_allowed[0]
        desk.commit_return(draft, tender)
        return True, overridden
    except CounterError:
        return False, overridden
