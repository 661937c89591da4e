"""protokoll_02: Versionszähler der Anwesenheitsliste (meeting.attendance_version)

Revision ID: protokoll_02
Revises: befragungen_02
Create Date: 2026-11-21 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "protokoll_02"
down_revision = "befragungen_02"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attendance_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("attendance_version")
