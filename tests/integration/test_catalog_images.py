"""Catalog pictures end to end: head office keeps what it publishes (PostgreSQL), the pull
carries it over real HTTP on 127.0.0.1, and the store keeps only what Pillow could decode
within its budget, re-encoded as PNG. A bad picture is a sync problem for its product only:
the product itself and every other picture apply."""

from __future__ import annotations

import base64
import hashlib
import io
import random
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import Engine, select

from counter_app import sync_protocol as proto
from counter_app.adapters.catalog_image import BadCatalogImage, clean_catalog_image
from counter_app.adapters.central_client import HttpCentralClient
from counter_app.adapters.db import tables as t
from counter_app.adapters.product_picture import product_picture, product_picture_base64
from counter_app.central import service
from counter_app.central.demo import publish_demo
from counter_app.central.service.pulls import pull_catalog
from counter_app.services.demo import demo_products
from counter_app.services.sync import pull_all
from counter_app.services.unit_of_work import UnitOfWork
from tests.integration.central_fixtures import LiveCentral, central, central_db_url  # noqa: F401


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encoded(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 1).save(out, format=fmt)
    return out.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` (its pixels are never there)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))


def test_pictures_are_checked_and_reencoded() -> None:
    for fmt in ("PNG", "JPEG"):
        png, digest = clean_catalog_image(b64(encoded(fmt)))
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and hashlib.sha256(png).hexdigest() == digest
        with Image.open(io.BytesIO(png)) as back:
            assert back.size == (40, 30)
    big, _ = clean_catalog_image(b64(encoded("PNG", (1600, 800))))
    with Image.open(io.BytesIO(big)) as back:
        assert back.size == (512, 256)  # scaled to what the counter shows
    bad = {
        "not base64": "not*base64",
        "a PNG or a JPEG": b64(encoded("GIF", mode="P")),
        "pixels": b64(bomb_png(30000, 30000)),
        "cannot be read": b64(encoded("PNG")[:60]),
        "base64 text": "",
    }
    for words, text in bad.items():
        with pytest.raises(BadCatalogImage, match=words):
            clean_catalog_image(text)


def test_the_protocol_bounds_the_picture() -> None:
    item = {"sku": "A", "name": "A", "category": "home", "price_minor": 1, "currency": "USD"}
    assert proto.CatalogItem.model_validate({**item, "image_base64": b64(encoded("JPEG"))})
    for text in (b64(encoded("GIF", mode="P")), "x" * 400_004, "%%%%", b64(b"\x89PN")):
        with pytest.raises(ValidationError):
            proto.CatalogItem.model_validate({**item, "image_base64": text})


def test_demo_pictures_are_deterministic() -> None:
    assert product_picture("APP-1", "纯棉T恤", "apparel") == product_picture(
        "APP-1", "纯棉T恤", "apparel"
    )
    assert product_picture("APP-1", "Scarf", "apparel") != product_picture(
        "APP-2", "Scarf", "apparel"
    )


def _item(sku: str, image: str | None) -> proto.CatalogItem:
    return proto.CatalogItem(
        sku=sku, name=f"Product {sku}", category="home", barcodes=[f"B{sku}"],
        price_minor=999, currency="USD", image_base64=image,
    )  # fmt: skip


def test_pictures_flow_from_head_office_to_the_store(
    central: LiveCentral,  # noqa: F811
    sqlite_db_url: str,
) -> None:
    from counter_app.adapters.db.engine import make_engine

    broken = b64(encoded("PNG")[:-30])  # a PNG signature, a truncated body: Pillow refuses it
    service.publish_catalog(
        central.engine,
        [
            _item("P-1", product_picture_base64("P-1", "Lamp", "home")),
            _item("P-2", broken),
            _item("P-3", b64(encoded("JPEG"))),
            _item("P-4", None),
        ],
    )
    key = central.add_store("S001")
    store: Engine = make_engine(sqlite_db_url)
    with HttpCentralClient(central.base_url, "S001", key) as client:
        report = pull_all(store, client)
        pull_all(store, client)  # again: the same problem is not recorded twice
    assert report.pulled["catalog"] == 4
    with UnitOfWork(store) as uow:
        skus = set(uow.conn.execute(select(t.products.c.sku)).scalars())
        images = dict(
            uow.conn.execute(select(t.catalog_images.c.sku, t.catalog_images.c.data)).all()
        )
        reasons = list(uow.conn.execute(select(t.sync_exceptions.c.reason)).scalars())
    assert skus == {"P-1", "P-2", "P-3", "P-4"}
    assert set(images) == {"P-1", "P-3"}
    assert images["P-1"] == clean_catalog_image(product_picture_base64("P-1", "Lamp", "home"))[0]
    assert len(reasons) == 1 and "catalog picture of 'P-2' refused" in reasons[0]
    store.dispose()


def test_a_page_of_large_pictures_is_cut_short(central: LiveCentral) -> None:  # noqa: F811
    rng = random.Random(3)
    noise = Image.frombytes("RGB", (300, 300), rng.randbytes(300 * 300 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    big = b64(out.getvalue())
    assert 250_000 < len(big) < 400_000
    service.publish_catalog(central.engine, [_item(f"P-{n}", big) for n in range(12)])
    central.add_store("S001")
    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = pull_catalog(central.engine, "S001", cursor, 100)
        seen += [i.sku for i in page.items]
        chars = sum(len(i.image_base64 or "") for i in page.items)
        assert chars <= 2_000_000 + len(big)
        pages += 1
        cursor = int(page.next_cursor)
        if not page.has_more:
            break
    assert sorted(seen) == sorted(f"P-{n}" for n in range(12)) and pages > 1


def test_head_office_demo_publishes_a_picture_per_product(central: LiveCentral) -> None:  # noqa: F811
    publish_demo(central.engine, ["S001"], orders=2)
    page = pull_catalog(central.engine, "S001", 0, 1000)
    products = {p["sku"]: p for p, _ in demo_products(random.Random(7))}
    assert len(page.items) == len(products)
    for item in page.items[:5]:
        p: dict[str, Any] = products[item.sku]
        assert item.image_base64 == product_picture_base64(p["sku"], p["name"], p["category"])


def test_the_store_demo_has_a_picture_per_product(sqlite_db_url: str) -> None:
    from counter_app.adapters.db.engine import make_engine
    from counter_app.services.clock import FixedClock
    from counter_app.services.demo import build_demo
    from tests.conftest import NOW

    engine = make_engine(sqlite_db_url)
    build_demo(engine, FixedClock(NOW), orders=5, returns=0)
    with UnitOfWork(engine) as uow:
        products = dict(uow.conn.execute(select(t.products.c.sku, t.products.c.name)).all())
        images = dict(
            uow.conn.execute(select(t.catalog_images.c.sku, t.catalog_images.c.data)).all()
        )
    engine.dispose()
    assert set(images) == set(products)
    with Image.open(io.BytesIO(images["APP-0001"])) as picture:
        assert picture.format == "PNG" and picture.size == (160, 160)
