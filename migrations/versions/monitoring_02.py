"""monitoring_02: Sozialbericht-Textbausteine je Ausgabe, Handlungsfelder der Monitoring-Indikatoren

Revision ID: monitoring_02
Revises: monitoring_01
Create Date: 2026-11-29 22:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "monitoring_02"
down_revision = "monitoring_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stat_indicator_handlungsfeld",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["indicator_id"], ["stat_indicator.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("indicator_id", "term_id"),
    )
    op.create_table(
        "sozialbericht",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("einleitung", sa.Text(), nullable=True),
        sa.Column("befunde", sa.Text(), nullable=True),
        sa.Column("ausblick", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["edition_id"], ["monitoring_edition.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("edition_id"),
    )


def downgrade():
    op.drop_table("sozialbericht")
    op.drop_table("stat_indicator_handlungsfeld")
