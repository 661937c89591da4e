"""Permission matrix: role × action × own/foreign meeting, guessed IDs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services.protokolle import anwesenheit
from beteiligung.services.protokolle import eintraege as svc
from models.protocols import ProtocolEntry

from .test_pages import Switch, entry_form
from .test_services import decision_data, task_data

USERS = {
    "admin": "admin@test.example",
    "planner_k": "planung@kreis.example",
    "planner_a": "planung@ahlen.example",
    "planner_x": "planung@fremd.example",
    "srm_a": "srm@ahlen.example",
    "partner_a": "partner@wohlfahrt.example",
    "partner_b": "partner@jobcenter.example",
    "politik": "politik@kreis.example",
}


def as_user(app, key):
    c = Switch(app.test_client())
    c.login(USERS[key])
    return c


# protocol page of the SPK while the protocol is a draft / after it was sent for approval
DRAFT = {
    "admin": 200,
    "planner_k": 200,
    "planner_a": 403,
    "planner_x": 404,
    "srm_a": 403,
    "partner_a": 403,
    "partner_b": 403,
    "politik": 403,
}
SENT = {
    "admin": 200,
    "planner_k": 200,
    "planner_a": 200,
    "planner_x": 404,
    "srm_a": 200,
    "partner_a": 200,
    "partner_b": 200,
    "politik": 302,
}
EDIT = {
    "admin": 302,
    "planner_k": 302,
    "planner_a": 403,
    "planner_x": 404,
    "srm_a": 403,
    "partner_a": 403,
    "partner_b": 403,
    "politik": 403,
}
HEALTH = {
    "admin": 200,
    "planner_k": 200,
    "planner_a": 200,
    "planner_x": 404,
    "srm_a": 200,
    "partner_a": 403,
    "partner_b": 403,
    "politik": 403,
}


@pytest.mark.parametrize("who", list(USERS))
def test_protocol_visibility_draft_then_sent(app, pw, who):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    c = as_user(app, who)
    url = f"/protokolle/sitzungen/{pw.spk_past.id}/"
    assert c.get(url).status_code == DRAFT[who]
    assert c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/protokoll.pdf").status_code == DRAFT[who]
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=7), svc.get_protocol(pw.spk_past).version
    )
    r = c.get(url)
    assert r.status_code == SENT[who]
    if who == "politik":
        assert r.headers["Location"].endswith(f"/protokolle/sitzungen/{pw.spk_past.id}/kurzfassung")
        assert c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/kurzfassung").status_code == 200
        assert c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/kurzfassung.pdf").status_code == 200
        assert c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/protokoll.pdf").status_code == 403
        assert c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/anwesenheit").status_code == 403
    if who == "planner_x":
        assert c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/kurzfassung").status_code == 404
        assert c.get(f"/protokolle/eintraege/{e.id}").status_code == 404
        assert c.get(f"/protokolle/eintraege/{e.id}/stand").status_code == 404


@pytest.mark.parametrize("who", list(USERS))
def test_who_may_write_entries_and_attendance(app, pw, who):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    c = as_user(app, who)
    r = c.post(f"/protokolle/sitzungen/{pw.spk_past.id}/eintraege", data=entry_form(text="Neu"))
    assert r.status_code == EDIT[who]
    r = c.post(f"/protokolle/eintraege/{e.id}/bearbeiten", data=entry_form(text="Geändert", version=str(e.version)))
    assert r.status_code == EDIT[who]
    r = c.get(f"/protokolle/sitzungen/{pw.spk_past.id}/anwesenheit")
    assert r.status_code == (200 if EDIT[who] == 302 else EDIT[who])
    r = c.post(f"/protokolle/sitzungen/{pw.spk_past.id}/rollen", data={"moderation": str(pw.person_k.id)})
    assert r.status_code == EDIT[who]
    expected = 2 if EDIT[who] == 302 else 1
    assert db.session.scalar(select(func.count()).select_from(ProtocolEntry)) == expected
    db.session.expire_all()
    assert (db.session.get(ProtocolEntry, e.id).text == "Geändert") == (EDIT[who] == 302)


def test_meeting_role_edits_but_cannot_assign_roles_or_approve(app, pw):
    anwesenheit.set_meeting_roles(pw.planner_k, pw.spk_past, {"moderation": pw.person_a.id})
    c = as_user(app, "partner_a")
    assert c.post(f"/protokolle/sitzungen/{pw.spk_past.id}/eintraege", data=entry_form()).status_code == 302
    assert c.post(f"/protokolle/sitzungen/{pw.spk_past.id}/rollen", data={"moderation": ""}).status_code == 403
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=3), svc.get_protocol(pw.spk_past).version
    )
    r = c.post(f"/protokolle/sitzungen/{pw.spk_past.id}/genehmigen", data={"version": "2"})
    assert r.status_code == 403
    assert svc.get_protocol(pw.spk_past).status == "zur_abstimmung"
    # a different meeting of the same committee: no role there
    assert c.post(f"/protokolle/sitzungen/{pw.spk_mid.id}/eintraege", data=entry_form()).status_code == 403


def test_followup_status_owner_vs_others(app, pw):
    t = svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id))
    a = as_user(app, "partner_a")
    # while the protocol is a draft the task does not exist for the owner yet (as in Nachhalten)
    assert a.get(f"/protokolle/eintraege/{t.id}/stand").status_code == 403
    r = a.post(
        f"/protokolle/eintraege/{t.id}/stand", data={"status": "in Arbeit", "note": "", "version": str(t.version)}
    )
    assert r.status_code == 403
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, t.id).status == "offen"
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=3), svc.get_protocol(pw.spk_past).version
    )
    a = as_user(app, "partner_a")
    assert a.get(f"/protokolle/eintraege/{t.id}/stand").status_code == 200
    r = a.post(
        f"/protokolle/eintraege/{t.id}/stand", data={"status": "erledigt", "note": "", "version": str(t.version)}
    )
    assert r.status_code == 422 and "festhalten" in r.get_data(as_text=True)
    b = as_user(app, "partner_b")
    r = b.post(
        f"/protokolle/eintraege/{t.id}/stand", data={"status": "erledigt", "note": "x", "version": str(t.version)}
    )
    assert r.status_code == 403
    r = a.post(
        f"/protokolle/eintraege/{t.id}/stand",
        data={"status": "erledigt", "note": "Sprechstunde läuft", "version": str(t.version)},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, t.id).status == "erledigt"


@pytest.mark.parametrize("who", list(USERS))
def test_health_page_matrix(app, pw, who):
    c = as_user(app, who)
    assert c.get(f"/protokolle/gremien/{pw.spk.id}/gesundheit").status_code == HEALTH[who]


def test_guessed_and_foreign_ids_are_404(app, pw):
    fe = svc.create_entry(pw.planner_x, pw.foreign_meeting, decision_data(text="Fremdbeschluss"))
    c = as_user(app, "planner_k")
    for url in (
        f"/protokolle/sitzungen/{pw.foreign_meeting.id}/",
        "/protokolle/sitzungen/999999/",
        f"/protokolle/sitzungen/{pw.foreign_meeting.id}/anwesenheit",
        f"/protokolle/sitzungen/{pw.foreign_meeting.id}/protokoll.docx",
        f"/protokolle/eintraege/{fe.id}/bearbeiten",
        "/protokolle/eintraege/999999/bearbeiten",
        f"/protokolle/gremien/{pw.foreign.id}/gesundheit",
        "/protokolle/gremien/999999/gesundheit",
    ):
        assert c.get(url).status_code == 404, url
    r = c.post(f"/protokolle/eintraege/{fe.id}/loeschen", data={"version": str(fe.version)})
    assert r.status_code == 404
    assert "Fremdbeschluss" not in c.get("/protokolle/?stand=alle").get_data(as_text=True)
    assert "Fremdbeschluss" not in c.get("/protokolle/beschluesse.csv").get_data(as_text=True)
    x = as_user(app, "planner_x")
    assert "Fremdbeschluss" in x.get("/protokolle/beschluesse.csv").get_data(as_text=True)


def test_followup_list_hides_drafts_from_members(app, pw):
    svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, text="Entwurfsaufgabe"))
    a = as_user(app, "partner_a")
    assert "Entwurfsaufgabe" not in a.get("/protokolle/").get_data(as_text=True)
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=3), svc.get_protocol(pw.spk_past).version
    )
    assert "Entwurfsaufgabe" in a.get("/protokolle/").get_data(as_text=True)
    x = as_user(app, "planner_x")
    assert "Entwurfsaufgabe" not in x.get("/protokolle/").get_data(as_text=True)
