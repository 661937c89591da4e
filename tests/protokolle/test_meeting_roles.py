"""Meeting roles stored once (issue 11): a MeetingRole row holds a person (with or without an account) or a
name; the account linked to the person edits the protocol; the meeting page, the invitation and the protocol
show the same holders."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import ValidationError
from beteiligung.services.gremien.dokumente import invitation_docx
from beteiligung.services.protokolle import anwesenheit
from models.protocols import MeetingRole
from tests.auswahl.support import picker_html, picker_options


def _roles(meeting):
    db.session.expire(meeting, ["protocol_roles"])
    return {r.role: (r.person_id, r.name) for r in meeting.protocol_roles}


def test_person_role_gives_the_linked_account_edit_rights_a_name_does_not(pw):
    m = pw.spk_past
    assert not perm.can_edit_protocol(pw.partner_a, m)
    anwesenheit.set_meeting_roles(pw.planner_k, m, {"protokollfuehrung": pw.person_a.id})
    assert perm.can_edit_protocol(pw.partner_a, m)
    assert not perm.can_approve_protocol(pw.partner_a, m)
    # the same role now held by a name only: nobody gets rights from it
    anwesenheit.set_meeting_roles(
        pw.planner_k, m, {"protokollfuehrung": None}, {"protokollfuehrung": "Schriftführung extern"}
    )
    assert _roles(m) == {"protokollfuehrung": (None, "Schriftführung extern")}
    assert not perm.can_edit_protocol(pw.partner_a, m)
    # a person without an account can hold a role (and gives no account rights)
    anwesenheit.set_meeting_roles(pw.planner_k, m, {"sitzungsleitung": pw.person_k.id})
    assert _roles(m)["sitzungsleitung"] == (pw.person_k.id, None)
    assert m.role_holders == [("Sitzungsleitung", "Karla Kreis"), ("Protokollführung", "Schriftführung extern")]
    # clearing removes the row
    anwesenheit.set_meeting_roles(pw.planner_k, m, {"sitzungsleitung": None, "protokollfuehrung": None})
    assert _roles(m) == {}


def test_role_holders_must_be_visible_persons_and_one_of_person_or_name(pw):
    m = pw.srk_past
    cases = [
        ({"moderation": pw.person_x.id}, {}),  # a person of a foreign Kreis
        ({"moderation": 999999}, {}),  # a guessed id
        ({"moderation": pw.person_a.id}, {"moderation": "Auch ein Name"}),  # both
        ({}, {"moderation": "x" * 201}),
        ({"vorsitz": pw.person_a.id}, {}),
    ]  # unknown role
    for persons, names in cases:
        with pytest.raises(ValidationError):
            anwesenheit.set_meeting_roles(pw.planner_a, m, persons, names)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MeetingRole)) == 0


def test_roles_form_offers_pickable_persons_and_saves_person_and_name(client, pw):
    m = pw.srk_past
    client.login("planung@ahlen.example")
    assert client.get(f"/protokolle/sitzungen/{m.id}/").status_code == 200
    # the picker (views/auswahl) without JavaScript: "Suchen" shows the pickable matches on the page
    page = client.post(
        f"/protokolle/sitzungen/{m.id}/rollen", data={"moderation-q": "a", "moderation-suchen": "1"}
    ).get_data(as_text=True)
    assert "mindestens 2 Zeichen" in picker_html(page, "moderation")
    r = client.post(f"/protokolle/sitzungen/{m.id}/rollen", data={"moderation-q": "an", "moderation-suchen": "1"})
    assert r.status_code == 200
    offered = picker_options(r.get_data(as_text=True), "moderation")
    assert "Arndt, Anke (Wohlfahrt Ahlen e. V.)" in offered.values()
    assert not any("Xander" in label for label in offered.values())
    assert _roles(m) == {}  # a search saves nothing
    r = client.post(
        f"/protokolle/sitzungen/{m.id}/rollen",
        data={
            "sitzungsleitung": str(pw.person_a.id),
            "sitzungsleitung_name": "",
            "moderation": "",
            "moderation_name": "Quartiersbüro Altstadt",
            "protokollfuehrung": "",
            "protokollfuehrung_name": "",
        },
    )
    assert r.status_code == 302
    assert _roles(m) == {"sitzungsleitung": (pw.person_a.id, None), "moderation": (None, "Quartiersbüro Altstadt")}
    # bad input: person and name for the same role → 422 with a German message, nothing changed
    r = client.post(
        f"/protokolle/sitzungen/{m.id}/rollen",
        data={
            "sitzungsleitung": str(pw.person_a.id),
            "sitzungsleitung_name": "Noch jemand",
            "moderation": "",
            "moderation_name": "",
            "protokollfuehrung": "",
            "protokollfuehrung_name": "",
        },
    )
    assert r.status_code == 422 and "entweder eine Person" in r.get_data(as_text=True)
    db.session.rollback()
    assert _roles(m) == {"sitzungsleitung": (pw.person_a.id, None), "moderation": (None, "Quartiersbüro Altstadt")}
    # the meeting page and the invitation show the same holders
    meeting_page = client.get(f"/gremien/sitzungen/{m.id}").get_data(as_text=True)
    assert "Anke Arndt" in meeting_page and "Quartiersbüro Altstadt" in meeting_page
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(invitation_docx(m, internal=True))).paragraphs)
    assert "Sitzungsleitung: Anke Arndt" in text and "Moderation: Quartiersbüro Altstadt" in text
