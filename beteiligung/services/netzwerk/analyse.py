"""Network analysis with networkx (pure functions on graphs; no database access).

All metrics are computed on the undirected simple graph: several relations
between the same two nodes count once (weight = strongest tie), direction is
ignored — for "who is central / who bridges" the direction of a Förderung or
Mitgliedschaft does not matter.

Betweenness is exact up to EXACT_BETWEENNESS_MAX_NODES nodes; above that it
is estimated from SAMPLE_K pivot nodes (networkx `k=`, fixed seed), whose
error was measured with `flask --app beteiligung network benchmark` (see
docs/modules/netzwerk.md).
"""

from __future__ import annotations

import time

import networkx as nx

EXACT_BETWEENNESS_MAX_NODES = 600
SAMPLE_K = 150


def simple_graph(nodes: dict, edges: list[dict]) -> nx.Graph:
    """Undirected simple graph of the node keys; weight = max strength of the ties between two nodes."""
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


def betweenness(g: nx.Graph, k: int | None = None, seed: int = 42) -> dict:
    """Normalised betweenness; sampled with k pivots when k is given and smaller than the graph."""
    n = g.number_of_nodes()
    if k is not None and k < n:
        return nx.betweenness_centrality(g, k=k, seed=seed, normalized=True)
    return nx.betweenness_centrality(g, normalized=True)


def eigenvector(g: nx.Graph) -> dict:
    """Eigenvector centrality per connected component (the power iteration needs a connected graph),
    scaled by component size so that a small island does not look as central as the core."""
    result = dict.fromkeys(g, 0.0)
    n_total = max(g.number_of_nodes(), 1)
    for comp in nx.connected_components(g):
        if len(comp) < 2:
            continue
        sub = g.subgraph(comp)
        try:
            values = nx.eigenvector_centrality(sub, max_iter=1000, tol=1e-06)
        except nx.PowerIterationFailedConvergence:
            values = nx.degree_centrality(sub)
        peak = max(values.values()) or 1.0
        share = len(comp) / n_total
        for node, v in values.items():
            result[node] = v / peak * share
    return result


def organisation_level(g: nx.Graph) -> nx.Graph:
    """The ties among organisations only (node keys "org:<id>"): brokers between organisations,
    without every contact person hanging off their organisation counting as a bridge."""
    h = nx.Graph()
    h.add_nodes_from(n for n in g if str(n).startswith("org:"))
    h.add_edges_from((u, v) for u, v in g.edges() if u in h and v in h)
    return h


def quick(g: nx.Graph) -> dict:
    """The linear-time part (degree, components, brokers and bridges between organisations, isolates)
    for the first view of a large network while the full analysis runs in the background; the slow
    metrics are 0 and the result is marked pending."""
    t0 = time.perf_counter()
    n = g.number_of_nodes()
    degree = dict(g.degree())
    components = sorted((sorted(c) for c in nx.connected_components(g)), key=len, reverse=True)
    component_of = {node: i for i, comp in enumerate(components) for node in comp}
    orgs = organisation_level(g)
    return {
        "nodes": n,
        "edges": g.number_of_edges(),
        "metrics": {
            node: {
                "degree": degree[node],
                "degree_centrality": round(degree[node] / (n - 1), 6) if n > 1 else 0.0,
                "betweenness": 0.0,
                "eigenvector": 0.0,
                "component": component_of.get(node, -1),
                "community": -1,
            }
            for node in g
        },
        "articulation_points": [],
        "bridges": [],  # whole-graph lists follow with the full analysis
        "org_articulation_points": sorted(nx.articulation_points(orgs)),
        "org_bridges": [list(b) for b in sorted(tuple(sorted(b)) for b in nx.bridges(orgs))],
        "isolates": sorted(nx.isolates(g)),
        "components": len(components),
        "largest_component": len(components[0]) if components else 0,
        "communities": 0,
        "betweenness_sampled": False,
        "betweenness_k": None,
        "pending": True,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def analyse(g: nx.Graph, *, sample_k: int | None = None) -> dict:
    """Everything the Netzwerkkarte shows, as JSON-ready data."""
    t0 = time.perf_counter()
    n = g.number_of_nodes()
    if sample_k is None and n > EXACT_BETWEENNESS_MAX_NODES:
        sample_k = SAMPLE_K
    sampled = sample_k is not None and sample_k < n
    degree = dict(g.degree())
    degree_c = nx.degree_centrality(g) if n > 1 else dict.fromkeys(g, 0.0)
    between = betweenness(g, k=sample_k if sampled else None)
    eigen = eigenvector(g)
    components = sorted((sorted(c) for c in nx.connected_components(g)), key=len, reverse=True)
    component_of = {node: i for i, comp in enumerate(components) for node in comp}
    communities = []
    if g.number_of_edges():
        communities = sorted(
            (sorted(c) for c in nx.community.louvain_communities(g, weight="weight", seed=7)), key=len, reverse=True
        )
    community_of = {node: i for i, comm in enumerate(communities) for node in comm}
    articulation = sorted(nx.articulation_points(g))
    bridges = sorted(tuple(sorted(b)) for b in nx.bridges(g))
    isolates = sorted(nx.isolates(g))
    orgs = organisation_level(g)
    metrics = {
        node: {
            "degree": degree[node],
            "degree_centrality": round(degree_c.get(node, 0.0), 6),
            "betweenness": round(between.get(node, 0.0), 6),
            "eigenvector": round(eigen.get(node, 0.0), 6),
            "component": component_of.get(node, -1),
            "community": community_of.get(node, -1),
        }
        for node in g
    }
    return {
        "nodes": n,
        "edges": g.number_of_edges(),
        "metrics": metrics,
        "articulation_points": articulation,
        "bridges": [list(b) for b in bridges],
        "org_articulation_points": sorted(nx.articulation_points(orgs)),
        "org_bridges": [list(b) for b in sorted(tuple(sorted(b)) for b in nx.bridges(orgs))],
        "isolates": isolates,
        "components": len(components),
        "largest_component": len(components[0]) if components else 0,
        "communities": len(communities),
        "betweenness_sampled": sampled,
        "betweenness_k": sample_k if sampled else None,
        "pending": False,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def ego_graph(g: nx.Graph, node: str, radius: int = 1) -> nx.Graph:
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
