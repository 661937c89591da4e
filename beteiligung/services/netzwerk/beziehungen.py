"""Netzwerk services: relations, the visible network of a user, derived ties, cache, pipeline,
import and export.

The network a user sees is built from plain column queries (a constant number
of statements however large the data): visible organisations, consenting
persons, typed relations within their visibility, and ties derived from what the
platform already knows. Derived ties are computed on every build and never stored.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from typing import TYPE_CHECKING

from sqlalchemy import Select, event, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.uow import unit_of_work
from models import (
    Area,
    Body,
    Committee,
    Meeting,
    Membership,
    Organisation,
    Person,
    RoleAssignment,
    Term,
    User,
    organisation_area,
    organisation_term,
    utcnow,
)
from models.network import (
    PIPELINE_STATES,
    STRENGTH_LABELS,
    VISIBILITIES,
    NetworkAnalysisCache,
    NetworkDataVersion,
    PartnerStatus,
    Relation,
    RelationKind,
    Visibility,
)

from .. import NotFound, ValidationError, ensure_version, require
from ..audit import record, snapshot
from ..stammdaten.importe import ImportReport, RowResult, _de_date, load_rows
from . import analyse as analysis

if TYPE_CHECKING:
    import networkx as nx  # imported where used (see analyse.py)

POLITICS_KIND = "Politik/Ausschuss"


# --- data version (cache invalidation) ---------------------------------------------

from models.contracts import IN_FORCE_STATES, Contract, ContractParty  # noqa: E402  (derived "Kontrakt" ties)
from models.protocols import Attendance  # noqa: E402  (derived co-attendance ties)

WATCHED = (
    Relation,
    RelationKind,
    Organisation,
    Person,
    Membership,
    Committee,
    Area,
    Term,
    Contract,
    ContractParty,
    Attendance,
)


def _bump_on_change(session, flush_context, instances):
    """Any change of a relation, organisation, person, membership … invalidates cached analyses."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, WATCHED) and (obj in session.new or obj in session.deleted or session.is_modified(obj)):
            session.connection().execute(
                update(NetworkDataVersion.__table__)
                .where(NetworkDataVersion.__table__.c.id == 1)
                .values(version=NetworkDataVersion.__table__.c.version + 1)
            )
            return


event.listen(Session, "before_flush", _bump_on_change)


def data_version() -> int:
    return db.session.scalar(select(NetworkDataVersion.version).where(NetworkDataVersion.id == 1)) or 0


def bump_data_version() -> None:
    db.session.execute(
        update(NetworkDataVersion).where(NetworkDataVersion.id == 1).values(version=NetworkDataVersion.version + 1)
    )


# --- filters and the network of a user --------------------------------------------


@dataclass
class Filters:
    as_of: date = field(default_factory=lambda: utcnow().date())
    area_id: int | None = None
    handlungsfeld_id: int | None = None
    org_kind: str | None = None
    relation_kind: str | None = None
    persons: bool = True
    derived: bool = True

    def key(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "area": self.area_id,
            "hf": self.handlungsfeld_id,
            "kind": self.org_kind,
            "rel": self.relation_kind,
            "p": self.persons,
            "d": self.derived,
        }


@dataclass
class Network:
    nodes: dict[str, dict]
    edges: list[dict]
    filters: Filters


def _org_key(oid) -> str:
    return f"org:{oid}"


def _person_key(pid) -> str:
    return f"person:{pid}"


def _valid_on(day):
    return (
        or_(Relation.valid_from.is_(None), Relation.valid_from <= day),
        or_(Relation.valid_to.is_(None), Relation.valid_to >= day),
    )


def _area_ids_with_children(area_id: int) -> set[int]:
    rows = db.session.execute(select(Area.id, Area.parent_id)).all()
    children = defaultdict(list)
    for aid, pid in rows:
        children[pid].append(aid)
    result, todo = set(), [area_id]
    while todo:
        a = todo.pop()
        if a not in result:
            result.add(a)
            todo.extend(children.get(a, []))
    return result


def _load_nodes(user, f: Filters) -> dict[str, dict]:
    org_ids_q = select(Organisation.id).where(perm.organisation_filter(user))
    nodes: dict[str, dict] = {}
    for oid, name, short, kind, body_id, active in db.session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Organisation.short_name,
            Organisation.kind,
            Organisation.body_id,
            Organisation.active,
        ).where(perm.organisation_filter(user))
    ):
        nodes[_org_key(oid)] = {
            "id": _org_key(oid),
            "type": "organisation",
            "record_id": oid,
            "label": name,
            "short": short or "",
            "kind": kind,
            "body_id": body_id,
            "active": bool(active),
            "areas": [],
            "area_ids": [],
            "handlungsfelder": [],
            "hf_ids": [],
            "organisation": "",
            "function": "",
        }
    for oid, aid, code in db.session.execute(
        select(organisation_area.c.organisation_id, Area.id, Area.code)
        .join(Area, Area.id == organisation_area.c.area_id)
        .where(organisation_area.c.organisation_id.in_(org_ids_q))
        .order_by(Area.code)
    ):
        node = nodes.get(_org_key(oid))
        if node:
            node["areas"].append(code)
            node["area_ids"].append(aid)
    for oid, tid, name in db.session.execute(
        select(organisation_term.c.organisation_id, Term.id, Term.name)
        .join(Term, Term.id == organisation_term.c.term_id)
        .where(organisation_term.c.organisation_id.in_(org_ids_q), Term.vocabulary == "handlungsfeld")
        .order_by(Term.name)
    ):
        node = nodes.get(_org_key(oid))
        if node:
            node["handlungsfelder"].append(name)
            node["hf_ids"].append(tid)
    # Node filters apply to organisations; persons follow their organisation.
    keep_orgs = set(nodes)
    if f.area_id:
        wanted = _area_ids_with_children(f.area_id)
        keep_orgs = {k for k in keep_orgs if wanted & set(nodes[k]["area_ids"])}
    if f.handlungsfeld_id:
        keep_orgs = {k for k in keep_orgs if f.handlungsfeld_id in nodes[k]["hf_ids"]}
    if f.org_kind:
        keep_orgs = {k for k in keep_orgs if nodes[k]["kind"] == f.org_kind}
    node_filter_active = bool(f.area_id or f.handlungsfeld_id or f.org_kind)
    nodes = {k: v for k, v in nodes.items() if k in keep_orgs}
    if f.persons:
        for pid, first, last, function, org_id, body_id in db.session.execute(
            select(
                Person.id, Person.first_name, Person.last_name, Person.function, Person.organisation_id, Person.body_id
            ).where(perm.network_person_filter(user))
        ):
            org_key = _org_key(org_id) if org_id else ""
            if node_filter_active and org_key not in nodes:
                continue
            nodes[_person_key(pid)] = {
                "id": _person_key(pid),
                "type": "person",
                "record_id": pid,
                "label": f"{first} {last}".strip(),
                "short": "",
                "kind": "Person",
                "body_id": body_id,
                "active": True,
                "areas": [],
                "area_ids": [],
                "handlungsfelder": [],
                "hf_ids": [],
                "organisation": org_key,
                "function": function or "",
            }
    return nodes


def _explicit_edges(user, f: Filters) -> list[dict]:
    q = (
        select(
            Relation.id,
            Relation.source_org_id,
            Relation.source_person_id,
            Relation.target_org_id,
            Relation.target_person_id,
            RelationKind.name,
            Relation.directed,
            Relation.strength,
            Relation.valid_from,
            Relation.valid_to,
            Relation.evidence,
            Relation.visibility,
            Relation.body_id,
        )
        .join(RelationKind, RelationKind.id == Relation.kind_id)
        .where(perm.relation_filter(user), *_valid_on(f.as_of))
        .order_by(Relation.id)
    )
    edges = []
    for rid, so, sp, to, tp, kind, directed, strength, vf, vt, evidence, visibility, body_id in db.session.execute(q):
        edges.append(
            {
                "id": f"rel:{rid}",
                "record_id": rid,
                "source": _org_key(so) if so else _person_key(sp),
                "target": _org_key(to) if to else _person_key(tp),
                "kind": kind,
                "directed": bool(directed),
                "strength": strength,
                "valid_from": vf.isoformat() if vf else "",
                "valid_to": vt.isoformat() if vt else "",
                "evidence": evidence or "",
                "visibility": visibility,
                "derived": False,
                "body_id": body_id,
            }
        )
    return edges


# --- derived ties ------------------------------------------------------------------
# Each derivation is fn(user, filters, nodes) -> list of edge dicts with derived=True.
# Extension points (modules built in parallel register their function with
# register_derivation() when they are merged — nothing is guessed here):
#   * derive_co_attendance   — protocols module: persons/organisations present (Attendance) at the
#                              same meeting → "informeller Kontakt", evidence "Sitzung: <title>".
#   * derive_contract_parties — contracts module: parties of one Kontrakt → "Kontrakt",
#                              evidence "Kontrakt: <title>", valid for the contract's term.


def derive_person_organisation(user, f: Filters, nodes: dict) -> list[dict]:
    """A person belongs to their organisation (Person.organisation_id)."""
    edges = []
    for key, node in nodes.items():
        if node["type"] == "person" and node["organisation"] in nodes:
            edges.append(
                {
                    "id": f"abg:person-org:{node['record_id']}",
                    "record_id": None,
                    "source": key,
                    "target": node["organisation"],
                    "kind": "Mitgliedschaft",
                    "directed": True,
                    "strength": 2,
                    "valid_from": "",
                    "valid_to": "",
                    "evidence": "Stammdaten der Person",
                    "visibility": Visibility.KREIS.value,
                    "derived": True,
                    "body_id": node["body_id"],
                }
            )
    return edges


def derive_committee_ties(user, f: Filters, nodes: dict) -> list[dict]:
    """Organisations represented in the same committee cooperate via that Gremium; a member
    sitting on behalf of another organisation represents it."""
    from beteiligung.permissions import committee_filter

    day = f.as_of
    rows = db.session.execute(
        select(
            Membership.committee_id,
            Committee.name,
            Membership.person_id,
            Membership.organisation_id,
            Person.organisation_id,
        )
        .join(Committee, Committee.id == Membership.committee_id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            committee_filter(user),
            Committee.active.is_(True),
            or_(Membership.start_date.is_(None), Membership.start_date <= day),
            or_(Membership.end_date.is_(None), Membership.end_date >= day),
        )
    )
    orgs_by_committee: dict[int, set[str]] = defaultdict(set)
    names: dict[int, str] = {}
    edges = []
    for cid, cname, pid, on_behalf, own_org in rows:
        names[cid] = cname
        org = on_behalf or own_org
        if org:
            orgs_by_committee[cid].add(_org_key(org))
        pkey = _person_key(pid)
        if on_behalf and on_behalf != own_org and pkey in nodes and _org_key(on_behalf) in nodes:
            edges.append(
                {
                    "id": f"abg:vertretung:{cid}:{pid}",
                    "record_id": None,
                    "source": pkey,
                    "target": _org_key(on_behalf),
                    "kind": "Vertretung",
                    "directed": True,
                    "strength": 2,
                    "valid_from": "",
                    "valid_to": "",
                    "evidence": f"Gremium: {cname}",
                    "visibility": Visibility.KREIS.value,
                    "derived": True,
                    "body_id": nodes[pkey]["body_id"],
                }
            )
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cid, orgs in orgs_by_committee.items():
        present = sorted(o for o in orgs if o in nodes)
        for a, b in combinations(present, 2):
            pairs[(a, b)].append(names[cid])
    for (a, b), committees in sorted(pairs.items()):
        edges.append(
            {
                "id": f"abg:gremium:{a}:{b}",
                "record_id": None,
                "source": a,
                "target": b,
                "kind": "Kooperation",
                "directed": False,
                "strength": min(3, len(committees)),
                "valid_from": "",
                "valid_to": "",
                "evidence": "Gremium: " + ", ".join(sorted(committees)),
                "visibility": Visibility.KREIS.value,
                "derived": True,
                "body_id": nodes[a]["body_id"],
            }
        )
    return edges


def _pair_edges(
    groups: dict[int, set[str]],
    labels: dict[int, str],
    nodes: dict,
    prefix: str,
    kind: str,
    evidence: str,
    validity: dict[int, tuple[str, str]] | None = None,
) -> list[dict]:
    """Undirected ties between all organisations of each group (one edge per pair, strength = groups)."""
    pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for gid, orgs in groups.items():
        for a, b in combinations(sorted(o for o in orgs if o in nodes), 2):
            pairs[(a, b)].append(gid)
    edges = []
    for (a, b), gids in sorted(pairs.items()):
        vf, vt = (validity or {}).get(gids[0], ("", ""))
        edges.append(
            {
                "id": f"abg:{prefix}:{a}:{b}",
                "record_id": None,
                "source": a,
                "target": b,
                "kind": kind,
                "directed": False,
                "strength": min(3, len(gids)),
                "valid_from": vf,
                "valid_to": vt,
                "evidence": f"{evidence}: " + ", ".join(sorted({labels[g] for g in gids})),
                "visibility": Visibility.KREIS.value,
                "derived": True,
                "body_id": nodes[a]["body_id"],
            }
        )
    return edges


def derive_contract_parties(user, f: Filters, nodes: dict) -> list[dict]:
    """Organisations that are parties of the same Kontrakt (only contracts the user may see, in force on the date)."""
    from models.contracts import Contract, ContractParty

    day = f.as_of
    rows = db.session.execute(
        select(Contract.id, Contract.title, Contract.start_date, Contract.end_date, ContractParty.organisation_id)
        .join(ContractParty, ContractParty.contract_id == Contract.id)
        .where(
            perm.contract_filter(user),
            ContractParty.organisation_id.is_not(None),
            Contract.status.in_(IN_FORCE_STATES),
            or_(Contract.start_date.is_(None), Contract.start_date <= day),
            or_(Contract.end_date.is_(None), Contract.end_date >= day),
        )
    )
    groups: dict[int, set[str]] = defaultdict(set)
    labels, validity = {}, {}
    for cid, title, start, end, org_id in rows:
        groups[cid].add(_org_key(org_id))
        labels[cid] = title
        validity[cid] = (start.isoformat() if start else "", end.isoformat() if end else "")
    return _pair_edges(groups, labels, nodes, "kontrakt", "Kontrakt", "Kontrakt", validity)


def derive_co_attendance(user, f: Filters, nodes: dict) -> list[dict]:
    """Organisations present at the same meeting (recorded attendance, meetings the user may see, up to the date)."""
    from beteiligung.permissions import committee_filter
    from models.protocols import Attendance

    rows = db.session.execute(
        select(Meeting.id, Meeting.title, Attendance.organisation_id, Person.organisation_id)
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .join(Person, Person.id == Attendance.person_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(
            committee_filter(user),
            perm.attendance_filter(user),
            Attendance.status == "anwesend",
            Meeting.start <= datetime.combine(f.as_of, datetime.max.time()),
        )
    )
    groups: dict[int, set[str]] = defaultdict(set)
    labels = {}
    for mid, title, represented, own in rows:
        org = represented or own
        if org:
            groups[mid].add(_org_key(org))
            labels[mid] = title
    return _pair_edges(groups, labels, nodes, "sitzung", "informeller Kontakt", "gemeinsam in Sitzung")


DERIVATIONS: list[Callable] = [
    derive_person_organisation,
    derive_committee_ties,
    derive_contract_parties,
    derive_co_attendance,
]


def register_derivation(fn: Callable) -> Callable:
    """Extension point for other modules (co-attendance, contract parties)."""
    if fn not in DERIVATIONS:
        DERIVATIONS.append(fn)
    return fn


def build_network(user, f: Filters | None = None) -> Network:
    f = f or Filters()
    nodes = _load_nodes(user, f)
    edges = [e for e in _explicit_edges(user, f) if e["source"] in nodes and e["target"] in nodes]
    if f.derived:
        for derive in DERIVATIONS:
            edges.extend(e for e in derive(user, f, nodes) if e["source"] in nodes and e["target"] in nodes)
    if f.relation_kind:
        edges = [e for e in edges if e["kind"] == f.relation_kind]
    return Network(nodes=nodes, edges=edges, filters=f)


# --- analysis with cache -----------------------------------------------------------


def scope_key(user, f: Filters) -> str:
    raw = json.dumps({"scope": perm.network_cache_signature(user), "filters": f.key()}, sort_keys=True)
    return "netz:" + hashlib.sha256(raw.encode()).hexdigest()


ASYNC_MIN_NODES = 1500  # from this size a cache miss is answered at once and the analysis runs in the background
_running: dict[str, threading.Thread] = {}
_running_lock = threading.Lock()


def _store(key: str, version: int, result: dict, seconds: float) -> None:
    """Write the analysis to the cache in a side transaction, never in the caller's unit of work:
    a read page must not write, and a failed cache write (lock, race) costs only the cache."""
    from beteiligung.database import side_write

    table = NetworkAnalysisCache.__table__
    values = dict(data_version=version, payload=json.dumps(result), seconds=seconds, computed_at=utcnow())

    def work(conn):
        row = conn.execute(select(table.c.id, table.c.data_version).where(table.c.scope_key == key)).first()
        if row is None:
            conn.execute(table.insert().values(scope_key=key, **values))
        elif row.data_version <= version:
            conn.execute(table.update().where(table.c.id == row.id).values(**values))

    side_write(work)


BACKGROUND_DELAY = 1.0  # let the request that started it finish first (threads share the GIL)


def _compute_in_background(app, key: str, version: int, g) -> None:
    try:
        time.sleep(BACKGROUND_DELAY)
        t0 = time.perf_counter()
        result = analysis.analyse(g)
        with app.app_context():
            try:
                with unit_of_work():
                    _store(key, version, result, time.perf_counter() - t0)
            finally:
                db.session.remove()
    finally:
        with _running_lock:
            _running.pop(key, None)


def _start_background(key: str, version: int, g) -> threading.Thread:
    from flask import current_app

    with _running_lock:
        thread = _running.get(key)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=_compute_in_background,
                name=f"netzwerk-analyse-{key[-8:]}",
                args=(current_app._get_current_object(), key, version, g),
                daemon=True,
            )
            _running[key] = thread
            thread.start()
    return thread


def wait_for_background(timeout: float = 120.0) -> None:
    """For the CLI and tests: wait until running background analyses are stored."""
    with _running_lock:
        threads = list(_running.values())
    for thread in threads:
        thread.join(timeout)


def analyse_network(user, net: Network, *, use_cache: bool = True, wait: bool = False) -> dict:
    """Analysis of the network, cached per scope and data version.

    Small networks are analysed on the spot. For large ones (ASYNC_MIN_NODES) a cache miss does not
    make the page wait: the last stored analysis of the scope (marked stale) or the linear-time quick
    analysis is shown while the full analysis runs in a background thread."""
    key = scope_key(user, net.filters)
    version = data_version()
    row = None
    if use_cache:
        row = db.session.scalar(select(NetworkAnalysisCache).where(NetworkAnalysisCache.scope_key == key))
        if row is not None and row.data_version == version:
            result = json.loads(row.payload)
            result.update(cached=True, stale=False, computed_at=row.computed_at.isoformat())
            return result
    g = analysis.simple_graph(net.nodes, net.edges)
    if use_cache and not wait and g.number_of_nodes() >= ASYNC_MIN_NODES:
        _start_background(key, version, g)
        if row is not None:
            result = json.loads(row.payload)
            result.update(cached=True, stale=True, pending=True, computed_at=row.computed_at.isoformat())
            # nodes added since the stored analysis get neutral values
            for node in net.nodes:
                result["metrics"].setdefault(
                    node,
                    {
                        "degree": g.degree(node) if node in g else 0,
                        "degree_centrality": 0,
                        "betweenness": 0,
                        "eigenvector": 0,
                        "component": -1,
                        "community": -1,
                    },
                )
            return result
        result = analysis.quick(g)
        result.update(cached=False, stale=False, computed_at=utcnow().isoformat())
        return result
    t0 = time.perf_counter()
    result = analysis.analyse(g)
    if use_cache:
        _store(key, version, result, time.perf_counter() - t0)
    result.update(cached=False, stale=False, computed_at=utcnow().isoformat())
    return result


def ranked_nodes(net: Network, result: dict) -> list[dict]:
    """Nodes with their metrics, most central first (betweenness, then degree, then name)."""
    metrics = result["metrics"]
    rows = []
    for key, node in net.nodes.items():
        rows.append(
            {
                **node,
                **metrics.get(
                    key,
                    {
                        "degree": 0,
                        "degree_centrality": 0,
                        "betweenness": 0,
                        "eigenvector": 0,
                        "component": -1,
                        "community": -1,
                    },
                ),
            }
        )
    rows.sort(key=lambda r: (-r["betweenness"], -r["degree"], r["label"].lower()))
    return rows


def network_diff(user, f: Filters, day_from: date, day_to: date) -> dict:
    from dataclasses import replace

    before = build_network(user, replace(f, as_of=day_from))
    after = build_network(user, replace(f, as_of=day_to))
    nodes = {**before.nodes, **after.nodes}
    return {**analysis.diff(before.edges, after.edges), "nodes": nodes}


def ego_network(user, f: Filters, org: Organisation, radius: int = 1) -> tuple[Network, dict]:
    import networkx as nx

    net = build_network(user, f)
    key = _org_key(org.id)
    g = analysis.simple_graph(net.nodes, net.edges)
    ego = analysis.ego_graph(g, key, radius)
    keep = set(ego.nodes)
    sub = Network(
        nodes={k: v for k, v in net.nodes.items() if k in keep},
        edges=[e for e in net.edges if e["source"] in keep and e["target"] in keep],
        filters=f,
    )
    return sub, analysis.analyse(ego) if ego.number_of_nodes() else analysis.analyse(nx.Graph())


# --- coverage matrix Area × Handlungsfeld ------------------------------------------


def _unindexed(column):
    """On SQLite `column + 0`: no index probe per organisation and listed id (SQLite would otherwise look up
    every (organisation, area) and (organisation, term) pair, 4× the time). PostgreSQL keeps the plain
    column: it estimates the rows from it and hash-joins (with "+ 0" it chose nested loops, 6× slower)."""
    return column + 0 if db.engine.dialect.name == "sqlite" else column


def coverage(user, day: date | None = None, body_id: int | None = None, field_id: int | None = None) -> dict:
    """Active organisations (not Politik) per Sozialraum and Handlungsfeld; empty cells are gaps.

    body_id narrows the rows to the Sozialräume of one Kommune, field_id the columns to one Handlungsfeld;
    "bodies" and "all_fields" are the filter choices; "cells" maps (area id, term id) to the number of
    organisations (missing: none)."""
    day = day or utcnow().date()
    all_areas = db.session.scalars(
        select(Area)
        .where(
            perm.area_filter(user),
            Area.kind == "Sozialraum",
            or_(Area.valid_from.is_(None), Area.valid_from <= day),
            or_(Area.valid_to.is_(None), Area.valid_to >= day),
        )
        .options(joinedload(Area.body))
        .order_by(Area.body_id, Area.code)
    ).all()
    all_fields = db.session.scalars(select(Term).where(Term.vocabulary == "handlungsfeld").order_by(Term.name)).all()
    bodies = sorted({a.body for a in all_areas}, key=lambda b: b.name)
    areas = [a for a in all_areas if body_id is None or a.body_id == body_id]
    fields = [t for t in all_fields if field_id is None or t.id == field_id]
    # counted in SQL, only for the cells shown: the page reads one row per cell, not one per organisation
    cells: dict[tuple[int, int], int] = {}
    if areas and fields:
        cells = {
            (aid, tid): n
            for aid, tid, n in db.session.execute(
                select(organisation_area.c.area_id, organisation_term.c.term_id, func.count())
                .join(organisation_term, organisation_term.c.organisation_id == organisation_area.c.organisation_id)
                .join(Organisation, Organisation.id == organisation_area.c.organisation_id)
                .where(
                    perm.organisation_filter(user),
                    Organisation.active.is_(True),
                    Organisation.kind != POLITICS_KIND,
                    _unindexed(organisation_area.c.area_id).in_([a.id for a in areas]),
                    _unindexed(organisation_term.c.term_id).in_([t.id for t in fields]),
                )
                .group_by(organisation_area.c.area_id, organisation_term.c.term_id)
            )
        }
    gaps = [(a, t) for a in areas for t in fields if not cells.get((a.id, t.id))]
    return {
        "areas": areas,
        "fields": fields,
        "cells": cells,
        "gaps": gaps,
        "bodies": bodies,
        "all_fields": all_fields,
    }


# --- relations: create, update, delete ----------------------------------------------


def parse_node_key(key: str) -> Organisation | Person | None:
    """'org:12' / 'person:7' → the record (or None)."""
    kind, _, raw = (key or "").partition(":")
    if not raw.isdigit():
        return None
    model = {"org": Organisation, "person": Person}.get(kind)
    return db.session.get(model, int(raw)) if model else None


def _node_visible(user, obj) -> bool:
    if isinstance(obj, Organisation):
        return perm.can_view_organisation(user, obj)
    if isinstance(obj, Person):
        return perm.can_view_person(user, obj)
    return False


def _check_relation(user, values: dict) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    resolved = {}
    for side in ("source", "target"):
        obj = values.get(side)
        if isinstance(obj, str):
            obj = parse_node_key(obj)
        label = "Von" if side == "source" else "An"
        if obj is None or not _node_visible(user, obj):
            errors[side] = f"{label}: Bitte eine Organisation oder Person aus der Liste wählen."
            continue
        if isinstance(obj, Person) and (not obj.consent_given or obj.anonymised_at is not None):
            errors[side] = (
                f"{label}: {obj.full_name} hat keine Einwilligung erteilt; "
                "Beziehungen zu dieser Person werden nicht erfasst."
            )
            continue
        resolved[side] = obj
    if "source" in resolved and "target" in resolved and resolved["source"] is resolved["target"]:
        errors["target"] = "Eine Beziehung braucht zwei verschiedene Beteiligte."
    kind = values.get("kind")
    if isinstance(kind, int):
        kind = db.session.get(RelationKind, kind)
    if kind is None:
        errors["kind_id"] = "Bitte eine Art der Beziehung wählen."
    resolved["kind"] = kind
    strength = values.get("strength")
    if strength not in (1, 2, 3):
        errors["strength"] = "Die Stärke muss 1 (schwach), 2 (mittel) oder 3 (stark) sein."
    if values.get("visibility") not in VISIBILITIES:
        errors["visibility"] = "Bitte eine Sichtbarkeit wählen."
    vf, vt = values.get("valid_from"), values.get("valid_to")
    if vf and vt and vt < vf:
        errors["valid_to"] = "„Gültig bis“ darf nicht vor „Gültig ab“ liegen."
    body_id = values.get("body_id")
    if body_id is None or db.session.get(Body, body_id) is None:
        errors["body_id"] = "Bitte eine Körperschaft wählen."
    elif not perm.can_create_relation(user, body_id):
        errors["body_id"] = "In dieser Körperschaft dürfen Sie keine Beziehungen anlegen."
    return errors, resolved


def _apply(rel: Relation, values: dict, resolved: dict) -> None:
    src, tgt = resolved["source"], resolved["target"]
    rel.source_org_id = src.id if isinstance(src, Organisation) else None
    rel.source_person_id = src.id if isinstance(src, Person) else None
    rel.target_org_id = tgt.id if isinstance(tgt, Organisation) else None
    rel.target_person_id = tgt.id if isinstance(tgt, Person) else None
    rel.kind = resolved["kind"]
    rel.body_id = values["body_id"]
    for name in ("directed", "strength", "valid_from", "valid_to", "evidence", "visibility", "note"):
        if name in values:
            setattr(rel, name, values[name])
    if rel.directed is None:
        rel.directed = resolved["kind"].directed_default


def create_relation(user, values: dict) -> Relation:
    require(perm.can_create_relation(user))
    errors, resolved = _check_relation(user, values)
    if errors:
        raise ValidationError(errors)
    rel = Relation()
    _apply(rel, values, resolved)
    db.session.add(rel)
    record(user, "angelegt", rel, None, snapshot(rel), summary=f"Beziehung: {rel}")
    db.session.flush()
    return rel


def update_relation(user, rel: Relation, values: dict, submitted_version) -> Relation:
    require(perm.can_edit_relation(user, rel))
    ensure_version(rel, submitted_version)
    errors, resolved = _check_relation(user, values)
    if errors:
        raise ValidationError(errors)
    before = snapshot(rel)
    _apply(rel, values, resolved)
    record(user, "geändert", rel, before, snapshot(rel), summary=f"Beziehung: {rel}")
    db.session.flush()
    return rel


def delete_relation(user, rel: Relation, submitted_version) -> None:
    require(perm.can_edit_relation(user, rel))
    ensure_version(rel, submitted_version)
    record(user, "gelöscht", rel, snapshot(rel), None, summary=f"Beziehung: {rel}")
    db.session.delete(rel)
    db.session.flush()


def get_relation(user, rel_id: int) -> Relation:
    rel = db.session.get(Relation, rel_id)
    if rel is None or not perm.can_view_relation(user, rel):
        raise NotFound()
    return rel


def create_relation_kind(user, name: str, directed: bool, description: str | None) -> RelationKind:
    require(perm.can_edit_relation_kinds(user))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Bitte einen Namen eingeben."})
    if db.session.scalar(select(RelationKind.id).where(func.lower(RelationKind.name) == name.lower())):
        raise ValidationError({"name": "Diese Art gibt es schon."})
    kind = RelationKind(name=name, directed_default=bool(directed), description=description or None)
    db.session.add(kind)
    record(user, "angelegt", kind, None, snapshot(kind), summary=f"Beziehungsart: {name}")
    db.session.flush()
    return kind


# --- partner pipeline ---------------------------------------------------------------


def set_partner_status(
    user,
    values: dict,
    entry: PartnerStatus | None = None,
    submitted_version=None,
) -> PartnerStatus:
    errors = {}
    if values.get("status") not in PIPELINE_STATES:
        errors["status"] = "Bitte einen Stand wählen (identifiziert, angesprochen, aktiv)."
    org = db.session.get(Organisation, values.get("organisation_id") or 0)
    if org is None or not perm.can_view_organisation(user, org):
        errors["organisation_id"] = "Bitte eine Organisation wählen."
    body_id = values.get("body_id")
    allowed = perm.network_writable_body_ids(user)
    if body_id is None or (allowed is not None and body_id not in allowed):
        errors["body_id"] = "In dieser Körperschaft dürfen Sie die Partnergewinnung nicht pflegen."
    if entry is None and not errors:
        if db.session.scalar(
            select(PartnerStatus.id).where(PartnerStatus.organisation_id == org.id, PartnerStatus.body_id == body_id)
        ):
            errors["organisation_id"] = "Für diese Organisation gibt es in der Körperschaft schon einen Eintrag."
    if errors:
        raise ValidationError(errors)
    if entry is None:
        require(perm.can_manage_network(user))
        entry = PartnerStatus(
            body_id=body_id, organisation_id=org.id, status=values["status"], status_since=utcnow().date()
        )
        db.session.add(entry)
        before = None
    else:
        require(perm.can_manage_partner_status(user, entry))
        ensure_version(entry, submitted_version)
        before = snapshot(entry)
        if entry.status != values["status"]:
            entry.status_since = utcnow().date()
        entry.status = values["status"]
        entry.body_id = body_id
        entry.organisation_id = org.id
    entry.handlungsfeld_id = values.get("handlungsfeld_id")
    entry.next_step = values.get("next_step")
    entry.note = values.get("note")
    record(
        user,
        "angelegt" if before is None else "geändert",
        entry,
        before,
        snapshot(entry),
        summary=f"Partnergewinnung: {org.name} – {entry.status}",
    )
    db.session.flush()
    return entry


# --- import of relations -------------------------------------------------------------

RELATION_COLUMNS = [
    "Von",
    "An",
    "Art",
    "Gerichtet",
    "Stärke",
    "Gültig ab",
    "Gültig bis",
    "Quelle",
    "Sichtbarkeit",
    "Notiz",
]
RELATION_REQUIRED = ["Von", "An", "Art"]


def _name_index(user):
    """Lower-case names (name, short name; persons 'Vorname Nachname') → list of records."""
    index: dict[str, list] = defaultdict(list)
    for org in db.session.scalars(select(Organisation).where(perm.organisation_filter(user))):
        index[org.name.lower()].append(org)
        if org.short_name and org.short_name.lower() != org.name.lower():
            index[org.short_name.lower()].append(org)
    for person in db.session.scalars(select(Person).where(perm.person_filter(user))):
        index[person.full_name.lower()].append(person)
    return index


def _parse_strength(text: str):
    text = (text or "").strip().lower()
    if not text:
        return 2
    words = {v: k for k, v in STRENGTH_LABELS.items()}
    if text in words:
        return words[text]
    return int(text) if text in ("1", "2", "3") else None


def _parse_date(text: str, label: str, errors: list):
    text = _de_date((text or "").strip())
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label}: „{text}“ ist kein Datum (TT.MM.JJJJ).")
        return None


def import_relations(user, body: Body, filename: str, data: bytes, *, commit: bool) -> ImportReport:
    """Validate every row; write all rows in one transaction only if all are valid and commit is set."""
    require(perm.can_import_network(user))
    require(perm.can_create_relation(user, body.id), "In diese Körperschaft dürfen Sie nicht importieren.")
    report = ImportReport(kind="Beziehungen")
    rows = load_rows(report, filename, data, RELATION_REQUIRED)
    if rows is None:
        return report
    names = _name_index(user)
    kinds = {k.name.lower(): k for k in db.session.scalars(select(RelationKind).where(RelationKind.active.is_(True)))}
    visibilities = {**{k: k for k in VISIBILITIES}, **{v.lower(): k for k, v in VISIBILITIES.items()}}
    existing = {
        (r.source_key, r.target_key, r.kind_id, r.valid_from)
        for r in db.session.scalars(select(Relation).where(Relation.body_id == body.id))
    }
    seen: dict[tuple, int] = {}
    prepared = []
    for line, row in enumerate(rows, start=2):
        if row is None:
            continue
        result = RowResult(line=line, label=f"{row.get('Von', '')} → {row.get('An', '')}"[:80])
        report.rows.append(result)
        errs = result.errors
        if row.get("__extra__"):
            errs.append("Mehr Werte als Spalten (Trennzeichen im Text? Dann bitte in Anführungszeichen setzen).")
        ends = {}
        for col in ("Von", "An"):
            text = (row.get(col) or "").strip()
            if not text:
                errs.append(f"{col}: Pflichtangabe fehlt.")
                continue
            found = names.get(text.lower(), [])
            if not found:
                errs.append(f"{col}: „{text}“ ist weder eine bekannte Organisation noch eine Person.")
            elif len(found) > 1:
                errs.append(
                    f"{col}: „{text}“ ist nicht eindeutig ({len(found)} Treffer); bitte den vollen Namen verwenden."
                )
            else:
                ends[col] = found[0]
        kind = kinds.get((row.get("Art") or "").strip().lower())
        if kind is None:
            errs.append(
                f"Art: „{row.get('Art', '')}“ ist keine bekannte Art (z. B. {', '.join(sorted(k.name for k in kinds.values())[:4])})."
            )
        strength = _parse_strength(row.get("Stärke", ""))
        if strength is None:
            errs.append("Stärke: bitte 1, 2, 3 oder schwach, mittel, stark.")
        vf = _parse_date(row.get("Gültig ab", ""), "Gültig ab", errs)
        vt = _parse_date(row.get("Gültig bis", ""), "Gültig bis", errs)
        vis_text = (row.get("Sichtbarkeit") or "").strip().lower()
        visibility = visibilities.get(vis_text) if vis_text else Visibility.KREIS.value
        if visibility is None:
            errs.append(
                "Sichtbarkeit: bitte „öffentlich im Kreis“, „nur Sozialplanung“ oder „nur beteiligte Organisationen“."
            )
        directed_text = (row.get("Gerichtet") or "").strip().lower()
        if directed_text in ("ja", "j", "x", "1", "gerichtet"):
            directed = True
        elif directed_text in ("nein", "n", "0", "ungerichtet"):
            directed = False
        elif directed_text:
            errs.append("Gerichtet: bitte ja oder nein.")
            directed = None
        else:
            directed = kind.directed_default if kind else None
        values = {
            "source": ends.get("Von"),
            "target": ends.get("An"),
            "kind": kind,
            "strength": strength,
            "valid_from": vf,
            "valid_to": vt,
            "visibility": visibility or Visibility.KREIS.value,
            "directed": directed,
            "evidence": (row.get("Quelle") or "")[:500] or None,
            "note": row.get("Notiz") or None,
            "body_id": body.id,
        }
        if not errs:
            check, resolved = _check_relation(user, values)
            errs.extend(check.values())
            if not check:
                src, tgt = resolved["source"], resolved["target"]
                key = (
                    ("org:" if isinstance(src, Organisation) else "person:") + str(src.id),
                    ("org:" if isinstance(tgt, Organisation) else "person:") + str(tgt.id),
                    kind.id,
                    vf,
                )
                if key in existing:
                    errs.append("Diese Beziehung ist schon erfasst.")
                elif key in seen:
                    errs.append(f"Doppelt: dieselbe Beziehung steht schon in Zeile {seen[key]}.")
                seen[key] = line
                prepared.append((values, resolved))
    if not report.ok or not commit:
        return report  # the checks above wrote nothing
    for values, resolved in prepared:
        rel = Relation()
        _apply(rel, values, resolved)
        db.session.add(rel)
        record(user, "importiert", rel, None, snapshot(rel), summary=f"Beziehung: {rel}")
    db.session.flush()
    report.written = len(prepared)
    return report


# --- export ------------------------------------------------------------------------------

NODE_EXPORT = [
    ("ID", "id"),
    ("Typ", "type"),
    ("Name", "label"),
    ("Kurzname", "short"),
    ("Art", "kind"),
    ("Organisation", "organisation"),
    ("Funktion", "function"),
    ("Sozialräume", "areas"),
    ("Handlungsfelder", "handlungsfelder"),
]
EDGE_EXPORT = [
    ("ID", "id"),
    ("Von", "source"),
    ("An", "target"),
    ("Art", "kind"),
    ("gerichtet", "directed"),
    ("Stärke", "strength"),
    ("Gültig ab", "valid_from"),
    ("Gültig bis", "valid_to"),
    ("Quelle", "evidence"),
    ("Sichtbarkeit", "visibility"),
    ("abgeleitet", "derived"),
]


def _scalar(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def _node_export_attrs(node: dict, m: dict | None) -> dict:
    attrs = {attr: _scalar(node[attr]) for _h, attr in NODE_EXPORT if attr != "id"}
    if m:
        attrs.update(
            {
                "degree": int(m["degree"]),
                "betweenness": float(m["betweenness"]),
                "eigenvector": float(m["eigenvector"]),
                "community": int(m["community"]),
            }
        )
    return attrs


def _edge_export_attrs(e: dict) -> dict:
    attrs = {attr: _scalar(e[attr]) for _h, attr in EDGE_EXPORT if attr not in ("id", "source", "target")}
    attrs["directed"] = bool(e["directed"])
    attrs["derived"] = bool(e["derived"])
    attrs["strength"] = int(e["strength"])
    attrs["weight"] = int(e["strength"])
    attrs["edge_id"] = e["id"]  # kept as an attribute: readers drop edge ids of simple graphs
    return attrs


def export_graph(net: Network, result: dict | None = None) -> nx.MultiDiGraph:
    """A MultiDiGraph with scalar attributes only (GraphML/GEXF need that); undirected ties carry directed=False."""
    import networkx as nx

    g = nx.MultiDiGraph()
    metrics = (result or {}).get("metrics", {})
    for key, node in net.nodes.items():
        g.add_node(key, **_node_export_attrs(node, metrics.get(key)))
    for e in net.edges:
        g.add_edge(e["source"], e["target"], key=e["id"], **_edge_export_attrs(e))
    return g


def _gexf_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _gexf_value(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _node_triples(net: Network, result: dict | None):
    """For the writers below: a callable giving (key, node, measures or None) for each node of `net`."""
    metrics = (result or {}).get("metrics", {})
    return lambda: ((key, node, metrics.get(key)) for key, node in net.nodes.items())


def gexf_chunks(net: Network, result: dict | None = None):
    """The GEXF file (the format and content networkx writes for `export_graph`) written element by
    element while the network is walked: memory does not grow with the number of nodes and ties."""
    return gexf_stream(_node_triples(net, result), lambda: iter(net.edges))


def gexf_stream(nodes, edges):
    """`gexf_chunks` from `nodes()`, giving (key, node, measures or None), and `edges()`, giving tie dicts;
    each is walked twice (the attribute declarations come first), so they may read rows from storage."""
    from xml.sax.saxutils import quoteattr

    import networkx as nx

    # attribute declarations first: ids and types in order of appearance, as networkx assigns them
    node_types: dict = {}
    for _key, node, m in nodes():
        for k, v in _node_export_attrs(node, m).items():
            if k != "label":
                node_types.setdefault(k, _gexf_type(v))
    edge_types: dict = {}
    for e in edges():
        for k, v in _edge_export_attrs(e).items():
            if k not in ("label", "weight"):
                edge_types.setdefault(k, _gexf_type(v))
    edge_types["networkx_key"] = "string"
    ids = {("node", k): str(i) for i, k in enumerate(node_types)}
    ids.update({("edge", k): str(len(node_types) + i) for i, k in enumerate(edge_types)})

    def declarations(cls, types):
        out = [f'<attributes mode="static" class="{cls}">']
        out += [f'<attribute id="{ids[(cls, k)]}" title={quoteattr(k)} type="{t}" />' for k, t in types.items()]
        return "".join(out) + "</attributes>"

    def attvalues(cls, attrs):
        vals = "".join(
            f'<attvalue for="{ids[(cls, k)]}" value={quoteattr(_gexf_value(v))} />'
            for k, v in attrs.items()
            if (cls, k) in ids
        )
        return f"<attvalues>{vals}</attvalues>" if vals else ""

    yield "<?xml version='1.0' encoding='utf-8'?>\n"
    yield (
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">'
        f'<meta lastmodifieddate="{date.today().isoformat()}"><creator>NetworkX {nx.__version__}</creator></meta>'
        '<graph defaultedgetype="directed" mode="static" name="">'
    )
    yield declarations("edge", edge_types) + declarations("node", node_types) + "<nodes>"
    for key, node, m in nodes():
        attrs = _node_export_attrs(node, m)
        label = quoteattr(str(attrs.get("label", key)))
        yield f"<node id={quoteattr(str(key))} label={label}>{attvalues('node', attrs)}</node>"
    yield "</nodes><edges>"
    for i, e in enumerate(edges()):
        attrs = _edge_export_attrs(e)
        attrs["networkx_key"] = e["id"]
        head = f"<edge source={quoteattr(str(e['source']))} target={quoteattr(str(e['target']))} id=\"{i}\""
        if "label" in attrs:
            head += f" label={quoteattr(str(attrs['label']))}"
        head += f' weight="{attrs["weight"]}">'
        yield head + attvalues("edge", attrs) + "</edge>"
    yield "</edges></graph></gexf>"


def json_chunks(net: Network):
    """`json_data(net)` as JSON text (the same bytes json.dumps writes), one node or tie at a time."""
    return json_stream(net.filters.as_of, net.nodes.values(), net.edges)


def json_stream(as_of: date, nodes, edges):
    """`json_chunks` from iterables of node dicts and tie dicts (walked once)."""
    yield '{"stand": ' + json.dumps(as_of.isoformat()) + ', "nodes": ['
    for i, node in enumerate(nodes):
        item = {k: v for k, v in node.items() if k not in ("area_ids", "hf_ids", "body_id")}
        yield (", " if i else "") + json.dumps(item, ensure_ascii=False)
    yield '], "edges": ['
    for i, e in enumerate(edges):
        yield (", " if i else "") + json.dumps({k: v for k, v in e.items() if k != "body_id"}, ensure_ascii=False)
    yield "]}"


# GraphML attribute types as networkx writes them (`GraphML.xml_type` for the Python types of the export)
_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
# characters XML 1.0 cannot carry at all (networkx/lxml refuse them; the stream leaves them out)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_XML_ATTR = {**_XML_TEXT, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
_XML_TEXT_RE = re.compile("[&<>\r]")
_XML_ATTR_RE = re.compile('[&<>"\r\n\t]')


def _xml_text(value) -> str:
    return _XML_TEXT_RE.sub(lambda m: _XML_TEXT[m.group()], _XML_ILLEGAL.sub("", str(value)))


def _xml_attr(value) -> str:
    return '"' + _XML_ATTR_RE.sub(lambda m: _XML_ATTR[m.group()], _XML_ILLEGAL.sub("", str(value))) + '"'


def graphml_chunks(net: Network, result: dict | None = None):
    """The GraphML file of `export_graph(net, result)` as networkx writes it (same keys, ids, attribute
    types and values; XML-escaped as lxml does), written element by element while the network is walked:
    a first pass collects the attribute keys (they precede the graph), a second writes nodes and ties.
    `net.edges` is read twice, so it may be any re-iterable (the view streams it from the stored graph);
    memory does not grow with the number of nodes and ties. Ties come in the order of `net.edges`
    (networkx groups them by source node): the same graph, read back."""
    return graphml_stream(_node_triples(net, result), lambda: iter(net.edges))


def graphml_stream(nodes, edges):
    """`graphml_chunks` from `nodes()`, giving (key, node, measures or None), and `edges()`, giving tie
    dicts; each is walked twice."""
    keys: dict[tuple[str, str, str], str] = {}  # (name, type, scope) → id, in order of first appearance

    def key(name, value, scope) -> str:
        k = (name, _GRAPHML_TYPES.get(type(value), "string"), scope)
        if k not in keys:
            keys[k] = f"d{len(keys)}"
        return keys[k]

    for _node_key, node, m in nodes():
        for name, value in _node_export_attrs(node, m).items():
            key(name, value, "node")
    for e in edges():
        for name, value in _edge_export_attrs(e).items():
            key(name, value, "edge")

    def data(attrs, scope) -> str:
        return "".join(
            f'<data key="{key(name, value, scope)}">{_xml_text(value)}</data>' for name, value in attrs.items()
        )

    yield "<?xml version='1.0' encoding='utf-8'?>\n"
    yield (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
    )
    # networkx inserts each new key in front of the earlier ones
    yield "".join(
        f'<key id="{kid}" for="{scope}" attr.name={_xml_attr(name)} attr.type="{xml_type}"/>'
        for (name, xml_type, scope), kid in reversed(keys.items())
    )
    yield '<graph edgedefault="directed">'
    for node_key, node, m in nodes():
        attrs = _node_export_attrs(node, m)
        yield (
            f"<node id={_xml_attr(node_key)}>{data(attrs, 'node')}</node>"
            if attrs
            else f"<node id={_xml_attr(node_key)}/>"
        )
    for e in edges():
        head = f"<edge source={_xml_attr(e['source'])} target={_xml_attr(e['target'])} id={_xml_attr(e['id'])}>"
        yield head + data(_edge_export_attrs(e), "edge") + "</edge>"
    yield "</graph></graphml>"


def graphml_bytes(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=False)
    return buf.getvalue()


def gexf_bytes(g: nx.MultiDiGraph) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_gexf(g, buf, encoding="utf-8", prettyprint=False)
    return buf.getvalue()


def json_data(net: Network) -> dict:
    return {
        "stand": net.filters.as_of.isoformat(),
        "nodes": [
            {k: v for k, v in node.items() if k not in ("area_ids", "hf_ids", "body_id")} for node in net.nodes.values()
        ],
        "edges": [{k: v for k, v in e.items() if k != "body_id"} for e in net.edges],
    }


# --- contact directory ("Wen rufe ich an?") ------------------------------------------


def contact_query(user, *, handlungsfeld_id=None, area_id=None, function=None, body_id=None) -> Select:
    q = (
        select(Person)
        .where(perm.person_filter(user), Person.consent_given.is_(True), Person.anonymised_at.is_(None))
        .order_by(Person.last_name, Person.first_name, Person.id)
    )
    if handlungsfeld_id:
        q = q.where(
            Person.organisation_id.in_(
                select(organisation_term.c.organisation_id).where(organisation_term.c.term_id == handlungsfeld_id)
            )
        )
    if area_id:
        q = q.where(
            Person.organisation_id.in_(
                select(organisation_area.c.organisation_id).where(
                    organisation_area.c.area_id.in_(_area_ids_with_children(area_id))
                )
            )
        )
    if body_id:  # the Kommune (or Kreis) the person works for
        q = q.where(Person.body_id == body_id)
    if function:
        pattern = "%" + function.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").lower() + "%"
        q = q.where(func.lower(Person.function).like(pattern, escape="\\"))
    return q


def deputies_for(user, person_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Deputies per person: (name, where) from role assignments (function deputy) and committee seats.
    Only deputies the user may see and who consented are named."""
    result: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not person_ids:
        return result
    visible = select(Person.id).where(
        perm.person_filter(user), Person.consent_given.is_(True), Person.anonymised_at.is_(None)
    )
    deputy_person = db.aliased(Person)
    for pid, cname, first, last in db.session.execute(
        select(Membership.person_id, Committee.name, deputy_person.first_name, deputy_person.last_name)
        .join(Committee, Committee.id == Membership.committee_id)
        .join(deputy_person, deputy_person.id == Membership.deputy_id)
        .where(Membership.person_id.in_(person_ids), Membership.deputy_id.in_(visible), perm.committee_filter(user))
        .order_by(Committee.name)
    ):
        result[pid].append((f"{first} {last}", f"Gremium: {cname}"))
    holder, deputy = db.aliased(User), db.aliased(User)
    for pid, title, name, dep_person in db.session.execute(
        select(holder.person_id, RoleAssignment.function_title, deputy.display_name, deputy.person_id)
        .join(holder, holder.id == RoleAssignment.user_id)
        .join(deputy, deputy.id == RoleAssignment.deputy_id)
        .where(holder.person_id.in_(person_ids), deputy.person_id.in_(visible))
    ):
        result[pid].append((name, f"Funktion: {title or 'Rolle'}"))
    return result
