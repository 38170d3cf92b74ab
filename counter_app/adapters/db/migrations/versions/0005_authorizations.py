"""Return authorizations (returns started online), their codes on returns, catalog images

Revision ID: 0005_authorizations
Revises: 0004_exchange

`authorizations` (+ `authorization_lines`) hold what the store pulled or fetched live from
head office; `returns.authorization_code` is unique, so a code is consumed once in this store
even when two counters confirm it at the same moment; `returns.status_token` is the
customer's status page. `catalog_images` keeps each product's checked picture. Existing
returns started at the counter: no code, no token.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_authorizations"
down_revision = "0004_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorizations",
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refund", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_token", sa.String(length=22), nullable=False),
        sa.Column("customer_first_name", sa.String(length=200), nullable=True),
        sa.Column("used_by_store", sa.String(length=16), nullable=True),
        sa.Column("used_return_ref", sa.String(length=64), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'used', 'cancelled', 'expired')",
            name=op.f("ck_authorizations_status"),
        ),
        sa.CheckConstraint(
            "refund IN ('original', 'store_credit', 'exchange')",
            name=op.f("ck_authorizations_refund"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_authorizations")),
    )
    op.create_index(
        op.f("ix_authorizations_order_number"), "authorizations", ["order_number"], unique=False
    )
    op.create_table(
        "authorization_lines",
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_authorization_lines_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["code"],
            ["authorizations.code"],
            name=op.f("fk_authorization_lines_code_authorizations"),
        ),
        sa.PrimaryKeyConstraint("code", "line_no", name=op.f("pk_authorization_lines")),
    )
    op.create_table(
        "catalog_images",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_catalog_images_sku_products")
        ),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_catalog_images")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authorization_code", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("status_token", sa.String(length=22), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_returns_authorization_code"), ["authorization_code"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_returns_status_token"), ["status_token"])


def downgrade() -> None:
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_returns_status_token"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_returns_authorization_code"), type_="unique")
        batch_op.drop_column("status_token")
        batch_op.drop_column("authorization_code")
    op.drop_table("catalog_images")
    op.drop_table("authorization_lines")
    op.drop_index(op.f("ix_authorizations_order_number"), table_name="authorizations")
    op.drop_table("authorizations")
