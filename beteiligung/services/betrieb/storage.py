"""One storage interface for uploaded files, two backends.

- "datenbank": the bytes live in the table betrieb_datei, written in the same transaction as the record
  that refers to them; every application server sees them and one database dump backs them up.
  Default when the database is PostgreSQL.
- "verzeichnis": files under UPLOAD_FOLDER (development with SQLite, or a mount shared by all servers).

Keys are "<area>/<name>", e.g. "kontrakte/3f2a….pdf", "tagesordnung/9b1c…". Choose with FILE_STORAGE;
`flask --app beteiligung betrieb dateien-umziehen --nach datenbank|verzeichnis` moves existing files.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from beteiligung.extensions import db

BACKENDS = ("datenbank", "verzeichnis")


def _check_key(key: str) -> str:
    parts = key.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") or "\\" in p for p in parts):
        raise ValueError(f"Ungültiger Dateischlüssel: {key!r}")
    return key


class DirectoryStorage:
    name = "verzeichnis"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def load(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def discard(self, key: str) -> None:
        """Undo a save of a transaction that failed (a file would outlive the rollback)."""
        self.delete(key)

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            f"{area.name}/{f.name}"
            for area in self.root.iterdir()
            if area.is_dir()
            for f in area.iterdir()
            if f.is_file() and not f.name.endswith(".tmp")
        )


class DatabaseStorage:
    name = "datenbank"

    def save(self, key: str, data: bytes) -> None:
        from models.betrieb import StoredFile

        row = db.session.get(StoredFile, _check_key(key))
        if row is None:
            db.session.add(StoredFile(key=key, data=data, size=len(data)))
        else:
            row.data, row.size = data, len(data)
        db.session.flush()

    def load(self, key: str) -> bytes | None:
        from models.betrieb import StoredFile

        return db.session.scalar(select(StoredFile.data).where(StoredFile.key == _check_key(key)))

    def delete(self, key: str) -> None:
        from models.betrieb import StoredFile

        row = db.session.get(StoredFile, _check_key(key))
        if row is not None:
            db.session.delete(row)
            db.session.flush()

    def discard(self, key: str) -> None:
        """Nothing to do: the row goes with the rolled-back transaction."""

    def keys(self) -> list[str]:
        from models.betrieb import StoredFile

        return list(db.session.scalars(select(StoredFile.key).order_by(StoredFile.key)))


def backend(name: str | None = None):
    name = name or current_app.config.get("FILE_STORAGE") or default_backend_name()
    if name == "datenbank":
        return DatabaseStorage()
    if name == "verzeichnis":
        return DirectoryStorage(current_app.config["UPLOAD_FOLDER"])
    raise ValueError(f"FILE_STORAGE muss 'datenbank' oder 'verzeichnis' sein, nicht {name!r}.")


def default_backend_name() -> str:
    return "datenbank" if current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "verzeichnis"


def save(key: str, data: bytes) -> None:
    backend().save(key, data)


def load(key: str) -> bytes | None:
    """From the configured backend; a file not moved yet (`dateien-umziehen`) is still found in the other one."""
    current = backend()
    data = current.load(key)
    if data is None:
        data = backend(source_of(current.name)).load(key)
    return data


def delete(key: str) -> None:
    backend().delete(key)


def discard(key: str) -> None:
    backend().discard(key)


def source_of(target: str) -> str:
    return "verzeichnis" if target == "datenbank" else "datenbank"


def copy_all(target: str) -> list[str]:
    """Copy every file of the other backend to `target` (flushes; the CLI commits, then remove_from()).

    Idempotent: a file already in the target is left as it is and only removed from the source."""
    if target not in BACKENDS:
        raise ValueError(f"Ziel muss 'datenbank' oder 'verzeichnis' sein, nicht {target!r}.")
    source, dest = backend(source_of(target)), backend(target)
    copied = []
    for key in source.keys():  # noqa: SIM118  (a storage backend, not a dict)
        data = source.load(key)
        if data is None:
            continue
        if dest.load(key) != data:
            dest.save(key, data)
        copied.append(key)
    return copied


def remove_from(name: str, keys: list[str]) -> None:
    """Second step of a move, after the copy is committed."""
    src = backend(name)
    for key in keys:
        src.delete(key)
