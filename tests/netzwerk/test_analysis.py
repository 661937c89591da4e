"""Metrics against small graphs computed by hand."""

from __future__ import annotations

import networkx as nx
import pytest

from beteiligung.services.netzwerk import analyse as analysis


def _graph(edges, extra_nodes=()):
    nodes = {n: {} for e in edges for n in e}
    nodes.update({n: {} for n in extra_nodes})
    return analysis.simple_graph(nodes, [{"source": a, "target": b, "strength": 1} for a, b in edges])


def test_path_graph_by_hand():
    # a - b - c - d - e
    g = _graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
    r = analysis.analyse(g)
    m = r["metrics"]
    assert [m[n]["degree"] for n in "abcde"] == [1, 2, 2, 2, 1]
    # betweenness, normalised by (n-1)(n-2)/2 = 6 pairs: b lies on a-c, a-d, a-e → 3/6; c on 4 pairs → 4/6
    assert m["a"]["betweenness"] == 0
    assert m["b"]["betweenness"] == pytest.approx(0.5)
    assert m["c"]["betweenness"] == pytest.approx(4 / 6, abs=1e-5)
    assert m["d"]["betweenness"] == pytest.approx(0.5)
    assert m["b"]["degree_centrality"] == pytest.approx(0.5)  # 2 of 4 possible neighbours
    assert r["articulation_points"] == ["b", "c", "d"]
    assert r["bridges"] == [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"]]
    assert r["isolates"] == [] and r["components"] == 1
    assert m["c"]["eigenvector"] == pytest.approx(1.0)  # the middle of a path is the most central
    assert m["a"]["eigenvector"] < m["b"]["eigenvector"] < m["c"]["eigenvector"]


def test_star_graph_with_isolate_by_hand():
    g = _graph([("z", "1"), ("z", "2"), ("z", "3"), ("z", "4")], extra_nodes=["allein"])
    r = analysis.analyse(g)
    m = r["metrics"]
    assert m["z"]["degree"] == 4 and m["1"]["degree"] == 1 and m["allein"]["degree"] == 0
    # n = 6 → (n-1)(n-2)/2 = 10 pairs; the centre lies on all 6 leaf pairs → 0.6
    assert m["z"]["betweenness"] == pytest.approx(0.6)
    assert m["1"]["betweenness"] == 0
    assert r["articulation_points"] == ["z"]
    assert len(r["bridges"]) == 4
    assert r["isolates"] == ["allein"]
    assert r["components"] == 2 and r["largest_component"] == 5
    assert m["allein"]["component"] != m["z"]["component"]
    assert m["z"]["eigenvector"] > m["1"]["eigenvector"] > 0
    assert m["allein"]["eigenvector"] == 0


def test_cycle_has_no_brokers_and_equal_betweenness():
    g = _graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")])
    r = analysis.analyse(g)
    assert r["articulation_points"] == [] and r["bridges"] == []
    values = {r["metrics"][n]["betweenness"] for n in "abcd"}
    assert len(values) == 1 and values.pop() == pytest.approx(1 / 6, abs=1e-5)


def test_two_cliques_form_two_communities_and_one_bridge():
    left = [(a, b) for a in "abcd" for b in "abcd" if a < b]
    right = [(a, b) for a in "wxyz" for b in "wxyz" if a < b]
    g = _graph(left + right + [("d", "w")])
    r = analysis.analyse(g)
    assert r["communities"] == 2
    assert r["metrics"]["a"]["community"] == r["metrics"]["b"]["community"] != r["metrics"]["x"]["community"]
    assert r["bridges"] == [["d", "w"]]
    assert r["articulation_points"] == ["d", "w"]


def test_parallel_ties_collapse_and_keep_strongest_weight():
    g = analysis.simple_graph(
        {"a": {}, "b": {}},
        [{"source": "a", "target": "b", "strength": 1}, {"source": "b", "target": "a", "strength": 3}],
    )
    assert g.number_of_edges() == 1 and g["a"]["b"]["weight"] == 3


def test_sampled_betweenness_with_all_pivots_equals_exact_and_is_marked():
    g = nx.barbell_graph(6, 3)
    exact = analysis.betweenness(g)
    assert analysis.betweenness(g, k=g.number_of_nodes()) == pytest.approx(exact)
    sampled = analysis.betweenness(g, k=5)
    assert set(sampled) == set(exact)
    r = analysis.analyse(g, sample_k=5)
    assert r["betweenness_sampled"] is True and r["betweenness_k"] == 5
    assert analysis.analyse(g)["betweenness_sampled"] is False


def test_ego_graph_and_diff():
    g = _graph([("a", "b"), ("b", "c"), ("c", "d")])
    assert set(analysis.ego_graph(g, "b").nodes) == {"a", "b", "c"}
    assert set(analysis.ego_graph(g, "b", 2).nodes) == {"a", "b", "c", "d"}
    assert analysis.ego_graph(g, "fehlt").number_of_nodes() == 0
    d = analysis.diff([{"id": 1}, {"id": 2}], [{"id": 2}, {"id": 3}])
    assert [e["id"] for e in d["added"]] == [3] and [e["id"] for e in d["removed"]] == [1] and d["unchanged"] == 1


def test_brokers_between_organisations_ignore_contact_persons():
    # person:9 hangs off org:1; org:1 - org:2 - org:3
    g = _graph([("person:9", "org:1"), ("org:1", "org:2"), ("org:2", "org:3")])
    r = analysis.analyse(g)
    assert r["articulation_points"] == ["org:1", "org:2"]
    assert r["org_articulation_points"] == ["org:2"]
    assert r["org_bridges"] == [["org:1", "org:2"], ["org:2", "org:3"]]
    q = analysis.quick(g)
    assert q["pending"] is True and q["org_articulation_points"] == ["org:2"]
    assert q["metrics"]["org:2"]["degree"] == 2 and q["metrics"]["org:2"]["betweenness"] == 0
