"""The analysed network, stored once per permission scope and read by the map, its JSON, the tables
and the exports (issue 14).

- One row of NetworkGraphCache per scope signature (permissions.network_cache_signature: users
  with the same signature see exactly the same network): the nodes with their measures and the
  edges of the network *of today*, zlib-compressed JSON, with the data version it was computed for.
- Any change of a watched record bumps NetworkDataVersion (services/network.py), which makes every
  stored graph stale; so does a new day. A page that finds its graph stale shows the stored one
  ("Stand: …", "wird neu berechnet") and asks the job "netzwerk" (services/betrieb/jobs.py) to
  recompute it; the worker also looks for stale graphs every minute. Small networks
  (NETZWERK_SOFORT_BIS_KNOTEN, default 500 nodes, a few hundredths of a second) are recomputed in
  the request instead, so the demo and a small Kreis never show an old state.
- Measures describe the whole network the user may see; the page filters (Sozialraum,
  Handlungsfeld, Art, Beziehungsart, Personen, abgeleitete Beziehungen) only select what is shown.
  A past date (Stand) is built and analysed on the spot as before (not stored here).
- Each process keeps the parsed graphs of the last few scopes in memory (keyed by the row and its
  computed_at), so a request costs one small query plus filtering in memory.
- The exports (GEXF, GraphML, JSON, node and tie CSV) never load the graph: `export_rows` reads the stored
  payload row by row while the file is sent (`export_chunks`), so their memory does not grow with the network.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import zlib
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.exports import csv_lines
from beteiligung.extensions import db
from models import User, utcnow
from models.network import VISIBILITIES, NetworkGraphCache

from . import analyse as analysis
from . import beziehungen as svc

FORMAT = 1
NODE_FIELDS = (
    "id",
    "type",
    "record_id",
    "label",
    "short",
    "kind",
    "active",
    "areas",
    "area_ids",
    "handlungsfelder",
    "hf_ids",
    "organisation",
    "function",
)
METRIC_FIELDS = ("degree", "degree_centrality", "betweenness", "eigenvector", "component", "community")
EDGE_FIELDS = (
    "id",
    "record_id",
    "source",
    "target",
    "kind",
    "directed",
    "strength",
    "valid_from",
    "valid_to",
    "evidence",
    "visibility",
    "derived",
)
SUMMARY_FIELDS = (
    "nodes",
    "edges",
    "org_articulation_points",
    "org_bridges",
    "components",
    "largest_component",
    "communities",
    "betweenness_sampled",
    "betweenness_k",
    "pending",
    "seconds",
)
NEUTRAL = {
    "degree": 0,
    "degree_centrality": 0.0,
    "betweenness": 0.0,
    "eigenvector": 0.0,
    "component": -1,
    "community": -1,
}
E_ID, E_RECORD, E_SOURCE, E_TARGET, E_KIND, E_DIRECTED, E_STRENGTH = range(7)
E_DERIVED = EDGE_FIELDS.index("derived")
REQUEST_AGAIN_AFTER = timedelta(minutes=5)  # a recompute asked for and not done by then is asked for again


def scope_key(user) -> str:
    raw = json.dumps(perm.network_cache_signature(user), sort_keys=True)
    return "graph:" + hashlib.sha256(raw.encode()).hexdigest()


# --- the graph in memory -------------------------------------------------------------------


class Graph:
    """Nodes (with measures) and edges of one scope, with what the pages need precomputed."""

    def __init__(self, nodes: list[dict], edges: list[tuple], summary: dict):
        self.nodes = {n["id"]: n for n in nodes}
        self.edges = edges
        self.summary = summary
        self.ranked = sorted(nodes, key=lambda r: (-r["betweenness"], -r["degree"], r["label"].lower()))
        self.rank = {n["id"]: i for i, n in enumerate(self.ranked)}
        self.adjacency: dict[str, list[int]] = {key: [] for key in self.nodes}
        for i, e in enumerate(edges):
            self.adjacency[e[E_SOURCE]].append(i)
            if e[E_TARGET] != e[E_SOURCE]:
                self.adjacency[e[E_TARGET]].append(i)
        self._edge_order: list[int] | None = None
        self._isolates: list[str] | None = None
        self._by_later_end: tuple[list[int], list[int]] | None = None
        self._edge_json: dict[str, dict[int, str]] = {}

    @property
    def isolates(self) -> list[str]:
        """Keys of the nodes without any edge, most central first (computed on first use)."""
        if self._isolates is None:
            self._isolates = [n["id"] for n in self.ranked if n["degree"] == 0]
        return self._isolates

    @property
    def by_later_end(self) -> tuple[list[int], list[int]]:
        """Edge indices ordered by the rank of their later-ranked end (then by index), and those ranks:
        the edges a map page adds are one slice of it (computed on first use)."""
        if self._by_later_end is None:
            rank, edges = self.rank, self.edges
            later = sorted((max(rank[e[E_SOURCE]], rank[e[E_TARGET]]), i) for i, e in enumerate(edges))
            self._by_later_end = ([i for _r, i in later], [r for r, _i in later])
        return self._by_later_end

    def edge_json(self, ids: list[int], url_pattern: str) -> str:
        """The edges as the map's JSON array (id, ends, kind, direction, strength, derived, url from
        `url_pattern` with the relation's id). Each edge is serialised once per graph and kept: a map page
        then costs a lookup per edge, however large the network."""
        cache = self._edge_json.setdefault(url_pattern, {})
        parts = []
        for i in ids:
            text = cache.get(i)
            if text is None:
                e = self.edges[i]
                text = cache[i] = json.dumps(
                    {
                        "id": e[E_ID],
                        "source": e[E_SOURCE],
                        "target": e[E_TARGET],
                        "kind": e[E_KIND],
                        "directed": e[E_DIRECTED],
                        "strength": e[E_STRENGTH],
                        "derived": e[E_DERIVED],
                        "url": url_pattern.format(e[E_RECORD]) if e[E_RECORD] else None,
                    },
                    separators=(",", ":"),
                )
            parts.append(text)
        return "[" + ",".join(parts) + "]"

    @property
    def edge_order(self) -> list[int]:
        """Edge indices by the names at both ends (the table order); sorted on first use."""
        if self._edge_order is None:
            edges = self.edges
            labels = {k: n["label"].lower() for k, n in self.nodes.items()}
            self._edge_order = sorted(
                range(len(edges)),
                key=lambda i: (labels[edges[i][E_SOURCE]], labels[edges[i][E_TARGET]], edges[i][E_ID]),
            )
        return self._edge_order

    @classmethod
    def from_network(cls, net: svc.Network, result: dict) -> Graph:
        metrics = result["metrics"]
        nodes = [{**{f: node[f] for f in NODE_FIELDS}, **metrics.get(key, NEUTRAL)} for key, node in net.nodes.items()]
        edges = [tuple(e[f] for f in EDGE_FIELDS) for e in net.edges]
        return cls(nodes, edges, {f: result.get(f) for f in SUMMARY_FIELDS})

    def to_bytes(self) -> bytes:
        payload = {
            "format": FORMAT,
            "node_fields": NODE_FIELDS + METRIC_FIELDS,
            "nodes": [[n[f] for f in NODE_FIELDS + METRIC_FIELDS] for n in self.nodes.values()],
            "edge_fields": EDGE_FIELDS,
            "edges": self.edges,
            "summary": self.summary,
        }
        return zlib.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> Graph:
        """The stored graph, decompressed and decoded row by row (`_payload_items`): the whole JSON text and
        its parsed lists never sit in memory next to the graph; repeated strings (node keys at the ends of
        ties, kinds, dates, visibility) are shared (for 18,000 nodes and 67,000 ties: 110 → about 50 MB)."""
        memo: dict[str, str] = {}

        def shared(v):
            return memo.setdefault(v, v) if type(v) is str else v

        payload: dict = {"nodes": [], "edges": []}
        fields: list[str] = []
        for key, value in _payload_items(data):
            if key == "nodes":
                payload["nodes"].append(dict(zip(fields, map(shared, value), strict=True)))
            elif key == "edges":
                payload["edges"].append(tuple(map(shared, value)))
            else:
                payload[key] = value
                if key == "node_fields":
                    fields = value
        return cls(payload["nodes"], payload["edges"], payload["summary"])


_DECODER = json.JSONDecoder()
_CHUNK = 64 * 1024
_WHITESPACE = " \t\n\r"


def check_payload(data: bytes) -> None:
    """Raise ValueError unless the stored graph inflates completely (zlib's checksum included), a piece at a
    time. An export checks this before it starts sending: a damaged row fails the request, not the file
    halfway through."""
    inflate = zlib.decompressobj()
    try:
        for start in range(0, len(data), _CHUNK):
            inflate.decompress(data[start : start + _CHUNK], _CHUNK)
            while inflate.unconsumed_tail:
                inflate.decompress(inflate.unconsumed_tail, _CHUNK)
        inflate.flush()
    except zlib.error as exc:
        raise ValueError("Gespeicherter Netzwerkgraph beschädigt.") from exc
    if not inflate.eof:
        raise ValueError("Gespeicherter Netzwerkgraph unvollständig.")


def _payload_items(data: bytes):
    """Items of the stored graph's JSON object, decompressed and decoded a piece at a time: (key, value) for
    each small member, and for the big arrays "nodes" and "edges" one ("nodes", row) per row."""
    import codecs

    inflate = zlib.decompressobj()
    text = codecs.getincrementaldecoder("utf-8")()
    chunks = iter(range(0, len(data), _CHUNK))
    buf, pos, flushed = "", 0, False

    def more() -> bool:
        nonlocal buf, pos, flushed
        # at most _CHUNK bytes of text per step (a compressed piece may inflate to many times its size)
        if inflate.unconsumed_tail:
            piece = text.decode(inflate.decompress(inflate.unconsumed_tail, _CHUNK))
        elif (start := next(chunks, None)) is not None:
            piece = text.decode(inflate.decompress(data[start : start + _CHUNK], _CHUNK))
        else:
            if flushed:  # nothing more will come (a cut-off payload ends here with an error, not a loop)
                return False
            flushed = True
            piece = text.decode(inflate.flush(), final=True)
        buf, pos = buf[pos:] + piece, 0
        return True

    def char() -> str:  # the next non-blank character (not consumed)
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not more():
                raise ValueError("Gespeicherter Netzwerkgraph unvollständig.")

    def value():
        nonlocal pos
        char()
        while True:
            try:
                obj, end = _DECODER.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if not more():
                    raise
                continue
            if end == len(buf) and more():  # a number may go on in the next piece
                continue
            pos = end
            return obj

    def expect(c: str) -> None:
        nonlocal pos
        if char() != c:
            raise ValueError(f"Gespeicherter Netzwerkgraph: {c!r} erwartet.")
        pos += 1

    expect("{")
    if char() == "}":
        return
    while True:
        key = value()
        expect(":")
        if key in ("nodes", "edges"):
            expect("[")
            if char() == "]":
                pos += 1
            else:
                while True:
                    yield key, value()
                    if char() == "]":
                        pos += 1
                        break
                    expect(",")
        else:
            yield key, value()
        if char() == "}":
            return
        expect(",")


def edge_dict(e: tuple) -> dict:
    return dict(zip(EDGE_FIELDS, e, strict=True))


# --- a filtered view for one request ---------------------------------------------------------


@dataclass
class State:
    """How current the shown graph is (for the "Stand: …" line)."""

    computed_at: datetime | None
    cached: bool = True
    stale: bool = False  # data changed since; a recompute is on its way
    pending: bool = False  # only the quick (linear-time) measures so far
    seconds: float | None = None


@dataclass
class View:
    graph: Graph
    filters: svc.Filters
    state: State
    node_keys: set[str] | None = None  # None: all nodes
    edge_filtered: bool = False
    _edge_ids: list[int] | None = field(default=None, repr=False)

    @property
    def all_nodes(self) -> bool:
        return self.node_keys is None

    def has(self, key: str) -> bool:
        return key in self.graph.nodes if self.node_keys is None else key in self.node_keys

    @property
    def nodes(self) -> dict[str, dict]:
        if self.node_keys is None:
            return self.graph.nodes
        return {k: n for k, n in self.graph.nodes.items() if k in self.node_keys}

    @property
    def ranked(self) -> list[dict]:
        if self.node_keys is None:
            return self.graph.ranked
        return [n for n in self.graph.ranked if n["id"] in self.node_keys]

    def _edge_ok(self, e: tuple) -> bool:
        return edge_shown(self.filters, self.node_keys, e)

    def edge_ids(self) -> list[int]:
        """Indices of the shown edges in table order (by the names at both ends)."""
        if self._edge_ids is None:
            if self.node_keys is None and not self.edge_filtered:
                self._edge_ids = self.graph.edge_order
            else:
                edges = self.graph.edges
                self._edge_ids = [i for i in self.graph.edge_order if self._edge_ok(edges[i])]
        return self._edge_ids

    def edge_count(self) -> int:
        return len(self.edge_ids())

    def edges(self, ids=None) -> list[dict]:
        return [edge_dict(self.graph.edges[i]) for i in (self.edge_ids() if ids is None else ids)]

    def summary(self) -> dict:
        """The figures of the "Überblick" for what is shown (whole-network figures when nothing is filtered)."""
        g = self.graph
        base = {
            **g.summary,
            "cached": self.state.cached,
            "stale": self.state.stale,
            "pending": self.state.pending or bool(g.summary.get("pending")),
            "computed_at": self.state.computed_at,
            "relations": self.edge_count(),
        }
        if self.node_keys is None and not self.edge_filtered:
            base["isolates"] = g.isolates
            return base
        keys = set(self.nodes)
        parent = {k: k for k in keys}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        pairs = set()
        touched = set()
        for i in self.edge_ids():
            e = g.edges[i]
            a, b = e[E_SOURCE], e[E_TARGET]
            if a == b:
                continue
            pairs.add((a, b) if a < b else (b, a))
            touched.update((a, b))
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
        sizes: dict[str, int] = {}
        for k in keys:
            r = find(k)
            sizes[r] = sizes.get(r, 0) + 1
        communities = {g.nodes[k]["community"] for k in keys if g.nodes[k]["community"] >= 0 and k in touched}
        base.update(
            nodes=len(keys),
            edges=len(pairs),
            components=len(sizes),
            largest_component=max(sizes.values(), default=0),
            communities=len(communities),
            isolates=[n["id"] for n in self.ranked if n["id"] not in touched],
            org_articulation_points=[k for k in g.summary.get("org_articulation_points") or [] if k in keys],
            org_bridges=[[a, b] for a, b in g.summary.get("org_bridges") or [] if a in keys and b in keys],
        )
        return base

    def map_page_ids(self, offset: int, limit: int) -> tuple[list[dict], list[int], int]:
        """Nodes ranked offset..offset+limit and the indices of the edges from them to nodes loaded before
        or with them (each edge is sent once, with its later end), plus the total number of nodes."""
        ranked = self.ranked
        chunk = ranked[offset : offset + limit]
        upto = offset + limit
        if self.node_keys is None and not self.edge_filtered:
            # the whole graph: the edges whose later end is ranked offset..upto are one slice (no walk
            # through the hubs' long adjacency lists, whose length grows with the network)
            order, later = self.graph.by_later_end
            return chunk, order[bisect_left(later, offset) : bisect_left(later, upto)], len(ranked)
        if self.node_keys is None:
            rank = self.graph.rank
        else:
            rank = {n["id"]: i for i, n in enumerate(ranked)}
        ids, seen = [], set()
        for node in chunk:
            for i in self.graph.adjacency[node["id"]]:
                if i in seen:
                    continue
                e = self.graph.edges[i]
                ra, rb = rank.get(e[E_SOURCE]), rank.get(e[E_TARGET])
                if ra is None or rb is None or ra >= upto or rb >= upto or max(ra, rb) < offset:
                    continue
                if not self._edge_ok(e):
                    continue
                seen.add(i)
                ids.append(i)
        return chunk, ids, len(ranked)


def shown_keys(f: svc.Filters, nodes) -> set[str] | None:
    """Keys of the nodes the page filters keep (None: all of them), from `nodes()`, a callable giving the
    node dicts (walked once or twice). Same meaning as build_network: node filters act on organisations,
    persons follow their organisation."""
    node_filter = bool(f.area_id or f.handlungsfeld_id or f.org_kind)
    if not node_filter and f.persons:
        return None
    wanted_areas = svc._area_ids_with_children(f.area_id) if f.area_id else None
    orgs = set()
    for n in nodes():
        if n["type"] != "organisation":
            continue
        if wanted_areas is not None and not wanted_areas.intersection(n["area_ids"]):
            continue
        if f.handlungsfeld_id and f.handlungsfeld_id not in n["hf_ids"]:
            continue
        if f.org_kind and n["kind"] != f.org_kind:
            continue
        orgs.add(n["id"])
    keys = set(orgs)
    if f.persons:
        for n in nodes():
            if n["type"] == "person" and (not node_filter or n["organisation"] in orgs):
                keys.add(n["id"])
    return keys


def edge_shown(f: svc.Filters, node_keys: set[str] | None, e: tuple) -> bool:
    """Whether the page filters keep the tie `e` (a stored edge tuple) between the nodes `node_keys`."""
    if not f.derived and e[E_DERIVED]:
        return False
    if f.relation_kind and e[E_KIND] != f.relation_kind:
        return False
    return node_keys is None or (e[E_SOURCE] in node_keys and e[E_TARGET] in node_keys)


def view_of(graph: Graph, f: svc.Filters, state: State) -> View:
    """Apply the page filters to the graph (`shown_keys`, `edge_shown`)."""
    keys = shown_keys(f, graph.nodes.values)
    return View(graph, f, state, keys, edge_filtered=bool(f.relation_kind or not f.derived))


# --- exports: the shown network row by row ---------------------------------------------------


class ExportRows:
    """The nodes (with their measures) and ties an export writes: those `view_of` shows, in the order the
    network was built (stored), one at a time. From the stored graph the compressed payload is decoded row
    by row on every pass (`_payload_items`): no Graph, no dict of all nodes, no list of all ties in memory,
    only the payload itself (a few MB for 18,000 nodes) and, with a node filter, the set of shown node
    keys. A graph already in memory (this process's cache, a past date, a small network analysed in the
    request) is walked instead. `nodes()` and `edges()` may be called more than once (the XML writers
    declare the attribute types in a first pass)."""

    def __init__(self, filters: svc.Filters, *, graph: Graph | None = None, payload: bytes | None = None):
        self.filters = filters
        self._graph = graph
        self._payload = payload
        self._keys: set[str] | None = None
        self._keys_known = False

    def _stored(self, which: str):
        """Rows of the stored "nodes" or "edges" array as dicts (nodes) or tuples (edges)."""
        fields: list[str] = []
        seen = False
        for key, value in _payload_items(self._payload):
            if key == which:
                seen = True
                yield dict(zip(fields, value, strict=True)) if which == "nodes" else tuple(value)
            elif seen:  # the array is done: the rest of the payload is not decoded
                return
            elif key == "node_fields" and which == "nodes":
                fields = value

    def _all_nodes(self):
        return iter(self._graph.nodes.values()) if self._graph is not None else self._stored("nodes")

    @property
    def keys(self) -> set[str] | None:
        if not self._keys_known:
            self._keys = shown_keys(self.filters, self._all_nodes)
            self._keys_known = True
        return self._keys

    def nodes(self):
        """The shown nodes: dicts of NODE_FIELDS and METRIC_FIELDS."""
        keys = self.keys
        return (n for n in self._all_nodes() if keys is None or n["id"] in keys)

    def edges(self):
        """The shown ties as dicts of EDGE_FIELDS."""
        f, keys = self.filters, self.keys
        rows = iter(self._graph.edges) if self._graph is not None else self._stored("edges")
        return (edge_dict(e) for e in rows if edge_shown(f, keys, e))


def export_rows(user, f: svc.Filters) -> ExportRows:
    """What the exports write for this user and these filters: the same nodes and ties as `network_view`,
    today's read row by row from the stored graph (unless this process holds it in memory anyway).
    Everything that needs the database happens here: the rows are then read without it, so the file may
    be written while it is sent, after the request's unit of work."""
    if f.as_of != utcnow().date():
        graph: Graph | bytes = _past_graph(user, f)[0]
    else:
        graph = _current(user, payload_only=True)[0]
    rows = ExportRows(f, graph=graph) if isinstance(graph, Graph) else ExportRows(f, payload=graph)
    if rows._payload is not None:
        check_payload(rows._payload)
    rows.keys  # noqa: B018  the node filter (it may query the Sozialraum's sub-areas) is applied now, in the request
    return rows


EXPORT_FORMATS = {  # format → file name (with the date of the network), mimetype, content type
    "graphml": ("netzwerk-{}.graphml", "application/graphml+xml", None),
    "gexf": ("netzwerk-{}.gexf", "application/gexf+xml", None),
    "json": ("netzwerk-{}.json", "application/json", None),
    "knoten.csv": ("netzwerk-knoten-{}.csv", "text/csv", "text/csv; charset=utf-8"),
    "kanten.csv": ("netzwerk-kanten-{}.csv", "text/csv", "text/csv; charset=utf-8"),
}
NODE_CSV_MEASURES = [
    ("Grad", "degree"),
    ("Brückenposition", "betweenness"),
    ("Vernetzung", "eigenvector"),
    ("Gruppe", "community"),
]


def export_chunks(rows: ExportRows, fmt: str):
    """The export file of format `fmt` (EXPORT_FORMATS) as text chunks, written one node or tie at a time
    (GEXF and GraphML walk the rows twice: their attribute declarations come first)."""
    if fmt == "knoten.csv":
        columns = svc.NODE_EXPORT + NODE_CSV_MEASURES
        measures = {a for _h, a in NODE_CSV_MEASURES}
        node_rows = ([n[a] if a in measures else svc._scalar(n[a]) for _h, a in columns] for n in rows.nodes())
        return csv_lines([h for h, _a in columns], node_rows)
    if fmt == "kanten.csv":

        def cell(a, v):
            if isinstance(v, bool):
                return "ja" if v else "nein"
            return VISIBILITIES.get(v, v) if a == "visibility" else v

        edge_rows = ([cell(a, e[a]) for _h, a in svc.EDGE_EXPORT] for e in rows.edges())
        return csv_lines([h for h, _a in svc.EDGE_EXPORT], edge_rows)
    if fmt == "json":
        nodes = ({k: n[k] for k in NODE_FIELDS} for n in rows.nodes())
        return svc.json_stream(rows.filters.as_of, nodes, rows.edges())

    def triples():  # the node dicts of the stored graph carry their measures
        return ((n["id"], n, n) for n in rows.nodes())

    if fmt == "gexf":
        return svc.gexf_stream(triples, rows.edges)
    if fmt == "graphml":
        return svc.graphml_stream(triples, rows.edges)
    raise ValueError(fmt)


# --- cache: memory, database, recompute ------------------------------------------------------

_memory: OrderedDict[str, tuple[int, datetime, Graph]] = OrderedDict()
_memory_lock = threading.Lock()
MEMORY_SCOPES = 6


def _remember(key: str, row_id: int, computed_at: datetime, graph: Graph) -> None:
    with _memory_lock:
        _memory[key] = (row_id, computed_at, graph)
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_SCOPES:
            _memory.popitem(last=False)


def _recall(key: str, row_id: int, computed_at: datetime) -> Graph | None:
    with _memory_lock:
        hit = _memory.get(key)
        if hit and hit[0] == row_id and hit[1] == computed_at:
            _memory.move_to_end(key)
            return hit[2]
    return None


def clear_memory() -> None:
    with _memory_lock:
        _memory.clear()


def compute(user, as_of: date | None = None) -> tuple[Graph, float]:
    """Build the user's whole network of the day and analyse it (the expensive part; job or small networks)."""
    t0 = time.perf_counter()
    net = svc.build_network(user, svc.Filters(as_of=as_of or utcnow().date()))
    result = analysis.analyse(analysis.simple_graph(net.nodes, net.edges))
    return Graph.from_network(net, result), time.perf_counter() - t0


def _write(conn_or_session, key: str, user_id: int | None, version: int, as_of: date, graph: Graph, seconds: float):
    table = NetworkGraphCache.__table__
    values = dict(
        user_id=user_id,
        data_version=version,
        as_of=as_of,
        computed_at=utcnow(),
        seconds=round(seconds, 3),
        node_count=len(graph.nodes),
        edge_count=len(graph.edges),
        requested_at=None,
        payload=graph.to_bytes(),
    )
    row = conn_or_session.execute(select(table.c.id, table.c.data_version).where(table.c.scope_key == key)).first()
    if row is None:
        conn_or_session.execute(table.insert().values(scope_key=key, **values))
    elif row.data_version <= version:
        conn_or_session.execute(table.update().where(table.c.id == row.id).values(**values))


def _store_side(key, user_id, version, as_of, graph, seconds) -> None:
    """From a request: in a side transaction (a read page does not write through its own session)."""
    from beteiligung.database import side_write

    side_write(lambda conn: _write(conn, key, user_id, version, as_of, graph, seconds))


def _request_recompute(key: str, row_id: int, requested_at: datetime | None) -> bool:
    """Ask the job to recompute this scope (at most every REQUEST_AGAIN_AFTER). True if asked now."""
    now = utcnow()
    if requested_at is not None and requested_at > now - REQUEST_AGAIN_AFTER:
        return False
    from beteiligung.database import side_write
    from beteiligung.services.betrieb import jobs

    table = NetworkGraphCache.__table__
    side_write(lambda conn: conn.execute(table.update().where(table.c.id == row_id).values(requested_at=now)))
    jobs.defer("netzwerk", scope_key=key)
    return True


def sync_max_nodes() -> int:
    return int(current_app.config.get("NETZWERK_SOFORT_BIS_KNOTEN", 500))


def current_graph(user) -> tuple[Graph, State]:
    """The analysed network of today for this user's scope: from memory or the stored row; stale ones are
    shown and recomputed by the job; a missing one is built now (the quick analysis for large networks)."""
    graph, state = _current(user)
    return graph, state  # type: ignore[return-value]


def _current(user, payload_only: bool = False) -> tuple[Graph | bytes, State]:
    """`current_graph`; with `payload_only` a stored graph not held in this process's memory is returned as
    its stored payload (bytes, not decoded: the exports read it row by row) instead of being loaded."""
    key = scope_key(user)
    today = utcnow().date()
    version = svc.data_version()
    t = NetworkGraphCache
    row = db.session.execute(
        select(t.id, t.data_version, t.as_of, t.computed_at, t.requested_at, t.node_count, t.seconds).where(
            t.scope_key == key
        )
    ).first()
    if row is not None:
        fresh = row.data_version == version and row.as_of == today
        if not fresh and row.node_count <= sync_max_nodes():
            graph, seconds = compute(user, today)
            _store_side(key, user.id, version, today, graph, seconds)
            return graph, State(computed_at=utcnow(), cached=False, seconds=seconds)
        graph = _recall(key, row.id, row.computed_at)
        if graph is None:
            payload = db.session.scalar(select(t.payload).where(t.id == row.id))
            if payload_only:
                state = State(computed_at=row.computed_at, seconds=row.seconds, stale=not fresh)
                if not fresh:
                    _request_recompute(key, row.id, row.requested_at)
                return payload, state
            graph = Graph.from_bytes(payload)
            _remember(key, row.id, row.computed_at, graph)
        state = State(computed_at=row.computed_at, seconds=row.seconds, pending=bool(graph.summary.get("pending")))
        if not fresh:
            state.stale = True
            _request_recompute(key, row.id, row.requested_at)
        return graph, state
    # never computed for this scope
    net = svc.build_network(user, svc.Filters(as_of=today))
    g = analysis.simple_graph(net.nodes, net.edges)
    t0 = time.perf_counter()
    if g.number_of_nodes() <= max(sync_max_nodes(), svc.ASYNC_MIN_NODES):
        graph = Graph.from_network(net, analysis.analyse(g))
        seconds = time.perf_counter() - t0
        _store_side(key, user.id, version, today, graph, seconds)
        return graph, State(computed_at=utcnow(), cached=False, seconds=seconds)
    graph = Graph.from_network(net, analysis.quick(g))  # linear time; the job computes the rest
    _store_side(key, user.id, -1, today, graph, time.perf_counter() - t0)  # version -1: stale at once
    row_id = db.session.scalar(select(t.id).where(t.scope_key == key))
    if row_id is not None:
        _request_recompute(key, row_id, None)
    return graph, State(computed_at=utcnow(), cached=False, stale=True, pending=True)


def network_view(user, f: svc.Filters) -> View:
    """What the map, JSON, tables and exports show: today's network from the cache, or a past date
    built and analysed on the spot."""
    if f.as_of != utcnow().date():
        graph, state = _past_graph(user, f)
        return view_of(graph, f, state)
    graph, state = current_graph(user)
    return view_of(graph, f, state)


def _past_graph(user, f: svc.Filters) -> tuple[Graph, State]:
    """The user's whole network on the past date f.as_of, built and analysed on the spot."""
    net = svc.build_network(user, svc.Filters(as_of=f.as_of))
    result = svc.analyse_network(user, net)
    computed = result.get("computed_at")
    state = State(
        computed_at=datetime.fromisoformat(computed) if isinstance(computed, str) else computed,
        cached=bool(result.get("cached")),
        stale=bool(result.get("stale")),
        pending=bool(result.get("pending")),
    )
    return Graph.from_network(net, result), state


EGO_FULL_ANALYSIS_MAX = 500  # larger ego networks (radius 2 around a hub) get the linear-time measures


def ego_network(user, f: svc.Filters, org, radius: int = 1) -> tuple[svc.Network, dict]:
    """The organisation's contacts up to `radius` steps within what the user sees (from the stored graph
    for today), analysed on their own (the ego page shows the degree within the ego network)."""
    view = network_view(user, f)
    key = svc._org_key(org.id)
    graph = view.graph
    keep = {key} if view.has(key) else set()
    frontier = set(keep)
    for _ in range(radius):
        found = set()
        for node in frontier:
            for i in graph.adjacency[node]:
                e = graph.edges[i]
                other = e[E_TARGET] if e[E_SOURCE] == node else e[E_SOURCE]
                if other not in keep and view.has(other) and view._edge_ok(e):
                    found.add(other)
        keep |= found
        frontier = found
    ids = sorted({i for node in keep for i in graph.adjacency[node]})
    edges = [
        edge_dict(graph.edges[i])
        for i in ids
        if graph.edges[i][E_SOURCE] in keep and graph.edges[i][E_TARGET] in keep and view._edge_ok(graph.edges[i])
    ]
    nodes = {k: graph.nodes[k] for k in keep}
    g = analysis.simple_graph(nodes, edges)
    result = analysis.analyse(g) if g.number_of_nodes() <= EGO_FULL_ANALYSIS_MAX else analysis.quick(g)
    return svc.Network(nodes=nodes, edges=edges, filters=f), result


# --- the job -------------------------------------------------------------------------------


REFRESH_PER_RUN = 3  # a worker round recomputes at most this many scopes (a 16.000-node one takes minutes)


def refresh(scope_key_: str | None = None, limit: int = REFRESH_PER_RUN) -> int:
    """Recompute stale stored graphs (one scope, or up to `limit`: those a page asked for first, then the
    longest stale) with the read filters of the user recorded for the scope; drop a row whose user is gone
    or no longer has this scope (the next page view builds it anew). Runs in the caller's unit of work."""
    today = utcnow().date()
    version = svc.data_version()
    t = NetworkGraphCache
    q = select(t.id, t.scope_key, t.user_id).where((t.data_version != version) | (t.as_of != today))
    if scope_key_:
        q = q.where(t.scope_key == scope_key_)
    else:
        q = q.order_by(t.requested_at.is_(None), t.requested_at, t.computed_at).limit(limit)
    done = 0
    for row_id, key, user_id in db.session.execute(q).all():
        user = db.session.get(User, user_id) if user_id else None
        if user is None or not user.is_enabled or not perm.can_view_network(user) or scope_key(user) != key:
            db.session.execute(t.__table__.delete().where(t.__table__.c.id == row_id))
            continue
        graph, seconds = compute(user, today)
        _write(db.session, key, user.id, version, today, graph, seconds)
        done += 1
    db.session.flush()
    return done


def warm(users) -> int:
    """Build the stored graph for every scope among users that has none yet (hourly job)."""
    seen = set(db.session.scalars(select(NetworkGraphCache.scope_key)))
    today = utcnow().date()
    version = svc.data_version()
    done = 0
    for user in users:
        if not perm.can_view_network(user):
            continue
        key = scope_key(user)
        if key in seen:
            continue
        seen.add(key)
        graph, seconds = compute(user, today)
        _write(db.session, key, user.id, version, today, graph, seconds)
        done += 1
    db.session.flush()
    return done
