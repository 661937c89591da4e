"""Network exports are written row by row from the stored graph: the same content as before, memory flat in the size."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zlib
from types import SimpleNamespace

import networkx as nx
from sqlalchemy import select

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


def _stored(n) -> bytes:
    """The stored graph (compressed payload) of the synthetic network with n organisations."""
    from beteiligung.services.netzwerk import graph as network_graph

    network, _result = _synthetic(n)
    for i, node in enumerate(network.nodes.values()):
        node.update(record_id=i, active=True, area_ids=[1], hf_ids=[2], organisation=None)
    for i, e in enumerate(network.edges):
        e["record_id"] = i
    measures = {"degree": 4, "degree_centrality": 0.1, "betweenness": 0.25, "eigenvector": 0.5, "component": 0}
    metrics = {k: {**measures, "community": i % 7} for i, k in enumerate(network.nodes)}
    net = svc.Network(nodes=network.nodes, edges=network.edges, filters=svc.Filters())
    return network_graph.Graph.from_network(net, {"metrics": metrics}).to_bytes()


def test_network_export_memory_does_not_grow_with_the_network(app):
    """Every network export (GEXF, GraphML, JSON, node and tie CSV) is written from the stored graph one row
    at a time (network_graph.export_rows/export_chunks, as the view does): its peak memory is the same for
    ten times the network (the stored payload itself aside: it is the input)."""
    from beteiligung.services.netzwerk import graph as network_graph

    small, large = _stored(200), _stored(2_000)

    def write(payload, fmt):
        rows = network_graph.ExportRows(svc.Filters(), payload=payload)
        return lambda: sum(len(chunk) for chunk in network_graph.export_chunks(rows, fmt))

    for fmt in network_graph.EXPORT_FORMATS:
        _peak(write(small, fmt))  # warm-up
        peak_1, peak_10 = _peak(write(small, fmt)), _peak(write(large, fmt))
        assert peak_10 < 2 * peak_1, (fmt, peak_1, peak_10)
    # and the GEXF file reads back as the graph networkx writes
    network, result = _synthetic(50)
    text = "".join(svc.gexf_chunks(network, result)).encode()
    assert _graph_content(nx.read_gexf(io.BytesIO(text))) == _graph_content(
        nx.read_gexf(io.BytesIO(svc.gexf_bytes(svc.export_graph(network, result))))
    )


FILTERS = ["", "?sozialraum={area}", "?handlungsfeld={hf}", "?art=Jobcenter", "?personen=nein", "?abgeleitet=nein"]
FILTERS += ["?beziehung=Kooperation"]


def test_exports_read_the_stored_graph_row_by_row_with_the_same_result(client, net, monkeypatch):
    """An export reads the stored graph row by row, never loaded as a graph object; with every filter the
    file is byte for byte the one written from the graph in memory (as the map page holds it)."""
    from beteiligung.services.netzwerk import graph as network_graph

    client.login(net.planner_k.email)
    assert client.get("/netzwerk/").status_code == 200  # analysed and stored, not kept in memory
    urls = [
        f"/netzwerk/export.{fmt}" + q.format(area=net.area_a1.id, hf=net.hf_pflege.id)
        for q in FILTERS
        for fmt in network_graph.EXPORT_FORMATS
    ]

    def refuse(_data):
        raise AssertionError("export loaded the whole graph")

    monkeypatch.setattr(network_graph.Graph, "from_bytes", refuse)
    streamed = {url: client.get(url) for url in urls}
    monkeypatch.undo()
    assert client.get("/netzwerk/").status_code == 200  # now the graph is in this process's memory
    assert network_graph._memory
    for url, r in streamed.items():
        assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"], url
        assert r.data == client.get(url).data, url
    assert "Kooperation" in streamed["/netzwerk/export.kanten.csv?beziehung=Kooperation"].data.decode("utf-8-sig")
    assert "Förderung" not in streamed["/netzwerk/export.kanten.csv?beziehung=Kooperation"].data.decode("utf-8-sig")
    assert b"person:" not in streamed["/netzwerk/export.json?personen=nein"].data
    assert b"person:" in streamed["/netzwerk/export.json"].data


def test_damaged_stored_graph_fails_the_export_before_it_is_sent(client, net, app, monkeypatch):
    """A stored graph cut off in the database makes the export fail with 500 before anything is sent
    (not a file that breaks off halfway)."""
    from beteiligung.extensions import db
    from beteiligung.services.netzwerk import graph as network_graph
    from models.network import NetworkGraphCache

    client.login(net.planner_k.email)
    client.get("/netzwerk/")
    row = db.session.scalar(select(NetworkGraphCache))
    row.payload = row.payload[: len(row.payload) - 10]
    db.session.commit()
    network_graph.clear_memory()
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert client.get("/netzwerk/export.gexf").status_code == 500


def test_stale_stored_graph_is_exported_and_recomputed_later(client, net, app, monkeypatch):
    """A stale stored graph of a large network is exported as it is (as the map shows it) and the export
    asks the job to recompute it; a past date is built on the spot."""
    from beteiligung.extensions import db
    from beteiligung.services.betrieb import jobs
    from models.network import NetworkGraphCache

    from .conftest import add_relation

    client.login(net.planner_k.email)
    client.get("/netzwerk/")
    app.config.update(NETZWERK_SOFORT_BIS_KNOTEN=0, JOBS_IN_PROCESS=False)
    monkeypatch.setattr(jobs, "_start_thread", lambda _app, name, kwargs: None)
    try:
        add_relation(net.kreis, net.org_a, net.org_b, "Konflikt", visibility="kreis")
        db.session.commit()
        text = client.get("/netzwerk/export.kanten.csv").data.decode("utf-8-sig")
        assert "Kooperation" in text and "Konflikt" not in text  # the stored state
        assert db.session.scalar(select(NetworkGraphCache.requested_at)) is not None
        past = client.get("/netzwerk/export.kanten.csv?stand=2020-06-01").data.decode("utf-8-sig")
        assert f"rel:{net.rel.beendet.id};" in past and f"rel:{net.rel.koop.id};" not in past  # koop: since 2024
    finally:
        app.config.update(NETZWERK_SOFORT_BIS_KNOTEN=500, JOBS_IN_PROCESS=True)


def test_stored_graph_is_inflated_a_piece_at_a_time():
    """A stored graph that compresses very well (many equal rows) is not inflated a whole compressed
    piece at once: reading it row by row keeps memory flat."""
    from beteiligung.services.netzwerk import graph as network_graph

    edge = ["rel:1", 1, "org:1", "org:2", "Kooperation", False, 2, "2024-01-01", None, "Vertrag", "kreis", False]
    data = zlib.compress(json.dumps({"format": 1, "nodes": [], "edges": [edge] * 30_000}).encode(), 9)

    def read():
        assert sum(1 for _ in network_graph._payload_items(data)) == 30_001

    assert _peak(read) < 1_000_000


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
    writes – escaping included."""
    network, result = _synthetic(60)
    network.nodes["org:3"]["label"] = 'A <&> "B"\r\n\tC'
    network.nodes["org:5"]["short"] = None
    order = list(network.nodes)
    network.edges.sort(key=lambda e: order.index(e["source"]))
    assert "".join(svc.graphml_chunks(network, result)).encode() == svc.graphml_bytes(svc.export_graph(network, result))
    # its memory: test_network_export_memory_does_not_grow_with_the_network


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
    network_graph.check_payload(data)  # what an export checks before it sends anything
    for damaged in (data[:-3], data[:-4] + b"\0\0\0\0", data[:8]):
        with pytest.raises(ValueError):
            network_graph.check_payload(damaged)
