"""Backups: one archive with the database and the stored files.

`flask --app beteiligung backup erstellen DATEI` writes a tar archive:
  info.json            backend, migration revision, time
  datenbank.dump       PostgreSQL, pg_dump custom format   | datenbank.sqlite  SQLite online backup API
  dateien/<area>/<name> files of the directory storage (with FILE_STORAGE=datenbank they are in the dump)
`backup einspielen DATEI` restores it into an EMPTY database (refused otherwise) and the upload folder.
"""

from __future__ import annotations

import glob
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from beteiligung.extensions import db
from beteiligung.uow import discard

from . import storage


class BackupError(Exception):
    """A German message for the operator."""


def _pg_tool(name: str) -> str:
    configured = current_app.config.get("PG_BIN_DIR") or os.environ.get("PG_BIN_DIR")
    candidates = [os.path.join(configured, name)] if configured else []
    if shutil.which(name):
        candidates.append(shutil.which(name))
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise BackupError(f"{name} wurde nicht gefunden (PostgreSQL-Clientprogramme installieren oder PG_BIN_DIR setzen).")


def _pg_args(url) -> tuple[list[str], dict]:
    """libpq connection arguments without the password on the command line (PGPASSWORD instead)."""
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--dbname", url.database]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        discard()
        return None


def is_empty() -> bool:
    """True when no table of the application holds a row (a fresh `flask db upgrade` or an empty database)."""
    existing = set(inspect(db.engine).get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name in existing and db.session.scalar(select(func.count()).select_from(table)):
            return False
    return True


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def create(path: str | os.PathLike) -> dict:
    """Write the backup archive; returns the info block."""
    url = _url()
    discard()  # nothing of this session is pending in the backup
    info = {
        "format": 1,
        "erstellt": datetime.now(UTC).isoformat(timespec="seconds"),
        "datenbank": url.get_backend_name(),
        "revision": _revision(),
        "dateien": 0,
    }
    with tempfile.TemporaryDirectory(prefix="beteiligung-backup-") as tmp:
        if url.get_backend_name() == "postgresql":
            dump = Path(tmp) / "datenbank.dump"
            args, env = _pg_args(url)
            result = subprocess.run(
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *args],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_dump ist fehlgeschlagen: {result.stderr.strip()[:500]}")
            db_member = "datenbank.dump"
        else:
            dump = Path(tmp) / "datenbank.sqlite"
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # consistent copy while the app keeps running
            finally:
                target.close()
                source.close()
            db_member = "datenbank.sqlite"
        directory = storage.backend("verzeichnis")
        keys = directory.keys()
        info["dateien"] = len(keys)
        tmp_archive = Path(str(path) + ".tmp")
        with tarfile.open(tmp_archive, "w:gz") as tar:
            _add_bytes(tar, "info.json", json.dumps(info, ensure_ascii=False, indent=1).encode())
            tar.add(dump, arcname=db_member)
            for key in keys:
                _add_bytes(tar, f"dateien/{key}", directory.load(key))
        os.replace(tmp_archive, path)
    return info


def restore(path: str | os.PathLike) -> dict:
    """Restore an archive into an empty database; refuses a database that holds data."""
    if not Path(path).is_file():
        raise BackupError(f"Die Sicherung {path} gibt es nicht.")
    url = _url()
    try:
        tar = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path} ist keine Sicherung dieser Anwendung ({exc}).") from None
    with tar, tempfile.TemporaryDirectory(prefix="beteiligung-restore-") as tmp:
        try:
            info = json.load(tar.extractfile("info.json"))
        except (KeyError, ValueError):
            raise BackupError(f"{path} ist keine Sicherung dieser Anwendung (info.json fehlt).") from None
        if info.get("datenbank") != url.get_backend_name():
            raise BackupError(
                f"Die Sicherung stammt aus {info.get('datenbank')}, eingerichtet ist "
                f"{url.get_backend_name()}; so kann sie nicht eingespielt werden."
            )
        if not is_empty():
            raise BackupError(
                "Die Datenbank enthält bereits Daten. Eine Sicherung wird nur in eine leere "
                "Datenbank eingespielt (neue Datenbank anlegen und BETEILIGUNG_DATABASE_URL setzen)."
            )
        db.session.remove()
        db.engine.dispose()
        if url.get_backend_name() == "postgresql":
            dump = Path(tmp) / "datenbank.dump"
            dump.write_bytes(tar.extractfile("datenbank.dump").read())
            args, env = _pg_args(url)
            result = subprocess.run(
                [
                    _pg_tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--clean",
                    "--if-exists",
                    "--exit-on-error",
                    "--single-transaction",
                    *args,
                    str(dump),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_restore ist fehlgeschlagen: {result.stderr.strip()[:500]}")
        else:
            dump = Path(tmp) / "datenbank.sqlite"
            dump.write_bytes(tar.extractfile("datenbank.sqlite").read())
            source = sqlite3.connect(dump)
            target = sqlite3.connect(url.database)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        directory = storage.backend("verzeichnis")
        restored = 0
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("dateien/"):
                directory.save(member.name[len("dateien/") :], tar.extractfile(member).read())  # key checked
                restored += 1
    info["dateien_eingespielt"] = restored
    return info
