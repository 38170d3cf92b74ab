"""Head-office revision "catalog images": a head office holding a catalog upgrades with its
products and price history as they were and no picture; publishing then stores a picture
and the catalog pull carries it (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, MetaData, Table, insert, select

from counter_app import sync_protocol as proto
from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.service.pulls import pull_catalog
from tests.central_old import central_before
from tests.store_revisions import BOTH_DATABASES

REVISION = "0005_catalog_images"
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


@pytest.fixture(params=BOTH_DATABASES)
def old_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from central_before(REVISION, request, tmp_path)


def test_upgrade_keeps_the_catalog_and_adds_pictures(old_central: Engine) -> None:
    catalog = Table("catalog", MetaData(), autoload_with=old_central)
    assert "image_base64" not in catalog.c
    with old_central.begin() as conn:
        conn.execute(
            insert(catalog).values(
                sku="SKU-1", name="Mug 杯", category="home", barcodes=["B1"], serialised=False,
                price_minor=2500, currency="USD", vendor=None, seq=1,
            )
        )  # fmt: skip
    central_db.upgrade(old_central)
    page = pull_catalog(old_central, "S001", 0, 10)
    [item] = page.items
    assert (item.sku, item.name, item.price_minor, item.image_base64) == (
        "SKU-1", "Mug 杯", 2500, None)  # fmt: skip
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG")
    picture = base64.b64encode(out.getvalue()).decode("ascii")
    service.publish_catalog(
        old_central,
        [proto.CatalogItem(sku="SKU-1", name="Mug 杯", category="home", barcodes=["B1"],
                           price_minor=2500, currency="USD", image_base64=picture)],
        NOW,
    )  # fmt: skip
    after = pull_catalog(old_central, "S001", 0, 10)
    assert [i.image_base64 for i in after.items] == [picture]
    with old_central.connect() as conn:
        stored = Table("catalog", MetaData(), autoload_with=conn)
        assert conn.execute(select(stored.c.image_base64)).scalar_one() == picture
