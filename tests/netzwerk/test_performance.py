"""3,000 nodes and 40,000 relations: the first visit does not wait on the analysis (the job computes it),
later visits read the stored graph.

The figures for docs/modules/netzwerk.md come from `flask --app beteiligung network messen`
(16.000 nodes, server CPU per page from the stored graph) and `network benchmark`.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from beteiligung.cli_netzwerk import generate_synthetic
from beteiligung.extensions import db
from beteiligung.services.betrieb import jobs
from beteiligung.services.netzwerk import graph as network_graph
from models import ROLE_ADMIN
from models.network import NetworkGraphCache
from tests.support.world import make_user


def test_large_network_page_is_answered_at_once_and_then_from_cache(client, app):
    generate_synthetic(n_orgs=2000, n_persons=1000, n_relations=40000)
    make_user("mess@example.org", "Messung", [{"role": ROLE_ADMIN}])
    db.session.commit()
    client.login("mess@example.org")

    t0 = time.perf_counter()
    r = client.get("/netzwerk/")
    first = time.perf_counter() - t0
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "werden gerade berechnet" in html  # quick analysis, no betweenness waited for
    assert first < 15, f"erster Aufruf {first:.1f} s"

    jobs.wait_in_process(timeout=300)  # the job "netzwerk", run in-process (JOBS_IN_PROCESS)
    db.session.expire_all()
    row = db.session.scalar(select(NetworkGraphCache))
    assert row.node_count == 3000 and row.requested_at is None

    t0 = time.perf_counter()
    r = client.get("/netzwerk/")
    cached = time.perf_counter() - t0
    html = r.get_data(as_text=True)
    assert "Analyse aus dem Zwischenspeicher" in html and "gerade" not in html
    assert "Brückenposition genau berechnet" in html  # igraph: exact betweenness
    assert cached < 5, f"Aufruf aus dem Zwischenspeicher {cached:.1f} s"

    t0 = time.process_time()
    data = client.get("/netzwerk/daten.json").get_json()
    assert time.process_time() - t0 < 2
    assert data["total"] == 3000 and len(data["nodes"]) == 150 and data["next_offset"] == 150
    assert data["analysis"]["betweenness_sampled"] is False and data["analysis"]["pending"] is False
    # the most central nodes come first
    assert data["nodes"][0]["betweenness"] >= data["nodes"][-1]["betweenness"] > 0
    network_graph.clear_memory()
