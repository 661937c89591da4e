"""The OParl 1.1 read API on the test world: schemas, crawl, privacy, errors, pagination, filters,
tombstones, files, query counts."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from beteiligung.extensions import db
from models import Meeting, utcnow

from .conftest import make_meeting
from .crawl import OPARL, crawl, validate

BASE = "http://localhost"
API = BASE + "/oparl/v1"


def fetch(client):
    def _fetch(url):
        assert url.startswith(BASE), url
        r = client.get(url[len(BASE) :])
        return r.status_code, r.headers, r.get_data()

    return _fetch


def get(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    return r.get_json()


def test_system_entry_point(client, ow):
    data = get(client, "/oparl/v1/")
    validate(data, "System")
    assert data["id"] == API + "/"
    assert data["oparlVersion"] == OPARL
    assert data["web"] == API + "/offene-daten"
    assert "public" in client.get("/oparl/v1/").headers["Cache-Control"]


def test_whole_api_crawl_is_valid_complete_and_only_public(client, ow):
    w = ow
    res = crawl(fetch(client), API + "/", API)
    # every object type the API serves was seen and validated
    seen_types = {o["type"].rsplit("/", 1)[1] for o in res.objects.values()}
    assert seen_types == {
        "System",
        "Body",
        "Organization",
        "Person",
        "Membership",
        "Meeting",
        "AgendaItem",
        "Paper",
        "Consultation",
        "File",
        "Location",
        "LegislativeTerm",
    }
    ids = set(res.objects)
    # public things are there
    assert f"{API}/organization/gremium-{w.srk.id}" in ids
    assert f"{API}/meeting/{w.srk_past.id}" in ids and f"{API}/meeting/{w.srk_next.id}" in ids
    assert f"{API}/paper/{w.paper.id}" in ids
    assert f"{API}/person/{w.person_a.id}" in ids
    assert f"{API}/membership/{w.m_public_a.id}" in ids
    # nothing non-public: internal TOP, non-public meeting, non-public committee, draft, persons without consent
    assert f"{API}/agendaItem/{w.internal_item.id}" not in ids
    assert f"{API}/meeting/{w.srk_internal.id}" not in ids
    assert f"{API}/organization/gremium-{w.spk.id}" not in ids
    assert f"{API}/meeting/{w.spk_past.id}" not in ids
    assert f"{API}/paper/{w.draft.id}" not in ids
    assert f"{API}/person/{w.person_b.id}" not in ids and f"{API}/person/{w.person_x.id}" not in ids
    assert f"{API}/membership/{w.m_public_b.id}" not in ids  # person without consent
    assert f"{API}/membership/{w.m_spk_a.id}" not in ids  # non-public committee
    dump = json.dumps(list(res.objects.values()), ensure_ascii=False)
    for secret in (
        "Personalsache",
        "Bernd",
        "Brandt",
        "bernd.brandt@",
        "Xaver",
        w.draft.reference,
        "Sprechstunde der Frühen Hilfen",
        "asg@kreis.example",
    ):
        assert secret not in dump, secret
    # contact data only with the separate consent (person_a has it)
    assert res.objects[f"{API}/person/{w.person_a.id}"]["email"] == ["anke.arndt@example.org"]
    # no object twice under different ids: every object is served under its own id (crawl checks),
    # embedded copies equal the standalone object, and no two ids describe the same record
    for oid, copies in res.embedded.items():
        standalone = res.objects[oid]
        for copy in copies:
            for key, value in copy.items():
                assert standalone.get(key) == value, (oid, key)
    natural = {}
    for o in res.objects.values():
        key = (
            o["type"],
            o.get("name"),
            o.get("start"),
            o.get("reference"),
            o.get("fileName"),
            o.get("person"),
            o.get("organization") if o["type"].endswith("Membership") else None,
            o.get("meeting") if o["type"].endswith("AgendaItem") else None,
            o.get("order"),
            o.get("role"),
            o.get("description"),
            o.get("meetings") and tuple(o["meetings"]),
        )
        assert key not in natural, f"{o['id']} und {natural.get(key)} sind dasselbe Objekt"
        natural[key] = o["id"]
    # files are downloadable, with the announced size and checksum
    pdf = res.objects[f"{API}/file/{w.paper.files[0].id}"]
    status, headers, body = res.files[pdf["downloadUrl"]]
    assert headers["Content-Disposition"].startswith("attachment; filename=")
    assert len(body) == pdf["size"] and hashlib.sha512(body).hexdigest() == pdf["sha512Checksum"]
    assert body.startswith(b"%PDF")
    status, headers, body = res.files[pdf["accessUrl"]]
    assert not headers["Content-Disposition"].startswith("attachment")


def test_public_rules_match_the_public_pages(client, ow):
    """The API shows no meeting that /oeffentlich/sitzungen/<id> would not show, and vice versa."""
    w = ow
    listed = {m["id"] for m in get(client, f"/oparl/v1/body/{w.kommune_a.id}/meeting")["data"]}
    for m in db.session.query(Meeting).all():
        public_page = client.get(f"/oeffentlich/sitzungen/{m.id}").status_code == 200
        assert (f"{API}/meeting/{m.id}" in listed) == public_page or m.committee.body_id != w.kommune_a.id


def test_paper_consultations_and_origin(client, ow):
    w = ow
    p = get(client, f"/oparl/v1/paper/{w.paper.id}")
    assert p["reference"].startswith("BV/") and p["reference"].endswith("/0001")
    assert p["paperType"] == "Beschlussvorlage"
    assert p["mainFile"]["mimeType"] == "application/pdf"
    assert p["auxiliaryFile"][0]["fileName"].endswith(".docx")
    political = [c for c in p["consultation"] if c["authoritative"]]
    assert political and political[0]["organization"] == [f"{API}/organization/akteur-{w.ausschuss.id}"]
    # the addressee is an OParl Organization with name only, no contact data
    org = get(client, f"/oparl/v1/organization/akteur-{w.ausschuss.id}")
    assert org["name"] == "Ausschuss für Soziales des Kreistags" and "email" not in json.dumps(org)
    # the non-public SPK is not named as originator
    assert "originatorOrganization" not in p


def test_membership_on_behalf_of(client, ow):
    w = ow
    m = get(client, f"/oparl/v1/membership/{w.m_public_a.id}")
    validate(m, "Membership")
    assert m["onBehalfOf"] == f"{API}/organization/akteur-{w.org_a.id}"
    assert m["person"] == f"{API}/person/{w.person_a.id}"
    assert m["role"] == "Vorsitz" and m["votingRight"] is True and m["startDate"] == "2025-01-01"
    org = get(client, f"/oparl/v1/organization/akteur-{w.org_a.id}")
    assert org["organizationType"] == "Institution"
    # the organisation of the member without consent is not published
    get(client, f"/oparl/v1/organization/akteur-{w.org_b.id}", 404)


@pytest.mark.parametrize(
    "path",
    [
        "/oparl/v1/meeting/999999",
        "/oparl/v1/paper/abc",
        "/oparl/v1/organization/gremium-999999",
        "/oparl/v1/organization/quatsch",
        "/oparl/v1/gibtsnicht/1",
        "/oparl/v1/body/999999/meeting",
        "/oparl/v1/body/1/gibtsnicht",
        "/oparl/v1/file/999999/download",
        "/oparl/v1/a/b/c",
    ],
)
def test_unknown_ids_are_404_in_oparl_error_format(client, ow, path):
    data = get(client, path, 404)
    assert data["type"] == OPARL + "Error" and data["message"]


def test_guessed_ids_of_non_public_objects_are_404(client, ow):
    w = ow
    for path in (
        f"/oparl/v1/agendaItem/{w.internal_item.id}",
        f"/oparl/v1/meeting/{w.srk_internal.id}",
        f"/oparl/v1/organization/gremium-{w.spk.id}",
        f"/oparl/v1/paper/{w.draft.id}",
        f"/oparl/v1/person/{w.person_b.id}",
        f"/oparl/v1/membership/{w.m_spk_a.id}",
        f"/oparl/v1/file/{w.paper.files[0].id + 100}/download",
    ):
        get(client, path, 404)


@pytest.mark.parametrize("value", ["gestern", "2026-01-01", "2026-13-01T00:00:00+01:00", "1.1.2026T10:00"])
def test_bad_filter_dates_are_400(client, ow, value):
    data = get(client, f"/oparl/v1/body/{ow.kreis.id}/paper?modified_since={value}", 400)
    assert data["type"] == OPARL + "Error" and "modified_since" in data["message"]


def test_filters(client, ow):
    w = ow
    path = f"/oparl/v1/body/{w.kommune_a.id}/meeting"
    assert len(get(client, path)["data"]) == 2
    future = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
    past = "2000-01-01T00:00:00+01:00"
    assert get(client, f"{path}?created_since={future.replace('+', '%2B')}")["data"] == []
    assert len(get(client, f"{path}?created_since={past.replace('+', '%2B')}")["data"]) == 2
    assert get(client, f"{path}?modified_until={past.replace('+', '%2B')}")["data"] == []
    page = get(client, f"{path}?modified_since={past.replace('+', '%2B')}&limit=1")
    assert "modified_since=" in page["links"]["next"] and "limit=1" in page["links"]["next"]


def test_pagination_walks_every_object_once(client, ow):
    w = ow
    for i in range(5):
        make_meeting(w.srk, utcnow() + timedelta(days=40 + i))
    db.session.commit()
    url = f"/oparl/v1/body/{w.kommune_a.id}/meeting?limit=2"
    first = get(client, url)
    assert first["pagination"] == {"totalElements": 7, "elementsPerPage": 2, "currentPage": 1, "totalPages": 4}
    assert "prev" not in first["links"] and first["links"]["last"].endswith("page=4")
    ids, page = [], first
    while True:
        ids += [m["id"] for m in page["data"]]
        nxt = page["links"].get("next")
        if not nxt:
            break
        page = get(client, nxt[len(BASE) :])
        assert page["links"]["prev"]
    assert len(ids) == 7 == len(set(ids))
    get(client, f"/oparl/v1/body/{w.kommune_a.id}/meeting?limit=2&page=9", 404)


def test_tombstones_for_removed_public_records(client, ow):
    w = ow
    since = (utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S") + "%2B00:00"
    item = w.srk_past.agenda_items[0]
    item_id, meeting_id = item.id, w.srk_next.id
    item.is_public = False  # a public TOP made internal
    db.session.delete(w.srk_next)  # a public meeting deleted
    db.session.commit()
    t = get(client, f"/oparl/v1/agendaItem/{item_id}")
    validate(t, "AgendaItem")
    assert t["deleted"] is True and t["id"] == f"{API}/agendaItem/{item_id}"
    assert get(client, f"/oparl/v1/meeting/{meeting_id}")["deleted"] is True
    # lists show tombstones only with modified_since
    plain = [m["id"] for m in get(client, f"/oparl/v1/body/{w.kommune_a.id}/meeting")["data"]]
    assert f"{API}/meeting/{meeting_id}" not in plain
    upd = get(client, f"/oparl/v1/body/{w.kommune_a.id}/meeting?modified_since={since}")["data"]
    assert {"id": f"{API}/meeting/{meeting_id}", "deleted": True}.items() <= next(
        m for m in upd if m["id"].endswith(f"/meeting/{meeting_id}")
    ).items()
    for obj in upd:
        validate(obj)
    # public again → alive again
    item.is_public = True
    db.session.commit()
    assert "deleted" not in get(client, f"/oparl/v1/agendaItem/{item_id}")


def test_withdrawn_paper_and_withdrawn_consent_become_tombstones(client, ow):
    from beteiligung.services.oparl import papers
    from beteiligung.services.oparl.consent import set_publication_consent

    w = ow
    papers.withdraw_paper(w.planner_k, w.paper, w.paper.version)
    set_publication_consent(None, w.person_a.id, False, False, utcnow().date())
    db.session.commit()
    for path in (
        f"/oparl/v1/paper/{w.paper.id}",
        f"/oparl/v1/file/{w.paper.files[0].id}",
        f"/oparl/v1/person/{w.person_a.id}",
        f"/oparl/v1/membership/{w.m_public_a.id}",
    ):
        data = get(client, path)
        assert data["deleted"] is True, path
        validate(data)
    get(client, f"/oparl/v1/file/{w.paper.files[0].id}/download", 404)


def test_list_pages_have_constant_query_count(client, ow, app):
    from tests.support.queries import count_queries

    w = ow
    urls = [
        f"/oparl/v1/body/{w.kommune_a.id}/{k}?limit=100"
        for k in ("meeting", "agendaItem", "organization", "person", "membership", "location")
    ] + [f"/oparl/v1/body/{w.kreis.id}/{k}?limit=100" for k in ("paper", "file", "consultation")]

    def counts():
        out = {}
        for u in urls:
            client.get(u).close()
            with count_queries(db.engine) as c:
                assert client.get(u).status_code == 200
            out[u] = c.count
        return out

    before = counts()
    from models import Membership, Person
    from models.oparl import PublicationConsent

    for i in range(8):
        make_meeting(w.srk, utcnow() + timedelta(days=50 + i), items=(("A", True), ("B", True), ("C", False)))
        p = Person(body=w.kommune_a, first_name=f"P{i}", last_name="Test", function="Mitglied")
        db.session.add(p)
        db.session.flush()
        db.session.add(PublicationConsent(person_id=p.id, given_on=utcnow().date()))
        w.srk.memberships.append(Membership(person=p, organisation=w.org_a))
    db.session.commit()
    after = counts()
    assert after == before, {u: (before[u], after[u]) for u in urls if before[u] != after[u]}


def test_python_predicates_and_sql_filters_agree(ow):
    """Each public rule exists twice (one object / list query); both must say the same."""
    from sqlalchemy import select

    from beteiligung.permissions import oparl as pub
    from models import AgendaItem, Committee, Membership, Person
    from models.oparl import Paper

    w = ow
    consent = pub.public_consent_ids()
    cases = [
        (Committee, select(Committee.id).where(pub.committee_public_filter()), pub.is_public_committee),
        (Meeting, select(Meeting.id).join(Committee).where(pub.meeting_public_filter()), pub.is_public_meeting),
        (
            AgendaItem,
            select(AgendaItem.id).join(Meeting).join(Committee).where(pub.agenda_item_public_filter()),
            pub.is_public_agenda_item,
        ),
        (Person, select(Person.id).where(pub.person_public_filter()), lambda p: pub.is_public_person(p, consent)),
        (
            Membership,
            select(Membership.id)
            .join(Committee, Committee.id == Membership.committee_id)
            .join(Person, Person.id == Membership.person_id)
            .where(pub.membership_public_filter()),
            lambda m: pub.is_public_membership(m, consent),
        ),
        (Paper, select(Paper.id).where(pub.paper_public_filter()), pub.is_public_paper),
    ]
    for model, query, predicate in cases:
        by_sql = set(db.session.scalars(query))
        by_python = {o.id for o in db.session.query(model).all() if predicate(o)}
        assert by_sql == by_python, model.__name__
        assert by_sql and by_sql != {o.id for o in db.session.query(model).all()}, model.__name__
    assert w.person_a.id in consent


def test_omit_internal(client, ow):
    w = ow
    full = get(client, f"/oparl/v1/body/{w.kommune_a.id}/meeting")["data"]
    assert any("agendaItem" in m for m in full)
    slim = get(client, f"/oparl/v1/body/{w.kommune_a.id}/meeting?omit_internal=true&limit=1")
    assert all("agendaItem" not in m for m in slim["data"])
    assert "omit_internal=true" in slim["links"]["next"]
    for m in slim["data"]:
        validate(m, "Meeting")
