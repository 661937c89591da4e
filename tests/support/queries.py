"""The query-count guard: count SQL statements while a block runs."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self):
        return f"<{self.count} SQL-Anweisungen>\n" + "\n".join(self.statements)


@contextmanager
def count_queries(engine):
    counter = QueryCounter()

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def assert_constant_queries(client, engine, url, grow, factor=10):
    """GET url, grow the data tenfold with grow(), GET again: the count must not change."""
    from beteiligung.extensions import db

    client.get(url).close()  # warm caches
    # The test client shares the test's session: start both counted requests from the same
    # (expired) identity map, as after a commit, so neither profits from objects loaded earlier.
    db.session.expire_all()
    with count_queries(engine) as before:
        r1 = client.get(url)
        r1.get_data()  # a streamed response (exports) runs its queries while it is read
        r1.close()
    assert r1.status_code == 200, r1.status_code
    grow(factor)
    db.session.expire_all()
    with count_queries(engine) as after:
        r2 = client.get(url)
        r2.get_data()
        r2.close()
    assert r2.status_code == 200, r2.status_code
    assert after.count == before.count, f"{url}: {before.count} → {after.count} Anweisungen\n{after}"
    return before.count
