"""Fixtures built once per database, then restored as rows.

A fixture such as `world` builds its objects through models and services: dozens of flushes, audit rows,
hashing, a few hundred SQL statements. The first test per database (xdist worker and backend) builds it
for real; the rows it added are kept, and every later test gets exactly those rows back with a few
INSERTs, and the same objects (loaded by primary key) in the returned namespace.

Rules for a fixture that uses it: it builds on a clean database (or on another snapshot fixture), its
result does not depend on the test (no parameters), and what it builds lives in the database (files and
queued procrastinate jobs are not copied).

Under xdist the workers share the work: the first worker that needs a fixture on a backend builds it and leaves it
in SHARED (a folder of this run, see `shared`); every other worker restores it from there.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import inspect as sa_inspect


@dataclass(frozen=True)
class _Ref:
    model: type
    key: tuple


@dataclass
class _Snapshot:
    added: dict[str, list[dict]]  # table → rows the builder inserted
    replaced: dict[str, list[dict]]  # table → all rows afterwards, where the builder changed or removed rows
    result: object  # the builder's result with every model instance replaced by a _Ref


_SNAPSHOTS: dict[tuple[str, str], _Snapshot] = {}

# A folder all xdist workers of this run see (tests/conftest.py sets it in each worker); None: nothing shared.
SHARED: Path | None = None


def backend_of(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@contextmanager
def shared(name: str):
    """Made once per test run for all workers: yields (value, keep). value is what the first worker kept under this
    name, or None – then the caller makes it and calls keep(value), and the other workers wait for it (the lock) and
    read it instead of making it again. Without SHARED (no xdist) value is None and keep does nothing."""
    if SHARED is None:
        yield None, lambda value: None
        return
    SHARED.mkdir(parents=True, exist_ok=True)
    target = SHARED / f"{name}.pickle"
    with open(SHARED / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            yield pickle.loads(target.read_bytes()), lambda value: None
            return

        def keep(value) -> None:
            part = target.with_suffix(f".{os.getpid()}")
            part.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            part.replace(target)

        yield None, keep


def _encode(value, db):
    if isinstance(value, db.Model):
        state = sa_inspect(value)
        return _Ref(type(value), state.identity)
    if isinstance(value, _LazyNamespace):  # a restored namespace a fixture extended: loaded and not yet loaded
        encoded = dict(object.__getattribute__(value, "_lazy")[0])
        encoded.update({k: _encode(v, db) for k, v in vars(value).items() if k != "_lazy"})
        return SimpleNamespace(**encoded)
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: _encode(v, db) for k, v in vars(value).items()})
    if isinstance(value, list):
        return [_encode(v, db) for v in value]
    if isinstance(value, tuple):
        return tuple(_encode(v, db) for v in value)
    if isinstance(value, dict):
        return {k: _encode(v, db) for k, v in value.items()}
    return value


class _LazyNamespace(SimpleNamespace):
    """A restored namespace: each object is loaded by primary key when a test first uses it
    (most tests use a few of the dozens of objects a fixture holds)."""

    def __init__(self, encoded: dict, db, seen: dict):
        object.__setattr__(self, "_lazy", (encoded, db, seen))

    def __getattr__(self, name):
        encoded, db, seen = object.__getattribute__(self, "_lazy")
        if name not in encoded:
            raise AttributeError(name)
        value = _decode(encoded[name], db, seen)
        object.__setattr__(self, name, value)
        return value


def _decode(value, db, seen: dict):
    if isinstance(value, _Ref):
        if value not in seen:
            # no autoflush: a test that is building a new object against a restored one (Person(organisation=
            # world.org_a)) must not have the half-built object flushed by this load
            with db.session.no_autoflush:
                seen[value] = db.session.get(value.model, value.key)
        return seen[value]
    if isinstance(value, SimpleNamespace):
        if id(value) not in seen:  # namespaces shared by several results (g.w is world) stay shared
            seen[id(value)] = _LazyNamespace(vars(value), db, seen)
        return seen[id(value)]
    if isinstance(value, list):
        return [_decode(v, db, seen) for v in value]
    if isinstance(value, tuple):
        return tuple(_decode(v, db, seen) for v in value)
    if isinstance(value, dict):
        return {k: _decode(v, db, seen) for k, v in value.items()}
    return value


def _pk(table, row: dict) -> tuple:
    return tuple(row[c.name] for c in table.primary_key.columns)


def snapshot_fixture(db, database_url: str, name: str, build, into: SimpleNamespace | None = None):
    """build() once per database; afterwards the rows it added and its result, restored.

    `into`: the namespace the builder extends and returns (fixtures that add their objects to `world`);
    on a restore the added objects are put into it again, so `world.spk` works as after a real build."""
    from tests.conftest import _insert_rows, _table_rows, sorted_tables

    key = (database_url, name)
    snap = _SNAPSHOTS.get(key)
    if snap is None:
        with shared(f"{name}-{backend_of(database_url)}") as (snap, keep):
            if snap is None:
                db.session.commit()
                before = _table_rows(db)
                result = build()
                db.session.commit()
                after = _table_rows(db)
                added, replaced = {}, {}
                for table in sorted_tables(db):
                    old = {_pk(table, r): r for r in before[table.name]}
                    new = after[table.name]
                    if any(old.get(_pk(table, r), r) != r for r in new) or len(
                        old.keys() - {_pk(table, r) for r in new}
                    ):
                        replaced[table.name] = new
                    else:
                        rows = [r for r in new if _pk(table, r) not in old]
                        if rows:
                            added[table.name] = rows
                _SNAPSHOTS[key] = _Snapshot(added, replaced, _encode(result, db))
                keep(_SNAPSHOTS[key])
                return result
            _SNAPSHOTS[key] = snap
    db.session.commit()
    db.session.expire_all()  # objects loaded before (of a snapshot fixture this one builds on) are read anew
    tables = [t for t in sorted_tables(db) if t.name in snap.added or t.name in snap.replaced]
    with db.engine.begin() as conn:
        for table in reversed(tables):
            if table.name in snap.replaced:
                conn.execute(table.delete())
        rows = {t.name: snap.replaced.get(t.name) or snap.added[t.name] for t in tables}
        _insert_rows(conn, tables, rows)
    if into is None:
        return _decode(snap.result, db, {})
    seen: dict = {}
    known = set(vars(into))
    if isinstance(into, _LazyNamespace):
        known |= set(object.__getattribute__(into, "_lazy")[0])
    added = {k: v for k, v in vars(snap.result).items() if k not in known}
    if isinstance(into, _LazyNamespace):
        encoded, _db, _seen = object.__getattribute__(into, "_lazy")
        object.__setattr__(into, "_lazy", ({**encoded, **added}, db, _seen))
    else:
        for k, v in added.items():
            setattr(into, k, _decode(v, db, seen))
    return into
