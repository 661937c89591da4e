"""Die Wirkungskette für Bürger·innen: what became of a survey finding.

Registers follow-up providers with the surveys module (services.befragungen.kodierung): from a
finding's Themenspeicher entry to the agenda item it landed on, the decisions and
tasks recorded there (following one forwarding, e.g. a Sozialraumkonferenz's
Empfehlung sent up to the Sozialplanungskonferenz), and the goals that name the
finding as their source. Only what may be public is shown: entries of approved
protocols on public agenda items, goals beyond the draft stage.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from beteiligung.extensions import db
from models import AgendaItem, Meeting, TopicProposal
from models.contracts import Goal, GoalStatus
from models.protocols import EntryKind, Protocol, ProtocolEntry, ProtocolStatus

from .kodierung import FollowUp, register_followup_provider

PUBLIC_KINDS = (EntryKind.BESCHLUSS, EntryKind.AUFGABE, EntryKind.EMPFEHLUNG)


def _public_entries(item_ids: set[int]) -> list[ProtocolEntry]:
    if not item_ids:
        return []
    return list(
        db.session.scalars(
            select(ProtocolEntry)
            .join(Protocol, Protocol.id == ProtocolEntry.protocol_id)
            .join(AgendaItem, AgendaItem.id == ProtocolEntry.agenda_item_id)
            .where(
                ProtocolEntry.agenda_item_id.in_(item_ids),
                ProtocolEntry.kind.in_(PUBLIC_KINDS),
                Protocol.status == ProtocolStatus.GENEHMIGT,
                AgendaItem.is_public.is_(True),
            )
            .options(
                joinedload(ProtocolEntry.forwarded_topic)
                .joinedload(TopicProposal.agenda_item)
                .joinedload(AgendaItem.meeting)
                .joinedload(Meeting.committee),
                joinedload(ProtocolEntry.forwarded_topic).joinedload(TopicProposal.committee),
            )
            .order_by(ProtocolEntry.agenda_item_id, ProtocolEntry.position)
        )
    )


def _entry_line(entry: ProtocolEntry) -> FollowUp:
    if entry.kind == EntryKind.BESCHLUSS:
        return FollowUp("Beschluss", entry.text, "verbindlich" if entry.binding else "Empfehlung des Gremiums")
    if entry.kind == EntryKind.AUFGABE:
        return FollowUp("Aufgabe", entry.text, entry.status or "offen", entry.due_date)
    return FollowUp("Empfehlung", entry.text, None)


def _protocol_followups(findings) -> dict[int, list[FollowUp]]:
    ids = [f.id for f in findings]
    if not ids:
        return {}
    topics = list(
        db.session.scalars(
            select(TopicProposal).where(
                TopicProposal.source_type == "befund",
                TopicProposal.source_id.in_(ids),
                TopicProposal.agenda_item_id.is_not(None),
            )
        )
    )
    first = _public_entries({t.agenda_item_id for t in topics})
    # One forwarding further up (e.g. Sozialraumkonferenz → Sozialplanungskonferenz).
    forwarded_items = {
        e.forwarded_topic.agenda_item_id
        for e in first
        if e.forwarded_topic is not None and e.forwarded_topic.agenda_item_id
    }
    second = _public_entries(forwarded_items)
    by_item: dict[int, list[ProtocolEntry]] = {}
    for e in first + second:
        by_item.setdefault(e.agenda_item_id, []).append(e)
    out: dict[int, list[FollowUp]] = {}
    for t in topics:
        lines = out.setdefault(t.source_id, [])
        for e in by_item.get(t.agenda_item_id, []):
            lines.append(_entry_line(e))
            fwd = e.forwarded_topic
            if fwd is not None:
                lines.append(FollowUp("Weitergeleitet", f"an {fwd.committee.name}: {fwd.title}", fwd.status))
                if fwd.agenda_item is not None and fwd.agenda_item.is_public:
                    m = fwd.agenda_item.meeting
                    lines.append(
                        FollowUp("Tagesordnung", f"Beraten in „{m.title}“ ({m.committee.name})", m.status, m.start)
                    )
                    lines.extend(_entry_line(x) for x in by_item.get(fwd.agenda_item_id, []))
    return out


def _goal_followups(findings) -> dict[int, list[FollowUp]]:
    ids = [f.id for f in findings]
    if not ids:
        return {}
    out: dict[int, list[FollowUp]] = {}
    for g in db.session.scalars(
        select(Goal).where(Goal.source_finding_id.in_(ids), Goal.status != GoalStatus.ENTWURF).order_by(Goal.id)
    ):
        out.setdefault(g.source_finding_id, []).append(FollowUp("Ziel", f"{g.level}: {g.title}", g.status, g.due_date))
    return out


register_followup_provider("protokolle", _protocol_followups)
register_followup_provider("ziele", _goal_followups)
