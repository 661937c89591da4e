"""Die Wirkungskette: a citizen's hint (finding) → Themenspeicher → TOP of the Sozialraumkonferenz →
Empfehlung forwarded → TOP of the Sozialplanungskonferenz → Beschluss and Aufgabe → Ziel,
and what of it the public results page shows."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from beteiligung.services.befragungen import kodierung
from beteiligung.services.gremien.themen import propose_topic
from models import AgendaItem, Committee, CommitteeType, Meeting
from models.contracts import Goal
from models.protocols import Protocol, ProtocolEntry
from models.surveys import Finding
from tests.befragungen.conftest import make_survey


def _meeting(db, committee, title, day, uid):
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=16)
    m = Meeting(
        committee=committee,
        title=title,
        start=start,
        end=start + timedelta(hours=2),
        ical_uid=uid,
        is_public=True,
        status="protokolliert",
    )
    db.session.add(m)
    db.session.flush()
    return m


def _chain(db, world):
    survey, _qs = make_survey(world, status="ausgewertet")
    finding = Finding(survey_id=survey.id, title="Treffpunkt für Ältere fehlt", text="Viele Nennungen.", is_public=True)
    db.session.add(finding)
    types = {t.name: t for t in db.session.scalars(select(CommitteeType))}
    srk = Committee(body=world.kommune_a, type=types["Sozialraumkonferenz"], name="SRK Altstadt", is_public=True)
    spk = Committee(body=world.kommune_a, type=types["Sozialplanungskonferenz"], name="SPK Ahlen")
    db.session.add_all([srk, spk])
    db.session.flush()
    topic = propose_topic(None, srk, finding.title, finding.text, "befund", finding.id, "Befund")
    m1 = _meeting(db, srk, "SRK Altstadt Mai", date(2026, 5, 4), "wk-1@test")
    item1 = AgendaItem(meeting=m1, position=1, number="1", title="Treffpunkt für Ältere", is_public=True)
    db.session.add(item1)
    db.session.flush()
    topic.agenda_item_id, topic.status = item1.id, "eingeplant"
    p1 = Protocol(meeting=m1, status="genehmigt")
    db.session.add(p1)
    db.session.flush()
    fwd = propose_topic(
        None,
        spk,
        "Treffpunkt für Ältere in der Altstadt",
        "Empfehlung der SRK",
        "protokolleintrag",
        None,
        "SRK Altstadt Mai",
    )
    recommendation = ProtocolEntry(
        protocol=p1,
        agenda_item_id=item1.id,
        position=1,
        kind="Empfehlung",
        text="Die SPK möge einen Treffpunkt einrichten.",
        forwarded_topic=fwd,
    )
    db.session.add(recommendation)
    m2 = _meeting(db, spk, "SPK Juni", date(2026, 6, 10), "wk-2@test")
    item2 = AgendaItem(meeting=m2, position=1, number="3", title="Treffpunkt Altstadt", is_public=True)
    hidden_item = AgendaItem(meeting=m2, position=2, number="4", title="Personalfragen", is_public=False)
    db.session.add_all([item2, hidden_item])
    db.session.flush()
    fwd.agenda_item_id, fwd.status = item2.id, "eingeplant"
    org_a = world.org_a.id
    p2 = Protocol(meeting=m2, status="genehmigt")
    db.session.add(p2)
    db.session.flush()
    db.session.add_all(
        [
            ProtocolEntry(
                protocol=p2,
                agenda_item_id=item2.id,
                position=1,
                kind="Beschluss",
                binding=True,
                text="Ein Seniorentreff wird ab 2027 gefördert.",
            ),
            ProtocolEntry(
                protocol=p2,
                agenda_item_id=item2.id,
                position=2,
                kind="Aufgabe",
                status="in Arbeit",
                owner_org_id=org_a,
                due_date=date(2027, 3, 31),
                text="Räume suchen",
            ),
            ProtocolEntry(
                protocol=p2, agenda_item_id=hidden_item.id, position=3, kind="Beschluss", text="Geheime Personalsache"
            ),
        ]
    )
    db.session.add(
        Goal(
            body_id=world.kommune_a.id,
            level="Handlungsziel",
            field="Wirkung",
            status="beschlossen",
            title="Treffpunkt für Ältere in jedem Sozialraum",
            source_finding_id=finding.id,
        )
    )
    db.session.add(
        Goal(
            body_id=world.kommune_a.id,
            level="Maßnahme",
            field="Leistung",
            status="Entwurf",
            title="Entwurf, noch nicht öffentlich",
            source_finding_id=finding.id,
        )
    )
    db.session.commit()
    return survey, finding, p2


def test_followups_walk_the_whole_chain(app, db, world):
    survey, finding, _p2 = _chain(db, world)
    lines = kodierung.followups([finding])[finding.id]
    texts = [(line.kind, line.text) for line in lines]
    kinds = [k for k, _t in texts]
    assert "Themenspeicher" in kinds and "Tagesordnung" in kinds
    assert ("Empfehlung", "Die SPK möge einen Treffpunkt einrichten.") in texts
    assert any(k == "Weitergeleitet" and "SPK Ahlen" in t for k, t in texts)
    assert ("Beschluss", "Ein Seniorentreff wird ab 2027 gefördert.") in texts
    assert ("Aufgabe", "Räume suchen") in texts
    assert ("Ziel", "Handlungsziel: Treffpunkt für Ältere in jedem Sozialraum") in texts
    # Never public: non-public TOPs and draft goals.
    assert not any("Geheime" in t or "Entwurf, noch" in t for _k, t in texts)


def test_unapproved_protocol_is_not_shown(app, db, world):
    survey, finding, p2 = _chain(db, world)
    p2.status = "entwurf"
    db.session.commit()
    texts = [line.text for line in kodierung.followups([finding])[finding.id]]
    assert "Ein Seniorentreff wird ab 2027 gefördert." not in texts
    assert "Die SPK möge einen Treffpunkt einrichten." in texts  # the SRK protocol is approved


def test_public_results_page_shows_what_became_of_it(app, db, world, client):
    survey, finding, _p2 = _chain(db, world)
    html = client.get(f"/b/{survey.public_key}/ergebnisse").get_data(as_text=True)
    assert "Treffpunkt für Ältere fehlt" in html
    assert "Ein Seniorentreff wird ab 2027 gefördert." in html
    assert "Treffpunkt für Ältere in jedem Sozialraum" in html
    assert "Geheime Personalsache" not in html
