"""users.lockouts: escalating PIN lockouts (5 min, 15 min, 1 h, then an admin unlocks)

Revision ID: 0003_pin_lockout
Revises: 0002

Existing users start at no lockout; a lock in force keeps its end time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_pin_lockout"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("lockouts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("lockouts")
