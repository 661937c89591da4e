"""Security review: cross-module leaks and permission checks found in the integrated app."""

from __future__ import annotations

from beteiligung.extensions import db
from models import Membership, TopicProposal
from tests.kontrakte.conftest import kw, login_as  # noqa: F401  (fixture re-export)
from tests.protokolle.conftest import pw  # noqa: F401  (fixture re-export)


def test_report_deviation_topic_hides_figures_from_member_who_cannot_see_the_contract(client, kw):
    """A partner member of the committee sees the Themenspeicher, but a deviation topic of another
    partner's contract report must not show that contract's figures (nor its title)."""
    w = kw.w
    report = kw.reports[0]
    db.session.add(Membership(committee=kw.committee, person=w.person_b, organisation=w.org_b))
    db.session.add(
        TopicProposal(
            committee=kw.committee,
            title="Abweichung vom Soll: Zielvereinbarung Seniorenberatung",
            description="- Beratene Senior·innen: Ist 17 Personen, Soll 150 (Abweichung 88,7 %)",
            source_type="bericht",
            source_id=report.id,
            source_label="Bericht 31.12.2024 – Zielvereinbarung Seniorenberatung",
        )
    )
    db.session.commit()

    login_as(client, w.partner_b.email)
    page = client.get(f"/gremien/{kw.committee.id}").get_data(as_text=True)
    assert "Themenspeicher" in page
    assert "88,7" not in page
    assert "Seniorenberatung" not in page

    # the contract's party still sees everything
    db.session.add(Membership(committee=kw.committee, person=w.person_a, organisation=w.org_a))
    db.session.commit()
    login_as(client, w.partner_a.email)
    page = client.get(f"/gremien/{kw.committee.id}").get_data(as_text=True)
    assert "88,7" in page
    assert "Seniorenberatung" in page


def test_public_results_do_not_show_title_of_non_public_agenda_item(app, db, world, client):
    """A finding put on a non-public TOP: the public results page may say it was discussed, but not
    the TOP's title (non-public TOPs never reach the public)."""
    from datetime import date

    from beteiligung.services.gremien.themen import propose_topic
    from models import AgendaItem
    from tests.befragungen.test_wirkungskette import _chain, _meeting

    survey, finding, _p2 = _chain(db, world)
    from sqlalchemy import select

    from models import Committee

    srk = db.session.scalars(select(Committee).filter_by(name="SRK Altstadt")).one()
    m = _meeting(db, srk, "SRK Altstadt Juli", date(2026, 7, 6), "wk-3@test")
    secret = AgendaItem(meeting=m, position=1, number="2", title="Kündigung Mietvertrag Treff Müller", is_public=False)
    db.session.add(secret)
    db.session.flush()
    topic = propose_topic(None, srk, "Zweiter Vorschlag", "", "befund", finding.id, "Befund")
    topic.agenda_item_id, topic.status = secret.id, "eingeplant"
    db.session.commit()

    html = client.get(f"/b/{survey.public_key}/ergebnisse").get_data(as_text=True)
    assert "Treffpunkt für Ältere fehlt" in html
    assert "Kündigung Mietvertrag" not in html


def test_meeting_panel_open_items_respect_draft_protocols_and_non_public_items(client, pw):
    """The „Offene Punkte“ on the meeting page come from earlier protocols: a draft protocol's tasks
    are not shown to readers who may not read the draft, and tasks on non-public TOPs not to users who
    may not see non-public TOPs (e.g. a foreign planner on a public committee)."""
    from models.protocols import Protocol, ProtocolEntry

    w = pw
    draft = Protocol(meeting=w.spk_mid, status="entwurf")
    approved = Protocol(meeting=w.spk_past, status="genehmigt")
    db.session.add_all([draft, approved])
    db.session.flush()
    hidden_item = w.spk_past.agenda_items[1]
    hidden_item.is_public = False
    db.session.add_all(
        [
            ProtocolEntry(
                protocol=draft,
                agenda_item_id=w.spk_mid.agenda_items[0].id,
                position=1,
                kind="Aufgabe",
                status="offen",
                text="Entwurfsaufgabe Kita-Schließung",
            ),
            ProtocolEntry(
                protocol=approved,
                agenda_item_id=hidden_item.id,
                position=1,
                kind="Aufgabe",
                status="offen",
                text="Vertrauliche Aufgabe Personalfall",
            ),
            ProtocolEntry(
                protocol=approved,
                agenda_item_id=w.spk_past.agenda_items[0].id,
                position=2,
                kind="Aufgabe",
                status="offen",
                text="Öffentliche Aufgabe Spielplatz",
            ),
        ]
    )
    w.spk.is_public = True
    db.session.commit()
    url = f"/gremien/sitzungen/{w.spk_next.id}"

    login_as(client, w.politik.email)
    page = client.get(url).get_data(as_text=True)
    assert "Öffentliche Aufgabe Spielplatz" in page
    assert "Entwurfsaufgabe" not in page

    login_as(client, w.planner_x.email)
    page = client.get(url).get_data(as_text=True)
    assert "Öffentliche Aufgabe Spielplatz" in page
    assert "Entwurfsaufgabe" not in page
    assert "Vertrauliche Aufgabe" not in page

    login_as(client, w.planner_k.email)
    page = client.get(url).get_data(as_text=True)
    assert "Entwurfsaufgabe Kita-Schließung" in page and "Vertrauliche Aufgabe Personalfall" in page


def test_protocol_of_public_committee_hides_non_public_items_from_outsiders(client, pw):
    """The meeting page hides non-public TOPs from users who see a public committee only because it is
    public; its protocol (page, Kurzfassung, PDF/DOCX) must not show them either."""
    from models.protocols import Protocol, ProtocolEntry

    w = pw
    w.spk.is_public = True
    approved = Protocol(meeting=w.spk_past, status="genehmigt")
    db.session.add(approved)
    db.session.flush()
    hidden_item = w.spk_past.agenda_items[1]
    hidden_item.is_public = False
    hidden_item.title = "Personalangelegenheit Geschäftsstelle"
    db.session.add_all(
        [
            ProtocolEntry(
                protocol=approved,
                agenda_item_id=hidden_item.id,
                position=1,
                kind="Beschluss",
                text="Vertraulicher Beschluss Abmahnung",
            ),
            ProtocolEntry(
                protocol=approved,
                agenda_item_id=w.spk_past.agenda_items[0].id,
                position=2,
                kind="Beschluss",
                text="Öffentlicher Beschluss Spielplatz",
            ),
        ]
    )
    db.session.commit()
    base = f"/protokolle/sitzungen/{w.spk_past.id}"

    login_as(client, w.planner_x.email)
    for url in (base + "/", base + "/kurzfassung"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        page = resp.get_data(as_text=True)
        assert "Öffentlicher Beschluss Spielplatz" in page, url
        assert "Abmahnung" not in page and "Personalangelegenheit" not in page, url
    docx = client.get(base + "/protokoll.docx")
    assert docx.status_code == 200
    import io

    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "Öffentlicher Beschluss Spielplatz" in text
    assert "Abmahnung" not in text and "Personalangelegenheit" not in text

    login_as(client, w.planner_k.email)
    page = client.get(base + "/").get_data(as_text=True)
    assert "Vertraulicher Beschluss Abmahnung" in page


def test_followup_list_and_decision_register_hide_non_public_items_from_outsiders(client, pw):
    from models.protocols import Protocol, ProtocolEntry

    w = pw
    w.spk.is_public = True
    approved = Protocol(meeting=w.spk_past, status="genehmigt")
    db.session.add(approved)
    db.session.flush()
    hidden_item = w.spk_past.agenda_items[1]
    hidden_item.is_public = False
    db.session.add_all(
        [
            ProtocolEntry(
                protocol=approved,
                agenda_item_id=hidden_item.id,
                position=1,
                kind="Beschluss",
                status="offen",
                text="Vertraulicher Beschluss Abmahnung",
            ),
            ProtocolEntry(
                protocol=approved,
                agenda_item_id=w.spk_past.agenda_items[0].id,
                position=2,
                kind="Beschluss",
                status="offen",
                text="Öffentlicher Beschluss Spielplatz",
            ),
        ]
    )
    db.session.commit()

    login_as(client, w.planner_x.email)
    page = client.get("/protokolle/?stand=alle").get_data(as_text=True)
    assert "Öffentlicher Beschluss Spielplatz" in page
    assert "Abmahnung" not in page
    csv = client.get("/protokolle/beschluesse.csv").get_data(as_text=True)
    assert "Öffentlicher Beschluss Spielplatz" in csv
    assert "Abmahnung" not in csv

    login_as(client, w.planner_k.email)
    assert "Vertraulicher Beschluss Abmahnung" in client.get("/protokolle/beschluesse.csv").get_data(as_text=True)


def test_co_attendance_ties_only_from_protocols_the_user_may_read(app, db, world):
    """Attendance is part of the protocol: the network's derived co-attendance tie must not reveal it to
    users who may not read that protocol (draft protocol; Politik without the full protocol)."""
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from beteiligung.services.netzwerk import beziehungen as net
    from models import Committee, CommitteeType, Meeting
    from models.protocols import Attendance, Protocol

    ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz"))
    committee = Committee(body=world.kommune_a, type=ctype, name="SRK Altstadt intern")
    start = datetime(2026, 3, 2, 16, 0)
    meeting = Meeting(
        committee=committee,
        title="SRK Altstadt März",
        start=start,
        end=start + timedelta(hours=2),
        ical_uid="review-coattendance@beteiligung",
    )
    db.session.add_all([committee, meeting])
    db.session.flush()
    db.session.add_all(
        [
            Membership(committee_id=committee.id, person_id=world.person_b.id, organisation_id=world.org_b.id),
            Attendance(
                meeting_id=meeting.id, person_id=world.person_a.id, organisation_id=world.org_a.id, status="anwesend"
            ),
            Attendance(
                meeting_id=meeting.id, person_id=world.person_b.id, organisation_id=world.org_b.id, status="anwesend"
            ),
        ]
    )
    protocol = Protocol(meeting_id=meeting.id, status="entwurf")
    db.session.add(protocol)
    db.session.commit()
    key = (*sorted([f"org:{world.org_a.id}", f"org:{world.org_b.id}"]), "informeller Kontakt")

    def edges(user):
        with app.test_request_context():
            return {
                (e["source"], e["target"], e["kind"])
                for e in net.build_network(user, net.Filters()).edges
                if e["derived"]
            }

    assert key in edges(world.planner_a)  # the owning body's planner edits the protocol
    assert key not in edges(world.partner_b)  # member, but the protocol is still a draft
    assert key not in edges(world.politik)
    protocol.status = "genehmigt"
    db.session.commit()
    assert key in edges(world.partner_b)
    assert key not in edges(world.politik)  # Politik reads decisions, not the attendance


def test_personal_calendar_feed_stops_when_account_is_disabled(app, db, world, client):
    """A personal feed carries non-public TOPs; once the account is disabled (e.g. the person left the
    organisation) its secret link must stop working like the login does."""
    from beteiligung.services.gremien import kalender as cal_svc

    with app.test_request_context():
        token = cal_svc.create_feed(world.partner_a)
    db.session.commit()
    assert client.get(f"/oeffentlich/kalender/{token}.ics").status_code == 200
    world.partner_a.is_enabled = False
    db.session.commit()
    assert client.get(f"/oeffentlich/kalender/{token}.ics").status_code == 404


def test_scheduling_a_report_deviation_topic_makes_a_non_public_item(app, db, kw):
    """A deviation topic carries another partner's contract figures: put on the agenda it must start
    as a non-public TOP (not on /oeffentlich pages and feeds unless the planner decides so)."""
    from datetime import timedelta

    from beteiligung.services.gremien import themen as themen_svc
    from models import Meeting, utcnow

    w = kw.w
    topic = TopicProposal(
        committee=kw.committee,
        title="Abweichung vom Soll: Zielvereinbarung Seniorenberatung",
        description="Ist 17, Soll 150",
        source_type="bericht",
        source_id=kw.reports[0].id,
        source_label="Bericht",
    )
    start = utcnow().replace(microsecond=0) + timedelta(days=14)
    meeting = Meeting(
        committee=kw.committee,
        title="Sitzung",
        start=start,
        end=start + timedelta(hours=2),
        is_public=True,
        ical_uid="review-deviation@test",
    )
    db.session.add_all([topic, meeting])
    db.session.commit()
    with app.test_request_context():
        item = themen_svc.schedule_topic(w.planner_k, topic, meeting)
    db.session.commit()
    assert item.is_public is False


def test_guessed_id_of_non_public_agenda_item_is_404_for_outsiders(client, pw):
    """A non-public TOP of a public committee: an outsider who guesses its id gets 404 (as for its
    documents), not 403, so its existence does not leak."""
    w = pw
    w.spk.is_public = True
    hidden = w.spk_next.agenda_items[1]
    hidden.is_public = False
    public = w.spk_next.agenda_items[0]
    db.session.commit()
    login_as(client, w.planner_x.email)
    assert client.get(f"/gremien/top/{hidden.id}/bearbeiten").status_code == 404
    assert client.get(f"/gremien/top/{public.id}/bearbeiten").status_code == 403


def test_protocol_revisions_closed_to_outsiders_of_a_public_committee(client, pw):
    """The revision history holds every saved entry (non-public TOPs, deleted wording): someone who
    reads a public committee's protocol only because it is public does not get it."""
    from models.protocols import Protocol, ProtocolRevision

    w = pw
    w.spk.is_public = True
    protocol = Protocol(meeting=w.spk_past, status="genehmigt")
    db.session.add(protocol)
    db.session.flush()
    db.session.add(
        ProtocolRevision(
            protocol_id=protocol.id,
            edition=1,
            action="eintrag_neu",
            data={"kind": "Beschluss", "text": "Gelöschter vertraulicher Wortlaut"},
        )
    )
    db.session.commit()
    url = f"/protokolle/sitzungen/{w.spk_past.id}/versionen"
    login_as(client, w.planner_x.email)
    resp = client.get(url)
    assert resp.status_code == 403
    assert "vertraulicher Wortlaut" not in resp.get_data(as_text=True)
    assert "/versionen" not in client.get(f"/protokolle/sitzungen/{w.spk_past.id}/").get_data(as_text=True)
    login_as(client, w.planner_k.email)
    assert "vertraulicher Wortlaut" in client.get(url).get_data(as_text=True)
