"""The query guards: the statement count (`count_queries`, `assert_constant_queries`) and the cost guard
(`assert_constant_page`: rows fetched and bytes of a page stay constant when the data grows)."""

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


def measure_page(client, engine, url):
    """(cost, html bytes) of one GET: its SQL statements and the rows fetched from the database cursor
    (services/leistung/messung.py `kosten`, the counter the benchmark uses), measured after a warm-up GET and
    from an expired identity map (as after a commit)."""
    from beteiligung.extensions import db
    from beteiligung.services.leistung.messung import kosten

    client.get(url).close()  # warm caches (templates, a cached network analysis)
    db.session.expire_all()
    with kosten(engine) as cost:
        r = client.get(url)
        body = r.get_data()  # a streamed response runs its queries while it is read
        r.close()
    assert r.status_code == 200, (url, r.status_code)
    return cost, len(body)


def _most_rows(cost) -> str:
    return "am meisten: " + "; ".join(f"{n} Zeilen: {stmt}" for n, stmt in cost.top())


def assert_constant_page(client, engine, url, grow, factor=10, *, tolerance=None, byte_slack=0.03):
    """The second guard next to the query count: GET url, grow the data `factor`-fold with grow(factor), GET
    again; rows are those fetched from the database cursor, so rows loaded and then filtered in Python count too.

    tolerance=None (equal): the SQL statement count and the rows fetched stay the same, the HTML bytes within
    byte_slack (numbers and names get longer: „12“ → „120“). Fill the lists beyond one page before calling,
    so both GETs show full pages.
    tolerance=t (pages grown with the scale generator, which adds data of every kind): rows and bytes may grow
    by at most the factor t (plus 5 rows and 500 bytes); a page that shows everything grows about `factor`-fold.

    Returns (cost, bytes) of the first GET."""
    before, bytes_before = measure_page(client, engine, url)
    grow(factor)
    after, bytes_after = measure_page(client, engine, url)
    if tolerance is None:
        assert after.sql == before.sql, f"{url}: {before.sql} → {after.sql} Anweisungen\n" + "\n".join(after.statements)
        assert after.rows == before.rows, f"{url}: {before.rows} → {after.rows} Zeilen gelesen, {_most_rows(after)}"
        assert abs(bytes_after - bytes_before) <= bytes_before * byte_slack, (
            f"{url}: HTML {bytes_before} → {bytes_after} Bytes"
        )
    else:
        assert after.rows <= before.rows * tolerance + 5, (
            f"{url}: {before.rows} → {after.rows} Zeilen gelesen, {_most_rows(after)}"
        )
        assert bytes_after <= bytes_before * tolerance + 500, f"{url}: {bytes_before} → {bytes_after} Bytes"
    return before, bytes_before
