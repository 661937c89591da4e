"""Sozialbericht and Fokusbericht: text blocks, Handlungsfelder, DOCX/PDF contents, permissions."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader

from beteiligung.services import PermissionDenied
from beteiligung.services.monitoring import bericht as svc
from models.monitoring_bericht import Sozialbericht
from tests.monitoring import karten_welt as kw


@pytest.fixture
def mon(db, world):
    sgb2, alo = kw.build(world)
    e = kw.edition(world, "released_to_kreis")
    return e, sgb2, alo


def _docx_text(data: bytes) -> tuple[str, Document]:
    doc = Document(io.BytesIO(data))
    text = (
        "\n".join(p.text for p in doc.paragraphs)
        + "\n"
        + "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    )
    return text, doc


def test_texts_docx_and_pdf(client, db, world, mon):
    e, sgb2, alo = mon
    client.login("planung@kreis.example")
    r = client.get(f"/monitoring/ausgaben/{e.id}/bericht")
    assert r.status_code == 200 and "Sozialbericht Kreis Testhausen 2025" in r.get_data(as_text=True)
    r = client.post(
        f"/monitoring/ausgaben/{e.id}/bericht",
        data={
            "title": "Sozialbericht Testhausen 2025",
            "einleitung": "Der Bericht zeigt **drei** Gebiete.",
            "befunde": "- Altstadt braucht Aufmerksamkeit\n- Neustadt ist stabil",
            "ausblick": "",
            "version": "",
        },
    )
    assert r.status_code == 303
    text, doc = _docx_text(client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.docx").data)
    a1 = next(x for x in e.results if x.area_code == "A-01")
    for part in (
        "Sozialbericht Testhausen 2025",
        "Der Bericht zeigt drei Gebiete.",
        "Altstadt braucht Aufmerksamkeit",
        "Methode",
        "z-standardisiert",
        "Übersichtskarte der Klassen",
        a1.class_label,
        "Altstadt",
        "SGB-II-Quote (%)",
        "Sozialraumprofil Altstadt (A-01)",
    ):
        assert part in text, part
    bullets = [p for p in doc.paragraphs if p.style.name == "List Bullet" and "Neustadt ist stabil" in p.text]
    assert bullets
    # overview map + one chart per indicator + a locator map per visible profile (A-01, A-02; B-01 not released)
    assert len(doc.inline_shapes) == 1 + 2 + 2
    assert "Sozialraumprofil Dorfmitte" not in text
    assert "3,3" not in text.replace("13,3", "")  # the suppressed SGB-II value of A-02
    r = client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.pdf")
    assert r.status_code == 200
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Sozialbericht Testhausen 2025" in pdf and "Übersichtskarte" in pdf and a1.class_label in pdf
    assert "geheim (unter 5)" in pdf and "3,3 %" not in pdf


def test_fokusbericht_shows_only_tagged_indicators(client, db, world, mon):
    e, sgb2, alo = mon
    client.login("planung@kreis.example")
    r = client.post(
        f"/monitoring/ausgaben/{e.id}/bericht/handlungsfelder",
        data={"indikator": str(sgb2.id), "handlungsfeld": [str(world.hf_pflege.id)]},
    )
    assert r.status_code == 303
    db.session.refresh(sgb2)
    assert [t.name for t in sgb2.handlungsfelder] == ["Pflege"]
    text, doc = _docx_text(
        client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.docx?fokus={world.hf_pflege.id}").data
    )
    assert "Fokusbericht Pflege" in text and "SGB-II-Quote (%)" in text and "Arbeitslosenquote (%)" not in text
    text, _ = _docx_text(client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.docx?fokus={world.hf_bildung.id}").data)
    assert "diesem Handlungsfeld sind noch keine Indikatoren zugeordnet" in text
    assert client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.docx?fokus=999999").status_code == 404
    assert client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.pdf?fokus=abc").status_code == 404


def test_bad_input_conflict_and_permissions(client, db, world, mon):
    e, sgb2, alo = mon
    client.login("planung@kreis.example")
    r = client.post(f"/monitoring/ausgaben/{e.id}/bericht", data={"title": "", "einleitung": "x", "version": ""})
    assert r.status_code == 422 and "Bitte einen Titel angeben." in r.get_data(as_text=True)
    assert db.session.query(Sozialbericht).count() == 0
    client.post(f"/monitoring/ausgaben/{e.id}/bericht", data={"title": "Erste Fassung", "version": ""})
    report = db.session.query(Sozialbericht).one()
    old = report.version
    client.post(f"/monitoring/ausgaben/{e.id}/bericht", data={"title": "Zweite Fassung", "version": str(old)})
    r = client.post(
        f"/monitoring/ausgaben/{e.id}/bericht",
        data={"title": "Veraltete Fassung", "einleitung": "Mein Text", "version": str(old)},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "Mein Text" in html
    db.session.refresh(report)
    assert report.title == "Zweite Fassung"
    r = client.post(
        f"/monitoring/ausgaben/{e.id}/bericht/handlungsfelder",
        data={"indikator": str(sgb2.id), "handlungsfeld": ["999999"]},
    )
    assert r.status_code == 303
    db.session.refresh(sgb2)
    assert sgb2.handlungsfelder == []
    client.logout()
    client.login("planung@ahlen.example")  # sees the released Kreis edition, may not write its report
    assert client.get(f"/monitoring/ausgaben/{e.id}/bericht").status_code == 200
    assert (
        client.post(f"/monitoring/ausgaben/{e.id}/bericht", data={"title": "Fremd", "version": ""}).status_code == 403
    )
    assert (
        client.post(
            f"/monitoring/ausgaben/{e.id}/bericht/handlungsfelder",
            data={"indikator": str(sgb2.id), "handlungsfeld": [str(world.hf_pflege.id)]},
        ).status_code
        == 403
    )
    client.logout()
    client.login("politik@kreis.example")
    assert client.get(f"/monitoring/ausgaben/{e.id}/sozialbericht.docx").status_code == 404
    with pytest.raises(PermissionDenied):
        svc.save_texts(world.planner_a, e, {"title": "x"})
