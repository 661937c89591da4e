"""Sozialraum-Dossier: contents from every module, permissions, suppression, PDF/DOCX, query count."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from beteiligung.services import NotFound
from beteiligung.services.monitoring import dossier as svc
from models import Committee, CommitteeType, Meeting, TopicProposal
from models.monitoring import MonitoringRelease, StatIndicator, StatValue
from models.protocols import Protocol, ProtocolEntry
from models.surveys import Finding, Survey
from tests.monitoring import karten_welt as kw
from tests.support.queries import assert_constant_queries


def _area_life(db, world):
    """Committee of A-01 with a next meeting, an open task, a Themenspeicher item, a published finding."""
    ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz"))
    c = Committee(body=world.kommune_a, type=ctype, name="Sozialraumkonferenz Altstadt", areas=[world.area_a1])
    db.session.add(c)
    db.session.flush()
    start = datetime(2031, 3, 4, 16, 0)
    db.session.add(
        Meeting(
            committee=c,
            title="Frühjahrssitzung Altstadt",
            start=start,
            end=start + timedelta(hours=2),
            ical_uid="dossier-next@test",
        )
    )
    past = datetime(2025, 11, 4, 16, 0)
    m = Meeting(
        committee=c,
        title="Herbstsitzung",
        start=past,
        end=past + timedelta(hours=2),
        ical_uid="dossier-past@test",
        status="protokolliert",
    )
    db.session.add(m)
    db.session.flush()
    p = Protocol(meeting_id=m.id, status="genehmigt")
    db.session.add(p)
    db.session.flush()
    db.session.add(
        ProtocolEntry(
            protocol_id=p.id,
            position=1,
            kind="Aufgabe",
            text="Pflegestützpunkt prüfen",
            status="offen",
            owner_org_id=world.org_a.id,
            due_date=date(2026, 2, 1),
        )
    )
    db.session.add(TopicProposal(committee_id=c.id, title="Treffpunkt für Ältere fehlt", status="offen"))
    s = Survey(
        body_id=world.kommune_a.id,
        public_key="dossiertest",
        title="Befragung Altstadt",
        shared_with_kreis=True,
        areas=[world.area_a1],
    )
    db.session.add(s)
    db.session.flush()
    db.session.add(Finding(survey_id=s.id, title="Wenig Angebote am Abend", is_public=True, areas=[world.area_a1]))
    db.session.add(
        Finding(survey_id=s.id, title="Interner Entwurf eines Befunds", is_public=False, areas=[world.area_a1])
    )
    db.session.commit()


@pytest.fixture
def mon(db, world):
    kw.build(world)
    _area_life(db, world)
    e = kw.edition(world, "released_to_kreis")
    return e


def test_dossier_brings_the_modules_together(client, db, world, mon):
    client.login("planung@kreis.example")
    r = client.get(f"/monitoring/gebiete/{world.area_a1.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    a1 = next(x for x in mon.results if x.area_code == "A-01")
    for text in (
        "Sozialraum-Dossier: Altstadt (A-01)",
        f"{a1.class_label}",
        f"{a1.rank} von 3",
        "SGB-II-Quote",
        "13,1 %",
        "+0,6",  # trend: 12,5 → 13,1
        "Sozialraumkonferenz Altstadt",
        "Frühjahrssitzung Altstadt",
        "Pflegestützpunkt prüfen",
        "Treffpunkt für Ältere fehlt",
        "Wenig Angebote am Abend",
        "Wohlfahrt Ahlen e. V.",
        "kein aktiver Partner für Bildung",
    ):
        assert text in html, text
    assert "Interner Entwurf" not in html
    assert 'stroke="#000"' in html  # locator map highlights the area
    assert "monitoring-sparkline" in html


def test_dossier_suppresses_small_counts(client, db, world, mon):
    client.login("planung@kreis.example")
    html = client.get(f"/monitoring/gebiete/{world.area_a2.id}").get_data(as_text=True)
    assert "geheim (unter 5)" in html
    assert "3,3 %" not in html and "3,3" not in html.split("Werte in der Ausgabe")[-1].split("Netzwerk")[0]
    d = svc.build(world.planner_k, world.area_a2)
    sgb2 = next(t for t in d.trends if t.indicator.key == "sgb2")
    assert sgb2.points[-1][1] is None and sgb2.points[-1][2] is True
    assert ("SGB-II-Quote", "geheim (unter 5)", None) in d.edition_values


@pytest.mark.parametrize(
    "email, area, status",
    [
        ("planung@kreis.example", "area_b1", 404),  # Kommune B has not released its values
        ("planung@ahlen.example", "area_b1", 404),  # another Kommune
        ("planung@ahlen.example", "area_a1", 200),  # own Kommune
        ("srm@ahlen.example", "area_a1", 200),  # Sozialraummanagement of Kommune A reads
        ("planung@fremd.example", "area_a1", 404),  # another Kreis
        ("politik@kreis.example", "area_a1", 404),  # Politik: published editions, no dossier
        ("partner@wohlfahrt.example", "area_a1", 403),  # partners see nothing of the monitoring
        ("admin@test.example", "area_b1", 200),
    ],
)
def test_dossier_permissions(client, db, world, mon, email, area, status):
    client.login(email)
    area_id = getattr(world, area).id
    assert client.get(f"/monitoring/gebiete/{area_id}").status_code == status
    assert client.get(f"/monitoring/gebiete/{area_id}/sozialraumprofil.pdf").status_code == status


def test_release_opens_the_dossier_and_unknown_id_is_404(client, db, world, mon):
    client.login("planung@kreis.example")
    assert client.get("/monitoring/gebiete/999999").status_code == 404
    assert client.get(f"/monitoring/gebiete/{world.area_b1.id}").status_code == 404
    db.session.add(MonitoringRelease(body_id=world.kommune_b.id))
    db.session.commit()
    assert client.get(f"/monitoring/gebiete/{world.area_b1.id}").status_code == 200
    with pytest.raises(NotFound):
        svc.get_area(world.planner_x, world.area_b1.id)


def test_profile_pdf_and_docx(client, db, world, mon):
    from docx import Document
    from pypdf import PdfReader

    client.login("planung@kreis.example")
    a1 = next(x for x in mon.results if x.area_code == "A-01")
    r = client.get(f"/monitoring/gebiete/{world.area_a1.id}/sozialraumprofil.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "Sozialraumprofil Altstadt" in text and a1.class_label in text and "Pflegestützpunkt" in text
    r = client.get(f"/monitoring/gebiete/{world.area_a1.id}/sozialraumprofil.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.data))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "Sozialraumprofil Altstadt (A-01)" in text and f"Klasse „{a1.class_label}“" in text
    assert len(doc.inline_shapes) == 1  # the locator map as PNG
    # A-02's profile never prints the suppressed value
    r = client.get(f"/monitoring/gebiete/{world.area_a2.id}/sozialraumprofil.docx")
    doc = Document(io.BytesIO(r.data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "geheim (unter 5)" in cells and "3,3" not in cells


def test_dossier_query_count_constant(client, db, world, mon):
    client.login("planung@kreis.example")
    counter = {"n": 0}

    def grow(factor):
        for _ in range(factor):
            counter["n"] += 1
            ind = StatIndicator(
                body_id=world.kreis.id, key=f"x{counter['n']}", name=f"Zusatz {counter['n']}", unit="%", min_count=5
            )
            db.session.add(ind)
            db.session.flush()
            for day in (kw.DAY1, kw.DAY2):
                db.session.add(
                    StatValue(
                        area_id=world.area_a1.id,
                        indicator_id=ind.id,
                        reference_date=day,
                        value=1.0 + counter["n"],
                        numerator=50,
                    )
                )
        db.session.commit()

    assert_constant_queries(client, db.engine, f"/monitoring/gebiete/{world.area_a1.id}", grow)


def test_dossier_list_follows_release(client, db, world, mon):
    client.login("planung@kreis.example")
    html = client.get("/monitoring/gebiete/").get_data(as_text=True)
    assert f"/monitoring/gebiete/{world.area_a1.id}\"" in html and f"/monitoring/gebiete/{world.area_a2.id}\"" in html
    assert f"/monitoring/gebiete/{world.area_b1.id}\"" not in html  # Kommune B not released
    assert "hinterlegt" in html
    client.logout()
    client.login("politik@kreis.example")
    assert client.get("/monitoring/gebiete/").status_code == 404
    client.logout()
    client.login("partner@wohlfahrt.example")
    assert client.get("/monitoring/gebiete/").status_code == 403


def test_dossier_list_query_count_constant(client, db, world, mon):
    from models import Area

    client.login("planung@kreis.example")
    counter = {"n": 0}

    def grow(factor):
        for _ in range(factor):
            counter["n"] += 1
            db.session.add(Area(body=world.kommune_a, code=f"L-{counter['n']:03d}", name=f"Liste {counter['n']}"))
        db.session.commit()

    assert_constant_queries(client, db.engine, "/monitoring/gebiete/", grow)
