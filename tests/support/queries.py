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


def assert_constant_cost(client, url, grow, factor=10, tolerance=1.25):
    """The second guard: GET url, grow the data `factor`-fold with grow(factor), GET again: the rows fetched
    from the database and the bytes of the answer may grow by at most `tolerance` (plus a little for longer
    numbers); a page that shows everything grows about `factor`-fold. Returns (rows, bytes) before growing."""
    from beteiligung.extensions import db
    from beteiligung.services.leistung.messung import kosten

    def measure():
        client.get(url).close()  # warm caches (templates, a cached network analysis)
        db.session.expire_all()
        with kosten(db.engine) as cost:
            r = client.get(url)
            body = r.get_data()
            r.close()
        assert r.status_code == 200, (url, r.status_code)
        return cost, len(body)

    before, bytes_before = measure()
    grow(factor)
    after, bytes_after = measure()
    rows_before, rows_after = before.rows, after.rows
    assert rows_after <= rows_before * tolerance + 5, f"{url}: {rows_before} → {rows_after} Zeilen gelesen, " + (
        "am meisten: " + "; ".join(f"{n} Zeilen: {stmt}" for n, stmt in after.top())
    )
    assert bytes_after <= bytes_before * tolerance + 500, f"{url}: {bytes_before} → {bytes_after} Bytes"
    return rows_before, bytes_before
