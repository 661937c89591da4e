"""Every converted form works end to end without JavaScript (the test client is a browser without
scripts): search, choose among the matches, save; a guessed or foreign id is a German message at
the field, status 422 and nothing written; the current choice stays shown on edit forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services.gremien import gremien as gremien_svc
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from beteiligung.services.gremien import sitzungen as sitzungen_svc
from models import AuditEntry, CommitteeType, Membership, Person, utcnow
from tests.auswahl.support import field_error, picker_checked, picker_html, picker_options

FOREIGN_MESSAGE = "Diese Person steht hier nicht zur Auswahl"


@pytest.fixture
def committee(world):
    t = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialplanungskonferenz"))
    c = gremien_svc.create_committee(
        world.planner_k, {"name": "SPK Auswahl", "type_id": t.id, "body_id": world.kreis.id, "is_public": False}
    )
    db.session.commit()
    return c


def _members(c):
    db.session.expire_all()
    return sorted(db.session.scalars(select(Membership.person_id).where(Membership.committee_id == c.id)))


def test_member_form_without_javascript(client, world, committee):
    client.login("planung@kreis.example")
    page = client.get(f"/gremien/{committee.id}").get_data(as_text=True)
    # the page carries no person list: the picker is empty until searched
    assert "Arndt" not in page and "Brandt" not in page
    assert picker_options(page, "m-person_id") == {}
    url = f"/gremien/{committee.id}/mitglieder"
    # 1. search: the form comes back with the matches, nothing written
    r = client.post(url, data={"m-person_id-q": "brandt", "m-person_id-suchen": "1", "m-role": "Vorsitz"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert picker_options(html, "m-person_id") == {str(world.person_b.id): "Brandt, Bernd (Jobcenter Beckum)"}
    assert 'value="Vorsitz"' in html  # the user's other input is kept
    assert "1 Treffer für „brandt“" in html
    assert _members(committee) == []
    # 2. choose among the matches and save
    r = client.post(
        url,
        data={"m-person_id": world.person_b.id, "m-circle": "Kernkreis", "m-role": "Vorsitz", "m-deputy_id": ""},
    )
    assert r.status_code == 303
    assert _members(committee) == [world.person_b.id]
    # 3. the edit form shows the current person by name
    ms = db.session.scalar(select(Membership).where(Membership.committee_id == committee.id))
    html = client.get(f"/gremien/mitgliedschaft/{ms.id}/bearbeiten").get_data(as_text=True)
    assert picker_options(html, "m-person_id") == {str(world.person_b.id): "Brandt, Bernd (Jobcenter Beckum)"}
    assert picker_checked(html, "m-person_id") == [str(world.person_b.id)]
    assert picker_checked(html, "m-organisation_id") == [str(world.org_b.id)]


@pytest.mark.parametrize("field", ["m-person_id", "m-deputy_id", "m-organisation_id"])
def test_member_form_refuses_foreign_and_guessed_ids(client, world, committee, field):
    client.login("planung@kreis.example")
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    foreign = world.org_x.id if field == "m-organisation_id" else world.person_x.id
    for bad in (foreign, 987654):
        data = {"m-person_id": world.person_a.id, "m-circle": "Kernkreis", field: bad}
        r = client.post(f"/gremien/{committee.id}/mitglieder", data=data)
        assert r.status_code == 422
        html = r.get_data(as_text=True)
        assert "steht hier nicht zur Auswahl" in field_error(html, field)
        assert "Xander" not in html and "Fremder Träger" not in html
    assert _members(committee) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_member_search_too_short_and_odd_input(client, world, committee):
    client.login("planung@kreis.example")
    url = f"/gremien/{committee.id}/mitglieder"
    for q, message in (
        ("a", "mindestens 2 Zeichen"),
        ("x" * 150, "zu lang"),
        ("%%", "mindestens 2 Zeichen"),
        ("zq_%", "Keine Treffer"),
    ):
        r = client.post(url, data={"m-person_id-q": q, "m-person_id-suchen": "1"})
        assert r.status_code == 200
        assert message in picker_html(r.get_data(as_text=True), "m-person_id")
    r = client.post(url, data={"m-person_id": "abc", "m-circle": "Kernkreis"})
    assert r.status_code == 422 and "Ungültige Auswahl" in r.get_data(as_text=True)


def test_partner_cannot_use_the_member_form_or_see_foreign_persons(client, world, committee):
    client.login("partner@wohlfahrt.example")
    r = client.post(f"/gremien/{committee.id}/mitglieder", data={"m-person_id-q": "an", "m-person_id-suchen": "1"})
    assert r.status_code in (403, 404)


def _meeting(committee, world):
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    m = sitzungen_svc.create_meetings(
        world.planner_k, committee, {"title": "Sitzung", "start": start, "end": start + timedelta(hours=2)}
    )[0]
    mitglieder_svc.add_membership(world.planner_k, committee, {"person_id": world.person_a.id, "circle": "Kernkreis"})
    db.session.commit()
    return m


def test_invitation_form_without_javascript(client, world, committee):
    m = _meeting(committee, world)
    client.login("planung@kreis.example")
    url = f"/gremien/sitzungen/{m.id}/einladen"
    html = client.get(url).get_data(as_text=True)
    assert "<select" not in html.split('id="einladen"')[1].split("</form>")[0]  # no Ctrl-click lists any more
    assert 'type="checkbox"' in html and "Brandt" not in html
    # search a guest, tick, check the list: the confirmation comes first, next to its button
    r = client.post(url, data={"person_ids-q": "brandt", "person_ids-suchen": "1", "circles": "Kernkreis"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert picker_options(html, "person_ids") == {str(world.person_b.id): "Brandt, Bernd (Jobcenter Beckum)"}
    assert "Bestätigung" not in html
    r = client.post(url, data={"schritt": "pruefen", "person_ids": world.person_b.id})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Bestätigung: 2 Einladungen versenden" in html
    assert html.index("Jetzt 2 Einladungen versenden") < html.index(
        "Wer wird eingeladen?" if "Wer wird" in html else "Auswahl ändern</h2>"
    )
    assert picker_checked(html, "person_ids") == [str(world.person_b.id)]
    # a foreign person id → message at the field, 422, nothing sent
    r = client.post(
        url, data={"schritt": "senden", "anzahl": "2", "person_ids": [world.person_b.id, world.person_x.id]}
    )
    assert r.status_code == 422
    assert FOREIGN_MESSAGE in field_error(r.get_data(as_text=True), "person_ids")
    assert "Xander" not in r.get_data(as_text=True)
    from models import Invitation

    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    r = client.post(url, data={"schritt": "senden", "anzahl": "2", "person_ids": world.person_b.id})
    assert r.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_take_over_members_from_organisation_role_and_committee(client, world, committee):
    extra = Person(body=world.kommune_a, first_name="Emil", last_name="Ehrlich", organisation=world.org_a)
    db.session.add(extra)
    db.session.commit()
    mitglieder_svc.add_membership(world.planner_k, committee, {"person_id": world.person_a.id, "circle": "Kernkreis"})
    db.session.commit()
    client.login("planung@kreis.example")
    url = f"/auswahl/gremien/{committee.id}/mitglieder"
    assert client.get(url).status_code == 200
    # from an organisation: preview lists the new person, skips the member
    r = client.post(url, data={"quelle": "organisation", "organisation_id": world.org_a.id, "circle": "Kernkreis"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Vorschau: 1 Person aus Wohlfahrt Ahlen e. V." in html
    assert "Ehrlich, Emil" in html and "Bereits Mitglied (werden übersprungen): Anke Arndt" in html
    assert _members(committee) == [world.person_a.id]  # a preview writes nothing
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    r = client.post(
        url,
        data={
            "quelle": "organisation",
            "organisation_id": world.org_a.id,
            "circle": "erweiterter Kreis",
            "schritt": "uebernehmen",
            "person_ids": [extra.id, world.person_a.id],
        },
    )
    assert r.status_code == 303
    assert _members(committee) == sorted([world.person_a.id, extra.id])
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before + 1
    page = client.get(f"/gremien/{committee.id}").get_data(as_text=True)
    assert "1 Mitglied wurde aufgenommen. Bereits Mitglied (übersprungen): Anke Arndt." in page
    # from another committee: the members of this one into a new committee
    t = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Werkstatt"))
    other = gremien_svc.create_committee(
        world.planner_k, {"name": "Werkstatt Auswahl", "type_id": t.id, "body_id": world.kreis.id}
    )
    db.session.commit()
    r = client.post(
        f"/auswahl/gremien/{other.id}/mitglieder",
        data={
            "quelle": "gremium",
            "gremium_id": committee.id,
            "circle": "Kernkreis",
            "schritt": "uebernehmen",
            "person_ids": [extra.id, world.person_a.id],
        },
    )
    assert r.status_code == 303
    assert _members(other) == sorted([world.person_a.id, extra.id])
    # from a role: the partner users' persons
    third = gremien_svc.create_committee(
        world.planner_k, {"name": "Dritte Runde", "type_id": t.id, "body_id": world.kreis.id}
    )
    db.session.commit()
    r = client.post(
        f"/auswahl/gremien/{third.id}/mitglieder", data={"quelle": "rolle", "rolle": "partner", "circle": "Kernkreis"}
    )
    html = r.get_data(as_text=True)
    assert "Vorschau: 2 Personen aus Rolle Partner" in html


def test_take_over_refuses_guessed_ids_and_foreign_sources(client, world, committee):
    client.login("planung@kreis.example")
    url = f"/auswahl/gremien/{committee.id}/mitglieder"
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    # a person who is not in the preview (foreign Kreis) → 422, nothing written
    r = client.post(
        url,
        data={
            "quelle": "organisation",
            "organisation_id": world.org_a.id,
            "circle": "Kernkreis",
            "schritt": "uebernehmen",
            "person_ids": [world.person_a.id, world.person_x.id],
        },
    )
    assert r.status_code == 422 and "passt nicht zur Vorschau" in r.get_data(as_text=True)
    # a foreign organisation → message at the field
    r = client.post(url, data={"quelle": "organisation", "organisation_id": world.org_x.id, "circle": "Kernkreis"})
    assert r.status_code == 422 and "steht hier nicht zur Auswahl" in r.get_data(as_text=True)
    # a committee of the foreign Kreis → not offered, refused
    t = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Werkstatt"))
    foreign = gremien_svc.create_committee(
        world.planner_x, {"name": "Fremd", "type_id": t.id, "body_id": world.fremdkreis.id}
    )
    db.session.commit()
    audit_before += 1  # the foreign committee just created
    r = client.post(url, data={"quelle": "gremium", "gremium_id": foreign.id, "circle": "Kernkreis"})
    assert r.status_code == 422
    r = client.post(url, data={"quelle": "rolle", "rolle": "admin", "circle": "Kernkreis"})
    assert r.status_code == 422
    assert _members(committee) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    # who may not manage the committee: 403; a committee one cannot see: 404
    client.logout()
    client.login("partner@wohlfahrt.example")
    assert client.get(url).status_code in (403, 404)
    client.logout()
    client.login("planung@fremd.example")
    assert client.get(url).status_code == 404


def test_protocol_entry_form_without_javascript(client, world, committee):
    m = _meeting(committee, world)
    m.start = utcnow() - timedelta(days=1)
    m.end = m.start + timedelta(hours=2)
    db.session.commit()
    client.login("planung@kreis.example")
    url = f"/protokolle/sitzungen/{m.id}/eintraege"
    base = {"kind": "Aufgabe", "text": "Raum buchen", "agenda_item_id": "", "decision_mode": "", "due_date": ""}
    r = client.post(url, data=base | {"owner_org_id-q": "jobcenter", "owner_org_id-suchen": "1"})
    assert r.status_code == 200
    assert picker_options(r.get_data(as_text=True), "owner_org_id") == {
        "": "keine",
        str(world.org_b.id): "Jobcenter Beckum",
    }
    r = client.post(url, data=base | {"owner_org_id": world.org_x.id})
    assert r.status_code == 422 and "Diese Organisation steht hier nicht zur Auswahl" in r.get_data(as_text=True)
    r = client.post(url, data=base | {"owner_org_id": world.org_b.id, "owner_person_id": world.person_b.id})
    assert r.status_code == 302
    from models.protocols import ProtocolEntry

    e = db.session.scalar(select(ProtocolEntry))
    assert (e.owner_org_id, e.owner_person_id) == (world.org_b.id, world.person_b.id)
    html = client.get(f"/protokolle/eintraege/{e.id}/bearbeiten").get_data(as_text=True)
    assert picker_checked(html, "owner_person_id") == [str(world.person_b.id)]
    assert "Brandt, Bernd (Jobcenter Beckum)" in picker_html(html, "owner_person_id")
    # edit: search without JavaScript keeps the text, saves nothing
    r = client.post(
        f"/protokolle/eintraege/{e.id}/bearbeiten",
        data=base
        | {
            "text": "Raum buchen (neu)",
            "version": e.version,
            "owner_person_id-q": "arndt",
            "owner_person_id-suchen": "1",
        },
    )
    assert r.status_code == 200 and "Raum buchen (neu)" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, e.id).text == "Raum buchen"


def test_contract_party_and_relation_without_javascript(client, world):
    from models.network import Relation

    client.login("planung@kreis.example")
    r = client.post(
        "/netzwerk/beziehungen/neu", data={"source-q": "ahlen", "source-suchen": "1", "body_id": world.kreis.id}
    )
    assert r.status_code == 200
    offered = picker_options(r.get_data(as_text=True), "source")
    assert offered[f"org:{world.org_a.id}"] == "Wohlfahrt Ahlen e. V."
    assert f"person:{world.person_a.id}" in offered  # consent given
    r = client.post("/netzwerk/beziehungen/neu", data={"source-q": "brandt", "source-suchen": "1"})
    assert picker_options(r.get_data(as_text=True), "source") == {}  # no consent: not in the network
    r = client.post(
        "/netzwerk/beziehungen/neu",
        data={
            "body_id": world.kreis.id,
            "source": f"org:{world.org_a.id}",
            "target": f"org:{world.org_x.id}",
            "kind_id": 1,
            "strength": "2",
            "visibility": "kreis",
        },
    )
    assert r.status_code == 422 and "steht hier nicht zur Auswahl" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Relation)) == 0
    r = client.post("/netzwerk/beziehungen/neu", data={"source": "org:abc"})
    assert r.status_code == 422 and "Ungültige Auswahl" in r.get_data(as_text=True)


def test_contract_party_without_javascript(client, world):
    from models.contracts import ContractParty
    from tests.kontrakte.conftest import make_contract

    k = make_contract(world, status="Entwurf")
    client.login("planung@kreis.example")
    page = client.get(f"/kontrakte/{k.contract.id}").get_data(as_text=True)
    assert "Jobcenter Beckum" not in picker_html(page, "organisation_id")
    url = f"/kontrakte/{k.contract.id}/parteien"
    r = client.post(url, data={"organisation_id-q": "jobc", "organisation_id-suchen": "1", "role": "Auftraggeber"})
    assert r.status_code == 200
    assert picker_options(r.get_data(as_text=True), "organisation_id") == {
        "": "keine",
        str(world.org_b.id): "Jobcenter Beckum",
    }
    r = client.post(url, data={"organisation_id": world.org_x.id, "role": "Auftraggeber"})
    assert r.status_code == 422 and "Diese Organisation steht hier nicht zur Auswahl" in r.get_data(as_text=True)
    count = db.session.scalar(select(func.count()).select_from(ContractParty))
    r = client.post(url, data={"organisation_id": world.org_b.id, "role": "Auftraggeber"})
    assert r.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ContractParty)) == count + 1


def test_attendance_pickers_without_javascript(client, world, committee):
    from models.protocols import Attendance

    m = _meeting(committee, world)
    m.start = utcnow() - timedelta(hours=3)
    m.end = m.start + timedelta(hours=2)
    db.session.commit()
    client.login("planung@kreis.example")
    url = f"/protokolle/sitzungen/{m.id}/anwesenheit"
    page = client.get(url).get_data(as_text=True)
    pid = world.person_a.id
    assert "Brandt" not in page  # no person list in any row
    assert picker_checked(page, f"organisation_{pid}") == [str(world.org_a.id)]
    version = re.search(r'name="attendance_version" value="(\d+)"', page).group(1)
    base = {"person_id": [str(pid)], f"status_{pid}": "entschuldigt", "attendance_version": version}
    # search a deputy without JavaScript: the list again with the matches, nothing written
    r = client.post(url, data=base | {f"deputy_{pid}-q": "brandt", f"deputy_{pid}-suchen": "1"})
    assert r.status_code == 200
    assert picker_options(r.get_data(as_text=True), f"deputy_{pid}") == {
        "": "keine",
        str(world.person_b.id): "Brandt, Bernd (Jobcenter Beckum)",
    }
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    # a foreign deputy → message in the row, 422, nothing written
    r = client.post(url, data=base | {f"deputy_{pid}": world.person_x.id})
    assert r.status_code == 422 and FOREIGN_MESSAGE in r.get_data(as_text=True)
    assert "Xander" not in r.get_data(as_text=True)
    r = client.post(url, data=base | {"add_person_id": world.person_x.id})
    assert r.status_code == 422 and FOREIGN_MESSAGE in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    # the chosen deputy and an added person are saved
    r = client.post(url, data=base | {f"deputy_{pid}": world.person_b.id, f"organisation_{pid}": world.org_a.id})
    assert r.status_code == 302
    a = db.session.scalar(select(Attendance).where(Attendance.person_id == pid))
    assert a.deputy_id == world.person_b.id
    page = client.get(url).get_data(as_text=True)
    assert picker_checked(page, f"deputy_{pid}") == [str(world.person_b.id)]


def test_followup_filters_are_pickers(client, world, committee):
    client.login("planung@kreis.example")
    html = client.get("/protokolle/").get_data(as_text=True)
    assert "Brandt" not in html and "Jobcenter Beckum" not in html
    r = client.get("/protokolle/", query_string={"person-q": "brandt", "person-suchen": "1"})
    assert r.status_code == 200
    assert picker_options(r.get_data(as_text=True), "person") == {
        "": "alle",
        str(world.person_b.id): "Brandt, Bernd (Jobcenter Beckum)",
    }
    html = client.get("/protokolle/", query_string={"person": world.person_b.id}).get_data(as_text=True)
    assert picker_checked(html, "person") == [str(world.person_b.id)]
    # a foreign id filters to nothing and shows no name
    html = client.get("/protokolle/", query_string={"person": world.person_x.id}).get_data(as_text=True)
    assert "Xander" not in html
    client.logout()
    client.login("politik@kreis.example")
    html = client.get("/protokolle/").get_data(as_text=True)
    assert 'data-auswahl-name="person"' not in html


def test_list_filters_are_pickers(client, world):
    client.login("planung@kreis.example")
    for url, param in (("/stammdaten/personen/", "organisation"), ("/kontrakte/", "partner")):
        html = client.get(url).get_data(as_text=True)
        assert "Jobcenter Beckum" not in picker_html(html, param) and "<option" not in picker_html(html, param)
        r = client.get(url, query_string={f"{param}-q": "jobc", f"{param}-suchen": "1"})
        assert picker_options(r.get_data(as_text=True), param) == {"": "alle", str(world.org_b.id): "Jobcenter Beckum"}
    html = client.get("/stammdaten/personen/", query_string={"organisation": world.org_b.id}).get_data(as_text=True)
    assert "Brandt" in html and "Arndt" not in html
    assert picker_checked(html, "organisation") == [str(world.org_b.id)]
