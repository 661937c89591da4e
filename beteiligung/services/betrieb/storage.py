"""One storage interface for uploaded files, two backends.

- "datenbank": the bytes live in the table betrieb_datei, written in the same transaction as the record
  that refers to them; every application server sees them and one database dump backs them up.
  Default when the database is PostgreSQL.
- "verzeichnis": files under UPLOAD_FOLDER (development with SQLite, or a mount shared by all servers). They follow
  the unit of work like rows do: a file written in work that is rolled back is removed again, a deletion happens
  when the work commits.

Keys are "<area>/<name>", e.g. "kontrakte/3f2a….pdf", "tagesordnung/9b1c…". Choose with FILE_STORAGE;
`flask --app beteiligung betrieb dateien-umziehen --nach datenbank|verzeichnis` moves existing files.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select

from beteiligung.extensions import db

BACKENDS = ("datenbank", "verzeichnis")


def _check_key(key: str) -> str:
    parts = key.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") or "\\" in p for p in parts):
        raise ValueError(f"Ungültiger Dateischlüssel: {key!r}")
    return key


# Files in the directory follow the unit of work like the rows that refer to them: a file written in a transaction
# that is rolled back (or closed without a commit) is removed again, a file deleted in one is removed only when it
# commits. Per transaction of the session (a savepoint hands its files on to its parent when it is released).
_PENDING = "verzeichnis_dateien"


def _pending_of_current() -> dict[str, list[Path]] | None:
    session = db.session()
    tx = session.get_nested_transaction() or session.get_transaction()
    if tx is None:
        # outside a transaction – nothing read or written yet in this unit of work (restoring a backup into an empty
        # database, a CLI step after its commit): written and deleted at once
        return None
    return session.info.setdefault(_PENDING, {}).setdefault(tx, {"written": [], "deleted": []})


@event.listens_for(db.session, "after_commit")
def _committing(session) -> None:
    session.info["verzeichnis_commit"] = True  # after_transaction_end follows for the same transaction


@event.listens_for(db.session, "after_transaction_end")
def _transaction_ended(session, tx) -> None:
    committed = session.info.pop("verzeichnis_commit", False)
    pending = session.info.get(_PENDING, {}).pop(tx, None)
    if pending is None:
        return
    if committed and tx.parent is not None:  # a released savepoint: its files belong to the outer transaction now
        outer = session.info[_PENDING].setdefault(tx.parent, {"written": [], "deleted": []})
        outer["written"] += pending["written"]
        outer["deleted"] += pending["deleted"]
        return
    for path in pending["deleted"] if committed else pending["written"]:
        path.unlink(missing_ok=True)


class DirectoryStorage:
    name = "verzeichnis"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        pending = _pending_of_current()
        if new and pending is not None:  # (an overwritten file cannot be given back; keys are new in practice)
            pending["written"].append(path)

    def load(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str) -> None:
        path = self.path(key)
        pending = _pending_of_current()
        if pending is None:
            path.unlink(missing_ok=True)
        else:
            pending["deleted"].append(path)

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
