"""Catalog pictures: catalog.image_base64 (PNG or JPEG, base64, bounded by the protocol)

Existing products have no picture; the next catalog publish brings one.

Revision ID: 0004_catalog_images
Revises: 0004_console_facts (re-chained after the merge; was 0003_exchanges)
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_catalog_images"
down_revision = "0004_console_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_base64", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        batch_op.drop_column("image_base64")
