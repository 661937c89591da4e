"""Permission matrix: role × action × own/foreign committee; guessed IDs → 404, forbidden actions → 403."""

from __future__ import annotations

import pytest

from beteiligung import permissions as perm
from beteiligung.services.gremien import gremien as gremien_svc

from .conftest import switch_user

EMAILS = {
    "admin": "admin@test.example",
    "planner_k": "planung@kreis.example",
    "planner_a": "planung@ahlen.example",
    "planner_x": "planung@fremd.example",
    "srm_a": "srm@ahlen.example",
    "partner_a": "partner@wohlfahrt.example",
    "partner_b": "partner@jobcenter.example",
    "politik": "politik@kreis.example",
}

# who sees (200) / manages the SPK of Kreis Testhausen (partner_a and partner_b are members)
SPK_VIEW = {
    "admin": 200,
    "planner_k": 200,
    "planner_a": 200,
    "planner_x": 404,
    "srm_a": 200,
    "partner_a": 200,
    "partner_b": 200,
    "politik": 200,
}
SPK_MANAGE = {
    "admin": True,
    "planner_k": True,
    "planner_a": False,
    "planner_x": False,
    "srm_a": False,
    "partner_a": False,
    "partner_b": False,
    "politik": False,
}


@pytest.mark.parametrize("role", list(EMAILS))
def test_committee_and_meeting_pages(client, gw, role):
    client.login(EMAILS[role])
    assert client.get(f"/gremien/{gw.spk.id}").status_code == SPK_VIEW[role]
    assert client.get(f"/gremien/sitzungen/{gw.meeting.id}").status_code == SPK_VIEW[role]
    # the foreign Kreis' committee: only its planner (and admin)
    expected_foreign = 200 if role in ("admin", "planner_x") else 404
    assert client.get(f"/gremien/{gw.foreign.id}").status_code == expected_foreign
    assert client.get(f"/gremien/sitzungen/{gw.foreign_meeting.id}").status_code == expected_foreign
    assert client.get(f"/gremien/sitzungen/{gw.foreign_meeting.id}/einladung.pdf").status_code == expected_foreign
    # guessed ids
    assert client.get("/gremien/999999").status_code == 404
    assert client.get("/gremien/sitzungen/999999").status_code == 404
    # manage actions on the SPK
    edit = client.get(f"/gremien/sitzungen/{gw.meeting.id}/bearbeiten").status_code
    invite = client.get(f"/gremien/sitzungen/{gw.meeting.id}/einladen").status_code
    if SPK_MANAGE[role]:
        assert (edit, invite) == (200, 200)
    else:
        assert (edit, invite) == (SPK_VIEW[role] if SPK_VIEW[role] == 404 else 403,) * 2


def test_partner_sees_only_meetings_of_their_committees(client, gw, db):
    from beteiligung.services.gremien import sitzungen as sitzungen_svc

    t = gw.spk.type_id
    other = gremien_svc.create_committee(
        gw.w.planner_k, {"name": "Steuerungsgruppe intern", "type_id": t, "body_id": gw.w.kreis.id}
    )
    db.session.flush()
    m = sitzungen_svc.create_meetings(
        gw.w.planner_k, other, {"title": "Intern", "start": gw.meeting.start, "end": gw.meeting.end}
    )[0]
    db.session.commit()
    client.login(EMAILS["partner_a"])
    assert client.get(f"/gremien/sitzungen/{m.id}").status_code == 404
    html = client.get("/gremien/").get_data(as_text=True)
    assert "Sozialplanungskonferenz Testhausen" in html and "Steuerungsgruppe intern" not in html
    assert "Sozialraumkonferenz Altstadt" in html  # public
    # a partner who is a member sees the non-public TOP, but not who was invited
    html = client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    assert "Geheime Personalsache" in html and "Einladungen und Antworten" not in html
    # a non-member on a public committee: public TOPs only
    html = client.get(f"/gremien/sitzungen/{gw.srk_meeting.id}").get_data(as_text=True)
    assert "Spielplatz am Markt" in html and "Vertrauliche Fallbesprechung" not in html


def test_manage_posts_forbidden(client, gw, db):
    client.login(EMAILS["partner_a"])
    item = gw.meeting.agenda_items[0]
    assert client.post(f"/gremien/top/{item.id}/verschieben", data={"richtung": "runter"}).status_code == 403
    assert client.post(f"/gremien/sitzungen/{gw.meeting.id}/top", data={"top-title": "X"}).status_code == 403
    assert (
        client.post(
            f"/gremien/sitzungen/{gw.meeting.id}/absagen", data={"a-reason": "x", "a-version": gw.meeting.version}
        ).status_code
        == 403
    )
    assert client.post(f"/gremien/{gw.spk.id}/mitglieder", data={"m-person_id": gw.w.person_x.id}).status_code == 403
    assert client.get("/gremien/neu").status_code == 403
    client = switch_user(client, EMAILS["planner_x"])
    assert client.post(f"/gremien/top/{item.id}/verschieben", data={"richtung": "runter"}).status_code == 404
    assert client.post(f"/gremien/sitzungen/{gw.meeting.id}/erinnern", data={}).status_code == 404
    assert gw.meeting.status == "geplant"


def test_srm_manages_only_committees_of_their_areas(gw, db):
    w = gw.w
    assert perm.can_manage_committee(w.srm_a, gw.srk)
    assert not perm.can_manage_committee(w.srm_a, gw.spk)
    from beteiligung.services import PermissionDenied

    with pytest.raises(PermissionDenied):
        gremien_svc.create_committee(
            w.srm_a, {"name": "Ohne Gebiet", "type_id": gw.spk.type_id, "body_id": w.kommune_a.id, "areas": [w.area_a2]}
        )


def test_topic_permissions(client, gw, db):
    client.login(EMAILS["partner_b"])
    r = client.post(f"/gremien/{gw.spk.id}/themen", data={"t-title": "Übergang Schule–Beruf"})
    assert r.status_code == 303
    client = switch_user(client, EMAILS["politik"])
    html = client.get(f"/gremien/{gw.spk.id}").get_data(as_text=True)
    assert "Themenspeicher" not in html
    assert client.post(f"/gremien/{gw.spk.id}/themen", data={"t-title": "x"}).status_code == 403
