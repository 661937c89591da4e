"""Die Wirkungskette as one graph.

Nodes are (kind, id) pairs: befund (survey finding), thema (Themenspeicher entry), top
(agenda item), eintrag (protocol entry), massnahme, ziel, kontrakt, kennzahl, bericht
(a partner's report with its values). Every edge is one SQL select of (from id, to id), so
walking the chain costs one query per edge kind and step — independent of how much data
there is. Deviations close the loop: a report or a measure proposes a Themenspeicher entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from models import AgendaItem, Meeting, TopicProposal
from models.contracts import (
    Contract,
    Goal,
    Indicator,
    Measurement,
    Report,
    ReportingDuty,
    contract_goal,
)
from models.planung import (
    Measure,
    decision_contract,
    decision_goal,
    decision_measure,
    measure_contract,
    measure_goal,
    measure_indicator,
)
from models.protocols import Protocol, ProtocolEntry
from models.surveys import Finding

KINDS = {
    "befund": "Befund",
    "thema": "Themenspeicher",
    "top": "Tagesordnungspunkt",
    "eintrag": "Protokolleintrag",
    "massnahme": "Maßnahme",
    "ziel": "Ziel",
    "kontrakt": "Kontrakt",
    "kennzahl": "Kennzahl",
    "bericht": "Bericht",
}
CHAIN_ENTRY_KINDS = ("Erkenntnis", "Empfehlung", "Beschluss", "Aufgabe")
# Topics proposed by a deviation; their sources are reports and measures.
DEVIATION_SOURCES = {"bericht": "bericht", "massnahme": "massnahme"}


def _edges():
    """(from kind, to kind, select of (from id, to id))."""
    T, E = TopicProposal, ProtocolEntry
    return [
        ("befund", "thema", select(T.source_id, T.id).where(T.source_type == "befund")),
        ("befund", "ziel", select(Goal.source_finding_id, Goal.id).where(Goal.source_finding_id.is_not(None))),
        ("thema", "top", select(T.id, T.agenda_item_id).where(T.agenda_item_id.is_not(None))),
        ("top", "eintrag", select(E.agenda_item_id, E.id).where(E.kind.in_(CHAIN_ENTRY_KINDS))),
        ("eintrag", "thema", select(E.id, E.forwarded_topic_id).where(E.forwarded_topic_id.is_not(None))),
        ("eintrag", "massnahme", select(decision_measure.c.entry_id, decision_measure.c.measure_id)),
        ("eintrag", "ziel", select(decision_goal.c.entry_id, decision_goal.c.goal_id)),
        ("eintrag", "kontrakt", select(decision_contract.c.entry_id, decision_contract.c.contract_id)),
        ("ziel", "massnahme", select(measure_goal.c.goal_id, measure_goal.c.measure_id)),
        ("ziel", "kontrakt", select(contract_goal.c.goal_id, contract_goal.c.contract_id)),
        ("ziel", "kennzahl", select(Indicator.goal_id, Indicator.id).where(Indicator.goal_id.is_not(None))),
        ("massnahme", "kontrakt", select(measure_contract.c.measure_id, measure_contract.c.contract_id)),
        ("massnahme", "kennzahl", select(measure_indicator.c.measure_id, measure_indicator.c.indicator_id)),
        ("kontrakt", "kennzahl", select(Indicator.contract_id, Indicator.id).where(Indicator.contract_id.is_not(None))),
        (
            "kennzahl",
            "bericht",
            select(Measurement.indicator_id, Measurement.report_id)
            .where(Measurement.report_id.is_not(None))
            .distinct(),
        ),
        ("bericht", "thema", select(T.source_id, T.id).where(T.source_type == "bericht")),
        ("massnahme", "thema", select(T.source_id, T.id).where(T.source_type == "massnahme")),
    ]


def _step(frontier: dict[str, set[int]], downstream: bool) -> list[tuple[tuple, tuple]]:
    """One step from every node of the frontier: [((kind, id), (kind, id)), ...] as (upstream, downstream)."""
    pairs = []
    for src_kind, dst_kind, stmt in _edges():
        here = src_kind if downstream else dst_kind
        ids = frontier.get(here)
        if not ids:
            continue
        col = stmt.selected_columns[0 if downstream else 1]
        for a, b in db.session.execute(stmt.where(col.in_(ids))).all():
            if a is None or b is None:
                continue
            pairs.append(((src_kind, a), (dst_kind, b)))
    return pairs


def walk(start: tuple[str, int], downstream: bool, max_steps: int = 40) -> dict[tuple, int]:
    """Every node reachable from start in one direction, with its distance (start: 0)."""
    dist = {start: 0}
    frontier = {start[0]: {start[1]}}
    for step in range(1, max_steps + 1):
        nxt: dict[str, set[int]] = {}
        for up, down in _step(frontier, downstream):
            node = down if downstream else up
            if node not in dist:
                dist[node] = step
                nxt.setdefault(node[0], set()).add(node[1])
        if not nxt:
            break
        frontier = nxt
    return dist


def reaches(start: tuple[str, int], target: tuple[str, int]) -> bool:
    """Is target downstream of start (or the same node)?"""
    return target in walk(start, downstream=True)


# --- loading and visibility -------------------------------------------------------------


def _load(kind: str, ids: set[int]) -> dict[int, object]:
    if not ids:
        return {}
    if kind == "befund":
        q = select(Finding).options(joinedload(Finding.survey))
        model = Finding
    elif kind == "thema":
        q = select(TopicProposal).options(joinedload(TopicProposal.committee))
        model = TopicProposal
    elif kind == "top":
        q = select(AgendaItem).options(joinedload(AgendaItem.meeting).joinedload(Meeting.committee))
        model = AgendaItem
    elif kind == "eintrag":
        q = select(ProtocolEntry).options(
            joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee),
            joinedload(ProtocolEntry.agenda_item),
        )
        model = ProtocolEntry
    elif kind == "massnahme":
        q = select(Measure).options(joinedload(Measure.organisation))
        model = Measure
    elif kind == "ziel":
        q = select(Goal).options(selectinload(Goal.contracts))
        model = Goal
    elif kind == "kontrakt":
        q = select(Contract)
        model = Contract
    elif kind == "kennzahl":
        q = select(Indicator).options(
            joinedload(Indicator.contract), selectinload(Indicator.measurements), joinedload(Indicator.area)
        )
        model = Indicator
    elif kind == "bericht":
        q = select(Report).options(
            joinedload(Report.contract),
            joinedload(Report.duty).joinedload(ReportingDuty.party),
            selectinload(Report.measurements),
        )
        model = Report
    else:
        return {}
    return {o.id: o for o in db.session.scalars(q.where(model.id.in_(ids))).unique()}


def visible(user, kind: str, obj) -> bool:
    if user is None:
        return False
    if kind == "befund":
        return perm.can_view_survey_results(user, obj.survey)
    if kind == "thema":
        return perm.can_view_topics(user, obj.committee) and perm.can_view_topic_source(user, obj)
    if kind == "top":
        return perm.can_view_meeting(user, obj.meeting) and (
            obj.is_public or perm.can_view_internal_items(user, obj.meeting)
        )
    if kind == "eintrag":
        return pperm.can_view_decision(user, obj)
    if kind == "massnahme":
        return pperm.can_view_measure(user, obj)
    if kind == "ziel":
        return perm.can_view_goal(user, obj)
    if kind == "kontrakt":
        return perm.can_view_contract(user, obj)
    if kind == "kennzahl":
        return perm.can_view_indicator(user, obj)
    if kind == "bericht":
        return perm.can_view_report(user, obj)
    return False


@dataclass
class Node:
    kind: str
    id: int
    obj: object
    distance: int  # negative upstream, 0 the record itself, positive downstream
    linked_to: list[tuple[str, int]] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        if self.kind == "eintrag":
            return self.obj.kind
        return KINDS[self.kind]

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass
class Chain:
    start: Node | None
    nodes: list[Node]  # visible nodes, upstream first
    hidden: int  # nodes in the chain the user may not see
    monitoring: list = field(default_factory=list)

    @property
    def upstream(self) -> list[Node]:
        return [n for n in self.nodes if n.distance < 0]

    @property
    def downstream(self) -> list[Node]:
        return [n for n in self.nodes if n.distance > 0]

    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes if n.kind == kind]


ORDER = {k: i for i, k in enumerate(KINDS)}


def chain_for(user, kind: str, record_id: int) -> Chain:
    """The whole chain up- and downstream of one record, only with what the user may see."""
    if kind not in KINDS:
        from beteiligung.services import NotFound

        raise NotFound()
    start = (kind, record_id)
    up = walk(start, downstream=False)
    down = walk(start, downstream=True)
    distance = {node: -d for node, d in up.items()}
    for node, d in down.items():
        if node not in distance or d < -distance[node]:
            distance[node] = d
    by_kind: dict[str, set[int]] = {}
    for k, i in distance:
        by_kind.setdefault(k, set()).add(i)
    objects = {k: _load(k, ids) for k, ids in by_kind.items()}
    start_obj = objects.get(kind, {}).get(record_id)
    from beteiligung.services import NotFound

    if start_obj is None or not visible(user, kind, start_obj):
        raise NotFound()
    nodes, hidden = [], 0
    for (k, i), d in distance.items():
        obj = objects.get(k, {}).get(i)
        if obj is None:
            continue
        if not visible(user, k, obj):
            hidden += 1
            continue
        nodes.append(Node(k, i, obj, d))
    nodes.sort(key=lambda n: (n.distance, ORDER[n.kind], n.id))
    start_node = next(n for n in nodes if n.distance == 0)
    chain = Chain(start_node, nodes, hidden)
    chain.monitoring = area_monitoring_indicators(chain)
    return chain


def area_monitoring_indicators(chain: Chain) -> list[str]:
    """The last link of the chain: where the areas of the chain's measures, indicators and findings
    stand in the newest published Sozialmonitoring edition (class, rank, dynamics). Two queries,
    however long the chain."""
    from sqlalchemy import select

    from beteiligung.services import monitoring
    from models.planung import measure_area
    from models.surveys import finding_area

    measure_ids = [n.obj.id for n in chain.nodes if n.kind == "massnahme"]
    finding_ids = [n.obj.id for n in chain.nodes if n.kind == "befund"]
    areas = {n.obj.area_id for n in chain.nodes if n.kind == "kennzahl" and n.obj.area_id}
    if measure_ids or finding_ids:
        areas.update(
            db.session.scalars(
                select(measure_area.c.area_id)
                .where(measure_area.c.measure_id.in_(measure_ids))
                .union(select(finding_area.c.area_id).where(finding_area.c.finding_id.in_(finding_ids)))
            )
        )
    return monitoring.indicators_for_areas(areas)


def origin_committees(start: tuple[str, int]) -> list:
    """The committees that raised the need at the start of the chain: those of the most
    upstream Themenspeicher entry, TOP or protocol entry."""
    from models import Committee

    up = walk(start, downstream=False)
    candidates = [(d, k, i) for (k, i), d in up.items() if k in ("thema", "top", "eintrag") and d > 0]
    if not candidates:
        return []
    far = max(d for d, _k, _i in candidates)
    ids: set[int] = set()
    for d, k, i in candidates:
        if d != far:
            continue
        if k == "thema":
            ids.update(db.session.scalars(select(TopicProposal.committee_id).where(TopicProposal.id == i)))
        elif k == "top":
            ids.update(
                db.session.scalars(
                    select(Meeting.committee_id)
                    .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                    .where(AgendaItem.id == i)
                )
            )
        else:
            ids.update(
                db.session.scalars(
                    select(Meeting.committee_id)
                    .join(Protocol, Protocol.meeting_id == Meeting.id)
                    .join(ProtocolEntry, ProtocolEntry.protocol_id == Protocol.id)
                    .where(ProtocolEntry.id == i)
                )
            )
    return list(db.session.scalars(select(Committee).where(Committee.id.in_(ids)).order_by(Committee.id)))
