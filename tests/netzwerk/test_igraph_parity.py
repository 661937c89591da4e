"""The igraph measures equal the networkx measures the Netzwerkkarte used before (issue 14).

The reference below is the former networkx implementation, kept here only as the yardstick:
same betweenness, eigenvector (networkx iterates only to 1e-6 per node: 1e-3), degree, components, articulation points and bridges within
rounding; the same Louvain communities up to relabelling on the test world, and on a larger
synthetic network communities of the same quality (modularity).
"""

from __future__ import annotations

import networkx as nx
import pytest

from beteiligung.services.netzwerk import analyse as analysis
from beteiligung.services.netzwerk import beziehungen as svc


def _reference(g: nx.Graph) -> dict:
    between = nx.betweenness_centrality(g, normalized=True)
    eigen = dict.fromkeys(g, 0.0)
    n_total = max(g.number_of_nodes(), 1)
    for comp in nx.connected_components(g):
        if len(comp) < 2:
            continue
        values = nx.eigenvector_centrality(g.subgraph(comp), max_iter=1000, tol=1e-06)
        peak = max(values.values()) or 1.0
        for node, v in values.items():
            eigen[node] = v / peak * len(comp) / n_total
    communities = (
        [set(c) for c in nx.community.louvain_communities(g, weight="weight", seed=7)] if g.number_of_edges() else []
    )
    return {
        "betweenness": between,
        "eigenvector": eigen,
        "degree": dict(g.degree()),
        "components": nx.number_connected_components(g),
        "articulation_points": sorted(nx.articulation_points(g)),
        "bridges": sorted(tuple(sorted(b)) for b in nx.bridges(g)),
        "communities": communities,
    }


def _partition(result: dict) -> set[frozenset]:
    groups: dict[int, set] = {}
    for node, m in result["metrics"].items():
        if m["community"] >= 0:
            groups.setdefault(m["community"], set()).add(node)
    return {frozenset(g) for g in groups.values()}


def _compare_measures(g: nx.Graph, result: dict, ref: dict) -> None:
    for node in g:
        m = result["metrics"][node]
        assert m["betweenness"] == pytest.approx(ref["betweenness"][node], abs=2e-6), node
        assert m["eigenvector"] == pytest.approx(ref["eigenvector"][node], abs=1e-3), node
        assert m["degree"] == ref["degree"][node]
    assert result["components"] == ref["components"]
    assert result["articulation_points"] == ref["articulation_points"]
    assert [tuple(b) for b in result["bridges"]] == ref["bridges"]


@pytest.mark.parametrize("role", ["planner_k", "partner_a", "politik"])
def test_test_world_same_measures_and_same_communities(net, role):
    user = getattr(net, role)
    network = svc.build_network(user, svc.Filters())
    g = analysis.simple_graph(network.nodes, network.edges)
    assert g.number_of_nodes() >= 3
    result = analysis.analyse(g)
    ref = _reference(g)
    _compare_measures(g, result, ref)
    assert _partition(result) == {frozenset(c) for c in ref["communities"]}
    assert result["communities"] == len(ref["communities"])


def test_synthetic_network_same_measures_and_communities_of_equal_quality():
    g = nx.relaxed_caveman_graph(12, 9, 0.15, seed=3)
    g.remove_edges_from(list(nx.selfloop_edges(g)))  # simple_graph() never has loops
    g = nx.relabel_nodes(g, {n: f"org:{n}" if n % 3 else f"person:{n}" for n in g})
    g.add_node("org:allein")
    for a, b in g.edges:
        g[a][b]["weight"] = 1 + (len(a) + len(b)) % 3
    result = analysis.analyse(g)
    ref = _reference(g)
    _compare_measures(g, result, ref)
    ours = [set(c) for c in _partition(result)]
    assert nx.community.modularity(g, ours, weight="weight") == pytest.approx(
        nx.community.modularity(g, ref["communities"], weight="weight"), abs=0.02
    )
    assert result["org_articulation_points"] == sorted(nx.articulation_points(analysis.organisation_level(g)))
