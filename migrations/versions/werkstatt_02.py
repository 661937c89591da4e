"""werkstatt_02: Zukunftskonferenz (aktuelle Phase) und Wirkungsbeitragsanalyse (Akteur und Bewertung einer Karte)

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
    with op.batch_alter_table("werkstatt_card") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_werkstatt_card_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(batch.f("ix_werkstatt_card_organisation_id"), ["organisation_id"], unique=False)


def downgrade():
    with op.batch_alter_table("werkstatt_card") as batch:
        batch.drop_index(batch.f("ix_werkstatt_card_organisation_id"))
        batch.drop_constraint(batch.f("fk_werkstatt_card_organisation_id_organisation"), type_="foreignkey")
        batch.drop_column("rating")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("werkstatt_board") as batch:
        batch.drop_column("current_phase")
