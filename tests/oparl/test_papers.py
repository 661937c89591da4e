"""Vorlagen: who prepares and sees them, reference numbers, PDF/DOCX, bad input, conflicts."""

from __future__ import annotations

import io

import pytest

from beteiligung.extensions import db
from beteiligung.permissions import oparl as perm
from beteiligung.services import PermissionDenied, ValidationError
from beteiligung.services.oparl import papers
from models import AuditEntry
from models.oparl import Paper, PaperState

from .conftest import make_entry


def test_reference_numbers_count_per_type_and_year(ow):
    w = ow
    year = w.paper.paper_date.year
    assert w.paper.reference == f"BV/{year}/0001"
    assert w.draft.reference == f"EV/{year}/0001"
    e2 = make_entry(w.spk_past, w.spk_past.agenda_items[0], text="Zweiter Beschluss.", addressee=w.ausschuss)
    assert papers.create_paper(w.planner_k, e2).reference == f"BV/{year}/0002"


def test_origin_chain_names_the_forwarded_recommendation(ow):
    from models import TopicProposal

    w = ow
    topic = TopicProposal(
        committee=w.spk,
        title="Sprechstunde Frühe Hilfen",
        source_type="protokolleintrag",
        source_id=w.empfehlung.id,
        agenda_item=w.spk_past.agenda_items[0],
        status="eingeplant",
    )
    db.session.add(topic)
    e2 = make_entry(w.spk_past, w.spk_past.agenda_items[0], text="Dritter Beschluss.", addressee=w.ausschuss)
    chain = papers.origin_chain(e2)
    assert chain[0].startswith("Empfehlung der Sozialraumkonferenz Altstadt") and "weitergeleitet" in chain[0]
    assert chain[-1].startswith("Beschluss der Sozialplanungskonferenz Testhausen")


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("admin", True),
        ("planner_k", True),
        ("planner_a", False),
        ("planner_x", False),
        ("srm_a", False),
        ("partner_a", False),
        ("politik", False),
    ],
)
def test_who_may_prepare_a_paper_from_the_kreis_decision(ow, who, allowed):
    w = ow
    e2 = make_entry(w.spk_past, w.spk_past.agenda_items[0], text="Noch ein Beschluss.", addressee=w.ausschuss)
    user = getattr(w, who)
    assert perm.can_prepare_paper(user, e2) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            papers.create_paper(user, e2)


def test_only_entries_for_resolution_become_papers(ow):
    w = ow
    info = make_entry(w.spk_past, None, kind="Information", text="Nur zur Kenntnis.", addressee=w.ausschuss)
    no_res = make_entry(w.spk_past, None, text="Intern.", addressee=w.ausschuss, for_resolution=False)
    for e in (info, no_res):
        assert not perm.can_prepare_paper(w.admin, e)
    with pytest.raises(ValidationError):
        papers.create_paper(w.planner_k, w.beschluss)  # already has one


def test_draft_is_private_published_is_public(client, ow):
    w = ow
    assert client.get(f"/oparl/v1/vorlagen/{w.draft.id}").status_code == 404
    page = client.get(f"/oparl/v1/vorlagen/{w.paper.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert w.paper.reference in html and "Wie es dazu kam" in html and "Bearbeiten" not in html
    client.login("partner@wohlfahrt.example")
    assert client.get(f"/oparl/v1/vorlagen/{w.draft.id}").status_code == 404
    assert client.get("/oparl/v1/vorlagen/").status_code == 403
    client.logout()
    client.login("planung@ahlen.example")
    html = client.get(f"/oparl/v1/vorlagen/{w.draft.id}").get_data(as_text=True)
    assert "Entwurf" in html and "Veröffentlichen" in html
    assert client.get(f"/oparl/v1/vorlagen/{w.draft.id}/entwurf.pdf").data.startswith(b"%PDF")
    assert client.get(f"/oparl/v1/vorlagen/{w.draft.id}/entwurf.docx").data.startswith(b"PK")
    assert client.get(f"/oparl/v1/vorlagen/{w.draft.id}/entwurf.exe").status_code == 404


def test_staff_list_create_edit_publish_withdraw(client, ow):
    w = ow
    e2 = make_entry(w.spk_past, w.spk_past.agenda_items[0], text="Vierter Beschluss.", addressee=w.ausschuss)
    db.session.commit()
    client.login("planung@kreis.example")
    html = client.get("/oparl/v1/vorlagen/").get_data(as_text=True)
    assert w.paper.reference in html and "Vierter Beschluss." in html and w.draft.reference not in html
    r = client.post(f"/oparl/v1/vorlagen/neu/{e2.id}", data={})
    assert r.status_code == 303
    p = db.session.query(Paper).filter_by(protocol_entry_id=e2.id).one()
    r = client.post(
        f"/oparl/v1/vorlagen/{p.id}/bearbeiten",
        data={"name": "Neuer Titel", "text": "Neuer Text", "version": p.version},
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert p.name == "Neuer Titel"
    r = client.post(f"/oparl/v1/vorlagen/{p.id}/veroeffentlichen", data={"version": p.version})
    assert r.status_code == 303
    db.session.expire_all()
    assert p.state == PaperState.VEROEFFENTLICHT and len(p.files) == 2
    import docx
    from pypdf import PdfReader

    pdf = next(f for f in p.files if f.is_main)
    assert "Neuer Text" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    word = next(f for f in p.files if not f.is_main)
    assert any("Neuer Text" in para.text for para in docx.Document(io.BytesIO(word.data)).paragraphs)
    # published: no more edits
    r = client.post(f"/oparl/v1/vorlagen/{p.id}/bearbeiten", data={"name": "X", "text": "Y", "version": p.version})
    assert r.status_code == 422
    r = client.post(f"/oparl/v1/vorlagen/{p.id}/zurueckziehen", data={"version": p.version})
    assert r.status_code == 303
    db.session.expire_all()
    assert p.state == PaperState.ENTWURF
    assert db.session.query(AuditEntry).filter(AuditEntry.summary.like(f"Vorlage {p.reference}%")).count() == 4


def test_bad_input_and_conflict_keep_the_form_and_write_nothing(client, ow):
    w = ow
    client.login("planung@ahlen.example")
    url = f"/oparl/v1/vorlagen/{w.draft.id}/bearbeiten"
    r = client.post(url, data={"name": "", "text": "Text bleibt", "version": w.draft.version})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Bitte einen Titel angeben." in html and "Text bleibt" in html
    r = client.post(url, data={"name": "x" * 301, "text": "T", "version": w.draft.version})
    assert r.status_code == 422
    r = client.post(url, data={"name": "Mein Titel", "text": "Mein Text", "version": w.draft.version - 1})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Mein Titel" in html and "Mein Text" in html
    db.session.expire_all()
    assert w.draft.name != "Mein Titel"
    r = client.post(f"/oparl/v1/vorlagen/{w.draft.id}/veroeffentlichen", data={"version": "kaputt"})
    assert r.status_code == 409
    db.session.expire_all()
    assert w.draft.state == PaperState.ENTWURF and w.draft.files == []


def test_foreign_planner_cannot_touch_papers(client, ow):
    w = ow
    client.login("planung@fremd.example")
    assert client.get(f"/oparl/v1/vorlagen/{w.draft.id}/bearbeiten").status_code == 404
    assert (
        client.post(f"/oparl/v1/vorlagen/{w.paper.id}/zurueckziehen", data={"version": w.paper.version}).status_code
        == 404
    )
    assert client.post(f"/oparl/v1/vorlagen/neu/{w.beschluss.id}", data={}).status_code == 404
    db.session.expire_all()
    assert w.paper.state == PaperState.VEROEFFENTLICHT


def test_publication_consent_cli(app, ow):
    w = ow
    runner = app.test_cli_runner()
    r = runner.invoke(args=["oparl", "veroeffentlichung", str(w.person_b.id), "--datum", "01.02.2026"])
    assert r.exit_code == 0 and "erteilt" in r.output
    client = app.test_client()
    data = client.get(f"/oparl/v1/person/{w.person_b.id}").get_json()
    assert data["name"] == "Bernd Brandt" and "email" not in data
    r = runner.invoke(args=["oparl", "veroeffentlichung", str(w.person_b.id), "--widerrufen"])
    assert r.exit_code == 0
    assert client.get(f"/oparl/v1/person/{w.person_b.id}").get_json()["deleted"] is True
    r = runner.invoke(args=["oparl", "veroeffentlichung", "999999"])
    assert r.exit_code == 1 and "gibt es nicht" in r.output
    r = runner.invoke(args=["oparl", "veroeffentlichung", str(w.person_b.id), "--datum", "morgen"])
    assert r.exit_code == 2


def test_staff_list_query_count_is_constant(client, ow):
    from tests.support.queries import count_queries

    w = ow
    client.login("planung@kreis.example")

    def count():
        client.get("/oparl/v1/vorlagen/").close()
        with count_queries(db.engine) as c:
            assert client.get("/oparl/v1/vorlagen/").status_code == 200
        return c.count

    before = count()
    for i in range(6):
        e = make_entry(w.spk_past, w.spk_past.agenda_items[0], text=f"Beschluss {i}.", addressee=w.ausschuss)
        papers.create_paper(w.planner_k, e)
    db.session.commit()
    assert count() == before
