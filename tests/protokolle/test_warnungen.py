"""Issue 15, domain fixes in the protocol: deputies only for absent members, warnings (not blocks) before the
meeting date and for decisions without anybody present or without quorum, short editable titles for forwarded
topics, the Kurzfassung of a Sozialraumkonferenz with its recommendations."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services.protokolle import anwesenheit, ausgaben
from beteiligung.services.protokolle import eintraege as svc
from models import Membership, TopicProposal
from models.protocols import Attendance, ProtocolEntry

from .test_pages import entry_form, html


def _version(page: str) -> str:
    return re.search(r'name="attendance_version" value="(\d+)"', page).group(1)


def _attendance_post(pw, meeting, page, **extra):
    data = {
        "person_id": [str(pw.person_a.id), str(pw.person_b.id), str(pw.person_k.id)],
        f"status_{pw.person_a.id}": "anwesend",
        f"status_{pw.person_b.id}": "entschuldigt",
        f"status_{pw.person_k.id}": "anwesend",
        "attendance_version": _version(page),
    }
    data.update(extra)
    return data


def test_standing_deputy_is_not_prefilled_and_only_absent_members_are_represented(client, pw):
    m = pw.spk_mid  # no invitations: the rows come from the memberships
    membership = db.session.scalar(
        select(Membership).where(Membership.committee_id == pw.spk.id, Membership.person_id == pw.person_b.id)
    )
    membership.deputy = pw.person_k
    db.session.commit()
    rows = {r["person"].id: r for r in anwesenheit.attendance_rows(m)}
    assert rows[pw.person_b.id]["deputy_id"] is None
    assert rows[pw.person_b.id]["standing_deputy_id"] == pw.person_k.id

    client.login("planung@kreis.example")
    page = html(client.get(f"/protokolle/sitzungen/{m.id}/anwesenheit"))
    assert "nur bei Abwesenheit; ständige Vertretung: Kreis, Karla" in page
    assert not re.search(rf'name="deputy_{pw.person_b.id}".*?<option value="{pw.person_k.id}" selected', page, re.S)
    # a present member with a deputy: German message at the field, nothing written
    data = _attendance_post(pw, m, page, **{f"deputy_{pw.person_a.id}": str(pw.person_k.id)})
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data=data)
    assert r.status_code == 422
    assert "Vertretung durch: Wer anwesend ist, wird nicht vertreten." in html(r)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    # the excused member with a deputy: counted once as "mit Vertretung"
    data = _attendance_post(pw, m, page, **{f"deputy_{pw.person_b.id}": str(pw.person_k.id)})
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data=data)
    assert r.status_code == 302
    summary = anwesenheit.attendance_summary([m.id])[m.id]
    assert (summary["anwesend"], summary["entschuldigt"], summary["vertreten"]) == (2, 1, 1)
    assert "davon mit Vertretung 1" in html(client.get(f"/protokolle/sitzungen/{m.id}/"))


def test_summary_counts_a_deputy_of_a_present_member_not(pw):
    """Older data may hold a deputy on a present member: it is not counted as represented."""
    m = pw.spk_past
    db.session.add_all(
        [
            Attendance(meeting=m, person=pw.person_a, status="anwesend", deputy=pw.person_k),
            Attendance(meeting=m, person=pw.person_b, status="abwesend", deputy=pw.person_k),
        ]
    )
    db.session.flush()
    assert anwesenheit.attendance_summary([m.id])[m.id]["vertreten"] == 1


def test_attendance_before_the_meeting_day_warns_and_saves_after_confirmation(client, pw):
    m = pw.spk_next
    client.login("planung@kreis.example")
    page = html(client.get(f"/protokolle/sitzungen/{m.id}/anwesenheit"))
    data = _attendance_post(pw, m, page)
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data=data)
    assert r.status_code == 422
    body = html(r)
    assert "Die Sitzung findet erst am" in body and "Die Anwesenheit erfassen schon vorher?" in body
    assert 'name="confirm_warning"' in body and "Bitte prüfen Sie die markierten Zeilen" not in body
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data={**data, "confirm_warning": "y"})
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 3
    # a past meeting needs no confirmation
    assert anwesenheit.early_warning(pw.spk_past, "Die Anwesenheit erfassen") is None


def test_decision_without_anybody_present_or_without_quorum_warns(client, pw):
    m = pw.spk_past  # quorum 2, nobody recorded
    client.login("planung@kreis.example")
    url = f"/protokolle/sitzungen/{m.id}/eintraege"
    r = client.post(url, data=entry_form(confirm_warning=""))
    assert r.status_code == 422
    assert "Für diese Sitzung ist niemand als anwesend erfasst." in html(r)
    assert db.session.scalar(select(func.count()).select_from(ProtocolEntry)) == 0
    # other kinds of entries need no confirmation
    r = client.post(url, data=entry_form(kind="Information", confirm_warning="", decision_mode=""))
    assert r.status_code == 302
    # one present, quorum 2: not quorate
    anwesenheit.save_attendance(pw.planner_k, m, [{"person_id": pw.person_a.id, "status": "anwesend"}])
    db.session.commit()
    r = client.post(url, data=entry_form(confirm_warning=""))
    assert r.status_code == 422
    assert "Das Gremium ist nicht beschlussfähig: 1 anwesend, 2 nötig." in html(r)
    r = client.post(url, data=entry_form(confirm_warning="y"))
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).where(ProtocolEntry.kind == "Beschluss")) == 1
    # quorum reached: no warning
    anwesenheit.save_attendance(
        pw.planner_k,
        m,
        [{"person_id": pw.person_a.id, "status": "anwesend"}, {"person_id": pw.person_b.id, "status": "anwesend"}],
    )
    assert anwesenheit.decision_warning(m) is None


def test_short_title_is_the_first_sentence_within_80_characters():
    assert svc.short_title("Mehr Familienhebammen. Begründung: lange Wartezeiten.") == "Mehr Familienhebammen"
    assert svc.short_title("Erste Zeile\n\nZweite Zeile") == "Erste Zeile"
    long = "Die Konferenz empfiehlt " + "sehr " * 30 + "viel."
    title = svc.short_title(long)
    assert len(title) <= 80 and title.endswith("…") and title.startswith("Die Konferenz empfiehlt sehr")
    assert svc.short_title("**Wichtig**: Spielplatz sanieren!") == "Wichtig: Spielplatz sanieren!"


def test_forwarded_topic_gets_an_editable_short_title_and_the_text_as_description(client, pw):
    text = (
        "Die Sozialraumkonferenz empfiehlt eine Sprechstunde des Jobcenters im Quartiersbüro. "
        "Viele Familien erreichen das Jobcenter nicht; eine Sprechstunde vor Ort senkt die Schwelle."
    )
    src = svc.create_entry(
        pw.srm_a, pw.srk_past, {"kind": "Empfehlung", "text": text, "agenda_item_id": pw.srk_past.agenda_items[0].id}
    )
    db.session.commit()
    client.login("srm@ahlen.example")
    page = html(client.get(f"/protokolle/eintraege/{src.id}/weiterleiten"))
    assert "Kurztitel des Themas" in page
    assert 'value="Die Sozialraumkonferenz empfiehlt eine Sprechstunde des Jobcenters im…"' in page
    r = client.post(
        f"/protokolle/eintraege/{src.id}/weiterleiten",
        data={"committee_id": str(pw.spk.id), "title": "Jobcenter-Sprechstunde im Quartier"},
    )
    assert r.status_code == 302
    topic = db.session.scalar(select(TopicProposal))
    assert topic.title == "Jobcenter-Sprechstunde im Quartier" and topic.description == text


def test_forwarding_before_the_meeting_day_warns(client, pw):
    src = svc.create_entry(pw.planner_k, pw.spk_next, {"kind": "Empfehlung", "text": "Mehr Schulsozialarbeit."})
    db.session.commit()
    client.login("planung@kreis.example")
    url = f"/protokolle/eintraege/{src.id}/weiterleiten"
    r = client.post(url, data={"committee_id": str(pw.srk.id), "title": ""})
    assert r.status_code == 422 and "Weiterleiten schon vorher?" in html(r)
    assert db.session.scalar(select(func.count()).select_from(TopicProposal)) == 0
    r = client.post(url, data={"committee_id": str(pw.srk.id), "title": "", "confirm_warning": "y"})
    assert r.status_code == 302
    assert db.session.scalar(select(TopicProposal.title)) == "Mehr Schulsozialarbeit"


def test_kurzfassung_of_a_sozialraumkonferenz_lists_its_recommendations(client, pw):
    svc.create_entry(
        pw.srm_a,
        pw.srk_past,
        {"kind": "Empfehlung", "text": "Ein Familienzentrum in der Altstadt.", "agenda_item_id": None},
    )
    db.session.commit()
    client.login("srm@ahlen.example")
    page = html(client.get(f"/protokolle/sitzungen/{pw.srk_past.id}/kurzfassung"))
    assert "Empfehlungen" in page and "Ein Familienzentrum in der Altstadt." in page
    assert "Keine Beschlüsse" not in page
    ctx = ausgaben.protocol_context(pw.srk_past)
    assert [e.text for e in ctx["recommendations"]] == ["Ein Familienzentrum in der Altstadt."]


def test_kurzfassung_pdf_lists_the_recommendations(app, pw):
    from flask import render_template

    svc.create_entry(pw.srm_a, pw.srk_past, {"kind": "Empfehlung", "text": "Ein Familienzentrum in der Altstadt."})
    db.session.flush()
    with app.test_request_context():
        html_text = render_template("protokolle/print_short.html", **ausgaben.protocol_context(pw.srk_past))
    assert "Empfehlung, Allgemein" in html_text or "<strong>Empfehlung" in html_text
    assert "Ein Familienzentrum in der Altstadt." in html_text and "Keine Beschlüsse" not in html_text
    assert ausgaben.protocol_pdf(pw.srk_past, short=True).startswith(b"%PDF")
