"""Issue 16, part 6: backup and restore round trip (every table, stored files), refusal for a non-empty database."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from beteiligung.extensions import db as _db
from beteiligung.services.betrieb import storage
from beteiligung.uow import unit_of_work


def _snapshot() -> dict:
    tables = {}
    for table in _db.metadata.sorted_tables:
        rows = _db.session.execute(select(table)).all()
        tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    tables["alembic_version"] = _db.session.execute(text("SELECT version_num FROM alembic_version")).all()
    return tables


def _target_url(backend, request, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ziel.sqlite'}"
    return request.getfixturevalue("pg_server").create_database(f"ziel_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def own_upload_folder(app, tmp_path):
    old = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "quelle-dateien")
    yield
    app.config["UPLOAD_FOLDER"] = old


def test_backup_round_trip_restores_every_table_and_file(app, db, backend, request, tmp_path, own_upload_folder):
    from beteiligung import create_app

    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with unit_of_work():
        storage.backend("verzeichnis").save("kontrakte/verzeichnis.pdf", b"%PDF im Verzeichnis")
        storage.backend("datenbank").save("kontrakte/datenbank.pdf", b"%PDF in der Datenbank")
    archive = tmp_path / "sicherung.tar.gz"
    # the demo's own uploads (a consultation draft) and the file above
    files = sum(1 for p in (tmp_path / "quelle-dateien").rglob("*") if p.is_file())
    assert files >= 1
    result = app.test_cli_runner().invoke(args=["backup", "erstellen", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"{files} Dateien im Verzeichnis" in result.output
    db.session.expire_all()
    before = _snapshot()
    assert sum(len(rows) for rows in before.values()) > 200  # the demo Kreis in every module
    filled = [name for name, rows in before.items() if rows]
    assert len(filled) > 30

    target = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _target_url(backend, request, tmp_path),
            "SECRET_KEY": "x",
            "UPLOAD_FOLDER": str(tmp_path / "ziel-dateien"),
            "FILE_STORAGE": "verzeichnis",
        }
    )
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "einspielen", str(archive)])
        assert result.exit_code == 0, result.output
        assert f"{files} Dateien" in result.output
        _db.session.remove()
        after = _snapshot()
        assert after.keys() == before.keys()
        for name in before:
            assert after[name] == before[name], name
        assert storage.backend("verzeichnis").load("kontrakte/verzeichnis.pdf") == b"%PDF im Verzeichnis"
        assert storage.backend("datenbank").load("kontrakte/datenbank.pdf") == b"%PDF in der Datenbank"
        # a second restore would overwrite data: refused
        result = target.test_cli_runner().invoke(args=["backup", "einspielen", str(archive)])
        assert result.exit_code != 0 and "enthält bereits Daten" in result.output
        _db.session.remove()
        _db.engine.dispose()


def test_restore_into_the_running_database_refused_and_bad_archives(app, db, world, tmp_path):
    archive = tmp_path / "sicherung.tar.gz"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "erstellen", str(archive)]).exit_code == 0
    result = runner.invoke(args=["backup", "einspielen", str(archive)])
    assert result.exit_code != 0 and "enthält bereits Daten" in result.output
    bad = tmp_path / "kaputt.tar.gz"
    bad.write_bytes(b"keine Sicherung")
    result = runner.invoke(args=["backup", "einspielen", str(bad)])
    assert result.exit_code != 0 and "keine Sicherung dieser Anwendung" in result.output
    result = runner.invoke(args=["backup", "einspielen", str(tmp_path / "fehlt.tar.gz")])
    assert result.exit_code != 0 and "gibt es nicht" in result.output
    assert not Path(str(archive) + ".tmp").exists()
