"""Query plans of the page-first queries (issue 14, migration seiten_01), checked on both backends.

Plans seen (s100 demo copy: 15,000 persons, 3,200 meetings, 13,000 protocol entries):
SQLite, Nachhalten/start page ids:
    SEARCH protocol_entry USING INDEX ix_protocol_entry_kind_status_due (kind=?)
    SEARCH protocol / meeting / committee USING INTEGER PRIMARY KEY (rowid=?)
    USE TEMP B-TREE FOR ORDER BY            (the page is cut after sorting the matching ids only)
SQLite, open items of earlier meetings:
    SEARCH meeting USING INDEX ix_meeting_committee_start (committee_id=? AND start<?)
PostgreSQL on the small test data reads the small tables sequentially; with sequential scans switched off
(as the planner does for large tables) it uses the same indexes – that is what the PostgreSQL case checks.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from beteiligung.extensions import db
from beteiligung.services.protokolle import eintraege as svc
from models.protocols import NOT_DONE, Protocol, ProtocolEntry
from tests.seiten.test_seiten import Pages


def _plan(statement) -> str:
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        return "\n".join(str(r[-1]) for r in rows)
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        return "\n".join(r[0] for r in db.session.execute(text("EXPLAIN " + sql)).all())
    finally:
        db.session.execute(text("SET LOCAL enable_seqscan = on"))


def test_followup_uses_the_status_index(world):
    pages = Pages(world)
    pages.open_items(5)
    plan = _plan(svc.followup_ids(world.planner_k, status=NOT_DONE).limit(5))
    if db.engine.dialect.name == "sqlite":
        assert "ix_protocol_entry_kind_status_due" in plan, plan
    else:
        # with a handful of rows PostgreSQL's choice among the indexes on kind/status is a coin toss
        # (it took ix_protocol_entry_status after other tests had run); what matters: no full scan
        assert "Seq Scan on protocol_entry" not in plan, plan
        assert "on ix_protocol_entry_" in plan or "using ix_protocol_entry_" in plan, plan


def test_open_items_use_the_meeting_index(world):
    pages = Pages(world)
    pages.open_items(5)
    plan = _plan(svc._open_items_ids(pages.current, world.planner_k).limit(20))
    assert "ix_meeting_committee_start" in plan or "ix_protocol_entry_kind_status_due" in plan, plan


def test_committee_meetings_use_the_meeting_index(world):
    from sqlalchemy import select

    from models import Meeting

    pages = Pages(world)
    pages.meetings(5)
    plan = _plan(
        select(Meeting.id).where(Meeting.committee_id == pages.committee.id).order_by(Meeting.start.desc()).limit(20)
    )
    assert "ix_meeting_committee_start" in plan, plan


def test_plans_do_not_change_results(world):
    """The index does not change what the list shows: the open items are those of earlier meetings, not done."""
    pages = Pages(world)
    pages.open_items(3)
    done = pages._meeting(pages.now - timedelta(days=3), "Erledigt")
    p = Protocol(meeting=done, status="genehmigt")
    db.session.add(p)
    db.session.add(ProtocolEntry(protocol=p, kind="Aufgabe", text="Schon erledigt", status="erledigt"))
    db.session.commit()
    shown = svc.open_items(pages.current, world.planner_k, limit=20)
    assert len(shown) == 3 and all(e.status != "erledigt" for e in shown)
    assert svc.open_items_count(pages.current, world.planner_k) == 3
