"""The public "Was aus Ihren Hinweisen wurde" page reaches the measures.

Same rules as the protocol and goal lines (services.befragungen.wirkungskette): a measure appears when it
is marked public, is in Umsetzung or abgeschlossen, and is reached only through public steps —
an entry of an approved protocol on a public TOP that came from the finding (following one
forwarding), or a goal beyond the draft stage that names the finding as its source.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from beteiligung.extensions import db
from beteiligung.services.befragungen.kodierung import FollowUp, register_followup_provider
from beteiligung.services.befragungen.wirkungskette import _public_entries
from models import TopicProposal
from models.contracts import Goal
from models.planung import (
    MEASURE_PUBLIC_STATES,
    Measure,
    decision_measure,
    measure_goal,
)


def _measure_followups(findings) -> dict[int, list[FollowUp]]:
    ids = [f.id for f in findings]
    if not ids:
        return {}
    topics = db.session.execute(
        select(TopicProposal.source_id, TopicProposal.agenda_item_id).where(
            TopicProposal.source_type == "befund",
            TopicProposal.source_id.in_(ids),
            TopicProposal.agenda_item_id.is_not(None),
        )
    ).all()
    finding_of_item: dict[int, set[int]] = {}
    for fid, item_id in topics:
        finding_of_item.setdefault(item_id, set()).add(fid)
    first = _public_entries(set(finding_of_item))
    finding_of_entry: dict[int, set[int]] = {}
    forwarded: dict[int, set[int]] = {}
    for e in first:
        finding_of_entry.setdefault(e.id, set()).update(finding_of_item.get(e.agenda_item_id, ()))
        fwd = e.forwarded_topic
        if fwd is not None and fwd.agenda_item_id:
            forwarded.setdefault(fwd.agenda_item_id, set()).update(finding_of_item.get(e.agenda_item_id, ()))
    for e in _public_entries(set(forwarded)):
        finding_of_entry.setdefault(e.id, set()).update(forwarded.get(e.agenda_item_id, ()))
    finding_of_measure: dict[int, set[int]] = {}
    if finding_of_entry:
        for entry_id, measure_id in db.session.execute(
            select(decision_measure.c.entry_id, decision_measure.c.measure_id).where(
                decision_measure.c.entry_id.in_(finding_of_entry)
            )
        ):
            finding_of_measure.setdefault(measure_id, set()).update(finding_of_entry[entry_id])
    for fid, measure_id in db.session.execute(
        select(Goal.source_finding_id, measure_goal.c.measure_id)
        .join(measure_goal, measure_goal.c.goal_id == Goal.id)
        .where(Goal.source_finding_id.in_(ids), Goal.status != "Entwurf")
    ):
        finding_of_measure.setdefault(measure_id, set()).add(fid)
    if not finding_of_measure:
        return {}
    measures = db.session.scalars(
        select(Measure)
        .where(
            Measure.id.in_(finding_of_measure),
            Measure.is_public.is_(True),
            Measure.status.in_([s.value for s in MEASURE_PUBLIC_STATES]),
        )
        .options(joinedload(Measure.organisation))
        .order_by(Measure.id)
    ).all()
    out: dict[int, list[FollowUp]] = {}
    for m in measures:
        for fid in sorted(finding_of_measure[m.id]):
            out.setdefault(fid, []).append(
                FollowUp(
                    "Maßnahme",
                    f"{m.title} ({m.organisation.name})",
                    f"{m.status_label}, {m.progress} % umgesetzt",
                    m.end_date,
                )
            )
    return out


register_followup_provider("massnahmen", _measure_followups)
