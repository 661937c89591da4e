"""Protokoll, Beschlüsse, Nachhalten."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from models.protocols import ProtocolStatus

from .core import scope_of
from .gremien import (
    _member_committee_ids,
    can_manage_committee,
    can_manage_meeting,
    can_view_committee,
    can_view_internal_items,
    can_view_meeting,
    committee_filter,
)

if TYPE_CHECKING:
    from models import Committee, Meeting
    from models.protocols import ProtocolEntry

    from .core import Actor

# --- Protokoll, Beschlüsse, Nachhalten (issue 4) ----------------------------------
# Editing a protocol: managers of the committee and the meeting's roles
# (Sitzungsleitung, Moderation, Protokollführung). Reading: everybody who may see
# the meeting, except that a draft (Entwurf) is only visible to editors, and
# Politik (without staff or member rights) reads decisions and the Kurzfassung only.


def _meeting_role_names(user: Actor, meeting: Meeting) -> set[str]:
    """The roles the user holds in this meeting: roles held by the person the account is linked to."""
    pid = getattr(user, "person_id", None)
    if pid is None:
        return set()
    return {r.role for r in getattr(meeting, "protocol_roles", []) if r.person_id == pid}


def _role_meeting_ids(user: Actor):
    """SQL: ids of the meetings in which the user (through their person) holds a role."""
    from models.protocols import MeetingRole

    pid = getattr(user, "person_id", None)
    return select(MeetingRole.meeting_id).where(MeetingRole.person_id == pid if pid is not None else false())


def _politics_only(user: Actor, committee: Committee) -> bool:
    s = scope_of(user)
    return (
        bool(s.politics_body_ids)
        and not s.staff
        and committee.id not in _member_committee_ids(user)
        and not committee.is_public
    )


def can_edit_protocol(user: Actor, meeting: Meeting) -> bool:
    if not scope_of(user).authenticated or not can_view_meeting(user, meeting):
        return False
    return can_manage_meeting(user, meeting) or bool(_meeting_role_names(user, meeting))


def can_record_attendance(user: Actor, meeting: Meeting) -> bool:
    return can_edit_protocol(user, meeting)


def can_assign_meeting_roles(user: Actor, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_approve_protocol(user: Actor, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting) or "sitzungsleitung" in _meeting_role_names(user, meeting)


def can_view_protocol(user: Actor, meeting: Meeting) -> bool:
    """The full protocol (attendance, all entries)."""
    if not can_view_meeting(user, meeting):
        return False
    if can_edit_protocol(user, meeting):
        return True
    if _politics_only(user, meeting.committee):
        return False
    protocol = getattr(meeting, "protocol", None)
    return protocol is not None and protocol.status != ProtocolStatus.ENTWURF


def can_read_decisions(user: Actor, meeting: Meeting) -> bool:
    """Decisions and the Kurzfassung (Politik included) once the protocol left the draft."""
    if not can_view_meeting(user, meeting):
        return False
    if can_edit_protocol(user, meeting):
        return True
    protocol = getattr(meeting, "protocol", None)
    return protocol is not None and protocol.status != ProtocolStatus.ENTWURF


def can_object_protocol(user: Actor, meeting: Meeting) -> bool:
    protocol = getattr(meeting, "protocol", None)
    return (
        protocol is not None
        and protocol.status == ProtocolStatus.ZUR_ABSTIMMUNG
        and can_view_protocol(user, meeting)
        and not _politics_only(user, meeting.committee)
    )


def can_read_entry(user: Actor, entry: ProtocolEntry) -> bool:
    """May this user read this protocol entry? Who may see the meeting; a draft protocol's entries only
    its editors; a non-public TOP's entries only who may see non-public TOPs. The one rule behind the
    protocol page, Nachhalten (followup_filter is its SQL twin), the owner's status update and the open
    items of earlier meetings."""
    meeting = entry.protocol.meeting
    if not can_view_meeting(user, meeting):
        return False
    if entry.protocol.status == ProtocolStatus.ENTWURF and not can_edit_protocol(user, meeting):
        return False
    item = entry.agenda_item
    return item is None or item.is_public or can_view_internal_items(user, meeting)


def can_update_followup(user: Actor, entry: ProtocolEntry) -> bool:
    """Status of a task/decision: editors of its meeting, or the owner (person or organisation) once
    the owner may read the entry (can_read_entry)."""
    meeting = entry.protocol.meeting
    if not can_view_meeting(user, meeting):
        return False
    if can_edit_protocol(user, meeting):
        return True
    if not can_read_entry(user, entry):
        return False
    s = scope_of(user)
    if entry.owner_org_id is not None and entry.owner_org_id in s.partner_org_ids:
        return True
    pid = getattr(user, "person_id", None)
    return pid is not None and entry.owner_person_id == pid


def can_forward_entry(user: Actor, entry: ProtocolEntry, target_committee: Committee | None = None) -> bool:
    if not can_edit_protocol(user, entry.protocol.meeting):
        return False
    return target_committee is None or can_view_committee(user, target_committee)


def can_record_political_resolution(user: Actor, entry: ProtocolEntry) -> bool:
    return can_manage_meeting(user, entry.protocol.meeting)


def can_view_committee_health(user: Actor, committee: Committee) -> bool:
    s = scope_of(user)
    return can_view_committee(user, committee) and (s.staff or can_manage_committee(user, committee))


def followup_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on ProtocolEntry joined with Protocol, Meeting, Committee: rows for the Nachhalten list."""
    from sqlalchemy import and_

    from models import Committee
    from models.protocols import Protocol

    s = scope_of(user)
    if s.admin:
        return true()
    visible = committee_filter(user)
    manageable = []
    if s.planner_body_ids:
        manageable.append(Committee.body_id.in_(s.planner_body_ids))
    if s.area_ids:
        from models.committees import committee_area

        manageable.append(
            Committee.id.in_(select(committee_area.c.committee_id).where(committee_area.c.area_id.in_(s.area_ids)))
        )
    from models import Meeting

    draft_ok = or_(Protocol.status != ProtocolStatus.ENTWURF, Meeting.id.in_(_role_meeting_ids(user)), *manageable)
    # Entries of non-public TOPs: only for who may see non-public TOPs (mirrors can_view_internal_items).
    from models import AgendaItem
    from models.protocols import ProtocolEntry

    internal = [
        ProtocolEntry.agenda_item_id.is_(None),
        # the TOP's flag by a correlated primary-key look-up per entry, not `IN (all public TOPs)`: SQLite built
        # that list from every TOP of the Kreis on each request, and PostgreSQL hashes an IN or EXISTS here
        # (a scan of all TOPs per request); a scalar subquery stays a look-up on both
        select(AgendaItem.is_public).where(AgendaItem.id == ProtocolEntry.agenda_item_id).scalar_subquery().is_(True),
    ]
    if s.tree_body_ids and (s.planner_body_ids or s.area_ids or s.politics_body_ids):
        internal.append(Committee.body_id.in_(s.tree_body_ids))
    member = _member_committee_ids(user)
    if member:
        internal.append(Committee.id.in_(member))
    return and_(visible, draft_ok, or_(*internal))


def attendance_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on Meeting joined with Committee: meetings whose attendance list this user may read
    (the SQL twin of can_view_protocol): editors of the protocol (the committee's managers, the meeting's
    roles) always; other readers once the protocol left the draft, and Politik only where it reads full
    protocols (public committees, its own memberships)."""
    from sqlalchemy import exists

    from models import Committee, Meeting
    from models.committees import committee_area
    from models.protocols import Protocol

    s = scope_of(user)
    if s.admin:
        return true()
    editable = [Meeting.id.in_(_role_meeting_ids(user))]
    if s.planner_body_ids:
        editable.append(Committee.body_id.in_(s.planner_body_ids))
    if s.area_ids:
        editable.append(
            Committee.id.in_(select(committee_area.c.committee_id).where(committee_area.c.area_id.in_(s.area_ids)))
        )
    published = exists().where(Protocol.meeting_id == Meeting.id, Protocol.status != ProtocolStatus.ENTWURF)
    if not s.staff:
        member = _member_committee_ids(user)
        published = published & or_(Committee.is_public.is_(True), Committee.id.in_(member or {-1}))
    return or_(*editable, published)
