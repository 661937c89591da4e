"""3,000 nodes and 40,000 relations: the map page does not wait on betweenness (runs in < ~60 s).

The figures for docs/modules/netzwerk.md come from `flask --app beteiligung network benchmark`,
which also times the exact betweenness (two minutes – too slow for a test).
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from beteiligung.cli_netzwerk import generate_synthetic
from beteiligung.extensions import db
from beteiligung.services.netzwerk import beziehungen as svc
from models import ROLE_ADMIN
from models.network import NetworkAnalysisCache
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
    assert "im Hintergrund berechnet" in html  # quick analysis, no betweenness waited for
    assert first < 15, f"erster Aufruf {first:.1f} s"

    svc.wait_for_background(timeout=120)
    assert db.session.scalar(select(func.count()).select_from(NetworkAnalysisCache)) == 1

    t0 = time.perf_counter()
    r = client.get("/netzwerk/")
    cached = time.perf_counter() - t0
    html = r.get_data(as_text=True)
    assert "Analyse aus dem Zwischenspeicher" in html
    assert f"geschätzt aus {svc.analysis.SAMPLE_K} zufällig gewählten Knoten" in html
    assert cached < 5, f"Aufruf aus dem Zwischenspeicher {cached:.1f} s"

    data = client.get("/netzwerk/daten.json").get_json()
    assert data["total"] == 3000 and len(data["nodes"]) == 250 and data["next_offset"] == 250
    assert data["analysis"]["betweenness_sampled"] is True
    # the most central nodes come first
    assert data["nodes"][0]["betweenness"] >= data["nodes"][-1]["betweenness"]
