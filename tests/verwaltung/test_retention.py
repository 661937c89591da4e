"""Aufbewahrungsfristen: configured periods, what is deleted and what stays, page, CLI, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beteiligung.config import load_config
from beteiligung.services import retention
from models import AuditEntry, Committee, CommitteeType, LoginFailure, Meeting, OutboxMail, utcnow
from models.committees import MeetingRegistration
from models.mail import STATUS_FAILED, STATUS_QUEUED, STATUS_SENT
from models.surveys import Survey, SurveyDraft
from tests.support.queries import assert_constant_queries


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _fill(db, world, n=1, tag="a"):
    """Per call: one due and one kept record of every rule."""
    now = utcnow()
    ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz"))
    c = Committee(body=world.kommune_a, type=ctype, name=f"SRK {tag}{n}", is_public=True)
    old = Meeting(
        committee=c,
        title="Alt",
        start=now - timedelta(days=40),
        end=now - timedelta(days=40, hours=-2),
        ical_uid=f"ret-old-{tag}{n}@test",
        is_public=True,
    )
    recent = Meeting(
        committee=c,
        title="Neu",
        start=now - timedelta(days=3),
        end=now - timedelta(days=3, hours=-2),
        ical_uid=f"ret-new-{tag}{n}@test",
        is_public=True,
    )
    survey = Survey(body_id=world.kommune_a.id, public_key=f"ret-{tag}{n}", title="Befragung")
    db.session.add_all([c, old, recent, survey])
    db.session.flush()
    today = now.date()
    db.session.add_all(
        [
            MeetingRegistration(meeting_id=old.id, name="Alte Anmeldung", email="alt@example.org"),
            MeetingRegistration(meeting_id=recent.id, name="Neue Anmeldung", email="neu@example.org"),
            SurveyDraft(
                key_hash=f"{tag}{n}-old".ljust(64, "0"),
                survey_id=survey.id,
                data={},
                saved_on=today - timedelta(days=61),
            ),
            SurveyDraft(
                key_hash=f"{tag}{n}-new".ljust(64, "0"),
                survey_id=survey.id,
                data={},
                saved_on=today - timedelta(days=5),
            ),
            OutboxMail(
                recipient="a@example.org",
                subject="alt versendet",
                body_text="x",
                message="x",
                status=STATUS_SENT,
                sent_at=now - timedelta(days=200),
            ),
            OutboxMail(
                recipient="b@example.org",
                subject="neu versendet",
                body_text="x",
                message="x",
                status=STATUS_SENT,
                sent_at=now - timedelta(days=10),
            ),
            OutboxMail(
                recipient="c@example.org",
                subject="alt wartend",
                body_text="x",
                message="x",
                status=STATUS_QUEUED,
                created_at=now - timedelta(days=300),
            ),
            OutboxMail(
                recipient="d@example.org",
                subject="alt fehlgeschlagen",
                body_text="x",
                message="x",
                status=STATUS_FAILED,
                created_at=now - timedelta(days=300),
            ),
            LoginFailure(key="alt", at=now - timedelta(days=8)),
            LoginFailure(key="neu", at=now - timedelta(hours=1)),
        ]
    )
    db.session.commit()


def test_run_deletes_exactly_what_is_due_and_records_it(db, world):
    _fill(db, world)
    before = {r["rule"].key: r["due"] for r in retention.overview()}
    assert before == {"anmeldungen": 1, "zwischenstaende": 1, "postausgang": 1, "anmeldeversuche": 1}
    counts = retention.run_all(world.admin)
    assert counts == before
    db.session.expire_all()
    assert [r.name for r in db.session.scalars(select(MeetingRegistration))] == ["Neue Anmeldung"]
    assert [d.key_hash[:7] for d in db.session.scalars(select(SurveyDraft))] == ["a1-new0"]
    assert sorted(m.subject for m in db.session.scalars(select(OutboxMail))) == [
        "alt fehlgeschlagen",
        "alt wartend",
        "neu versendet",
    ]  # unsent mail is never lost
    assert [f.key for f in db.session.scalars(select(LoginFailure))] == ["neu"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Aufbewahrung"))
    assert entry.user_id == world.admin.id and entry.after["postausgang"] == {"geloescht": 1, "frist_tage": 180}
    assert all(r["due"] == 0 for r in retention.overview())


def test_configured_periods_are_used(app, db, world):
    _fill(db, world)
    app.config["RETENTION_OUTBOX_DAYS"] = 5
    app.config["RETENTION_REGISTRATION_DAYS"] = 60
    try:
        counts = retention.run_all()
    finally:
        app.config["RETENTION_OUTBOX_DAYS"] = 180
        app.config["RETENTION_REGISTRATION_DAYS"] = 30
    assert counts["postausgang"] == 2 and counts["anmeldungen"] == 0
    with pytest.raises(ValueError):
        retention.purge("anmeldungen", 0)


def test_periods_come_from_the_environment_and_bad_values_stop_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("RETENTION_OUTBOX_DAYS", "90")
    config = load_config(tmp_path)
    assert config["RETENTION_OUTBOX_DAYS"] == 90 and config["RETENTION_SURVEY_DRAFT_DAYS"] == 60
    for bad in ("0", "-3", "drei", "1.5"):
        monkeypatch.setenv("RETENTION_OUTBOX_DAYS", bad)
        with pytest.raises(ValueError, match="RETENTION_OUTBOX_DAYS muss eine ganze Zahl von Tagen"):
            load_config(tmp_path)


def test_page_shows_periods_and_admin_can_run_it(client, db, world):
    _fill(db, world)
    client.login(world.admin.email)
    r = client.get("/verwaltung/aufbewahrung")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Anmeldungen von Bürger·innen zu öffentlichen Sitzungen" in html and "RETENTION_OUTBOX_DAYS" in html
    assert "180 Tage nach dem Versand" in html
    r = client.post("/verwaltung/aufbewahrung", data={}, follow_redirects=True)
    assert r.status_code == 200 and "Aufbewahrungsfristen angewendet" in r.get_data(as_text=True)
    db.session.expire_all()
    assert count(db, MeetingRegistration) == 1 and count(db, LoginFailure) == 1
    log = client.get("/verwaltung/protokoll/?typ=Aufbewahrung")
    assert log.status_code == 200 and "Aufbewahrungsfristen angewendet" in log.get_data(as_text=True)


@pytest.mark.parametrize("who", ["planner_k", "planner_a", "srm_a", "partner_a", "politik"])
def test_only_admins_see_or_run_retention(app, db, world, who):
    _fill(db, world)
    c = app.test_client()
    c.login(getattr(world, who).email)
    assert c.get("/verwaltung/aufbewahrung").status_code == 403
    assert c.post("/verwaltung/aufbewahrung", data={}).status_code == 403
    assert "/verwaltung/aufbewahrung" not in c.get("/").get_data(as_text=True)
    db.session.expire_all()
    assert count(db, MeetingRegistration) == 2


def test_anonymous_is_sent_to_login(client):
    r = client.get("/verwaltung/aufbewahrung")
    assert r.status_code == 302 and "/anmelden" in r.headers["Location"]


def test_cli_show_and_run(app, db, world):
    _fill(db, world)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["retention", "show"])
    assert out.exit_code == 0
    assert "Versendete Mails im Postausgang (Empfänger·in, Inhalt): 180 Tage nach dem Versand" in out.output
    assert "fällig: 1" in out.output
    out = runner.invoke(args=["retention", "run"])
    assert out.exit_code == 0 and "Zwischenstände unvollständiger Befragungsantworten: 1 gelöscht" in out.output
    db.session.expire_all()
    assert count(db, SurveyDraft) == 1
    # the module commands apply one rule; a period below one day is refused
    out = runner.invoke(args=["befragungen", "entwuerfe-loeschen", "--tage", "0"])
    assert out.exit_code == 2 and count(db, SurveyDraft) == 1
    out = runner.invoke(args=["befragungen", "entwuerfe-loeschen", "--tage", "1"])
    assert out.exit_code == 0 and "1 Zwischenstände gelöscht" in out.output


def test_page_query_count_is_constant(client, db, world):
    _fill(db, world)
    client.login(world.admin.email)
    counter = {"n": 1}

    def grow(factor):
        for _ in range(factor):
            counter["n"] += 1
            _fill(db, world, counter["n"], tag="g")

    assert_constant_queries(client, db.engine, "/verwaltung/aufbewahrung", grow)
