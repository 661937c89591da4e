"""Demo data and CLI commands (demo load, users create-admin, outbox send against real SMTP)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from beteiligung.demo import DEMO_PASSWORD
from beteiligung.services.mail import queue
from models import (
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    Area,
    Body,
    Organisation,
    OutboxMail,
    Person,
    User,
)
from models.mail import STATUS_FAILED, STATUS_SENT


def n(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def demo(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def test_demo_load_builds_the_kreis(db, demo):
    assert "Demodaten geladen." in demo.output and DEMO_PASSWORD in demo.output
    kreis = db.session.scalar(select(Body).where(Body.kind == "Kreis"))
    assert kreis.name == "Kreis Lindenau"
    assert n(db, Body, Body.parent_id == kreis.id, Body.kind == "Kommune") == 5
    assert n(db, Area, Area.kind == "Sozialraum") >= 20
    assert n(db, Organisation) == 60
    assert n(db, Person) >= 150
    kinds = set(db.session.scalars(select(Organisation.kind)))
    assert {
        "Wohlfahrtsverband",
        "Jobcenter",
        "Verwaltung/Fachbereich",
        "Politik/Ausschuss",
        "Selbsthilfe/Beirat",
        "Schule/Kita",
        "Freier Träger",
    } <= kinds
    roles = {r.role for u in db.session.scalars(select(User)) for r in u.roles}
    assert roles == {ROLE_ADMIN, ROLE_PLANNER, ROLE_AREA_MANAGER, ROLE_PARTNER, ROLE_POLITICS}
    for email in re.findall(r"(\S+@\S+\.example)", demo.output):
        assert db.session.scalar(select(User).where(User.email == email)) is not None


DEMO_VIEWS = {
    # email: (person list status, persons visible (all | own org), users admin, outbox)
    "admin@lindenau.example": (200, "alle", 200, 200),
    "planung@kreis-lindenau.example": (200, "alle", 200, 403),
    "planung@stadt-lindenau.example": (200, "alle", 200, 403),
    "sozialraum.sued@stadt-lindenau.example": (200, "alle", 403, 403),
    "partner@awo-lindenau.example": (200, "AWO", 403, 403),
    "partner@jobcenter-lindenau.example": (200, "Jobcenter", 403, 403),
    "politik@kreis-lindenau.example": (403, None, 403, 403),
}


def test_demo_load_refuses_non_empty_db_and_lists_logins(app, db, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "nicht leer" in result.output
    assert n(db, Organisation) == 60
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "bereits Daten" in result.output
    assert n(db, Organisation) == 60
    result = runner.invoke(args=["logins"])
    assert result.exit_code == 0
    for email in DEMO_VIEWS:
        assert email in result.output

    # Each demo login can sign in and sees exactly what its role may see.
    for email, (persons_status, scope, users_status, outbox_status) in DEMO_VIEWS.items():
        client = app.test_client()
        client.login(email, DEMO_PASSWORD)
        assert client.get("/").status_code == 200
        org_list = client.get("/stammdaten/organisationen/")
        assert org_list.status_code == 200 and "60 Einträge" in org_list.get_data(as_text=True), email
        r = client.get("/stammdaten/personen/export.csv")
        assert r.status_code == persons_status, email
        if persons_status == 200:
            rows = r.get_data().decode("utf-8-sig").strip().splitlines()[1:]
            if scope == "alle":
                assert len(rows) == n(db, Person), email
            else:
                org = db.session.scalar(select(Organisation).where(Organisation.short_name == scope))
                own = n(db, Person, Person.organisation_id == org.id)
                assert 0 < len(rows) == own, email
                assert all(org.name in row for row in rows), email
        assert client.get("/verwaltung/benutzer/").status_code == users_status, email
        assert client.get("/verwaltung/postausgang/").status_code == outbox_status, email
        nav = client.get("/").get_data(as_text=True).split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
        assert ("Personen" in nav) is (persons_status == 200), email


def test_users_create_admin(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "chefin@example.org", "--name", "Chefin", "--password", "Ein-sicheres-Passwort"]
    )
    assert result.exit_code == 0 and "angelegt" in result.output
    user = db.session.scalar(select(User).where(User.email == "chefin@example.org"))
    assert user.password_hash.startswith("scrypt:") and [r.role for r in user.roles] == [ROLE_ADMIN]
    result = runner.invoke(args=["users", "create-admin", "CHEFIN@example.org", "--password", "Ein-sicheres-Passwort"])
    assert result.exit_code != 0 and "bereits ein Konto" in result.output
    result = runner.invoke(args=["users", "create-admin", "kurz@example.org", "--password", "kurz"])
    assert result.exit_code != 0 and "mindestens" in result.output
    assert n(db, User) == 1
    client = app.test_client()
    client.login("chefin@example.org", "Ein-sicheres-Passwort")
    assert client.get("/verwaltung/postausgang/").status_code == 200


def test_outbox_send_delivers_over_smtp(app, db, smtp_server):
    smtp_server.configure(app)
    queue(
        "empfaenger@example.org",
        "Einladung zur Sozialraumkonferenz",
        "Guten Tag,\n\nÄ Ö Ü ß – bis bald.",
        attachments=[
            ("einladung.ics", "text", "calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", {"method": "REQUEST"})
        ],
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "1 versendet, 0 fehlgeschlagen" in result.output
    assert len(smtp_server.received) == 1
    rcpts, msg = smtp_server.received[0]
    assert rcpts == ["empfaenger@example.org"]
    assert msg["Subject"] == "Einladung zur Sozialraumkonferenz"
    assert "Ä Ö Ü ß" in msg.get_body(("plain",)).get_content()
    ics = [p for p in msg.iter_attachments() if p.get_filename() == "einladung.ics"]
    assert ics and ics[0].get_param("method") == "REQUEST"
    mail = db.session.scalar(select(OutboxMail))
    db.session.refresh(mail)
    assert mail.status == STATUS_SENT and mail.sent_at is not None and mail.attempts == 1
    # Nothing is sent twice.
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "0 versendet" in result.output and len(smtp_server.received) == 1


def test_outbox_keeps_mail_when_smtp_is_down_and_retries(app, db, smtp_server):
    smtp_server.configure(app)
    smtp_server.stop()
    queue("empfaenger@example.org", "Erinnerung", "Text")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "0 versendet, 1 fehlgeschlagen" in result.output
    mail = db.session.scalar(select(OutboxMail))
    db.session.refresh(mail)
    assert mail.status == STATUS_FAILED and mail.attempts == 1 and "Verbindung fehlgeschlagen" in mail.last_error
    smtp_server.start()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "1 versendet" in result.output
    db.session.refresh(mail)
    assert mail.status == STATUS_SENT and mail.attempts == 2 and mail.last_error is None
    assert len(smtp_server.messages) == 1


def test_outbox_send_without_smtp_config(app, db):
    queue("x@example.org", "Betreff", "Text")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code != 0 and "SMTP_HOST ist nicht gesetzt" in result.output
    assert db.session.scalar(select(OutboxMail)).status == "wartend"


def test_outbox_page_and_send_button(app, db, world, smtp_server):
    queue("x@example.org", "Betreff <b>fett</b>", "Zeile 1\n<script>alert(1)</script>")
    db.session.commit()
    client = app.test_client()
    client.login(world.admin.email)
    html = client.get("/verwaltung/postausgang/").get_data(as_text=True)
    assert "Betreff &lt;b&gt;fett&lt;/b&gt;" in html and "kein SMTP-Server eingerichtet" in html
    mail = db.session.scalar(select(OutboxMail))
    html = client.get(f"/verwaltung/postausgang/{mail.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert client.get("/verwaltung/postausgang/999999").status_code == 404
    smtp_server.configure(app)
    r = client.post("/verwaltung/postausgang/senden", data={}, follow_redirects=True)
    # the button hands the delivery to a job (issue 16) instead of sending inside the request
    assert "Der Versand wurde beauftragt" in r.get_data(as_text=True)
    from beteiligung.services.betrieb.jobs import wait_in_process

    wait_in_process()
    assert len(smtp_server.messages) == 1
