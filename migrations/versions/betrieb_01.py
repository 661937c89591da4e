"""betrieb_01: Postausgang mit Reservierung und Wartezeit (mehrere Sender), Lebenszeichen der Worker, Dateien in der Datenbank

Revision ID: betrieb_01
Revises: anmeldung_01
Create Date: 2026-11-29 23:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "betrieb_01"
down_revision = "werkstatt_01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_try_at", sa.DateTime(), nullable=True))
    op.create_table(
        "betrieb_worker",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "betrieb_datei",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade():
    op.drop_table("betrieb_datei")
    op.drop_table("betrieb_worker")
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_column("next_try_at")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_token")
