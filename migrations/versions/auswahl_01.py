"""auswahl_01: Suchzähler der Auswahlfelder in der Datenbank (Begrenzung über alle Prozesse und Server)

Before, every process counted the searches of an account on its own: with 4 gunicorn workers on 2 servers a
script got 8 times the limit. Rows live for two windows (60 s); nothing to back-fill.

Revision ID: auswahl_01
Revises: faktor1_01
"""

import sqlalchemy as sa
from alembic import op

revision = "auswahl_01"
down_revision = "faktor1_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "auswahl_suchzaehler",
        sa.Column("schluessel", sa.String(length=60), nullable=False),
        sa.Column("fenster", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("anzahl", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("schluessel", "fenster", name=op.f("pk_auswahl_suchzaehler")),
    )
    op.create_index(op.f("ix_auswahl_suchzaehler_fenster"), "auswahl_suchzaehler", ["fenster"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_auswahl_suchzaehler_fenster"), table_name="auswahl_suchzaehler")
    op.drop_table("auswahl_suchzaehler")
