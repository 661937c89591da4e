"""Gremien und Sitzungen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select, true

from beteiligung.extensions import db

from .core import request_cached, scope_of

if TYPE_CHECKING:
    from models import Committee, Meeting, TopicProposal

    from .core import Actor

# --- Gremien und Sitzungen (issue 3) --------------------------------------------
# Core rules (foundation): planners manage the committees of their own body, the
# Sozialraummanagement those tied to its areas; staff of the Kreis read all; a
# partner reads committees where their organisation (or their person) is a member;
# Politik reads the committees of its Kreis. Public committees are readable by every
# signed-in user (citizens use the separate public pages).


def _member_committee_ids(user: Actor) -> set[int]:
    from models import Membership

    s = scope_of(user)

    def compute() -> set[int]:
        conds = []
        if s.partner_org_ids:
            conds.append(Membership.organisation_id.in_(s.partner_org_ids))
        if getattr(user, "person_id", None):
            conds.append(Membership.person_id == user.person_id)
        return set(db.session.scalars(select(Membership.committee_id).where(or_(*conds)))) if conds else set()

    return request_cached(f"_member_committees_{getattr(user, 'id', None)}", compute)


def can_create_committee(user: Actor, body_id: int | None = None) -> bool:
    s = scope_of(user)
    bodies = s.planner_body_ids | s.area_body_ids
    return s.admin or (body_id in bodies if body_id else bool(bodies))


def can_manage_committee(user: Actor, committee: Committee) -> bool:
    s = scope_of(user)
    if s.admin or committee.body_id in s.planner_body_ids:
        return True
    return bool(s.area_ids) and any(a.id in s.area_ids for a in committee.areas)


def can_view_committee(user: Actor, committee: Committee) -> bool:
    s = scope_of(user)
    if not s.authenticated:
        return False
    if s.admin or committee.is_public:
        return True
    if committee.body_id in s.tree_body_ids and (s.planner_body_ids or s.area_ids or s.politics_body_ids):
        return True
    return committee.id in _member_committee_ids(user)


def committee_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: committees this user may see (mirrors can_view_committee)."""
    from models import Committee

    s = scope_of(user)
    if s.admin:
        return true()
    conds = [Committee.is_public.is_(True)]
    if s.planner_body_ids or s.area_ids or s.politics_body_ids:
        conds.append(Committee.body_id.in_(s.tree_body_ids))
    member = _member_committee_ids(user)
    if member:
        conds.append(Committee.id.in_(member))
    return or_(*conds)


def can_view_meeting(user: Actor, meeting: Meeting) -> bool:
    return can_view_committee(user, meeting.committee)


def can_manage_meeting(user: Actor, meeting: Meeting) -> bool:
    return can_manage_committee(user, meeting.committee)


def can_manage_committee_types(user: Actor) -> bool:
    return scope_of(user).planner


def _is_member_or_staff(user: Actor, committee: Committee) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    if committee.body_id in s.tree_body_ids and (s.planner_body_ids or s.area_ids):
        return True
    return committee.id in _member_committee_ids(user)


def can_propose_topic(user: Actor, committee: Committee) -> bool:
    """Members and staff of the Kreis fill the Themenspeicher; Politik only reads."""
    return can_view_committee(user, committee) and _is_member_or_staff(user, committee)


def can_view_topics(user: Actor, committee: Committee) -> bool:
    return can_view_committee(user, committee) and _is_member_or_staff(user, committee)


def can_view_topic_source(user: Actor, topic: TopicProposal) -> bool:
    """Title, description and origin of a Themenspeicher entry. A contract report deviation is
    proposed automatically with the contract's figures: only who may see that report reads them
    (another partner who sits in the same committee must not)."""
    if topic.source_type == "bericht" and topic.source_id:
        from models.contracts import Report

        from .kontrakte import can_view_report

        report = db.session.get(Report, topic.source_id)
        return report is not None and can_view_report(user, report)
    return True


def can_view_internal_items(user: Actor, meeting: Meeting) -> bool:
    """Non-public TOPs: staff of the Kreis, members and Politik of the body; never the public."""
    s = scope_of(user)
    c = meeting.committee
    if _is_member_or_staff(user, c):
        return True
    return c.body_id in s.tree_body_ids and bool(s.politics_body_ids)


def can_view_invitations(user: Actor, meeting: Meeting) -> bool:
    """Who was invited and what they answered: the organisers only."""
    return can_manage_meeting(user, meeting)


def can_use_calendar_feed(user: Actor) -> bool:
    return scope_of(user).authenticated


def meeting_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: meetings this user may see (those of visible committees)."""
    from models import Committee, Meeting

    s = scope_of(user)
    if s.admin:
        return true()
    return Meeting.committee_id.in_(select(Committee.id).where(committee_filter(user)))
