"""Grabsteine: OParl forbids objects to simply vanish. When a public object is deleted or stops
being public (a Gremium or Sitzung set to non-public, a TOP made internal, a Vorlage withdrawn,
a person anonymised or their consent to publication withdrawn), a Tombstone records it, in the
same transaction as the change; the API then serves {"deleted": true} under the old id.
Becoming public again removes the tombstone.

Implemented as one before_flush listener, so no other module has to remember it.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models import AgendaItem, Committee, Meeting, Membership, Person, utcnow
from models.oparl import Paper, PaperConsultation, PaperFile, PaperState, PublicationConsent, Tombstone


def _was(obj, attr: str):
    """The value of attr before this flush (the current one if unchanged)."""
    hist = inspect(obj).attrs[attr].history
    if hist.deleted:
        return hist.deleted[0]
    return getattr(obj, attr)


def _committee_was_public(c) -> bool:
    return bool(_was(c, "is_public"))


def _meeting_was_public(m) -> bool:
    return bool(_was(m, "is_public")) and m.committee is not None and _committee_was_public(m.committee)


def _item_was_public(i) -> bool:
    return bool(_was(i, "is_public")) and i.meeting is not None and _meeting_was_public(i.meeting)


def _consented(session, person_id, gone: set[int]) -> bool:
    if person_id in gone:
        return False
    with session.no_autoflush:
        return session.get(PublicationConsent, person_id) is not None


class _Collector:
    def __init__(self, session):
        self.session = session
        self.add: dict[tuple[str, int], tuple] = {}
        self.remove: set[tuple[str, int]] = set()

    def dead(self, kind, obj, body_id):
        if obj.id is None:
            return
        keep = {"order": _was(obj, "position") or 0} if kind == "agenda_item" else None
        self.add[(kind, obj.id)] = (obj.created_at or utcnow(), body_id, keep)

    def alive(self, kind, obj):
        if obj.id is not None:
            self.remove.add((kind, obj.id))

    def meeting_tree(self, m, body_id, only_public=True):
        self.dead("meeting", m, body_id)
        if m.location:
            self.dead("location", m, body_id)
        for i in m.agenda_items:
            if i.is_public or not only_public:
                self.dead("agenda_item", i, body_id)


def _before_flush(session: Session, flush_context, instances) -> None:
    col = _Collector(session)
    consent_gone = {o.person_id for o in session.deleted if isinstance(o, PublicationConsent)}
    consent_new = {o.person_id for o in session.new if isinstance(o, PublicationConsent)}
    with session.no_autoflush:
        for obj in list(session.deleted):
            if isinstance(obj, Committee) and _committee_was_public(obj):
                col.dead("committee", obj, obj.body_id)
                for m in obj.meetings:
                    if m.is_public:
                        col.meeting_tree(m, obj.body_id)
                for ms in obj.memberships:
                    col.dead("membership", ms, obj.body_id)
            elif isinstance(obj, Meeting) and _meeting_was_public(obj):
                col.meeting_tree(obj, obj.committee.body_id)
            elif isinstance(obj, AgendaItem) and _item_was_public(obj):
                col.dead("agenda_item", obj, obj.meeting.committee.body_id)
            elif isinstance(obj, Membership) and obj.committee is not None and obj.committee.is_public:
                col.dead("membership", obj, obj.committee.body_id)
            elif isinstance(obj, Paper) and _was(obj, "state") == PaperState.VEROEFFENTLICHT:
                _paper_dead(col, obj)
            elif isinstance(obj, PublicationConsent):
                person = obj.person or session.get(Person, obj.person_id)
                if person is not None:
                    _person_dead(col, session, person)
            elif isinstance(obj, Person) and _consented(session, obj.id, set()):
                _person_dead(col, session, obj)
        for obj in list(session.dirty):
            if not session.is_modified(obj):
                continue
            if isinstance(obj, Committee):
                was, now = _committee_was_public(obj), bool(obj.is_public)
                if was and not now:
                    col.dead("committee", obj, obj.body_id)
                    for m in obj.meetings:
                        if m.is_public:
                            col.meeting_tree(m, obj.body_id)
                    for ms in obj.memberships:
                        col.dead("membership", ms, obj.body_id)
                elif now and not was:
                    col.alive("committee", obj)
            elif isinstance(obj, Meeting):
                was, now = _meeting_was_public(obj), bool(obj.is_public) and obj.committee.is_public
                if was and not now:
                    col.meeting_tree(obj, obj.committee.body_id)
                elif now and not was:
                    col.alive("meeting", obj)
                    col.alive("location", obj)
            elif isinstance(obj, AgendaItem):
                was = _item_was_public(obj)
                now = (
                    bool(obj.is_public)
                    and obj.meeting is not None
                    and obj.meeting.is_public
                    and obj.meeting.committee.is_public
                )
                if was and not now:
                    col.dead("agenda_item", obj, obj.meeting.committee.body_id)
                elif now and not was:
                    col.alive("agenda_item", obj)
            elif isinstance(obj, Paper):
                was = _was(obj, "state") == PaperState.VEROEFFENTLICHT
                now = obj.state == PaperState.VEROEFFENTLICHT
                if was and not now:
                    _paper_dead(col, obj)
                elif now and not was:
                    col.alive("paper", obj)
                    for c in obj.consultations:
                        col.alive("consultation", c)
            elif isinstance(obj, Person):
                if (
                    _was(obj, "anonymised_at") is None
                    and obj.anonymised_at is not None
                    and _consented(session, obj.id, consent_gone)
                ):
                    _person_dead(col, session, obj)
        for pid in consent_new:
            col.remove.add(("person", pid))
    if not col.add and not col.remove:
        return
    with session.no_autoflush:
        keys = set(col.add) | col.remove
        existing = {
            (t.object_type, t.object_id): t
            for t in session.scalars(
                select(Tombstone).where(
                    Tombstone.object_type.in_({k for k, _ in keys}), Tombstone.object_id.in_({i for _, i in keys})
                )
            )
        }
    for key in col.remove - set(col.add):
        if key in existing:
            session.delete(existing[key])
    for (kind, oid), (created, body_id, keep) in col.add.items():
        t = existing.get((kind, oid))
        if t is None:
            session.add(
                Tombstone(
                    object_type=kind, object_id=oid, created=created, body_id=body_id, keep=keep, deleted_at=utcnow()
                )
            )
        else:
            t.deleted_at = utcnow()


def _paper_dead(col: _Collector, paper: Paper) -> None:
    col.dead("paper", paper, paper.body_id)
    for f in paper.files:
        col.dead("file", f, paper.body_id)
    for c in paper.consultations:
        col.dead("consultation", c, paper.body_id)


def _person_dead(col: _Collector, session, person: Person) -> None:
    col.dead("person", person, person.body_id)
    for ms in session.scalars(select(Membership).where(Membership.person_id == person.id)):
        if ms.committee.is_public:
            col.dead("membership", ms, ms.committee.body_id)


_installed = False


def install() -> None:
    """Listen on every Session (idempotent); called when the oparl views are registered."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    _installed = True


__all__ = ["install", "PaperConsultation", "PaperFile"]
