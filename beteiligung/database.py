"""Database connections: SQLite as a sound default, and side transactions for caches.

SQLite (the embedded default) runs in WAL mode with a busy timeout on every connection. Python's
sqlite3 driver starts transactions lazily and *deferred*: a request that first reads and then
writes must upgrade its read lock to a write lock, and SQLite answers that upgrade with
SQLITE_BUSY at once – without waiting for the busy timeout – whenever another connection wrote in
between ("database is locked" under concurrent logins or committee creation). Following
SQLAlchemy's documented pysqlite recipe, for transactions that may write the driver's own
transaction handling is switched off (isolation_level=None) and the BEGIN is emitted here:

- `BEGIN IMMEDIATE` for requests that may write (POST, PUT, PATCH, DELETE) and for connections
  marked with the execution option `begin_immediate=True`: the write lock is taken at the start,
  so concurrent writers queue up on the busy timeout instead of failing;
- for GET/HEAD and everything else the driver's own handling (reads without a held snapshot, a
  deferred BEGIN right before the first write): readers never block anyone (WAL).

If the lock still cannot be had within the timeout the request ends with the German 503 page
(beteiligung/__init__.py) and, being one transaction, leaves nothing half-written.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable

from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

BUSY_TIMEOUT_MS = 15_000
SIDE_BUSY_TIMEOUT_MS = 1_000
# SQLite's `synchronous` setting (BETEILIGUNG_SQLITE_SYNCHRONOUS): FULL (default) syncs the write-ahead log to disk
# on every commit; NORMAL only at checkpoints (a power cut may lose the last commits, never the file); OFF never
# (the test suite: thousands of throw-away commits, each an fsync of about 5 ms otherwise).
SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger(__name__)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):  # pragma: no cover - driver hook
    if _is_sqlite(dbapi_connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        synchronous = os.environ.get("BETEILIGUNG_SQLITE_SYNCHRONOUS", "FULL").strip().upper()
        cur.execute(f"PRAGMA synchronous={synchronous if synchronous in SQLITE_SYNCHRONOUS else 'FULL'}")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()


# Index hints for SQLite (`select.with_hint(Entity, "INDEXED BY ix_…", "sqlite")`): SQLAlchemy's SQLite
# compiler drops FROM hints; this writes them after the table name, as SQLite's INDEXED BY clause expects.
# Used where SQLite without statistics would pick a worse index (services/protokolle/eintraege.followup_ids).
def _sqlite_from_hint(self, table, text):
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


def _wants_write_lock(conn: Connection) -> bool:
    options = conn.get_execution_options()
    if options.get("begin_immediate"):
        return True
    if options.get("read_only"):  # a side connection that only reads (e.g. the password hash)
        return False
    if not has_request_context() or request.method not in WRITE_METHODS:
        return False
    from flask import g

    return not g.get("sqlite_reads_only")  # set once the request has given up writing (503 page)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if _wants_write_lock(conn):
        driver.isolation_level = None  # the driver stays out; we say how the transaction begins
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        driver.isolation_level = ""  # the driver's own way: reads autocommit, BEGIN before the first write


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint(conn: Connection, name) -> None:
    """A SAVEPOINT outside a transaction (SQLite; the driver begins none before it) is a transaction of its own, and
    releasing it commits: the unit of work around it could no longer roll it back (CLI commands and jobs, whose
    first statement may be a savepoint). A deferred BEGIN first makes it a savepoint inside the transaction."""
    if conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def side_write(work: Callable[[Connection], None], busy_timeout_ms: int = SIDE_BUSY_TIMEOUT_MS) -> bool:
    """Run work(conn) in a connection and transaction of its own, apart from the request's unit of
    work, for bookkeeping that may fail without harm (caches, "last used" stamps). Commits when
    work returns; every error is logged and swallowed (returns False), so the page that asked for
    it never breaks and a read request never writes through its own session."""
    from .extensions import db

    try:
        with db.engine.connect() as conn:
            driver = conn.connection.driver_connection
            sqlite = _is_sqlite(driver)
            if sqlite:  # do not queue long behind the request that called us
                driver.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            try:
                conn = conn.execution_options(begin_immediate=True, side_write=True)
                with conn.begin():
                    work(conn)
            finally:
                if sqlite:
                    driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return True
    except Exception:
        log.warning("Nebentransaktion fehlgeschlagen (ignoriert)", exc_info=True)
        return False


# --- guard: read requests do not write ---------------------------------------------------------

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_STATEMENT = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")


class ReadRequestWrote(RuntimeError):
    """A GET/HEAD request tried to change application data (only with READ_ONLY_GET_GUARD)."""


def _guard_statement(conn, cursor, statement, parameters, context, executemany):
    from flask import current_app

    if not (has_request_context() and request.method in READ_METHODS):
        return
    if not current_app.config.get("READ_ONLY_GET_GUARD") or conn.get_execution_options().get("side_write"):
        return
    from flask import g

    if not g.get("read_only_guard_on"):  # only requests really dispatched (not test_request_context)
        return
    if g.get("get_may_write"):  # a protocol-mandated GET that changes state (see writes_on_get)
        return
    if statement.lstrip().upper().startswith(WRITE_STATEMENT):
        raise ReadRequestWrote(f"{request.method} {request.path} schreibt: {statement.split(chr(10))[0][:120]}")


def writes_on_get(view):
    """Mark the rare GET that must change state because a protocol says so – the OpenID Connect
    redirect back from the provider signs the user in. Every other GET only reads."""
    from functools import wraps

    from flask import g

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.get_may_write = True
        return view(*args, **kwargs)

    return wrapper


def flush_pending_before_request() -> None:
    """With the guard on (tests only): objects a test added to the shared session before calling the
    client are flushed before the request starts, so the guard only sees the request's own writes."""
    from flask import current_app, g

    from .extensions import db

    if current_app.config.get("READ_ONLY_GET_GUARD") and request.method in READ_METHODS:
        session = db.session()
        if session.new or session.dirty or session.deleted:
            session.flush()
        g.read_only_guard_on = True


def install_read_only_guard() -> None:
    """With app.config["READ_ONLY_GET_GUARD"] (the test suite sets it) every INSERT/UPDATE/DELETE that a
    GET or HEAD request sends through its own session fails loudly. Side transactions
    (side_write) are allowed: they are the sanctioned place for caches and stamps."""
    if not event.contains(Engine, "before_cursor_execute", _guard_statement):
        event.listen(Engine, "before_cursor_execute", _guard_statement)


install_read_only_guard()


# --- stored text is always printable ----------------------------------------------------------
# Forms refuse control characters, but imports, jobs and older data take other ways in. Whatever the
# way, no control character (except tab and line breaks) or broken encoding reaches a column, so
# no stored value can break a generated file (DOCX and XLSX refuse them, PostgreSQL refuses NUL).

_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean_strings(session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if isinstance(value, str) and _UNPRINTABLE.search(value):
                setattr(obj, attr.key, _UNPRINTABLE.sub("", value))


event.listen(Session, "before_flush", _clean_strings)
