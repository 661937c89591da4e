"""Pages: permission matrix, bad input, guessed ids, query-count guard."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from beteiligung.extensions import db
from models import Organisation, Person
from models.network import PartnerStatus, Relation
from tests.support.queries import assert_constant_queries

from .conftest import add_relation, kind, switch_user

READ_PAGES = [
    "/netzwerk/",
    "/netzwerk/kanten",
    "/netzwerk/daten.json",
    "/netzwerk/abdeckung",
    "/netzwerk/vergleich",
    "/netzwerk/arten",
]


@pytest.mark.parametrize(
    "role,expected",
    [
        ("admin", {"read": 200, "pipeline": 200, "contacts": 200, "create": 200, "import": 200}),
        ("planner_k", {"read": 200, "pipeline": 200, "contacts": 200, "create": 200, "import": 200}),
        ("srm_a", {"read": 200, "pipeline": 200, "contacts": 200, "create": 200, "import": 200}),
        ("partner_a", {"read": 200, "pipeline": 403, "contacts": 200, "create": 403, "import": 403}),
        ("politik", {"read": 200, "pipeline": 403, "contacts": 403, "create": 403, "import": 403}),
    ],
)
def test_permission_matrix(client, net, role, expected):
    client.login(getattr(net, role).email)
    for url in READ_PAGES:
        assert client.get(url).status_code == expected["read"], url
    assert client.get("/netzwerk/partner").status_code == expected["pipeline"]
    assert client.get("/netzwerk/kontakte").status_code == expected["contacts"]
    assert client.get("/netzwerk/beziehungen/neu").status_code == expected["create"]
    assert client.get("/netzwerk/import").status_code == expected["import"]


def test_anonymous_is_sent_to_login(client, net):
    r = client.get("/netzwerk/")
    assert r.status_code in (302, 401)


def test_guessed_ids_are_404(client, net):
    r = net.rel
    client.login(net.planner_a.email)
    assert client.get(f"/netzwerk/beziehungen/{r.fremd.id}").status_code == 404
    assert client.get(f"/netzwerk/beziehungen/{r.fremd.id}/bearbeiten").status_code == 404
    assert client.post(f"/netzwerk/beziehungen/{r.fremd.id}/loeschen", data={"version": "1"}).status_code == 404
    assert client.get("/netzwerk/beziehungen/99999").status_code == 404
    assert client.get(f"/netzwerk/organisation/{net.org_x.id}").status_code == 404
    assert client.get(f"/netzwerk/beziehungen/{r.ohne_einwilligung.id}").status_code == 404  # no consent
    switch_user(client, net.partner_a)
    assert client.get(f"/netzwerk/beziehungen/{r.foerderung.id}").status_code == 404  # nur Sozialplanung
    assert client.get(f"/netzwerk/beziehungen/{r.kontrakt.id}").status_code == 404  # not a party
    assert client.get(f"/netzwerk/beziehungen/{r.koop.id}").status_code == 200
    # visible but not editable → 403, nothing deleted
    assert client.get(f"/netzwerk/beziehungen/{r.koop.id}/bearbeiten").status_code == 403
    assert client.post(f"/netzwerk/beziehungen/{r.koop.id}/loeschen", data={"version": "1"}).status_code == 403
    assert db.session.get(Relation, r.koop.id) is not None


def test_map_page_shows_analysis_table_and_filters_without_js(client, net):
    client.login(net.planner_k.email)
    r = client.get("/netzwerk/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="netzwerk-karte"' in html and "data-src=\"/netzwerk/daten.json" in html
    assert "<caption" in html and "Wohlfahrt Ahlen e. V." in html and "Anke Arndt" in html
    assert "<script>" not in html and "onclick" not in html  # CSP: no inline script
    r = client.get("/netzwerk/?art=Jobcenter")
    html = r.get_data(as_text=True)
    assert "Jobcenter Beckum" in html and "Wohlfahrt Ahlen e. V.</a>" not in html
    r = client.get("/netzwerk/?stand=31.02.2026")
    assert r.status_code == 422 and "gültiges Datum" in r.get_data(as_text=True)
    assert client.get("/netzwerk/daten.json?stand=kaputt").status_code == 422
    assert client.get("/netzwerk/vergleich?von=2026-01-01&bis=2025-01-01").status_code == 422
    assert client.get("/netzwerk/export.pdf").status_code == 404


def test_map_json_progressive_loading(client, net):
    client.login(net.planner_k.email)
    first = client.get("/netzwerk/daten.json?limit=2").get_json()
    assert first["total"] == 4 and len(first["nodes"]) == 2 and first["next_offset"] == 2
    second = client.get("/netzwerk/daten.json?limit=2&offset=2").get_json()
    assert second["next_offset"] is None
    ids = {n["id"] for n in first["nodes"]} | {n["id"] for n in second["nodes"]}
    assert len(ids) == 4
    edges = {e["id"] for e in first["edges"]} | {e["id"] for e in second["edges"]}
    assert f"rel:{net.rel.koop.id}" in edges
    assert all(n["url"] for n in first["nodes"])


def test_coverage_page_names_the_gap(client, net):
    client.login(net.planner_k.email)
    html = client.get("/netzwerk/abdeckung").get_data(as_text=True)
    assert "A-02 Neustadt</a>: kein Partner für <strong>Pflege</strong>" in html
    assert "A-01 Altstadt</a>: kein Partner für <strong>Pflege</strong>" not in html


def test_create_relation_page_bad_input_and_success(client, net):
    client.login(net.planner_k.email)
    before = db.session.scalar(select(func.count()).select_from(Relation))
    data = {
        "body_id": str(net.kreis.id),
        "source": f"org:{net.org_a.id}",
        "target": f"org:{net.org_a.id}",
        "kind_id": str(kind("Kooperation").id),
        "directed": "",
        "strength": "2",
        "visibility": "kreis",
        "valid_from": "2026-01-01",
        "valid_to": "2025-01-01",
        "evidence": "",
        "note": "",
    }
    r = client.post("/netzwerk/beziehungen/neu", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "zwei verschiedene Beteiligte" in html and "nicht vor" in html
    r = client.post("/netzwerk/beziehungen/neu", data={**data, "strength": "9"})
    assert r.status_code == 422
    r = client.post("/netzwerk/beziehungen/neu", data={**data, "target": f"org:{net.org_x.id}"})
    assert r.status_code == 422  # foreign org is not a valid choice
    assert db.session.scalar(select(func.count()).select_from(Relation)) == before
    r = client.post("/netzwerk/beziehungen/neu", data={**data, "target": f"person:{net.person_a.id}", "valid_to": ""})
    assert r.status_code == 302
    rel = db.session.scalar(select(Relation).order_by(Relation.id.desc()))
    assert rel.target_person_id == net.person_a.id
    # edit with a stale version → 409, input kept
    r = client.post(
        f"/netzwerk/beziehungen/{rel.id}/bearbeiten",
        data={
            **data,
            "target": f"person:{net.person_a.id}",
            "valid_to": "",
            "evidence": "Mein Text",
            "version": str(rel.version - 1),
        },
    )
    assert r.status_code == 409 and "Mein Text" in r.get_data(as_text=True)
    r = client.post(f"/netzwerk/beziehungen/{rel.id}/loeschen", data={"version": str(rel.version)})
    assert r.status_code == 303 and db.session.get(Relation, rel.id) is None


def test_pipeline_page(client, net):
    client.login(net.planner_k.email)
    r = client.post(
        "/netzwerk/partner",
        data={
            "organisation_id": str(net.org_b.id),
            "body_id": str(net.kreis.id),
            "status": "angesprochen",
            "handlungsfeld_id": "",
            "next_step": "Termin",
            "note": "",
        },
    )
    assert r.status_code == 303
    entry = db.session.scalar(select(PartnerStatus))
    r = client.post(
        "/netzwerk/partner",
        data={"organisation_id": str(net.org_b.id), "body_id": str(net.kreis.id), "status": "erfunden"},
    )
    assert r.status_code == 422
    html = client.get("/netzwerk/partner").get_data(as_text=True)
    assert "Jobcenter Beckum" in html and "Termin" in html
    switch_user(client, net.planner_x)
    assert client.get(f"/netzwerk/partner/{entry.id}/bearbeiten").status_code == 404
    assert "Jobcenter Beckum" not in client.get("/netzwerk/partner").get_data(as_text=True)


def test_contacts_page_only_consenting_persons(client, net):
    client.login(net.planner_k.email)
    html = client.get("/netzwerk/kontakte").get_data(as_text=True)
    assert "Anke Arndt" in html and "Bernd Brandt" not in html and "Xaver" not in html
    html = client.get(f"/netzwerk/kontakte?koerperschaft={net.kommune_b.id}").get_data(as_text=True)
    assert "Anke Arndt" not in html and "Keine Ansprechpersonen" in html
    assert client.get(f"/netzwerk/kontakte?handlungsfeld={net.hf_pflege.id}&funktion=geschäft").status_code == 200
    switch_user(client, net.partner_b)
    html = client.get("/netzwerk/kontakte").get_data(as_text=True)
    assert "Anke Arndt" not in html


def _grow(net, client, url):
    def grow(factor):
        for i in range(factor):
            org = Organisation(
                body=net.kommune_a,
                name=f"Neue Organisation {i}",
                kind="Freier Träger",
                areas=[net.area_a1],
                terms=[net.hf_pflege],
            )
            person = Person(
                body=net.kommune_a,
                first_name="Neu",
                last_name=f"Person {i}",
                organisation=org,
                consent_given=True,
                function="Koordination",
            )
            db.session.add_all([org, person])
            add_relation(net.kreis, org, net.org_a, "Kooperation")
            add_relation(net.kreis, person, net.org_b, "informeller Kontakt")
        db.session.commit()
        client.get(url)  # warm again (the commit expired the session), as before the first count

    return grow


@pytest.mark.parametrize(
    "url",
    [
        "/netzwerk/",
        "/netzwerk/kanten",
        "/netzwerk/daten.json",
        "/netzwerk/abdeckung",
        "/netzwerk/export.json",
        "/netzwerk/kontakte",
    ],
)
def test_query_count_does_not_grow(client, net, db, url):
    client.login(net.planner_k.email)
    assert_constant_queries(client, db.engine, url, _grow(net, client, url))


def test_ego_network_page_and_json(client, net):
    client.login(net.planner_k.email)
    html = client.get(f"/netzwerk/organisation/{net.org_a.id}").get_data(as_text=True)
    assert "Jobcenter Beckum" in html and "Kreissozialamt Testhausen" in html  # direct contacts
    assert f'data-src="/netzwerk/organisation/{net.org_a.id}/daten.json' in html
    data = client.get(f"/netzwerk/organisation/{net.org_a.id}/daten.json").get_json()
    ids = {n["id"] for n in data["nodes"]}
    assert f"org:{net.org_a.id}" in ids and f"org:{net.org_b.id}" in ids
    assert f"org:{net.org_x.id}" not in ids
    assert client.get(f"/netzwerk/organisation/{net.org_x.id}/daten.json").status_code == 404
    switch_user(client, net.partner_a)
    data = client.get(f"/netzwerk/organisation/{net.org_a.id}/daten.json").get_json()
    assert f"rel:{net.rel.foerderung.id}" not in {e["id"] for e in data["edges"]}
