"""Themenspeicher eines Gremiums: Themen vorschlagen (auch aus Protokollen, Berichten, Befragungen,
Maßnahmen), auf eine Tagesordnung setzen, Status."""

from __future__ import annotations

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import TOPIC_STATES, AgendaItem, Committee, Meeting, TopicProposal
from models.committees import TopicStatus

from .. import NotFound, ValidationError, require
from ..audit import record, snapshot
from .tagesordnung import add_item

TOPIC_SOURCES = {
    "mitglied": "Vorschlag aus dem Gremium",
    "protokolleintrag": "Protokoll",
    "bericht": "Kontraktbericht",
    "befund": "Befragung",
    "massnahme": "Maßnahme",
    "sonstiges": "Sonstiges",
}


# --- Themenspeicher -----------------------------------------------------------


def propose_topic(
    user_or_none,
    committee: Committee,
    title: str,
    description: str | None,
    source_type: str,
    source_id: int | None,
    source_label: str | None,
) -> TopicProposal:
    """Put a topic into the committee's Themenspeicher.

    Called by members (user given, permission: may view the committee) and by other
    modules (protocols, contracts, surveys) with user None after their own checks.
    """
    if user_or_none is not None:
        require(perm.can_propose_topic(user_or_none, committee))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Bitte einen Titel für das Thema angeben."})
    if len(title) > 300:
        raise ValidationError({"title": "Der Titel ist zu lang (höchstens 300 Zeichen)."})
    if source_type not in TOPIC_SOURCES:
        raise ValidationError({"source_type": "Unbekannte Herkunft des Themas."})
    topic = TopicProposal(
        committee=committee,
        title=title,
        description=(description or None),
        source_type=source_type,
        source_id=source_id,
        source_label=(source_label or None) and source_label[:300],
        proposed_by_id=getattr(user_or_none, "id", None),
        status="offen",
    )
    db.session.add(topic)
    record(user_or_none, "create", topic, None, snapshot(topic), f"Themenspeicher {committee.name}: {title}")
    return topic


def schedule_topic(user, topic: TopicProposal, meeting: Meeting) -> AgendaItem:
    """Move a topic onto the agenda of a meeting of the same committee (creates a TOP)."""
    require(perm.can_manage_committee(user, topic.committee))
    if meeting.committee_id != topic.committee_id:
        raise NotFound()
    if topic.status != "offen":
        raise ValidationError("Dieses Thema ist nicht mehr offen.")
    # A contract report's deviation carries a partner's figures: its TOP starts non-public.
    item = add_item(
        user,
        meeting,
        {"title": topic.title, "description": topic.description, "is_public": topic.source_type != "bericht"},
    )
    before = snapshot(topic)
    topic.agenda_item = item
    topic.status = TopicStatus.EINGEPLANT
    record(user, "update", topic, before, snapshot(topic), f"Thema eingeplant: {topic.title}")
    return item


def set_topic_status(user, topic: TopicProposal, status: str) -> None:
    require(perm.can_manage_committee(user, topic.committee))
    if status not in TOPIC_STATES:
        raise ValidationError("Unbekannter Status.")
    before = snapshot(topic)
    topic.status = status
    if status == "offen":
        topic.agenda_item = None
    record(user, "update", topic, before, snapshot(topic), f"Thema {status}: {topic.title}")
