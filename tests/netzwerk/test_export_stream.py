"""GEXF and JSON exports are written node by node: the same content as before, memory flat in the size."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zlib
from types import SimpleNamespace

import networkx as nx

from beteiligung.services.netzwerk import beziehungen as svc


def _graph_content(g):
    """Nodes and ties with all their attributes. The GEXF element id of a tie is left out: it is a
    running number (networkx numbers ties per source node, the stream in the order of the network);
    the tie's own id is the attribute edge_id (and the multigraph key)."""
    nodes = {k: dict(d) for k, d in g.nodes(data=True)}
    edges = sorted((a, b, sorted((k, v) for k, v in d.items() if k != "id")) for a, b, d in g.edges(data=True))
    assert g.number_of_edges() == len(edges)
    return nodes, edges


def test_gexf_and_json_same_content_as_networkx(client, net):
    client.login(net.planner_k.email)
    r = client.get("/netzwerk/export.gexf")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    network = svc.build_network(net.planner_k, svc.Filters())
    result = svc.analyse_network(net.planner_k, network)  # the cached analysis the export used
    before = nx.read_gexf(io.BytesIO(svc.gexf_bytes(svc.export_graph(network, result))))
    after = nx.read_gexf(io.BytesIO(r.data))
    assert after.number_of_nodes() > 0 and after.number_of_edges() > 0
    assert _graph_content(after) == _graph_content(before)
    body = client.get("/netzwerk/export.json").get_data(as_text=True)
    assert body == json.dumps(svc.json_data(network), ensure_ascii=False)


def _synthetic(n):
    nodes = {
        f"org:{i}": {
            "id": f"org:{i}",
            "type": "Organisation",
            "label": f"Träger & Partner {i}",
            "short": f"T{i}",
            "kind": "Verein",
            "organisation": "",
            "function": "",
            "areas": ["A-01", "A-02"],
            "handlungsfelder": ["Pflege"],
        }
        for i in range(n)
    }
    edges = [
        {
            "id": f"rel:{i}",
            "source": f"org:{i % n}",
            "target": f"org:{(i * 7 + 1) % n}",
            "kind": "Kooperation",
            "directed": bool(i % 2),
            "strength": 1 + i % 3,
            "valid_from": "2024-01-01",
            "valid_to": "",
            "evidence": "Vertrag",
            "visibility": "kreis",
            "derived": False,
        }
        for i in range(2 * n)
    ]
    metrics = {k: {"degree": 4, "betweenness": 0.25, "eigenvector": 0.5, "community": 1} for k in nodes}
    return SimpleNamespace(nodes=nodes, edges=edges), {"metrics": metrics}


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gexf_memory_does_not_grow_with_the_network(app):
    small, large = _synthetic(1_000), _synthetic(10_000)

    def write(network, result):
        return lambda: sum(len(chunk) for chunk in svc.gexf_chunks(network, result))

    _peak(write(*small))  # warm-up
    peak_1, peak_10 = _peak(write(*small)), _peak(write(*large))
    assert peak_10 < 2 * peak_1, (peak_1, peak_10)
    # networkx builds the whole XML tree: its peak grows with the network (what the export did before)
    nx_1 = _peak(lambda: svc.gexf_bytes(svc.export_graph(*small)))
    assert nx_1 > 10 * peak_1
    # and the file reads back as the same graph
    network, result = _synthetic(50)
    text = "".join(svc.gexf_chunks(network, result)).encode()
    assert _graph_content(nx.read_gexf(io.BytesIO(text))) == _graph_content(
        nx.read_gexf(io.BytesIO(svc.gexf_bytes(svc.export_graph(network, result))))
    )


def _graphml_content(g):
    """Nodes and ties (by their ids) with all attributes, as read back."""
    nodes = {k: dict(d) for k, d in g.nodes(data=True)}
    edges = sorted((k, a, b, sorted(d.items())) for a, b, k, d in g.edges(keys=True, data=True))
    return nodes, edges


def test_graphml_streamed_same_content_as_networkx(client, net):
    """The GraphML download is written from the stored graph tie by tie; read back with networkx it is the
    graph networkx wrote for the same network (nodes, ties, keys, attribute types and values)."""
    net.org_a.name = 'Träger <A> & "Söhne"\n\tgGmbH'  # escaping in text and attributes
    from beteiligung.extensions import db

    db.session.commit()
    client.login(net.planner_k.email)
    r = client.get("/netzwerk/export.graphml")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    assert r.mimetype == "application/graphml+xml"
    network = svc.build_network(net.planner_k, svc.Filters())
    result = svc.analyse_network(net.planner_k, network)
    before = svc.graphml_bytes(svc.export_graph(network, result))
    read = lambda data: nx.read_graphml(io.BytesIO(data), force_multigraph=True)  # noqa: E731
    after, want = read(r.data), read(before)
    assert after.number_of_nodes() > 3 and after.number_of_edges() > 3
    assert _graphml_content(after) == _graphml_content(want)
    assert f"org:{net.org_a.id}" in after and after.nodes[f"org:{net.org_a.id}"]["label"] == net.org_a.name
    # the same key declarations (ids, names, types), in the same order
    key_re = re.compile(rb"<key [^>]*/>")
    assert key_re.findall(r.data) == key_re.findall(before)


def test_graphml_bytes_equal_networkx_when_ties_come_in_its_order(app):
    """With the ties in networkx's order (grouped by source node) the stream is byte for byte what networkx
    writes – escaping included; and its memory does not grow with the network."""
    network, result = _synthetic(60)
    network.nodes["org:3"]["label"] = 'A <&> "B"\r\n\tC'
    network.nodes["org:5"]["short"] = None
    order = list(network.nodes)
    network.edges.sort(key=lambda e: order.index(e["source"]))
    assert "".join(svc.graphml_chunks(network, result)).encode() == svc.graphml_bytes(svc.export_graph(network, result))
    small, large = _synthetic(1_000), _synthetic(10_000)

    def write(network, result):
        return lambda: sum(len(chunk) for chunk in svc.graphml_chunks(network, result))

    _peak(write(*small))  # warm-up
    peak_1, peak_10 = _peak(write(*small)), _peak(write(*large))
    assert peak_10 < 2 * peak_1, (peak_1, peak_10)
    assert _peak(lambda: svc.graphml_bytes(svc.export_graph(*small))) > 10 * peak_1


def test_stored_graph_is_read_back_piece_by_piece(monkeypatch):
    """The stored graph is decoded row by row from the compressed JSON (pieces of 7 bytes here: rows, numbers
    and multi-byte characters cut at every place); the graph read back equals the one stored."""
    from beteiligung.services.netzwerk import graph as network_graph

    network, _result = _synthetic(40)
    for i, node in enumerate(network.nodes.values()):
        node.update(record_id=i, active=True, area_ids=[1, 22], hf_ids=[], organisation=None)
    network.nodes["org:1"]["label"] = 'Straße „Ü“ – 🏠 " \\ ] }'
    for i, e in enumerate(network.edges):
        e.update(record_id=i, strength=i * 1000 + 7)  # numbers cut between pieces
    metrics = {
        k: {
            "degree": 12345,
            "degree_centrality": 0.5,
            "betweenness": 1e-7,
            "eigenvector": 1.0,
            "component": 0,
            "community": -1,
        }
        for k in network.nodes
    }
    net = svc.Network(nodes=network.nodes, edges=network.edges, filters=svc.Filters())
    stored = network_graph.Graph.from_network(net, {"metrics": metrics, "nodes": 40})
    data = stored.to_bytes()
    monkeypatch.setattr(network_graph, "_CHUNK", 7)
    back = network_graph.Graph.from_bytes(data)
    assert back.nodes == stored.nodes and back.edges == stored.edges and back.summary == stored.summary
    assert back.nodes["org:1"]["label"] == 'Straße „Ü“ – 🏠 " \\ ] }'
    assert [n["id"] for n in back.ranked] == [n["id"] for n in stored.ranked]


def test_cut_off_stored_graph_fails_clearly():
    """A stored graph that was cut off ends with an error (not an endless wait for more)."""
    import pytest

    from beteiligung.services.netzwerk import graph as network_graph

    data = zlib.compress(json.dumps({"format": 1, "nodes": [[1, 2]], "edges": [[3]]}).encode())
    with pytest.raises(ValueError):
        list(network_graph._payload_items(data[: len(data) // 2]))
