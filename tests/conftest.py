"""Test infrastructure: real SQLite and PostgreSQL, real SMTP, real Chromium.

Every test that uses the `app` fixture runs once per database backend
(BETEILIGUNG_TEST_BACKENDS, default "sqlite,postgresql"). The PostgreSQL
server is started by the tests themselves (initdb/pg_ctl in a temporary
directory, as the unprivileged `postgres` user when running as root).
Under CI=true a missing component is an error, never a skip.
"""

from __future__ import annotations

import gc
import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

_INSTANCE = tempfile.mkdtemp(prefix="beteiligung-test-instance-")
os.environ["BETEILIGUNG_INSTANCE"] = _INSTANCE
os.environ.pop("BETEILIGUNG_DATABASE_URL", None)
os.environ.pop("SMTP_HOST", None)
# Throw-away SQLite databases: no fsync per commit (beteiligung/database.py; about 5 ms each, thousands per run).
os.environ["BETEILIGUNG_SQLITE_SYNCHRONOUS"] = "OFF"
# Templates compiled once for every app of the run – both backends' apps per worker, the live servers, gunicorn and
# the CLI processes the tests start – instead of once per app (about 1 s CPU each; a template's entry is keyed by its
# source, so an edited template is compiled again).
os.environ["JINJA_BYTECODE_CACHE"] = os.path.join(tempfile.gettempdir(), f"beteiligung-jinja-{os.getuid()}")

from tests.support import postgres  # noqa: E402
from tests.support.queries import count_queries  # noqa: E402,F401
from tests.support.snapshot import backend_of, shared  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"

# The garbage collector less often: a worker's heap holds the migrated apps, both backends' snapshots and the demo
# rows, and with Python's default thresholds (700, 10, 10) a full collection walked it about every 70,000
# allocations – about a tenth of a worker's CPU (measured with gc.callbacks on tests/planung + tests/kontrakte:
# 4.4 s of 46 s; with these thresholds 1.5 s). Tests that measure memory collect themselves before measuring.
gc.set_threshold(10_000, 50, 50)


def _backends() -> list[str]:
    wanted = [
        b.strip() for b in os.environ.get("BETEILIGUNG_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()
    ]
    if "postgresql" in wanted and not postgres.available():
        if IN_CI:
            raise pytest.UsageError("CI=true, aber die PostgreSQL-Programme (initdb, pg_ctl) fehlen.")
        print("\n[beteiligung] PostgreSQL-Programme nicht gefunden – Tests laufen nur gegen SQLite (nicht CI).")
        wanted.remove("postgresql")
    return wanted


BACKENDS = _backends()


# The longest tests start first, the longest of all at the very front: `make test` hands the tests to the two
# workers one by one (`--maxschedchunk 1`), so each worker takes the next long test when it is free and the
# short ones fill the end – instead of one worker running a long test alone while the other is done. Only the
# order changes, never what runs; a test missing here just runs in its collection place.
LONG_FIRST = (
    "tests/browser/test_gesehen.py",
    "tests/robust/test_fuzz.py::test_fuzz_every_route",
    "tests/befragungen/test_export_stream.py::test_export_memory",
    "tests/betrieb/test_worker_kill.py",
    "tests/leistung/test_kosten.py::test_survey_results",
    "tests/betrieb/test_mehrere_server.py",
    "tests/browser/",
    "tests/leistung/test_exporte.py",
    "tests/netzwerk/test_performance.py",
    "tests/befragungen/test_concurrency.py",
    "tests/befragungen/test_zaehler.py::test_migration",
    "tests/leistung/test_skalierung.py",
    "tests/betrieb/test_start.py",
    "tests/test_link_crawl.py",
    "tests/netzwerk/test_export_stream.py",
    "tests/betrieb/test_analyse_warteschlange.py",
    "tests/betrieb/test_backup.py",
    "tests/betrieb/test_warteschlange.py",
    "tests/protokolle/test_partner_leak.py",
    "tests/seiten/test_ampel.py::test_scaled",
)


def _long_first(item) -> int:
    return next((i for i, prefix in enumerate(LONG_FIRST) if item.nodeid.startswith(prefix)), len(LONG_FIRST))


def pytest_collection_modifyitems(config, items):
    items.sort(key=_long_first)  # stable: otherwise unchanged


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = BACKENDS
        # Pages checked for wording and markup only (no transactions, locking, SQL aggregation or
        # migrations): one backend is enough, the same pages run on both in their feature's tests.
        if metafunc.definition.get_closest_marker("nur_sqlite") and "sqlite" in BACKENDS:
            backends = ["sqlite"]
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def pg_server():
    server = postgres.PostgresServer()
    server.start()
    yield server
    server.stop()


# The database and the migrated app of each backend, per worker. Not kept by the fixtures themselves: pytest tears a
# session fixture that depends on a parameter down whenever the next test has the other backend (and the tests
# alternate between backends many times per worker, in the order of LONG_FIRST and xdist) – each change made a new
# database, ran the migrations again and, on SQLite, lost every snapshot kept under the old file's URL.
_DATABASES: dict[str, str] = {}
_APPS: dict[str, object] = {}


@pytest.fixture(scope="session")
def database_url(backend, request, tmp_path_factory):
    if backend not in _DATABASES:
        if backend == "sqlite":
            _DATABASES[backend] = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite'}"
        else:
            _DATABASES[backend] = request.getfixturevalue("pg_server").create_database("beteiligung_test")
    return _DATABASES[backend]


@pytest.fixture
def migration_roundtrip(backend, request, tmp_path):
    """migration_roundtrip(before=..., after=...): a fresh database at `before` (tests/support/migrationen.py)."""
    from tests.support import migrationen

    url = migrationen.database_for(backend, request, tmp_path, "beteiligung_migration")
    return lambda *, before, after: migrationen.migration_roundtrip(url, before=before, after=after)


class Client(FlaskClient):
    """A test client that sends the CSRF token with every form POST (like a browser)."""

    _csrf: str | None = None

    def csrf_token(self) -> str:
        """The token a form of this client's session carries – made as Flask-WTF makes it (the raw token in
        the session cookie, signed with the secret key), without rendering a page for it."""
        if self._csrf is None:
            from itsdangerous import URLSafeTimedSerializer

            with self.session_transaction() as session:
                raw = session.get("csrf_token")
                if not raw:
                    raw = session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            config = self.application.config
            key = config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
            self._csrf = URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(raw)
        return self._csrf

    def open(self, *args, **kwargs):
        # The `app` fixture keeps one app context pushed, and Flask reuses it for every
        # request, so flask.g (flask-login's current user, the CSRF token, permission
        # scopes) would leak from one request – and one client – to the next. A real
        # server starts every request with an empty g; so do we.
        from flask import g, has_app_context

        if has_app_context():
            g.__dict__.clear()
            # What the test itself changed through services before calling the client is one finished
            # unit of work (as another process's would be): committed, so a request that fails and rolls
            # back undoes only its own changes.
            from beteiligung.extensions import db

            db.session.commit()
        return super().open(*args, **kwargs)

    def post(self, *args, **kwargs):
        data = kwargs.get("data")
        if kwargs.pop("csrf", True) and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)

    def login(self, email: str, password: str = None):
        from tests.support.world import PASSWORD

        self._csrf = None
        response = self.post("/anmelden", data={"email": email, "password": password or PASSWORD})
        self._csrf = None
        assert response.status_code == 302, f"Anmeldung fehlgeschlagen für {email}: {response.status_code}"
        return response

    def logout(self):
        response = self.post("/abmelden", data={})  # data={} so the CSRF token is sent
        self._csrf = None
        assert response.status_code == 302, f"Abmeldung fehlgeschlagen: {response.status_code}"
        return response


def _make_app(database_url: str):
    from beteiligung import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key-nur-fuer-tests",
            "BASE_URL": "http://localhost",
            "SERVER_NAME": None,
            "SMTP_HOST": "",
            # Production hashes with scrypt (≈ 70 ms per login); tests log in thousands of times.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # Older tests look at the files on disk; tests/betrieb/ covers the database storage on both backends.
            "FILE_STORAGE": "verzeichnis",
            # Two-factor is switched on per test (tests/anmeldung/); role tests log in with the password only.
            "TWO_FACTOR_REQUIRED_ROLES": "",
            "READ_ONLY_GET_GUARD": True,  # a GET/HEAD that writes fails (beteiligung/database.py)
        }
    )
    app.test_client_class = Client
    return app


@pytest.fixture(scope="session")
def _session_app(database_url, _apps_disposed_at_the_end):
    from flask_migrate import upgrade

    if database_url not in _APPS:
        app = _make_app(database_url)
        with app.app_context():
            upgrade()  # the real migrations, on both backends
        _APPS[database_url] = app
    return _APPS[database_url]


@pytest.fixture(scope="session")
def _apps_disposed_at_the_end():
    yield
    from beteiligung.extensions import db

    for app in _APPS.values():
        with app.app_context():
            db.engine.dispose()


_SORTED_TABLES: list = []


def sorted_tables(db) -> list:
    """db.metadata.sorted_tables, sorted once per process (the property sorts the 122 tables anew on every call,
    about 1 ms, and the reset after every test needs it)."""
    if not _SORTED_TABLES:
        _SORTED_TABLES.extend(db.metadata.sorted_tables)
    return _SORTED_TABLES


def wipe(db) -> None:
    """Remove all rows (keeps the migrated schema; id sequences restart) – DELETE of the tables that have rows, not
    TRUNCATE: on PostgreSQL a TRUNCATE of every table makes new files for each table and index, and it waits for
    the exclusive lock of every table autovacuum is shortening at that moment (up to a second each, once a whole
    minute in one test)."""
    with db.engine.begin() as conn:
        _empty_touched(conn, db, {})


def _table_rows(db) -> dict[str, list[dict]]:
    with db.engine.connect() as conn:
        return {
            t.name: [dict(r._mapping) for r in conn.execute(t.select().order_by(*t.primary_key.columns))]
            for t in sorted_tables(db)
        }


def _insert_rows(conn, tables, rows: dict[str, list[dict]], deferred: bool = False) -> None:
    """Insert rows with their ids (foreign keys checked at the end: rows of one table refer to each
    other, e.g. Sozialräume) and, on PostgreSQL, move each id sequence past the highest id (one statement
    for all of them). `deferred`: the caller already switched the checks off in this transaction."""
    postgres = conn.dialect.name == "postgresql"
    if not deferred:
        conn.exec_driver_sql(
            "SET LOCAL session_replication_role = replica" if postgres else "PRAGMA defer_foreign_keys = ON"
        )
    setvals = []
    for t in tables:
        if rows[t.name]:
            conn.execute(t.insert(), rows[t.name])
            pk = list(t.primary_key.columns)
            if postgres and len(pk) == 1 and pk[0].autoincrement in (True, "auto"):
                setvals.append(
                    f"setval(pg_get_serial_sequence('\"{t.name}\"', '{pk[0].name}'), "
                    f"(SELECT max(\"{pk[0].name}\") FROM \"{t.name}\"))"
                )
    if setvals:
        conn.exec_driver_sql("SELECT " + ", ".join(setvals))


# Per database (worker and backend): the rows of a clean database (the reference data), and on
# PostgreSQL the id sequence of each table.
_CLEAN_ROWS: dict[str, dict[str, list[dict]]] = {}
_SEQUENCES: dict[str, dict[str, str]] = {}


_QUEUE_TABLES: dict[str, list[str]] = {}


def _queue_tables(conn, url: str) -> list[str]:
    """procrastinate's queue tables (PostgreSQL, migration betrieb_02): not models, but a test's deferred jobs."""
    if url not in _QUEUE_TABLES:
        _QUEUE_TABLES[url] = list(
            conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%%'"
            ).scalars()
        )
    return _QUEUE_TABLES[url]


_TOUCHED_SQL: dict[str, str] = {}


def _touched_tables(conn, db, clean: dict[str, list[dict]]) -> tuple[list, list[str]]:
    """The tables a test may have changed – every table with rows, every table of the reference data, and on
    PostgreSQL every table whose id sequence was used – and the queue tables with rows. One statement (made once
    per database)."""
    url = str(db.engine.url)
    tables = sorted_tables(db)
    postgres = conn.dialect.name == "postgresql"
    queue = _queue_tables(conn, url) if postgres else []
    if url not in _TOUCHED_SQL:
        parts = [
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in [t.name for t in tables] + queue
        ]
        if postgres:
            _SEQUENCES[url] = {}
            for t in tables:
                pk = list(t.primary_key.columns)
                if len(pk) == 1:
                    seq = conn.exec_driver_sql(
                        f"SELECT pg_get_serial_sequence('\"{t.name}\"', '{pk[0].name}')"
                    ).scalar()
                    if seq:
                        _SEQUENCES[url][seq.split(".")[-1].strip('"')] = t.name
            parts.append("SELECT '~' || sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
        _TOUCHED_SQL[url] = " UNION ALL ".join(parts)
    found = {row[0] for row in conn.exec_driver_sql(_TOUCHED_SQL[url])}
    names = {name for name in found if not name.startswith("~")} | {name for name, rows in clean.items() if rows}
    names |= {_SEQUENCES[url][name[1:]] for name in found if name[1:] in _SEQUENCES.get(url, {})}
    return [t for t in tables if t.name in names], [name for name in queue if name in found]


def reset_database(db) -> None:
    """Back to a clean database: no rows but the reference data, id sequences restarted – as `wipe`
    plus `ensure_reference_data`, but touching only the tables a test wrote to. On PostgreSQL every
    round trip counts (a test is a few dozen statements): one to find the tables, one to empty them."""
    url = str(db.engine.url)
    clean = _CLEAN_ROWS.get(url)
    if clean is None:
        from beteiligung.reference import ensure_reference_data

        wipe(db)
        ensure_reference_data()
        db.session.remove()
        _CLEAN_ROWS[url] = _table_rows(db)
        return
    with db.engine.begin() as conn:
        tables = _empty_touched(conn, db, clean)
        if tables:
            _insert_rows(conn, tables, clean, deferred=conn.dialect.name == "postgresql")


def _empty_touched(conn, db, clean: dict[str, list[dict]]) -> list:
    """DELETE the rows of every table a test may have changed (_touched_tables) and restart their id sequences;
    returns those tables. On PostgreSQL in one round trip, with foreign keys and triggers quiet for the rest of the
    transaction (the caller may insert rows that refer to each other)."""
    tables, queue = _touched_tables(conn, db, clean)
    if not tables and not queue:
        return []
    if conn.dialect.name == "postgresql":
        # DELETE, not TRUNCATE: TRUNCATE makes new files for every table and index it reaches
        # (with CASCADE most of the schema), a quarter of a second per test. Replica role: triggers and
        # foreign keys stay quiet (procrastinate's triggers, rows of one table referring to each other).
        url = str(db.engine.url)
        names = {t.name for t in tables}
        sequences = [seq for seq, name in _SEQUENCES[url].items() if name in names]
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f'DELETE FROM "{name}"' for name in queue]
        statements += [f'DELETE FROM "{t.name}"' for t in reversed(tables)]
        if sequences:
            statements.append("SELECT " + ", ".join(f"setval('\"{s}\"', 1, false)" for s in sequences))
        # several statements in one round trip: psycopg sends a query without parameters as it is
        conn.connection.driver_connection.cursor().execute("; ".join(statements))
    else:
        for t in reversed(tables):
            conn.execute(t.delete())
    return tables


@pytest.fixture(scope="session", autouse=True)
def _shared_between_workers(tmp_path_factory):
    """Under xdist: the folder of this run in which the workers share what they build once (tests/support/snapshot.py,
    the demo rows); pytest removes it with its other old temporary folders."""
    from tests.support import snapshot

    if os.environ.get("PYTEST_XDIST_WORKER"):
        snapshot.SHARED = tmp_path_factory.getbasetemp().parent / "geteilt"


@pytest.fixture
def app(_session_app):
    from beteiligung.extensions import db

    # a test's changes to the configuration (smtp_server.configure …) end with it: the app is shared by the session
    config = dict(_session_app.config)
    with _session_app.app_context():
        yield _session_app
        _session_app.config.clear()
        _session_app.config.update(config)
        from beteiligung.services.betrieb import jobs

        jobs.wait_in_process()  # a job the test started in this process (SQLite) ends before the tables are reset
        db.session.remove()
        reset_database(db)
        db.session.remove()
    # per-process state keyed by ids that the next test reuses (ids restart with every test)
    from beteiligung.services.befragungen.ergebnisse import clear_cache
    from beteiligung.services.netzwerk.graph import clear_memory

    clear_cache()
    clear_memory()


# Rows of the demo Kreis per database (worker and backend): loading the demo through the services takes
# seconds, copying its rows back a fraction of that.
_DEMO_ROWS: dict[str, dict[str, list[dict]]] = {}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def demo_data(app, database_url):
    """The demo Kreis (`beteiligung.demo.load_demo`) in an otherwise empty database. The first test per
    worker and backend loads it through the services; later tests get exactly the same rows back."""
    from beteiligung.extensions import db

    rows = _DEMO_ROWS.get(database_url)
    if rows is None:
        with shared(f"demo-{backend_of(database_url)}") as (kept, keep):
            if kept is None:
                from beteiligung.demo import load_demo

                uploads = Path(app.config["UPLOAD_FOLDER"])
                before = _files(uploads)
                load_demo()
                db.session.commit()
                _DEMO_ROWS[database_url] = _table_rows(db)
                # the files the demo stored (the draft of a Stellungnahme …) go with its rows to the other workers
                keep((_DEMO_ROWS[database_url], {k: v for k, v in _files(uploads).items() if k not in before}))
            else:
                rows, files = kept
                _DEMO_ROWS[database_url] = rows
                uploads = Path(app.config["UPLOAD_FOLDER"])
                for name, data in files.items():
                    (uploads / name).parent.mkdir(parents=True, exist_ok=True)
                    (uploads / name).write_bytes(data)
    if rows is not None:
        db.session.remove()
        wipe(db)
        with db.engine.begin() as conn:
            _insert_rows(conn, sorted_tables(db), rows)
    db.session.expire_all()


@pytest.fixture
def db(app):
    from beteiligung.extensions import db as _db

    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app, database_url):
    """A small, hand-made Kreis with two Kommunen, a foreign Kreis and a user per role (built once per
    database, then restored: tests/support/snapshot.py)."""
    from beteiligung.extensions import db
    from tests.support.snapshot import snapshot_fixture
    from tests.support.world import build_world

    return snapshot_fixture(db, database_url, "world", build_world)


@pytest.fixture
def smtp_server():
    from tests.support.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()
