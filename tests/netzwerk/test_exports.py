"""Exports read back with networkx; every export respects visibility."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest

from .conftest import switch_user

URLS = [
    "/netzwerk/export.graphml",
    "/netzwerk/export.gexf",
    "/netzwerk/export.json",
    "/netzwerk/export.knoten.csv",
    "/netzwerk/export.kanten.csv",
]


def _expected(user):
    from beteiligung.services.netzwerk import beziehungen as svc

    return svc.build_network(user, svc.Filters())


@pytest.mark.parametrize(
    "fmt,reader", [("graphml", lambda f: nx.read_graphml(f, force_multigraph=True)), ("gexf", nx.read_gexf)]
)
def test_graph_files_read_back_equal(client, net, fmt, reader):
    client.login(net.planner_k.email)
    r = client.get(f"/netzwerk/export.{fmt}")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    g = reader(io.BytesIO(r.data))
    want = _expected(net.planner_k)
    assert set(g.nodes) == set(want.nodes)
    for key, node in want.nodes.items():
        got = g.nodes[key]
        assert got["label"] == node["label"]
        assert got["kind"] == node["kind"] and got["type"] == node["type"]
        assert got["areas"] == "; ".join(node["areas"])
        assert got["handlungsfelder"] == "; ".join(node["handlungsfelder"])
        assert "betweenness" in got and "degree" in got
    got_edges = {}
    for a, b, data in g.edges(data=True):
        got_edges[data["edge_id"]] = (a, b, data)
    assert set(got_edges) == {e["id"] for e in want.edges}
    assert g.number_of_edges() == len(want.edges)
    for e in want.edges:
        a, b, data = got_edges[e["id"]]
        assert (a, b) == (e["source"], e["target"])
        assert data["kind"] == e["kind"] and int(data["strength"]) == e["strength"]
        assert bool(data["directed"]) == e["directed"] and bool(data["derived"]) == e["derived"]
        assert data["visibility"] == e["visibility"] and data["evidence"] == e["evidence"]
        assert data["valid_from"] == e["valid_from"] and data["valid_to"] == e["valid_to"]


def test_json_and_csv_exports(client, net):
    client.login(net.planner_k.email)
    want = _expected(net.planner_k)
    data = json.loads(client.get("/netzwerk/export.json").data)
    assert {n["id"] for n in data["nodes"]} == set(want.nodes)
    assert {e["id"] for e in data["edges"]} == {e["id"] for e in want.edges}
    text = client.get("/netzwerk/export.kanten.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {r["ID"] for r in rows} == {e["id"] for e in want.edges}
    koop = next(r for r in rows if r["ID"] == f"rel:{net.rel.koop.id}")
    assert koop["Art"] == "Kooperation" and koop["Stärke"] == "3" and koop["Sichtbarkeit"] == "öffentlich im Kreis"
    text = client.get("/netzwerk/export.knoten.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {r["ID"] for r in rows} == set(want.nodes)


def _all_exported_ids(client):
    found = set()
    for url in URLS:
        r = client.get(url)
        assert r.status_code == 200, url
        found.add(r.data.decode("utf-8-sig"))
    pages = [
        client.get("/netzwerk/").get_data(as_text=True),
        client.get("/netzwerk/kanten").get_data(as_text=True),
        client.get("/netzwerk/daten.json?limit=1000").get_data(as_text=True),
    ]
    return "\n".join(found | set(pages))


def test_partner_never_sees_relations_outside_visibility(client, net):
    r = net.rel
    client.login(net.partner_a.email)
    blob = _all_exported_ids(client)
    assert f"rel:{r.koop.id}" in blob
    for hidden in (r.foerderung, r.kontrakt, r.ohne_einwilligung, r.fremd):
        assert f"rel:{hidden.id}\"" not in blob and f"rel:{hidden.id};" not in blob and f"rel:{hidden.id}<" not in blob
    assert "Fremder Träger" not in blob and "Brandt" not in blob  # foreign org, person without consent
    for hidden in (r.foerderung, r.kontrakt, r.fremd):
        assert client.get(f"/netzwerk/beziehungen/{hidden.id}").status_code == 404
    switch_user(client, net.partner_b)
    blob = _all_exported_ids(client)
    assert f"rel:{r.kontrakt.id}" in blob  # the Jobcenter is a party
    assert f"rel:{r.foerderung.id}\"" not in blob and f"rel:{r.foerderung.id};" not in blob


def test_politics_exports_have_no_persons(client, net):
    client.login(net.politik.email)
    blob = _all_exported_ids(client)
    assert "person:" not in blob and "Arndt" not in blob
