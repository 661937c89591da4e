"""1,800 nodes and 24,000 relations (more than the size up to which a first visit analyses at once,
ASYNC_MIN_NODES, and twelve pages of the node list): the first visit does not wait on the analysis (the job
computes it), later visits read the stored graph.

The figures for docs/modules/netzwerk.md come from `flask --app beteiligung network messen`
(16.000 nodes, server CPU per page from the stored graph) and `network benchmark`.
"""

from __future__ import annotations

from sqlalchemy import select

from beteiligung.cli_netzwerk import generate_synthetic
from beteiligung.extensions import db
from beteiligung.services.betrieb import jobs
from beteiligung.services.netzwerk import beziehungen
from beteiligung.services.netzwerk import graph as network_graph
from models import ROLE_ADMIN
from models.network import NetworkGraphCache
from tests.support.world import make_user

ORGS, PERSONS = 1200, 600


def test_large_network_page_is_answered_at_once_and_then_from_cache(client, app, monkeypatch):
    """No time limits here (speed is measured by `network messen` and `benchmark seiten`): the first visit
    must not run the exact analysis, a later visit must not analyse at all."""
    from beteiligung.services.netzwerk import analyse

    generate_synthetic(n_orgs=ORGS, n_persons=PERSONS, n_relations=24000)
    # too big to be analysed in the request
    assert max(app.config["NETZWERK_SOFORT_BIS_KNOTEN"], beziehungen.ASYNC_MIN_NODES) < ORGS + PERSONS
    make_user("mess@example.org", "Messung", [{"role": ROLE_ADMIN}])
    db.session.commit()
    client.login("mess@example.org")

    def forbidden(*args, **kwargs):
        raise AssertionError("exakte Zwischenzentralität in der Anfrage berechnet")

    with monkeypatch.context() as m:
        m.setattr(analyse, "_betweenness_ig", forbidden)
        r = client.get("/netzwerk/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "werden gerade berechnet" in html  # quick analysis, no betweenness waited for

    jobs.wait_in_process(timeout=300)  # the job "netzwerk", run in-process (JOBS_IN_PROCESS)
    db.session.expire_all()
    row = db.session.scalar(select(NetworkGraphCache))
    assert row.node_count == ORGS + PERSONS and row.requested_at is None

    def no_analysis(*args, **kwargs):
        raise AssertionError("Netzwerk in der Anfrage neu analysiert")

    with monkeypatch.context() as m:
        m.setattr(network_graph, "compute", no_analysis)
        m.setattr(analyse, "analyse", no_analysis)
        r = client.get("/netzwerk/")
        html = r.get_data(as_text=True)
        data = client.get("/netzwerk/daten.json").get_json()
    assert "Analyse aus dem Zwischenspeicher" in html and "gerade" not in html
    assert "Brückenposition genau berechnet" in html  # igraph: exact betweenness
    assert data["total"] == ORGS + PERSONS and len(data["nodes"]) == 150 and data["next_offset"] == 150
    assert data["analysis"]["betweenness_sampled"] is False and data["analysis"]["pending"] is False
    # the most central nodes come first
    assert data["nodes"][0]["betweenness"] >= data["nodes"][-1]["betweenness"] > 0
    network_graph.clear_memory()
