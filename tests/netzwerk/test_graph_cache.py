"""The stored, analysed network (services/netzwerk/graph.py, issue 14): invalidation and the job,
permissions on the cached data, constant queries and constant JSON size per map page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.cli_netzwerk import generate_synthetic
from beteiligung.extensions import db as _db
from beteiligung.services.betrieb import jobs
from beteiligung.services.netzwerk import beziehungen as svc
from beteiligung.services.netzwerk import graph as network_graph
from beteiligung.uow import unit_of_work
from models import ROLE_PLANNER, Organisation, Person, utcnow
from models.network import NetworkGraphCache, Relation
from tests.netzwerk.conftest import add_relation, switch_user
from tests.support.queries import count_queries
from tests.support.world import make_user


def _rows():
    return _db.session.scalar(select(func.count()).select_from(NetworkGraphCache))


def _kinds(client) -> set[str]:
    return {e["kind"] for e in client.get("/netzwerk/daten.json?limit=1000").get_json()["edges"]}


def _explicit(view) -> set[int]:
    return {e["record_id"] for e in view.edges() if not e["derived"]}


@pytest.fixture
def by_job(app, monkeypatch):
    """Every stale graph waits for the job (as for a large network); the job is run by the test.
    Without a queue (SQLite) a deferred job would start in a thread after the commit and race the test's own
    run, so here it is only recorded."""
    app.config.update(NETZWERK_SOFORT_BIS_KNOTEN=0, JOBS_IN_PROCESS=False)
    monkeypatch.setattr(jobs, "_start_thread", lambda _app, name, kwargs: None)
    yield
    app.config.update(NETZWERK_SOFORT_BIS_KNOTEN=500, JOBS_IN_PROCESS=True)
    network_graph.clear_memory()


def test_change_makes_the_graph_stale_the_page_says_so_and_the_job_recomputes_it(client, net, by_job):
    client.login("planung@kreis.example")
    html = client.get("/netzwerk/").get_data(as_text=True)
    assert "Stand der Analyse" in html and "wird gerade neu berechnet" not in html
    assert _rows() == 1
    assert "Konflikt" not in _kinds(client)

    add_relation(net.kreis, net.org_a, net.org_b, "Konflikt", visibility="kreis")
    _db.session.commit()  # bumps the data version: the stored graph is stale

    html = client.get("/netzwerk/").get_data(as_text=True)
    assert "Die Daten haben sich seitdem geändert; die Analyse wird gerade neu berechnet" in html
    assert "Konflikt" not in _kinds(client)  # the last result
    data = client.get("/netzwerk/daten.json").get_json()
    assert data["analysis"]["stale"] is True and data["analysis"]["stand"]
    _db.session.expire_all()
    row = _db.session.scalar(select(NetworkGraphCache))
    assert row.requested_at is not None  # the page asked for the recompute
    before = row.computed_at

    assert jobs.run("netzwerk") == "1 Netzwerkgraph(en) neu berechnet"
    _db.session.expire_all()
    row = _db.session.scalar(select(NetworkGraphCache))
    assert row.requested_at is None and row.computed_at >= before and row.data_version == svc.data_version()
    html = client.get("/netzwerk/").get_data(as_text=True)
    assert "wird gerade neu berechnet" not in html
    assert "Konflikt" in _kinds(client)
    assert jobs.run("netzwerk") == "0 Netzwerkgraph(en) neu berechnet"  # fresh: nothing to do


def test_an_organisation_change_and_a_new_day_also_make_it_stale(net, by_job, app):
    with app.test_request_context():
        network_graph.network_view(net.planner_k, svc.Filters())
    _db.session.commit()
    net.org_b.name = "Umbenannter Verein"
    _db.session.commit()
    view = network_graph.network_view(net.planner_k, svc.Filters())
    assert view.state.stale and f"org:{net.org_b.id}" in view.nodes
    assert view.nodes[f"org:{net.org_b.id}"]["label"] != "Umbenannter Verein"
    jobs.run("netzwerk")
    view = network_graph.network_view(net.planner_k, svc.Filters())
    assert not view.state.stale and view.nodes[f"org:{net.org_b.id}"]["label"] == "Umbenannter Verein"
    # the next day
    row = _db.session.scalar(select(NetworkGraphCache))
    row.as_of = row.as_of.replace(year=row.as_of.year - 1)
    _db.session.commit()
    assert network_graph.network_view(net.planner_k, svc.Filters()).state.stale


def test_small_networks_are_recomputed_in_the_request(client, net):
    client.login("planung@kreis.example")
    client.get("/netzwerk/")
    add_relation(net.kreis, net.org_a, net.org_b, "Konflikt")
    _db.session.commit()
    html = client.get("/netzwerk/").get_data(as_text=True)
    assert "wird gerade neu berechnet" not in html and "Analyse neu berechnet" in html
    assert "Konflikt" in _kinds(client)
    assert "Analyse aus dem Zwischenspeicher" in client.get("/netzwerk/").get_data(as_text=True)


# --- permissions on the cached data ------------------------------------------------------------


def _allowed(user):
    """What the named read filters allow, straight from the database."""
    today = utcnow().date()
    orgs = {f"org:{i}" for i in _db.session.scalars(select(Organisation.id).where(perm.organisation_filter(user)))}
    persons = {f"person:{i}" for i in _db.session.scalars(select(Person.id).where(perm.network_person_filter(user)))}
    relations = set(
        _db.session.scalars(
            select(Relation.id).where(
                perm.relation_filter(user),
                (Relation.valid_from.is_(None)) | (Relation.valid_from <= today),
                (Relation.valid_to.is_(None)) | (Relation.valid_to >= today),
            )
        )
    )
    return orgs, persons, relations


@pytest.mark.parametrize("role", ["planner_k", "srm_a", "partner_a", "partner_b", "politik", "planner_x"])
def test_cached_graph_holds_exactly_what_the_named_filters_allow(net, role, app):
    # fill the cache for every role first, so that a shared row would show
    for other in ("planner_k", "srm_a", "partner_a", "partner_b", "politik", "planner_x"):
        network_graph.network_view(getattr(net, other), svc.Filters())
    user = getattr(net, role)
    view = network_graph.network_view(user, svc.Filters())
    assert view.state.cached is True  # read from the stored graph of the user's own scope
    orgs, persons, relations = _allowed(user)
    shown_orgs = {k for k in view.nodes if k.startswith("org:")}
    shown_persons = {k for k in view.nodes if k.startswith("person:")}
    assert shown_orgs == orgs
    assert shown_persons == persons
    visible_ends = orgs | persons
    shown = _explicit(view)
    expected = {
        r.id
        for r in _db.session.scalars(select(Relation).where(Relation.id.in_(relations)))
        if r.source_key in visible_ends and r.target_key in visible_ends
    }
    assert shown == expected
    for e in view.edges():
        assert e["source"] in visible_ends and e["target"] in visible_ends


def test_scopes_do_not_share_a_graph_but_colleagues_do(client, net):
    r = net.rel
    keys = {network_graph.scope_key(getattr(net, u)) for u in ("planner_k", "partner_a", "partner_b", "politik")}
    assert len(keys) == 4
    colleague = make_user("planung2@kreis.example", "Planer Kreis 2", [{"role": ROLE_PLANNER, "body_id": net.kreis.id}])
    _db.session.commit()
    assert network_graph.scope_key(colleague) == network_graph.scope_key(net.planner_k)

    client.login("planung@kreis.example")
    planner = client.get("/netzwerk/daten.json").get_json()
    assert f"rel:{r.foerderung.id}" in {e["id"] for e in planner["edges"]}
    switch_user(client, net.partner_a)
    partner = client.get("/netzwerk/daten.json").get_json()
    ids = {e["id"] for e in partner["edges"]}
    assert f"rel:{r.foerderung.id}" not in ids and f"rel:{r.kontrakt.id}" not in ids  # "nur Sozialplanung", foreign
    assert not {n["id"] for n in partner["nodes"]} - set(network_graph.network_view(net.partner_a, svc.Filters()).nodes)
    csv = client.get("/netzwerk/export.kanten.csv").get_data(as_text=True)
    assert "Förderung" not in csv
    switch_user(client, net.politik)
    politik = client.get("/netzwerk/daten.json").get_json()
    assert not [n for n in politik["nodes"] if n["type"] == "person"]
    assert _rows() == 3


# --- constant cost per page ----------------------------------------------------------------------


def _kreis_planner(n_orgs, n_persons, n_relations, seed, email):
    ids = generate_synthetic(n_orgs=n_orgs, n_persons=n_persons, n_relations=n_relations, seed=seed, clusters=6)
    user = make_user(email, "Messung", [{"role": ROLE_PLANNER, "body_id": ids["kreis_id"]}])
    _db.session.commit()
    return user


def _measure(client, url):
    _db.session.expire_all()
    with count_queries(_db.engine) as counter:
        response = client.get(url)
        body = response.get_data()
    assert response.status_code == 200
    return counter.count, len(body)


def test_map_page_and_json_read_the_cache_with_constant_queries_and_constant_page_size(client, app):
    small = _kreis_planner(60, 60, 300, 11, "klein@example.org")
    large = _kreis_planner(600, 600, 3000, 12, "gross@example.org")
    results = {}
    for i, user in enumerate((small, large)):
        if i == 0:
            client.login(user.email)
        else:
            switch_user(client, user)
        urls = ("/netzwerk/", "/netzwerk/daten.json?limit=30", "/netzwerk/daten.json?offset=30&limit=30")
        for url in urls:
            client.get(url).close()  # builds and stores the graph of the scope
        assert client.get("/netzwerk/daten.json").get_json()["total"] == (120 if user is small else 1200)
        results[user.email] = {url: _measure(client, url) for url in urls}
        results[user.email]["kanten"] = _measure(client, "/netzwerk/kanten")
    s, g = results["klein@example.org"], results["gross@example.org"]
    for url in s:
        assert g[url][0] == s[url][0], f"{url}: {s[url][0]} → {g[url][0]} SQL-Anweisungen"
        assert g[url][0] <= 12, url
    # one page of the map's JSON does not grow with a network ten times as large
    for url in ("/netzwerk/daten.json?limit=30", "/netzwerk/daten.json?offset=30&limit=30"):
        assert g[url][1] <= 1.5 * s[url][1] + 2000, f"{url}: {s[url][1]} → {g[url][1]} Bytes"
    data = client.get("/netzwerk/daten.json?limit=30").get_json()
    assert data["total"] == 1200 and len(data["nodes"]) == 30 and data["next_offset"] == 30
    last = client.get("/netzwerk/daten.json?offset=1190&limit=30").get_json()
    assert len(last["nodes"]) == 10 and last["next_offset"] is None


def test_in_development_the_page_starts_the_job_in_process(client, net, app):
    app.config.update(NETZWERK_SOFORT_BIS_KNOTEN=0)  # JOBS_IN_PROCESS stays on, as with `make run`
    try:
        client.login("planung@kreis.example")
        client.get("/netzwerk/")
        add_relation(net.kreis, net.org_a, net.org_b, "Konflikt")
        _db.session.commit()
        assert "wird gerade neu berechnet" in client.get("/netzwerk/").get_data(as_text=True)
        jobs.wait_in_process(timeout=60)
        html = client.get("/netzwerk/").get_data(as_text=True)
        assert "wird gerade neu berechnet" not in html and "Konflikt" in _kinds(client)
    finally:
        app.config.update(NETZWERK_SOFORT_BIS_KNOTEN=500)
        network_graph.clear_memory()


def test_a_worker_round_recomputes_a_bounded_number_asked_for_first(net, by_job):
    users = [net.planner_k, net.partner_a, net.partner_b, net.politik]
    for user in users:
        network_graph.network_view(user, svc.Filters())
    add_relation(net.kreis, net.org_a, net.org_b, "Konflikt")
    _db.session.commit()
    network_graph.network_view(net.politik, svc.Filters())  # the politics page asks for its recompute
    with unit_of_work():  # as the job does: its own unit of work, committed (else the test's session holds
        done = network_graph.refresh(limit=1)  # SQLite's write lock and the page's side write waits it out)
    assert done == 1
    assert not network_graph.network_view(net.politik, svc.Filters()).state.stale
    assert network_graph.network_view(net.planner_k, svc.Filters()).state.stale
    with unit_of_work():
        done = network_graph.refresh(limit=5)
    assert done == 3
    assert all(not network_graph.network_view(u, svc.Filters()).state.stale for u in users)


@pytest.mark.parametrize("role", ["planner_k", "partner_a", "politik"])
def test_ego_network_from_the_stored_graph_equals_the_one_built_live(net, role):
    user = getattr(net, role)
    for radius in (1, 2):
        for f in (svc.Filters(), svc.Filters(persons=False), svc.Filters(relation_kind="Kooperation")):
            live, live_result = svc.ego_network(user, f, net.org_a, radius)
            cached, result = network_graph.ego_network(user, f, net.org_a, radius)
            assert set(cached.nodes) == set(live.nodes)
            assert {e["id"] for e in cached.edges} == {e["id"] for e in live.edges}
            assert {k: m["degree"] for k, m in result["metrics"].items()} == {
                k: m["degree"] for k, m in live_result["metrics"].items()
            }


def test_paging_out_of_range_and_bad_numbers_are_no_error(client, net):
    client.login("planung@kreis.example")
    total = client.get("/netzwerk/daten.json").get_json()["total"]
    for query in ("offset=-5&limit=0", "offset=abc&limit=xyz", f"offset={total + 50}", "limit=999999"):
        r = client.get(f"/netzwerk/daten.json?{query}")
        assert r.status_code == 200, query
        data = r.get_json()
        assert 1 <= data["limit"] <= 1000 and data["offset"] >= 0
        assert data["next_offset"] is None or data["next_offset"] < total
    beyond = client.get(f"/netzwerk/daten.json?offset={total + 50}").get_json()
    assert beyond["nodes"] == [] and beyond["edges"] == [] and beyond["next_offset"] is None
    for url in ("/netzwerk/?seite=999", "/netzwerk/kanten?seite=-3", "/netzwerk/kanten?seite=x"):
        assert client.get(url).status_code == 200, url
    r = client.get("/netzwerk/daten.json?stand=31.02.2026")
    assert r.status_code == 422 and "stand" in r.get_json()["errors"]
