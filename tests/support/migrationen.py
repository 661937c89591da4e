"""Migration round trips: a database of its own at the revision before a migration, old rows written with
plain SQL (the models describe the new schema, not the old one), upgrade, check, downgrade.

    def test_back_fill(migration_roundtrip):
        with migration_roundtrip(before="werkstatt_02", after="seiten_01") as m:
            with m.begin() as conn:
                body = insert(conn, "body", name="Kreis Alt", kind="Kreis", code="09001")
            m.upgrade()
            with m.connect() as conn:
                ...  # check the migrated rows
            m.downgrade()  # and, where the test wants, m.upgrade() once more

The `migration_roundtrip` fixture (tests/conftest.py) gives each test a fresh database on its backend. A test
that leaves the block without downgrading gets the downgrade done on exit: every round trip goes both ways.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

NOW = datetime(2026, 11, 1, 12, 0)


def insert(conn, table: str, **values):
    """One row into `table` as it is at the connection's revision; created_at/updated_at default to NOW,
    version to 1. Returns the new primary key."""
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    defaults = {c.name: NOW for c in t.columns if c.name in ("created_at", "updated_at")}
    if "version" in t.columns:
        defaults["version"] = 1
    return conn.execute(t.insert().values({**defaults, **values})).inserted_primary_key[0]


class Roundtrip:
    def __init__(self, db, before: str, after: str):
        self._db, self.before, self.after = db, before, after
        self.downgraded = False

    def begin(self):
        """A connection in a transaction (committed at the end of the with block)."""
        return self._db.engine.begin()

    def connect(self):
        return self._db.engine.connect()

    def upgrade(self) -> None:
        from flask_migrate import upgrade

        upgrade(revision=self.after)
        self.downgraded = False

    def downgrade(self) -> None:
        from flask_migrate import downgrade

        downgrade(revision=self.before)
        self.downgraded = True


@contextmanager
def migration_roundtrip(database_url: str, *, before: str, after: str):
    """An app on database_url whose schema is at `before`; yields a Roundtrip inside its app context."""
    from flask_migrate import upgrade

    from beteiligung.extensions import db
    from tests.conftest import _make_app

    app = _make_app(database_url)
    with app.app_context():
        try:
            upgrade(revision=before)
            m = Roundtrip(db, before, after)
            yield m
            if not m.downgraded:
                m.downgrade()
        finally:
            db.engine.dispose()


def database_for(backend: str, request, tmp_path, name: str) -> str:
    """A new, empty database on the test's backend (SQLite file in tmp_path, or a database on the
    test PostgreSQL server)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite')}"
    return request.getfixturevalue("pg_server").create_database(name)
