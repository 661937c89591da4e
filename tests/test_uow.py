"""One unit of work: services flush, the request (or the CLI command / job) commits or rolls back.

"Written" is always checked through a separate database connection, which sees only what was
committed – exactly what the next request of another user would see.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from beteiligung.services import ValidationError
from beteiligung.services.gremien import gremien as gremien_svc
from beteiligung.services.gremien import themen as themen_svc
from beteiligung.uow import discard, durable, unit_of_work
from models import Committee, CommitteeType, TopicProposal
from models.audit import AuditEntry


def committed(db, model, *where) -> int:
    """Rows of `model` another connection sees."""
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def committee_form(db, world, name="Werkstatt Wohnen") -> dict:
    type_id = db.session.scalar(select(CommitteeType.id).where(CommitteeType.name == "Werkstatt"))
    return {"name": name, "type_id": type_id, "body_id": world.kreis.id, "cadence": "nach Bedarf", "active": "y"}


def flush_then_fail(exc):
    """A service that writes and flushes (committee + audit entry), then fails."""

    def service(user, values):
        c = Committee(name=values["name"], type_id=values["type_id"], body_id=values["body_id"])
        db_session().add(c)
        db_session().add(
            AuditEntry(
                user_id=user.id, action="create", entity_type="Committee", entity_id=0, summary="halb geschrieben"
            )
        )
        db_session().flush()
        assert c.id is not None  # really flushed: the row is in the database transaction
        raise exc

    return service


def db_session():
    from beteiligung.extensions import db

    return db.session


# --- the request hook -------------------------------------------------------------------


def test_successful_post_is_committed(client, db, world):
    client.login(world.planner_k.email)
    r = client.post("/gremien/neu", data=committee_form(db, world))
    assert r.status_code == 302
    assert committed(db, Committee, Committee.name == "Werkstatt Wohnen") == 1


def test_invalid_form_answers_422_and_writes_nothing(client, db, world):
    client.login(world.planner_k.email)
    before = committed(db, AuditEntry)
    r = client.post("/gremien/neu", data={**committee_form(db, world), "name": ""})
    assert r.status_code == 422
    assert 'value="nach Bedarf"' in r.get_data(as_text=True)  # the input is kept
    assert committed(db, Committee) == 0 and committed(db, AuditEntry) == before


def test_service_error_after_flush_leaves_nothing_written(client, db, world, monkeypatch):
    """The service flushed a committee and an audit entry, then raised: 422, the form keeps the
    input and shows the service's field error, and neither row exists afterwards."""
    client.login(world.planner_k.email)
    before = committed(db, AuditEntry)
    monkeypatch.setattr(
        gremien_svc, "create_committee", flush_then_fail(ValidationError({"name": "Dieser Name ist schon vergeben."}))
    )
    r = client.post("/gremien/neu", data=committee_form(db, world, "Halb geschrieben"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Dieser Name ist schon vergeben." in html and 'value="Halb geschrieben"' in html
    assert committed(db, Committee) == 0 and committed(db, AuditEntry) == before
    assert db.session.scalar(select(func.count()).select_from(Committee)) == 0


def test_unexpected_error_after_flush_is_a_500_and_leaves_nothing_written(app, client, db, world, monkeypatch):
    client.login(world.planner_k.email)
    before = committed(db, AuditEntry)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(gremien_svc, "create_committee", flush_then_fail(RuntimeError("kaputt")))
    r = client.post("/gremien/neu", data=committee_form(db, world, "Halb geschrieben"))
    assert r.status_code == 500
    assert "Ihre Daten wurden nicht verändert" in r.get_data(as_text=True)
    assert committed(db, Committee) == 0 and committed(db, AuditEntry) == before


def test_failed_action_that_redirects_still_writes_nothing(client, db, world, monkeypatch):
    """A view that flashes the error and redirects (302/303 would commit) discards the failed
    service's flushed changes first."""
    with unit_of_work():
        c = gremien_svc.create_committee(
            world.planner_k,
            {
                "name": "Sozialraumkonferenz Test",
                "type_id": committee_form(db, world)["type_id"],
                "body_id": world.kreis.id,
                "cadence": "nach Bedarf",
                "active": True,
            },
        )
        t = themen_svc.propose_topic(world.planner_k, c, "Spielplatz", "", "mitglied", None, "Test")
    topic_id = t.id

    def set_status_then_fail(user, topic, status):
        topic.status = "erledigt"
        db.session.flush()
        raise ValidationError({"status": "Diesen Status gibt es nicht."})

    monkeypatch.setattr(themen_svc, "set_topic_status", set_status_then_fail)
    client.login(world.planner_k.email)
    r = client.post(f"/gremien/themen/{topic_id}/status", data={"status": "erledigt"})
    assert r.status_code == 303
    with db.engine.connect() as conn:
        assert conn.execute(select(TopicProposal.status).where(TopicProposal.id == topic_id)).scalar_one() == "offen"
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Diesen Status gibt es nicht." in html


# --- CLI commands and jobs ----------------------------------------------------------------


def test_unit_of_work_commits_at_the_end(db, world):
    with unit_of_work():
        gremien_svc.create_committee(
            world.planner_k,
            {
                "name": "Job-Gremium",
                "type_id": committee_form(db, world)["type_id"],
                "body_id": world.kreis.id,
                "cadence": "nach Bedarf",
                "active": True,
            },
        )
        assert committed(db, Committee) == 0  # flushed, not yet committed
    assert committed(db, Committee, Committee.name == "Job-Gremium") == 1


def test_unit_of_work_rolls_back_everything_on_error_even_after_flush(db, world):
    before = committed(db, AuditEntry)
    with pytest.raises(ValidationError), unit_of_work():
        gremien_svc.create_committee(
            world.planner_k,
            {
                "name": "Wird nichts",
                "type_id": committee_form(db, world)["type_id"],
                "body_id": world.kreis.id,
                "cadence": "nach Bedarf",
                "active": True,
            },
        )
        db.session.flush()
        raise ValidationError({"name": "Abbruch nach dem Flush"})
    assert committed(db, Committee) == 0 and committed(db, AuditEntry) == before
    assert db.session.scalar(select(func.count()).select_from(Committee)) == 0


def test_durable_commits_each_item_and_undoes_only_the_failing_one(db, world):
    type_id = committee_form(db, world)["type_id"]
    names = ["Eins", "Kaputt", "Drei"]
    failed = []
    with unit_of_work():
        for name in names:
            try:
                with durable():
                    db.session.add(Committee(name=name, type_id=type_id, body_id=world.kreis.id))
                    db.session.flush()
                    if name == "Kaputt":
                        raise RuntimeError(name)
            except RuntimeError as exc:
                failed.append(str(exc))
            # every finished item is committed before the next one starts
            assert committed(db, Committee, Committee.name == name) == (0 if name == "Kaputt" else 1)
    assert failed == ["Kaputt"]
    assert sorted(db.session.scalars(select(Committee.name))) == ["Drei", "Eins"]


def test_discard_throws_away_the_flushed_changes(db, world):
    type_id = committee_form(db, world)["type_id"]
    db.session.add(Committee(name="Verworfen", type_id=type_id, body_id=world.kreis.id))
    db.session.flush()
    discard()
    assert db.session.scalar(select(func.count()).select_from(Committee)) == 0


def test_a_savepoint_outside_a_request_is_undone_with_its_unit_of_work(db, world):
    """CLI commands and jobs (no request): a savepoint that opens the transaction (begin_nested as the first
    statement, e.g. a service that records something durable) must not commit when it is released. On SQLite the
    driver begins no transaction before a SAVEPOINT, and SQLite's RELEASE of an outermost savepoint is a COMMIT:
    the unit of work's rollback then left the block's rows behind (beteiligung/database.py begins one first)."""
    type_id = committee_form(db, world)["type_id"]
    db.session.commit()  # nothing pending: the savepoint is the first statement of the next transaction
    with pytest.raises(RuntimeError), unit_of_work():
        with db.session.begin_nested():
            db.session.add(Committee(name="Im Savepoint", type_id=type_id, body_id=world.kreis.id))
        assert committed(db, Committee, Committee.name == "Im Savepoint") == 0  # released, not committed
        raise RuntimeError("danach gescheitert")
    assert db.session.scalar(select(func.count()).select_from(Committee).where(Committee.name == "Im Savepoint")) == 0
