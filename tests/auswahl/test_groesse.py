"""Issue 14: the committee page and every form with a picker carry no person or organisation list.
Bytes guard: the HTML of each page keeps its size (± a few bytes) when the Kreis grows by 500
persons and 500 organisations; query-count guard: the same number of SQL statements."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from beteiligung.extensions import db
from beteiligung.services.gremien import gremien as gremien_svc
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from beteiligung.services.gremien import sitzungen as sitzungen_svc
from models import CommitteeType, Organisation, Person, utcnow
from tests.support.queries import count_queries

_seq = itertools.count()
GROWTH = 500
SLACK = 16  # bytes: e.g. a longer CSRF token or id, never a list of names


def _grow(world, n):
    for _ in range(n):
        i = next(_seq)
        org = Organisation(body=world.kommune_a, name=f"Wachstumsträger {i:04d}", kind="Sonstige")
        db.session.add(org)
        db.session.add(
            Person(
                body=world.kommune_a if i % 2 else world.kreis,
                first_name="Vera",
                last_name=f"Viel {i:04d}",
                organisation=org,
                email=f"vera{i}@example.org",
                consent_given=True,
                consent_date=world.person_a.consent_date,
                consent_purpose="Netzwerk",
            )
        )
    db.session.commit()


@pytest.fixture
def scene(world):
    from tests.kontrakte.conftest import make_contract

    t = db.session.query(CommitteeType).filter_by(name="Sozialplanungskonferenz").one()
    c = gremien_svc.create_committee(
        world.planner_k, {"name": "SPK Größe", "type_id": t.id, "body_id": world.kreis.id, "is_public": False}
    )
    ms = mitglieder_svc.add_membership(
        world.planner_k, c, {"person_id": world.person_a.id, "circle": "Kernkreis", "deputy_id": world.person_b.id}
    )
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    m = sitzungen_svc.create_meetings(
        world.planner_k, c, {"title": "Sitzung", "start": start, "end": start + timedelta(hours=2)}
    )[0]
    db.session.commit()
    k = make_contract(world, status="Entwurf")
    return {
        "Gremium": f"/gremien/{c.id}",
        "Mitgliedschaft bearbeiten": f"/gremien/mitgliedschaft/{ms.id}/bearbeiten",
        "Einladen": f"/gremien/sitzungen/{m.id}/einladen",
        "Mitglieder übernehmen": f"/auswahl/gremien/{c.id}/mitglieder",
        "Protokoll": f"/protokolle/sitzungen/{m.id}/",
        "Anwesenheit": f"/protokolle/sitzungen/{m.id}/anwesenheit",
        "Nachhalten": "/protokolle/",
        "Nachhalten gefiltert": f"/protokolle/?person={world.person_a.id}&organisation={world.org_a.id}",
        "Kontrakt": f"/kontrakte/{k.contract.id}",
        "Beziehung anlegen": "/netzwerk/beziehungen/neu",
        "Kontrakte (Liste)": "/kontrakte/",
        "Personen anlegen": "/stammdaten/personen/neu",
        "Organisation anlegen": "/stammdaten/organisationen/neu",
        "Partner-Pipeline": "/netzwerk/partner",
        "Maßnahme anlegen": "/planung/massnahmen/neu",
        "Stellungnahmeverfahren anlegen": "/planung/stellungnahmen/neu",
    }


def _measure(client, url):
    db.session.expire_all()
    with count_queries(db.engine) as counter:
        r = client.get(url)
        html = r.get_data(as_text=True)
    assert r.status_code == 200, (url, r.status_code)
    return len(html.encode()), counter.count, html


def test_pages_do_not_grow_with_ten_times_the_persons(client, world, scene):
    client.login("planung@kreis.example")
    for url in scene.values():
        client.get(url).close()  # warm caches
    before = {name: _measure(client, url) for name, url in scene.items()}
    _grow(world, GROWTH)
    for name, url in scene.items():
        size, queries, html = _measure(client, url)
        old_size, old_queries, _ = before[name]
        assert "Viel 0" not in html and "Wachstumsträger" not in html, name
        assert abs(size - old_size) <= SLACK, f"{name}: {old_size} → {size} Bytes"
        assert queries == old_queries, f"{name}: {old_queries} → {queries} SQL-Anweisungen"


def test_search_stays_bounded_with_many_matches(client, world):
    _grow(world, 200)
    client.login("planung@kreis.example")
    data = client.get("/auswahl/personen?q=viel").get_json()
    assert data["anzahl"] == 20 and data["weitere"] is True
    with count_queries(db.engine) as counter:
        r = client.get("/auswahl/organisationen?q=wachstum")
    assert r.get_json()["anzahl"] == 20
    assert (
        counter.count <= 8
    )  # user, roles, the rate limit (read and count, its own transaction), the search – never one per match
