"""Issue 14: a page of the map takes its edges as one slice of the edges ordered by their later-ranked end
(no walk through the hubs' adjacency lists), and sends them as JSON serialised once per stored graph.
Checked against the general walk (used for filtered views) on random graphs."""

from __future__ import annotations

import json
import random

from beteiligung.services.netzwerk import beziehungen as svc
from beteiligung.services.netzwerk.graph import EDGE_FIELDS, Graph, State, View, edge_dict


def _graph(seed: int, n_nodes: int, n_edges: int) -> Graph:
    rnd = random.Random(seed)
    nodes = [
        {
            "id": f"org:{i}",
            "label": f"Organisation {i:03d}",
            "degree": 0,
            "betweenness": round(rnd.random(), 3) if rnd.random() < 0.7 else 0.0,
        }
        for i in range(n_nodes)
    ]
    edges = []
    for k in range(n_edges):
        # hubs: low ids are chosen far more often (as in a real network)
        a, b = (int(n_nodes * rnd.random() ** 3) for _ in range(2))
        values = {
            "id": f"rel:{k}",
            "record_id": k + 1 if rnd.random() < 0.8 else None,
            "source": f"org:{a}",
            "target": f"org:{b}",
            "kind": rnd.choice(["Kooperation", "Mitgliedschaft", "Förderung"]),
            "directed": rnd.random() < 0.5,
            "strength": rnd.choice([1, 2, 3]),
            "valid_from": None,
            "valid_to": None,
            "evidence": None,
            "visibility": "intern",
            "derived": rnd.random() < 0.3,
        }
        edges.append(tuple(values[f] for f in EDGE_FIELDS))
        for key in {values["source"], values["target"]}:
            nodes[int(key.split(":")[1])]["degree"] += 1
    return Graph(nodes, edges, {})


def _views(graph):
    f = svc.Filters()
    whole = View(graph, f, State(computed_at=None))
    walked = View(graph, f, State(computed_at=None), node_keys=set(graph.nodes))  # same nodes, general path
    return whole, walked


def test_map_pages_slice_the_same_edges_as_the_walk():
    for seed in range(4):
        graph = _graph(seed, 300, 1500)
        whole, walked = _views(graph)
        seen: list[int] = []
        for offset, limit in [(0, 60), (60, 150), (210, 150), (0, 1000), (299, 1), (17, 5), (400, 10)]:
            chunk, ids, total = whole.map_page_ids(offset, limit)
            chunk2, ids2, total2 = walked.map_page_ids(offset, limit)
            assert [n["id"] for n in chunk] == [n["id"] for n in chunk2]
            assert total == total2 == 300
            assert len(ids) == len(set(ids)) and set(ids) == set(ids2)
            if (offset, limit) in ((0, 60), (60, 150), (210, 150)):
                seen += ids
        # loading the map page by page sends every edge exactly once
        assert sorted(seen) == list(range(len(graph.edges)))


def test_edge_json_is_what_the_map_sent_before():
    graph = _graph(7, 120, 600)
    whole, _walked = _views(graph)
    _chunk, ids, _total = whole.map_page_ids(0, 150)
    pattern = "/netzwerk/beziehungen/{}"
    sent = json.loads(graph.edge_json(ids, pattern))
    expected = []
    for i in ids:
        e = edge_dict(graph.edges[i])
        expected.append(
            {
                **{k: e[k] for k in ("id", "source", "target", "kind", "directed", "strength", "derived")},
                "url": pattern.format(e["record_id"]) if e["record_id"] else None,
            }
        )
    assert sent == expected
    assert graph.edge_json(ids, pattern) == graph.edge_json(ids, pattern)  # from the kept serialisation
    assert json.loads(graph.edge_json([], pattern)) == []


def test_isolates_are_kept_on_the_graph():
    graph = _graph(3, 200, 100)
    whole, _walked = _views(graph)
    expected = [n["id"] for n in graph.ranked if n["degree"] == 0]
    assert expected and whole.summary()["isolates"] == expected
    assert graph.isolates is graph.isolates
