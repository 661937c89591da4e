"""auswertung_01: Index für die Gruppenzählung der Befragungsergebnisse (Sozialraum × Zielgruppe)

Revision ID: auswertung_01
Revises: werkstatt_02
Create Date: 2026-11-30 01:40:00

"""

from alembic import op

revision = "auswertung_01"
down_revision = "werkstatt_02"
branch_labels = None
depends_on = None


def upgrade():
    # covering index: the group sizes (and the cache fingerprint) are read from the index alone
    op.create_index(
        "ix_survey_response_groups", "survey_response", ["survey_id", "area_id", "zielgruppe_id", "id"], unique=False
    )


def downgrade():
    op.drop_index("ix_survey_response_groups", table_name="survey_response")
