"""werkstatt_02: Zukunftskonferenz – aktuelle Phase einer Methodentafel

Revision ID: werkstatt_02
Revises: betrieb_01
Create Date: 2026-11-30 00:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "werkstatt_02"
down_revision = "betrieb_01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("werkstatt_board") as batch:
        batch.add_column(sa.Column("current_phase", sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table("werkstatt_board") as batch:
        batch.drop_column("current_phase")
