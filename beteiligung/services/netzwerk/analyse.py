"""Network analysis (pure functions on graphs; no database access): igraph for the measures,
networkx for the graph the rest of the code builds and for the algorithms igraph lacks.

All metrics are computed on the undirected simple graph: several relations
between the same two nodes count once (weight = strongest tie), direction is
ignored — for "who is central / who bridges" the direction of a Förderung or
Mitgliedschaft does not matter.

The measures are the same as with networkx before (tests/netzwerk/test_igraph_parity.py compares
both on the test world and on a synthetic network): normalised betweenness (unweighted shortest
paths), eigenvector centrality per connected component scaled by the component's share, degree,
components, articulation points and bridges, Louvain communities (igraph `community_multilevel`,
weight = strength, fixed seed).

Betweenness is exact (igraph, Brandes in C) up to EXACT_BETWEENNESS_MAX_NODES nodes — that covers
a Kreis at ten times the demo (16.000 nodes) in the background job. Only above that it is
estimated from SAMPLE_K pivot nodes (networkx `k=`, fixed seed) as before, and the page says so.
"""

from __future__ import annotations

import random
import threading
import time
from typing import TYPE_CHECKING

# networkx and igraph are imported where a graph is built or measured, not at the top: together they cost about
# 0.5 s CPU in every app process (gunicorn worker, CLI command), most of which never draws a network
if TYPE_CHECKING:
    import igraph as ig
    import networkx as nx

EXACT_BETWEENNESS_MAX_NODES = 25000
SAMPLE_K = 150

_rng_lock = threading.Lock()  # igraph draws from one global random generator


def simple_graph(nodes: dict, edges: list[dict]) -> nx.Graph:
    """Undirected simple graph of the node keys; weight = max strength of the ties between two nodes."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(nodes)
    for e in edges:
        a, b = e["source"], e["target"]
        if a == b or a not in nodes or b not in nodes:
            continue
        w = int(e.get("strength") or 1)
        if g.has_edge(a, b):
            g[a][b]["weight"] = max(g[a][b]["weight"], w)
        else:
            g.add_edge(a, b, weight=w)
    return g


def to_igraph(g: nx.Graph) -> tuple[ig.Graph, list]:
    """The same simple graph in igraph (vertex i = names[i]; edge attribute "weight")."""
    import igraph as ig

    names = list(g.nodes)
    index = {n: i for i, n in enumerate(names)}
    edges, weights = [], []
    for a, b, data in g.edges(data=True):
        edges.append((index[a], index[b]))
        weights.append(int(data.get("weight", 1)))
    h = ig.Graph(n=len(names), edges=edges, directed=False)
    h.es["weight"] = weights
    return h, names


def _betweenness_ig(h: ig.Graph) -> list[float]:
    """Normalised like networkx (undirected): pairs through the node / ((n-1)(n-2)/2)."""
    n = h.vcount()
    if n < 3:
        return [0.0] * n
    raw = h.betweenness(directed=False)
    scale = 2.0 / ((n - 1) * (n - 2))
    return [v * scale for v in raw]


def betweenness(g: nx.Graph, k: int | None = None, seed: int = 42) -> dict:
    """Normalised betweenness; exact with igraph, or estimated from k pivots (networkx) when k is
    given and smaller than the graph."""
    import networkx as nx

    n = g.number_of_nodes()
    if k is not None and k < n:
        return nx.betweenness_centrality(g, k=k, seed=seed, normalized=True)
    h, names = to_igraph(g)
    return dict(zip(names, _betweenness_ig(h), strict=True))


def _eigenvector_ig(h: ig.Graph, membership: list[int], sizes: list[int]) -> list[float]:
    """Eigenvector centrality per connected component (peak 1), scaled by the component's share of
    all nodes, so that a small island does not look as central as the core."""
    n_total = max(h.vcount(), 1)
    result = [0.0] * h.vcount()
    members: dict[int, list[int]] = {}
    for v, c in enumerate(membership):
        if sizes[c] >= 2:
            members.setdefault(c, []).append(v)
    for comp, vs in members.items():
        sub = h.induced_subgraph(vs)
        if len(vs) == 2:
            values = [1.0, 1.0]
        else:
            values = sub.eigenvector_centrality(scale=True, weights=None)
        peak = max(values) or 1.0
        share = len(vs) / n_total
        for v, value in zip(vs, values, strict=True):
            result[v] = max(value, 0.0) / peak * share
    return result


def eigenvector(g: nx.Graph) -> dict:
    h, names = to_igraph(g)
    comps = h.connected_components()
    values = _eigenvector_ig(h, comps.membership, comps.sizes())
    return dict(zip(names, values, strict=True))


def _louvain(h: ig.Graph) -> list[list[int]]:
    if h.ecount() == 0:
        return []
    import igraph as ig

    with _rng_lock:
        ig.set_random_number_generator(random.Random(7))
        try:
            parts = h.community_multilevel(weights="weight")
        finally:
            ig.set_random_number_generator(random)
    return [list(c) for c in parts]


def _org_level(h: ig.Graph, names: list) -> tuple[list, list]:
    """Articulation points and bridges of the ties among organisations only (keys "org:<id>"): brokers
    between organisations, without every contact person hanging off their organisation counting."""
    org_vs = [i for i, n in enumerate(names) if str(n).startswith("org:")]
    sub = h.induced_subgraph(org_vs)
    sub_names = [names[i] for i in org_vs]
    points = sorted(sub_names[v] for v in sub.articulation_points())
    bridges = sorted(tuple(sorted((sub_names[sub.es[e].source], sub_names[sub.es[e].target]))) for e in sub.bridges())
    return points, [list(b) for b in bridges]


def organisation_level(g: nx.Graph) -> nx.Graph:
    """The ties among organisations only (node keys "org:<id>")."""
    import networkx as nx

    h = nx.Graph()
    h.add_nodes_from(n for n in g if str(n).startswith("org:"))
    h.add_edges_from((u, v) for u, v in g.edges() if u in h and v in h)
    return h


def quick(g: nx.Graph) -> dict:
    """The linear-time part (degree, components, brokers and bridges between organisations, isolates)
    for the first view of a large network while the full analysis runs in the background; the slow
    metrics are 0 and the result is marked pending."""
    t0 = time.perf_counter()
    h, names = to_igraph(g)
    n = h.vcount()
    degree = h.degree()
    comps = h.connected_components()
    order = sorted(range(len(comps)), key=lambda c: (-comps.size(c), sorted(names[v] for v in comps[c])))
    rank = {c: i for i, c in enumerate(order)}
    org_points, org_bridges = _org_level(h, names)
    return {
        "nodes": n,
        "edges": h.ecount(),
        "metrics": {
            name: {
                "degree": degree[i],
                "degree_centrality": round(degree[i] / (n - 1), 6) if n > 1 else 0.0,
                "betweenness": 0.0,
                "eigenvector": 0.0,
                "component": rank[comps.membership[i]],
                "community": -1,
            }
            for i, name in enumerate(names)
        },
        "articulation_points": [],
        "bridges": [],  # whole-graph lists follow with the full analysis
        "org_articulation_points": org_points,
        "org_bridges": org_bridges,
        "isolates": sorted(names[i] for i in range(n) if degree[i] == 0),
        "components": len(comps),
        "largest_component": max(comps.sizes()) if n else 0,
        "communities": 0,
        "betweenness_sampled": False,
        "betweenness_k": None,
        "pending": True,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def analyse(g: nx.Graph, *, sample_k: int | None = None) -> dict:
    """Everything the Netzwerkkarte shows, as JSON-ready data."""
    import networkx as nx

    t0 = time.perf_counter()
    h, names = to_igraph(g)
    n = h.vcount()
    if sample_k is None and n > EXACT_BETWEENNESS_MAX_NODES:
        sample_k = SAMPLE_K
    sampled = sample_k is not None and sample_k < n
    degree = h.degree()
    if sampled:
        between_by_name = nx.betweenness_centrality(g, k=sample_k, seed=42, normalized=True)
        between = [between_by_name.get(name, 0.0) for name in names]
    else:
        between = _betweenness_ig(h)
    comps = h.connected_components()
    membership, sizes = comps.membership, comps.sizes()
    eigen = _eigenvector_ig(h, membership, sizes)
    comp_members = [sorted(names[v] for v in comps[c]) for c in range(len(comps))]
    comp_order = sorted(range(len(comps)), key=lambda c: (-sizes[c], comp_members[c]))
    comp_rank = {c: i for i, c in enumerate(comp_order)}
    communities = sorted((sorted(names[v] for v in c) for c in _louvain(h)), key=len, reverse=True)
    community_of = {node: i for i, comm in enumerate(communities) for node in comm}
    articulation = sorted(names[v] for v in h.articulation_points())
    bridges = sorted(tuple(sorted((names[h.es[e].source], names[h.es[e].target]))) for e in h.bridges())
    isolates = sorted(names[i] for i in range(n) if degree[i] == 0)
    org_points, org_bridges = _org_level(h, names)
    metrics = {
        name: {
            "degree": degree[i],
            "degree_centrality": round(degree[i] / (n - 1), 6) if n > 1 else 0.0,
            "betweenness": round(between[i], 6),
            "eigenvector": round(eigen[i], 6),
            "component": comp_rank[membership[i]],
            "community": community_of.get(name, -1),
        }
        for i, name in enumerate(names)
    }
    return {
        "nodes": n,
        "edges": h.ecount(),
        "metrics": metrics,
        "articulation_points": articulation,
        "bridges": [list(b) for b in bridges],
        "org_articulation_points": org_points,
        "org_bridges": org_bridges,
        "isolates": isolates,
        "components": len(comps),
        "largest_component": max(sizes) if n else 0,
        "communities": len(communities),
        "betweenness_sampled": sampled,
        "betweenness_k": sample_k if sampled else None,
        "pending": False,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def ego_graph(g: nx.Graph, node: str, radius: int = 1) -> nx.Graph:
    import networkx as nx

    if node not in g:
        return nx.Graph()
    return nx.ego_graph(g, node, radius=radius)


def diff(edges_before: list[dict], edges_after: list[dict]) -> dict:
    """Relations that appeared or ended between two dates (compared by edge id)."""
    before = {e["id"]: e for e in edges_before}
    after = {e["id"]: e for e in edges_after}
    return {
        "added": [after[k] for k in after if k not in before],
        "removed": [before[k] for k in before if k not in after],
        "unchanged": sum(1 for k in after if k in before),
    }
