"""Issue 14: the coverage matrix counts per cell in SQL. The plan of that count: on SQLite no index probe per
organisation and listed Sozialraum/Handlungsfeld (the "+ 0" in services/netzwerk/beziehungen._unindexed); on
PostgreSQL the plain columns (with "+ 0" it misjudged the rows and chose nested loops)."""

from __future__ import annotations

from sqlalchemy import event

from beteiligung.extensions import db
from beteiligung.services.netzwerk import beziehungen as svc

from .test_services import TODAY


def _coverage_statement(user):
    seen = []

    def capture(conn, cursor, statement, params, context, executemany):
        if "GROUP BY organisation_area.area_id" in statement:
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        cov = svc.coverage(user, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(seen) == 1, "one counting statement for the matrix"
    return cov, seen[0]


def test_coverage_count_plan(net):
    cov, (statement, params) = _coverage_statement(net.planner_k)
    assert sum(cov["cells"].values()) > 0 and cov["areas"] and cov["fields"]
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        plan = " | ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
        assert "area_id=?" not in plan and "term_id=?" not in plan, plan
        assert "organisation_id=?" in plan or "rowid=?" in plan, plan  # the joins still seek
    else:
        assert "+ 0" not in statement and "+ %(" not in statement, statement
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params))
        assert "organisation" in plan
