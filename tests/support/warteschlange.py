"""A fresh PostgreSQL database with the real migrations (procrastinate's schema included) and an app that uses
the job queue (JOBS_IN_PROCESS=false), for the tests of the queue and its worker processes. The migrations run
once per server into a template database; each test gets its own copy of it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Per PostgreSQL server: a database migrated once (real migrations, reference data), copied for every test
# (CREATE DATABASE … TEMPLATE copies its files: much cheaper than running every migration again).
_TEMPLATES: dict[int, str] = {}


def _config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "x",
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        "SMTP_HOST": "",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "TWO_FACTOR_REQUIRED_ROLES": "",
        "FILE_STORAGE": "datenbank",
        "JOBS_IN_PROCESS": False,
        "READ_ONLY_GET_GUARD": True,
    }


def _migrated_template(pg_server) -> str:
    from flask_migrate import upgrade

    from beteiligung import create_app
    from beteiligung.reference import ensure_reference_data

    name = _TEMPLATES.get(pg_server.port)
    if name is None:
        name = f"queue_template_{uuid.uuid4().hex[:8]}"
        app = create_app(_config(pg_server.create_database(name)))
        with app.app_context():
            upgrade()
            ensure_reference_data()
            from beteiligung.extensions import db

            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # no connection may stay open on a template
        _TEMPLATES[pg_server.port] = name
    return name


def make_queue_app(pg_server):
    import psycopg

    from beteiligung import create_app
    from tests.conftest import Client

    template = _migrated_template(pg_server)
    name = f"queue_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        f"host=127.0.0.1 port={pg_server.port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    app = create_app(_config(f"postgresql+psycopg://postgres@127.0.0.1:{pg_server.port}/{name}"))
    app.test_client_class = Client
    return app


def start_worker(app, tmp_path, name: str, **env) -> subprocess.Popen:
    """`flask --app beteiligung betrieb worker` as its own process (a real procrastinate worker)."""
    instance = tmp_path / name
    instance.mkdir(exist_ok=True)
    full_env = {
        **os.environ,
        "SECRET_KEY": "x",
        "BETEILIGUNG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "BETEILIGUNG_INSTANCE": str(instance),
        "BETEILIGUNG_ENV": "production",
        "JOBS_IN_PROCESS": "false",
        "FILE_STORAGE": "datenbank",
        "TWO_FACTOR_REQUIRED_ROLES": "",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "beteiligung", "betrieb", "worker", "--pause", "0.5"],
        cwd=ROOT,
        env=full_env,
        stdout=open(tmp_path / f"{name}.out", "w"),
        stderr=open(tmp_path / f"{name}.log", "w"),
    )
