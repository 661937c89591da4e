"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL).

The test database is created by `flask db upgrade` (tests/conftest.py); if a model gains a
column, index or constraint without a migration, autogenerate would find a difference here.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrated_schema_matches_models(db):
    from beteiligung.services.betrieb.jobs import include_name  # procrastinate's own tables are not models

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True, "include_name": include_name}
        )
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"Modelle und Migrationen weichen ab: {diff}"


def test_single_migration_head(app):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"Mehrere Migrationsköpfe: {heads}"
