"""betrieb_02: Warteschlange procrastinate (nur PostgreSQL), Dokumentaufträge; Lebenszeichen jetzt in procrastinate_workers

Revision ID: betrieb_02
Revises: auswertung_01
Create Date: 2026-11-30 01:40:00

procrastinate's schema (tables procrastinate_*, its types, functions and triggers) is applied here, once per
release like every migration, from the SQL that the installed procrastinate ships (version pinned in
constraints.txt). A later procrastinate version with schema changes needs a new migration that runs its
files from procrastinate/sql/migrations/. SQLite (development) has no queue: jobs run in the web process.
"""

import sqlalchemy as sa
from alembic import op

revision = "betrieb_02"
down_revision = "auswertung_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "betrieb_dokument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("file_key", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_betrieb_dokument_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_betrieb_dokument")),
    )
    with op.batch_alter_table("betrieb_dokument") as batch:
        batch.create_index(batch.f("ix_betrieb_dokument_user_id"), ["user_id"], unique=False)
    op.drop_table("betrieb_worker")
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
            "procrastinate_workers CASCADE"
        )
        for (signature,) in bind.exec_driver_sql(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%%'"
        ).fetchall():
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
        bind.exec_driver_sql(
            "DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
            "procrastinate_job_status CASCADE"
        )
    op.create_table(
        "betrieb_worker",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("betrieb_dokument") as batch:
        batch.drop_index(batch.f("ix_betrieb_dokument_user_id"))
    op.drop_table("betrieb_dokument")
