"""Cost of one request: SQL statements and rows fetched (used by the benchmark and the tests' cost guard).

Statements are counted with the engine event `before_cursor_execute` (savepoints and PRAGMAs left out, as
in the query-count guard). Rows are counted where SQLAlchemy hands them from the DB-API cursor to a result:
the fetch strategies of `sqlalchemy.engine.cursor` are wrapped while at least one measurement runs, so
every row an ORM query, a Core query or `yield_per` streaming delivers is counted once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import cursor as _cursor

IGNORED = ("SAVEPOINT", "RELEASE", "PRAGMA")


@dataclass
class Kosten:
    """What one block cost: SQL statements (with their text) and rows fetched."""

    statements: list[str] = field(default_factory=list)
    rows: int = 0
    rows_by_statement: dict[str, int] = field(default_factory=dict)

    @property
    def sql(self) -> int:
        return len(self.statements)

    def top(self, n: int = 3) -> list[tuple[int, str]]:
        """The statements that fetched most rows: (rows, first 160 characters of the statement)."""
        ranked = sorted(self.rows_by_statement.items(), key=lambda kv: -kv[1])[:n]
        return [(rows, " ".join(stmt.split())[:160]) for stmt, rows in ranked]

    def __repr__(self) -> str:
        return f"<{self.sql} SQL-Anweisungen, {self.rows} Zeilen>"


_active: list[Kosten] = []
_lock = threading.Lock()
_depth = threading.local()
_originals: dict[tuple[type, str], object] = {}
_STRATEGIES = [
    cls
    for cls in (
        getattr(_cursor, "CursorFetchStrategy", None),
        getattr(_cursor, "BufferedRowCursorFetchStrategy", None),
        getattr(_cursor, "FullyBufferedCursorFetchStrategy", None),
    )
    if cls is not None
]


def _count(n: int, statement: str) -> None:
    for k in list(_active):
        k.rows += n
        k.rows_by_statement[statement] = k.rows_by_statement.get(statement, 0) + n


def _wrap(orig, one: bool):
    def fetch(self, result, dbapi_cursor, *args, **kwargs):
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        try:
            rows = orig(self, result, dbapi_cursor, *args, **kwargs)
        finally:
            _depth.n = depth
        if depth == 0 and _active:  # fetchmany(None) calls fetchall: count the outer call only
            context = getattr(result, "context", None)
            _count((0 if rows is None else 1) if one else len(rows or ()), getattr(context, "statement", "") or "")
        return rows

    fetch.__wrapped__ = orig
    return fetch


def _patch() -> None:
    for cls in _STRATEGIES:
        for name in ("fetchone", "fetchmany", "fetchall"):
            if name in cls.__dict__ and (cls, name) not in _originals:
                orig = cls.__dict__[name]
                _originals[(cls, name)] = orig
                setattr(cls, name, _wrap(orig, one=name == "fetchone"))


def _unpatch() -> None:
    for (cls, name), orig in _originals.items():
        setattr(cls, name, orig)
    _originals.clear()


@contextmanager
def kosten(engine) -> Iterator[Kosten]:
    """Count the SQL statements and fetched rows of the block."""
    k = Kosten()

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(IGNORED):
            k.statements.append(statement)

    with _lock:
        if not _active:
            _patch()
        _active.append(k)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield k
    finally:
        event.remove(engine, "before_cursor_execute", before)
        with _lock:
            _active.remove(k)
            if not _active:
                _unpatch()
