"""zaehler_01: laufende Zählungen der Befragungsantworten (issue 14)

The results of a survey read these counts instead of counting all answers. The upgrade fills
them for the responses already stored (the same full count `flask --app beteiligung befragungen
zaehlen` runs).

Revision ID: zaehler_01
Revises: netzwerk_02
"""

import sqlalchemy as sa
from alembic import op

revision = "zaehler_01"
down_revision = "netzwerk_02"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_count",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("art", sa.String(length=1), nullable=False),
        sa.Column("area_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("zielgruppe_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("option_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["survey.id"], name=op.f("fk_survey_count_survey_id_survey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "survey_id",
            "art",
            "area_id",
            "zielgruppe_id",
            "question_id",
            "option_id",
            "value",
            name=op.f("pk_survey_count"),
        ),
    )
    op.create_index(
        "ix_survey_answer_texts",
        "survey_answer",
        ["question_id", "id"],
        unique=False,
        sqlite_where=sa.text("text_value IS NOT NULL"),
        postgresql_where=sa.text("text_value IS NOT NULL"),
    )
    # back-fill: the full count of every survey that has responses
    from beteiligung.services.befragungen import zaehler

    conn = op.get_bind()
    survey_ids = [
        row[0] for row in conn.execute(sa.text("SELECT DISTINCT survey_id FROM survey_response ORDER BY survey_id"))
    ]
    zaehler.alle_nachzaehlen(conn, survey_ids)


def downgrade():
    op.drop_index("ix_survey_answer_texts", table_name="survey_answer")
    op.drop_table("survey_count")
